/**
 * The conformance suite again with two threads and every split threshold at its minimum, so even
 * the suite's small calls are divided between the calling thread and a worker.
 */
import { runBackendConformance } from '@nn/backend-tests';
import { createWasmBackend } from '../src/index.js';

const thresholds = { elementwise: 1, transcendental: 1, matmul: 1 };

runBackendConformance('wasm', () => createWasmBackend({ threads: 2, thresholds }));
