/**
 * Out-of-range indices reaching WebGPU through layers and losses (Embedding, crossEntropy,
 * nllLoss): raised as the cpu backend's ValueRangeError, same text, at the next read. The
 * op-level checks are in packages/webgpu-backend/test/index-checks.test.ts.
 */
import * as L from '@nn/layers';
import * as nn from '@nn/tensor';
import { registerBackend } from '@nn/tensor';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryWebGPU, webgpuAvailable } from './gpu.js';
import { floats, ints, sameError } from '../../webgpu-backend/test/index-check-helpers.js';

const ok = await webgpuAvailable('webgpu-index-checks.test.ts');

describe.skipIf(!ok)('webgpu index checks through layers and losses', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  it('Embedding: a token id past the table', async () => {
    const emb = new L.Embedding(3, 4);
    const msg = await sameError((b) => {
      emb.to(b);
      return emb.forward(ints([0, 2, 3, 1], [2, 2], b));
    });
    expect(msg).toBe('indexSelect: index 3 is out of range for dim 0 of size 3 (valid: 0 to 2)');
  });

  it('crossEntropy: target 3 of 3 classes raises; ignoreIndex targets do not', async () => {
    const msg = await sameError((b) => L.crossEntropy(floats([4, 3], b), ints([0, 2, 3, 1], undefined, b)));
    expect(msg).toBe('crossEntropy: target 3 at position 2 is out of range for 3 classes (valid: 0 to 2, or ignoreIndex -100)');
    for (const ignoreIndex of [-100, 3]) {
      const loss = async (b: string): Promise<number> =>
        (await L.crossEntropy(floats([4, 3], b), ints([0, ignoreIndex, 2, ignoreIndex], undefined, b), { ignoreIndex }).data())[0];
      expect(await loss('webgpu')).toBeCloseTo(await loss('cpu'), 5);
    }
  });

  it('nllLoss: target -1 raises, target == ignoreIndex does not, also with a class weight', async () => {
    const msg = await sameError((b) => L.nllLoss(floats([3, 5], b), ints([4, -1, 0], undefined, b), { ignoreIndex: 7 }));
    expect(msg).toBe('nllLoss: target -1 at position 1 is out of range for 5 classes (valid: 0 to 4, or ignoreIndex 7)');
    const loss = async (b: string): Promise<number> => {
      const weight = nn.tensor(Float32Array.from([1, 2, 3, 4, 5]), { backend: b });
      return (await L.nllLoss(floats([3, 5], b), ints([4, -1, 0], undefined, b), { ignoreIndex: -1, weight }).data())[0];
    };
    expect(await loss('webgpu')).toBeCloseTo(await loss('cpu'), 5);
  });
});
