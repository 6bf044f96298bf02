/** The @nn/backend-tests conformance suite, unchanged, on the wasm backend (one thread). */
import { runBackendConformance } from '@nn/backend-tests';
import { createWasmBackend } from '../src/index.js';

runBackendConformance('wasm', () => createWasmBackend({ threads: 1 }));
