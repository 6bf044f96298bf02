/** The shared conformance suite, unchanged, on WebGPU (Dawn + the Vulkan driver in Node). */
import { runBackendConformance } from '@nn/backend-tests';
import { describe, it } from 'vitest';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

if (await webgpuAvailable('conformance.test.ts')) {
  runBackendConformance('webgpu', async () => {
    const be = await tryWebGPU();
    if (be === null) throw new Error('WebGPU adapter disappeared');
    return be;
  });
} else {
  describe.skip('backend conformance: webgpu (no WebGPU adapter; see the warning above)', () => {
    it('skipped', () => {});
  });
}
