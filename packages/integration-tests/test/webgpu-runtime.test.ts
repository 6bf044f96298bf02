/**
 * The WebGPU execution model under training: 1,000 steps of a small MLP with SGD, one submit and
 * no new buffers per step, flat memory (the op-level checks are in
 * packages/webgpu-backend/test/runtime.test.ts).
 */
import { registerBackend } from '@nn/tensor';
import * as O from '@nn/optim';
import { describe, expect, it } from 'vitest';
import { makeBatches, makeParams, trainStep } from './mlp.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('webgpu-runtime.test.ts');

describe.skipIf(!ok)('webgpu execution model under training', () => {
  it('1,000 training steps of a 2-16-16-3 MLP: one submit and no new buffers per step, flat memory', async () => {
    // A fresh backend, so tensors other tests left to the garbage collector do not move its numbers.
    const mlp = (await tryWebGPU({ name: 'webgpu-mlp' }))!;
    registerBackend(mlp);
    const sizes = [2, 16, 16, 3];
    const params = makeParams(sizes, 'webgpu-mlp');
    const opt = new O.SGD(params, { lr: 0.1, momentum: 0.9 });
    const batches = makeBatches(sizes, 32, 8);
    const losses: number[] = [];
    const run = async (steps: number): Promise<void> => {
      for (let i = 0; i < steps; i++) {
        const l = trainStep(params, opt, batches[i % batches.length], 'webgpu-mlp');
        losses.push((await l.data())[0]);
        l.dispose();
      }
    };
    await run(20); // warm-up: pipelines, pool, optimizer state
    const s0 = mlp.stats();
    const m0 = mlp.memory();
    const t0 = performance.now();
    await run(980);
    const ms = performance.now() - t0;
    const s1 = mlp.stats();
    const m1 = mlp.memory();
    console.log(
      `webgpu: 980 MLP steps in ${ms.toFixed(0)} ms; per step ${(s1.submits - s0.submits) / 980} submits, ` +
        `${(s1.dispatches - s0.dispatches) / 980} dispatches, ${s1.buffersCreated - s0.buffersCreated} buffers created; memory ${JSON.stringify(m1)}`,
    );
    expect((s1.submits - s0.submits) / 980).toBe(1);
    expect(s1.buffersCreated - s0.buffersCreated).toBe(0);
    expect(s1.pipelines).toBe(s0.pipelines);
    expect(m1).toEqual(m0);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    opt.dispose?.();
    for (const p of params) p.dispose();
    mlp.dispose();
  }, 180_000);
});
