/**
 * The fused optimizer updates of the WebGPU backend (SGD, Adam, AdamW kernels) against the
 * composed tensor-op update on WebGPU and the cpu trajectory, 8 steps each.
 */
import * as nn from '@nn/tensor';
import { type Tensor, registerBackend } from '@nn/tensor';
import * as O from '@nn/optim';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryWebGPU, webgpuAvailable } from './gpu.js';
import { seeded } from './mlp.js';

const ok = await webgpuAvailable('webgpu-fused-optim.test.ts');

function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

describe.skipIf(!ok)('webgpu fused optimizer updates', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  const OPTIMIZERS: [string, (ps: Tensor[], fused: boolean) => O.AnyOptimizer][] = [
    [
      'SGD momentum + weight decay + dampening',
      (ps, fused) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-2, fused }),
    ],
    ['SGD nesterov + maximize', (ps, fused) => new O.SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, maximize: true, fused })],
    ['Adam amsgrad + weight decay', (ps, fused) => new O.Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.01, fused })],
    ['AdamW', (ps, fused) => new O.AdamW(ps, { lr: 0.01, weightDecay: 0.1, fused })],
  ];
  for (const [label, make] of OPTIMIZERS) {
    it(`fused ${label}: matches the composed update on webgpu and the cpu trajectory`, async () => {
      const run = async (backend: string, fused: boolean): Promise<Float32Array> => {
        const p = nn.tensor(randomData(300, 20), { backend }).requiresGrad_();
        const opt = make([p], fused);
        for (let step = 0; step < 8; step++) {
          const g = nn.tensor(randomData(300, 30 + step), { backend });
          p.grad = g;
          opt.step();
        }
        const out = (await p.data()) as Float32Array;
        opt.dispose?.();
        return out;
      };
      const fusedGpu = await run('webgpu', true);
      const composedGpu = await run('webgpu', false);
      const cpu = await run('cpu', false);
      for (let i = 0; i < fusedGpu.length; i++) {
        expect(Math.abs(fusedGpu[i] - composedGpu[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cpu[i])));
        expect(Math.abs(fusedGpu[i] - cpu[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cpu[i])));
      }
    });
  }
});
