/**
 * compile on WebGPU: a W3 step replays the eager losses bit for bit (the same kernels in the same
 * order) with no buffer leaks; an index out of range passed at a replay fails the next read, as
 * eager; optimizer steps are refused.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIMIZERS, stepInside, trainW3 } from './compile-step.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('compile-webgpu.test.ts');

describe.skipIf(!ok)('compile on webgpu', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    T.registerBackend(be);
  });
  afterAll(() => be?.dispose());
  const buffers = () => T.memory().backends.webgpu;

  it('a W3 step (valueAndGrad + momentum): 20 compiled steps give the eager losses and weights bit for bit, no buffers left', async () => {
    const start = buffers();
    const eager = await trainW3('webgpu', false);
    const compiled = await trainW3('webgpu', true);
    expect(compiled.recordings).toBe(1);
    expect(compiled.losses).toEqual(eager.losses);
    expect(compiled.params).toEqual(eager.params);
    expect(compiled.losses[16]).toBeLessThan(compiled.losses[0]);
    await be.sync();
    expect(buffers()).toEqual(start);
  }, 120_000);

  it('indexSelect with indices passed in: checked on the device at each replay, failing the next read as eager does', async () => {
    const o = { backend: 'webgpu' };
    const fn = (x: Tensor, i: Tensor) => T.mul(T.indexSelect(T.exp(x), 0, i), 2);
    const f = T.compile(fn);
    const x = T.reshape(T.arange(12, undefined, undefined, o), [4, 3]);
    for (const idx of [
      [0, 3],
      [2, 2],
    ]) {
      const i = T.tensor(Int32Array.from(idx), o);
      const r = f(x, i);
      const e = T.tidy(() => fn(x, i));
      expect(Array.from(await r.data())).toEqual(Array.from(await e.data()));
      for (const t of [r, e, i]) t.dispose();
    }
    const bad = T.tensor(Int32Array.from([1, 4]), o);
    await be.sync();
    const start = buffers();
    const r = f(x, bad);
    await expect(r.data()).rejects.toThrow(/indexSelect: index 4 is out of range for dim 0 of size 4/);
    r.dispose();
    await be.sync();
    expect(buffers()).toEqual(start);
    for (const t of [x, bad]) t.dispose();
  }, 60_000);

  for (const [label, make] of OPTIMIZERS) {
    it(`an optimizer step inside fn is refused: ${label}`, async () => {
      const error = await stepInside('webgpu', make);
      expect(error).toBeInstanceOf(T.CompileError);
      expect(error!.message).toMatch(
        label.includes('fused: false') ? /compile: fn updates in place a tensor it made and keeps/ : /compile: fn steps an optimizer/,
      );
    }, 60_000);
  }
});
