/** Convolutional ops and modules on WebGPU: the same PyTorch parity cases as on cpu, or a loud skip. */
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runConvParity } from '../../layers/test/conv-parity.js';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

if (await webgpuAvailable('webgpu-conv.test.ts')) {
  let backend: WebGPUBackend;
  beforeAll(async () => {
    backend = (await tryWebGPU())!;
    registerBackend(backend);
  });
  afterAll(() => backend?.dispose());
  runConvParity('webgpu');
} else {
  describe.skip('convolution parity: webgpu (no WebGPU adapter; see the warning above)', () => {
    it('skipped', () => {});
  });
}
