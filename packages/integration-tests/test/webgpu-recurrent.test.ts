/** RNN, LSTM, GRU and the cells on WebGPU: the same PyTorch parity cases as on cpu, or a loud skip. */
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runRecurrentParity } from '../../layers/test/recurrent-parity.js';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

if (await webgpuAvailable('webgpu-recurrent.test.ts')) {
  let backend: WebGPUBackend;
  beforeAll(async () => {
    backend = (await tryWebGPU())!;
    registerBackend(backend);
  });
  afterAll(() => backend?.dispose());
  runRecurrentParity('webgpu');
} else {
  describe.skip('recurrent parity: webgpu (no WebGPU adapter; see the warning above)', () => {
    it('skipped', () => {});
  });
}
