/** A model and its optimizer move to WebGPU and back: toAsync both ways; the sync path names it. */
import * as T from '@nn/tensor';
import '@nn/autograd';
import * as L from '@nn/layers';
import * as O from '@nn/optim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('webgpu-move.test.ts');

describe.skipIf(!ok)('moving a model and its optimizer to WebGPU and back', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    T.registerBackend(be);
  });
  afterAll(() => be?.dispose());

  it('trains on webgpu after model.to, comes back with toAsync, and keeps training on cpu', async () => {
    T.manualSeed(2);
    const model = new L.Sequential(new L.Linear(3, 8), new L.Tanh(), new L.Linear(8, 1));
    const params = model.parameters();
    const opt = new O.Adam(model.parameters(), { lr: 0.05 });
    const x = T.randn([16, 3]);
    const y = x.sum(1, true);
    const step = async (): Promise<number> => {
      const on = params[0].backend.name;
      opt.zeroGrad();
      const loss = T.tidy(() => {
        const l = L.mseLoss(model(x.to(on)) as T.Tensor, y.to(on));
        l.backward();
        return l;
      });
      opt.step();
      const v = (await loss.data())[0];
      loss.dispose();
      return v;
    };
    const first = await step();
    model.to(be.name);
    opt.to(be.name);
    expect(params[0].backend.name).toBe(be.name);
    for (let i = 0; i < 5; i++) await step();
    expect(() => model.to('cpu')).toThrow(
      /^Module\.to: a tensor is on backend 'webgpu', which cannot be read synchronously; use `await model\.toAsync\('cpu'\)`/,
    );
    await model.toAsync('cpu');
    await opt.toAsync('cpu');
    expect(model.parameters().every((p, i) => p === params[i] && p.backend.name === 'cpu')).toBe(true);
    let last = 0;
    for (let i = 0; i < 5; i++) last = await step();
    expect(last).toBeLessThan(first);
  });
});
