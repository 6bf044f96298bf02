/**
 * The WebGPU backend's fusion (elementwise chains, matmul epilogues, transposed products, grouped
 * Adam updates) through a whole training loop: a ReLU MLP with cross-entropy and Adam, trained for
 * a few steps on a fused backend, on one with `fuseElementwise: false` and on the cpu backend.
 * The trajectories must agree (fused = unfused within float32 rounding, both = cpu within the
 * usual tolerance) while the fused backend records fewer dispatches per step.
 */
import { registerBackend } from '@nn/tensor';
import * as O from '@nn/optim';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryWebGPU, webgpuAvailable } from './gpu.js';
import { makeBatches, makeParams, trainStep } from './mlp.js';

const ok = await webgpuAvailable('webgpu-fusion.test.ts');

const SIZES = [24, 32, 32, 6] as const;
const STEPS = 6;

describe.skipIf(!ok)('webgpu fusion in a training loop', () => {
  let fused: WebGPUBackend;
  let plain: WebGPUBackend;
  beforeAll(async () => {
    fused = (await tryWebGPU({ name: 'webgpu-fusion-on' }))!;
    plain = (await tryWebGPU({ name: 'webgpu-fusion-off', fuseElementwise: false }))!;
    registerBackend(fused);
    registerBackend(plain);
  });
  afterAll(() => {
    fused?.dispose();
    plain?.dispose();
  });

  async function train(backend: string, be?: WebGPUBackend): Promise<{ losses: number[]; params: Float32Array[]; dispatches: number }> {
    const params = makeParams(SIZES, backend);
    const opt = new O.Adam(params, { lr: 0.01 });
    const batches = makeBatches(SIZES, 16, STEPS);
    const losses: number[] = [];
    let dispatches = 0;
    for (const b of batches) {
      const d0 = be?.stats().dispatches ?? 0;
      const l = trainStep(params, opt, b, backend);
      losses.push((await l.data())[0]);
      dispatches = (be?.stats().dispatches ?? 0) - d0;
      l.dispose();
    }
    const out = await Promise.all(params.map(async (p) => (await p.data()) as Float32Array));
    opt.dispose?.();
    for (const p of params) p.dispose();
    return { losses, params: out, dispatches };
  }

  it('fused and unfused WebGPU follow the cpu trajectory; fusion records fewer dispatches per step', async () => {
    const cpu = await train('cpu');
    const on = await train(fused.name, fused);
    const off = await train(plain.name, plain);
    for (let s = 0; s < STEPS; s++) {
      expect(Math.abs(on.losses[s] - off.losses[s])).toBeLessThan(1e-6);
      expect(Math.abs(on.losses[s] - cpu.losses[s])).toBeLessThan(1e-5);
    }
    expect(cpu.losses[STEPS - 1]).toBeLessThan(cpu.losses[0]);
    for (let k = 0; k < on.params.length; k++) {
      for (let i = 0; i < on.params[k].length; i++) {
        expect(Math.abs(on.params[k][i] - off.params[k][i])).toBeLessThan(1e-6);
        expect(Math.abs(on.params[k][i] - cpu.params[k][i])).toBeLessThan(1e-5);
      }
    }
    console.log(`webgpu fusion: ${on.dispatches} dispatches per training step fused, ${off.dispatches} unfused`);
    expect(on.dispatches).toBeLessThan(off.dispatches * 0.7);
    const mem = fused.memory();
    expect(mem.buffers).toBe(plain.memory().buffers);
  });
});
