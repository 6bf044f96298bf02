/** Attention and the Transformer layers on wasm: the same PyTorch parity cases as on cpu. */
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll } from 'vitest';
import { runAttentionParity } from '../../layers/test/attention-parity.js';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
  registerBackend(backend);
});
afterAll(() => backend.dispose?.());

runAttentionParity('wasm');
