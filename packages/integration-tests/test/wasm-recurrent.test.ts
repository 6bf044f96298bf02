/** RNN, LSTM, GRU and the cells on wasm: the same PyTorch parity cases as on cpu. */
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll } from 'vitest';
import { runRecurrentParity } from '../../layers/test/recurrent-parity.js';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
  registerBackend(backend);
});
afterAll(() => backend.dispose?.());

runRecurrentParity('wasm');
