/** Attention and the Transformer layers on WebGPU: the same PyTorch parity cases as on cpu, or a loud skip. */
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runAttentionParity } from '../../layers/test/attention-parity.js';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

if (await webgpuAvailable('webgpu-attention.test.ts')) {
  let backend: WebGPUBackend;
  beforeAll(async () => {
    backend = (await tryWebGPU())!;
    registerBackend(backend);
  });
  afterAll(() => backend?.dispose());
  runAttentionParity('webgpu');
} else {
  describe.skip('attention parity: webgpu (no WebGPU adapter; see the warning above)', () => {
    it('skipped', () => {});
  });
}
