/** Convolutional ops and modules on wasm: the same PyTorch parity cases as on cpu. */
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll } from 'vitest';
import { runConvParity } from '../../layers/test/conv-parity.js';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
  registerBackend(backend);
});
afterAll(() => backend.dispose?.());

runConvParity('wasm');
