/**
 * End to end: the 784-256-256-10 ReLU MLP (batch 64, cross-entropy, SGD with momentum 0.9 and
 * Adam) trains to the same losses on WebGPU as on the cpu backend, within 1e-4 relative over 20
 * steps, from identical weights and batches. The GPU accumulates float32 products in float32,
 * the cpu backend in float64, so the trajectories agree closely but not bit for bit.
 */
import { registerBackend } from '@nn/tensor';
import * as O from '@nn/optim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { makeBatches, makeParams, trainStep } from './mlp.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('webgpu-training.test.ts');

const SIZES = [784, 256, 256, 10];
const STEPS = 20;

async function losses(backend: string, makeOpt: (ps: ReturnType<typeof makeParams>) => O.AnyOptimizer): Promise<number[]> {
  const params = makeParams(SIZES, backend, 5);
  const opt = makeOpt(params);
  const batches = makeBatches(SIZES, 64, 4, 6);
  const out: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const l = trainStep(params, opt, batches[i % batches.length], backend);
    out.push((await l.data())[0]);
    l.dispose();
  }
  opt.dispose?.();
  for (const p of params) p.dispose();
  return out;
}

describe.skipIf(!ok)('training on webgpu', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  const OPTIMIZERS: [string, (ps: ReturnType<typeof makeParams>) => O.AnyOptimizer][] = [
    ['SGD momentum 0.9', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9 })],
    ['Adam', (ps) => new O.Adam(ps, { lr: 1e-3 })],
  ];
  for (const [label, make] of OPTIMIZERS) {
    it(`784-256-256-10 MLP with ${label}: ${STEPS} losses match the cpu backend within 1e-4 relative`, async () => {
      const cpu = await losses('cpu', make);
      const gpu = await losses('webgpu', make);
      const rel = gpu.map((g, i) => Math.abs(g - cpu[i]) / Math.abs(cpu[i]));
      console.log(
        `webgpu ${label}: losses ${gpu[0].toFixed(5)} -> ${gpu[STEPS - 1].toFixed(5)}, max relative difference to cpu ${Math.max(...rel).toExponential(2)}`,
      );
      expect(Math.max(...rel)).toBeLessThan(1e-4);
      expect(gpu[STEPS - 1]).toBeLessThan(gpu[0]);
    }, 180_000);
  }
});
