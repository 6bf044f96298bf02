import { defineConfig } from 'tsup';
import base from '../../tooling/tsup.base.js';

// Two entries: the main one, and '@nn/train/node' (the terminal progress bar, Node only).
export default defineConfig({ ...(base as object), entry: ['src/index.ts', 'src/node.ts'] });
