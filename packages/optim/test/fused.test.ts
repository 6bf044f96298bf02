/**
 * The fused update routines (cpu backend) against the composed tensor-op path: same trajectories
 * within 1e-6 relative (the cpu routines round every float32 intermediate like the composed ops,
 * so in practice they agree bit for bit), used by default when available, refused when forced on
 * a backend without them.
 */
import * as T from '@nn/tensor';
import { BackendError, type Tensor } from '@nn/tensor';
import { describe, expect, it, vi } from 'vitest';
import * as O from '@nn/optim';
import { expectClose, initialParams, lossAndGrad, ref } from './helpers.js';

type Make = (ps: Tensor[], fused: boolean | undefined) => O.AnyOptimizer;

const CONFIGS: [string, Make][] = [
  ['SGD plain', (ps, fused) => new O.SGD(ps, { lr: 0.1, fused })],
  ['SGD momentum + weight decay', (ps, fused) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, weightDecay: 1e-2, fused })],
  ['SGD nesterov + maximize', (ps, fused) => new O.SGD(ps, { lr: 0.002, momentum: 0.9, nesterov: true, maximize: true, fused })],
  ['SGD dampening', (ps, fused) => new O.SGD(ps, { lr: 0.05, momentum: 0.8, dampening: 0.3, fused })],
  ['Adam', (ps, fused) => new O.Adam(ps, { lr: 0.01, fused })],
  ['Adam amsgrad + weight decay', (ps, fused) => new O.Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.01, betas: [0.8, 0.99], fused })],
  ['Adam maximize', (ps, fused) => new O.Adam(ps, { lr: 0.005, maximize: true, fused })],
  ['AdamW amsgrad', (ps, fused) => new O.AdamW(ps, { lr: 0.01, weightDecay: 0.1, amsgrad: true, fused })],
];

function trajectory(make: Make, fused: boolean | undefined, steps = 40): { losses: number[]; params: Float32Array[] } {
  const ps = initialParams();
  const opt = make(ps, fused);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    losses.push(lossAndGrad(ps));
    opt.step();
  }
  const params = ps.map((p) => p.dataSync() as Float32Array);
  opt.dispose();
  for (const p of ps) p.dispose();
  return { losses, params };
}

describe('fused and composed updates agree', () => {
  for (const [name, make] of CONFIGS) {
    it(`${name}: 40-step trajectories within 1e-6 relative`, () => {
      const fused = trajectory(make, true);
      const composed = trajectory(make, false);
      expectClose(fused.losses, composed.losses, `${name} loss`, 1e-6);
      fused.params.forEach((p, i) => expectClose(p, composed.params[i], `${name} param ${i}`, 1e-6, 1e-7));
    });
  }

  it('the default (fused: undefined) uses the backend routine when there is one', () => {
    const be = T.getBackend('cpu');
    const adam = vi.spyOn(be.fused, 'adam');
    const sgd = vi.spyOn(be.fused, 'sgd');
    try {
      const ps = initialParams();
      lossAndGrad(ps);
      new O.Adam(ps).step();
      expect(adam).toHaveBeenCalledTimes(ps.length);
      new O.SGD(ps, { lr: 0.1, momentum: 0.9 }).step();
      expect(sgd).toHaveBeenCalledTimes(ps.length);
      adam.mockClear();
      new O.Adam(ps, { fused: false }).step();
      expect(adam).not.toHaveBeenCalled();
      for (const p of ps) p.dispose();
    } finally {
      adam.mockRestore();
      sgd.mockRestore();
    }
  });

  it('float64 parameters: fused and composed agree (no float32 rounding in either)', () => {
    const run = (fused: boolean) => {
      const p = T.tensor([0.5, -1.25, 2, 1e-3], { dtype: 'float64', requiresGrad: true });
      const opt = new O.Adam([p], { lr: 0.1, amsgrad: true, weightDecay: 0.1, fused });
      for (let i = 0; i < 5; i++) {
        opt.zeroGrad();
        T.tidy(() => T.sum(T.mul(T.mul(p, p), p)).backward());
        opt.step();
      }
      return p.dataSync();
    };
    expectClose(run(true), run(false), 'float64 Adam', 1e-12);
  });

  it('a backend without the routines runs the composed path; fused: true there is a BackendError', () => {
    const cpu = T.createCpuBackend();
    T.registerBackend({ ...cpu, name: 'cpu-unfused', fused: { linear: cpu.fused.linear } });
    const p = T.tensor([1, 2, 3], { backend: 'cpu-unfused', dtype: 'float32', requiresGrad: true });
    p.grad = T.keep(T.tensor([0.5, -0.5, 1], { backend: 'cpu-unfused' }));
    const opt = new O.SGD([p], { lr: 0.1, momentum: 0.9 });
    opt.step();
    expectClose(p.dataSync(), [0.95, 2.05, 2.9], 'composed SGD', 1e-7);
    expect(() => new O.Adam([p], { fused: true })).toThrow(BackendError);
    expect(() => new O.Adam([p], { fused: true })).toThrow(
      "Adam: fused: true, but backend 'cpu-unfused' has no fused 'adam' routine; use fused: undefined (use it when available) or false",
    );
    expect(() => new O.SGD([p], { lr: 1, fused: true })).toThrow("SGD: fused: true, but backend 'cpu-unfused' has no fused 'sgd' routine");
    opt.dispose();
    p.dispose();
  });

  it('non-contiguous gradients are materialized for the fused routine', () => {
    const p = T.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32', requiresGrad: true },
    );
    const q = T.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32', requiresGrad: true },
    );
    const g = T.tensor([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    p.grad = T.keep(T.transpose(g, 0, 1)); // strided view
    q.grad = T.keep(T.contiguous(T.transpose(g, 0, 1)));
    new O.Adam([p], { lr: 0.1 }).step();
    new O.Adam([q], { lr: 0.1, fused: false }).step();
    expect(Array.from(p.dataSync())).toEqual(Array.from(q.dataSync()));
    for (const t of [p, q, g]) t.dispose();
  });

  it('reference trajectories exist for the fused optimizers', () => {
    expect(ref.trajectories.filter((t: any) => ['SGD', 'Adam', 'AdamW'].includes(t.optimizer)).length).toBeGreaterThan(10);
  });
});
