import { defineConfig } from 'tsup';
import base from '../../tooling/tsup.base.js';

// Two entries: the user API and the backend kit (`@nn/tensor/backend`). Code they share (the
// Tensor class, the registry) lands in one chunk, so both see the same module instances.
export default defineConfig({ ...base, entry: { index: 'src/index.ts', backend: 'src/backend/index.ts' } });
