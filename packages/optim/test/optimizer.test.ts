/** Optimizer base behavior: groups, zeroGrad, step(closure), skipped params, Lion, dtype handling. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as O from '@nn/optim';
import { expectClose, initialParams, lossAndGrad, mlpLoss } from './helpers.js';

const f32 = Math.fround;

describe('param groups', () => {
  it('per-group options are merged over the defaults; group arrays are copies', () => {
    const [a, b, c] = initialParams();
    const betas: [number, number] = [0.8, 0.9];
    const opt = new O.Adam([{ params: [a], lr: 0.1, betas }, { params: [b, c] }], { weightDecay: 0.01 });
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, betas: [0.8, 0.9], weightDecay: 0.01, eps: 1e-8, amsgrad: false });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], weightDecay: 0.01 });
    betas[0] = 0.1;
    expect(opt.paramGroups[0].betas[0]).toBe(0.8);
    expect(opt.parameters()).toEqual([a, b, c]);
    expect(opt.defaults.weightDecay).toBe(0.01);
  });

  it('SGD: lr may come from every group instead of the defaults', () => {
    const [a, b] = initialParams();
    const opt = new O.SGD([
      { params: [a], lr: 0.1 },
      { params: [b], lr: 0.2, momentum: 0.9 },
    ]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });

  it('accepts a single tensor, an iterable and a generator', () => {
    const ps = initialParams();
    expect(new O.Adam(ps[0]).parameters()).toEqual([ps[0]]);
    expect(new O.Adam(new Set(ps)).parameters()).toEqual(ps);
    function* gen() {
      yield* ps;
    }
    expect(new O.Adam(gen()).parameters()).toEqual(ps);
  });

  it('addParamGroup: the new group trains with its own options', () => {
    const ps = initialParams();
    const opt = new O.SGD(ps.slice(0, 4), { lr: 0.1 });
    opt.addParamGroup({ params: ps.slice(4), lr: 0 });
    const frozen = ps.slice(4).map((p) => Array.from(p.dataSync()));
    lossAndGrad(ps);
    opt.step();
    expect(ps.slice(4).map((p) => Array.from(p.dataSync()))).toEqual(frozen);
  });
});

describe('zeroGrad', () => {
  it('setToNone (default) disposes the grads and sets them to null', () => {
    const ps = initialParams();
    lossAndGrad(ps);
    const g = ps[0].grad!;
    new O.SGD(ps, { lr: 0.1 }).zeroGrad();
    expect(ps[0].grad).toBe(null);
    expect(g.isDisposed).toBe(true);
  });

  it('setToNone: false fills the grads with zeros in place', () => {
    const ps = initialParams();
    lossAndGrad(ps);
    const g = ps[0].grad!;
    new O.SGD(ps, { lr: 0.1 }).zeroGrad({ setToNone: false });
    expect(ps[0].grad).toBe(g);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
  });
});

describe('step', () => {
  it('runs the closure with gradients enabled and returns its result', () => {
    const ps = initialParams();
    const opt = new O.SGD(ps, { lr: 0.1 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      return lossAndGrad(ps);
    });
    expect(typeof loss).toBe('number');
    expect(mlpLoss(ps).item()).toBeLessThan(loss!);
    expect(opt.stepCount).toBe(1);
  });

  it('parameters without a gradient are skipped and get no state (PyTorch semantics)', () => {
    const ps = initialParams();
    const opt = new O.Adam(ps);
    lossAndGrad(ps);
    ps[2].grad!.dispose();
    ps[2].grad = null;
    const before = Array.from(ps[2].dataSync());
    opt.step();
    expect(Array.from(ps[2].dataSync())).toEqual(before);
    expect(opt.state.has(ps[2])).toBe(false);
    expect(opt.state.get(ps[0])!.step).toBe(1);
  });

  it('Adagrad state exists from construction, starting at initialAccumulatorValue', () => {
    const ps = initialParams();
    const opt = new O.Adagrad(ps, { initialAccumulatorValue: 0.25 });
    expect(Array.from(opt.state.get(ps[1])!.sum.dataSync()).every((v) => v === 0.25)).toBe(true);
    const q = T.zeros([2], { requiresGrad: true });
    opt.addParamGroup({ params: [q], initialAccumulatorValue: 1 });
    expect(Array.from(opt.state.get(q)!.sum.dataSync())).toEqual([1, 1]);
  });

  it('schedulers change hyperparameters that step() reads every time (momentum switched on later)', () => {
    const p = T.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const opt = new O.SGD([p], { lr: 0.1 });
    p.grad = T.keep(T.tensor([1, 1], { dtype: 'float32' }));
    opt.step();
    expect(opt.state.has(p)).toBe(false);
    opt.paramGroups[0].momentum = 0.5;
    opt.step(); // first step with momentum: buf = g
    opt.step(); // buf = 0.5 * 1 + 1 = 1.5
    expectClose(p.dataSync(), [1 - 0.1 - 0.1 - 0.15, 2 - 0.1 - 0.1 - 0.15], 'p', 1e-6);
  });
});

describe('Lion', () => {
  it('one step by hand: sign of the interpolated moment, decoupled decay, then the moment update', () => {
    const p = T.tensor([1, -2, 0.5], { dtype: 'float32', requiresGrad: true });
    const opt = new O.Lion([p], { lr: 0.1, betas: [0.9, 0.99], weightDecay: 0.5 });
    p.grad = T.keep(T.tensor([0.3, -0.2, 0], { dtype: 'float32' }));
    opt.step();
    const decay = f32(1 - 0.1 * 0.5);
    expectClose(p.dataSync(), [f32(1 * decay) - 0.1, f32(-2 * decay) + 0.1, f32(0.5 * decay)], 'p after 1', 1e-6);
    const m = opt.state.get(p)!.expAvg;
    expectClose(m.dataSync(), [0.003, -0.002, 0], 'moment', 1e-5);
    p.grad.copy_(T.tensor([-0.001, -0.2, 0.1], { dtype: 'float32' }));
    opt.step();
    // direction = sign(0.9 m + 0.1 g): [0.0027 - 0.0001 > 0, < 0, > 0]
    expectClose(
      p.dataSync(),
      [f32(f32(f32(1 * decay) - 0.1) * decay) - 0.1, f32(f32(-2 * decay + 0.1) * decay) + 0.1, f32(f32(0.5 * decay) * decay) - 0.1],
      'p after 2',
      1e-6,
    );
  });

  it('reduces the loss of the reference MLP', () => {
    const ps = initialParams();
    const opt = new O.Lion(ps, { lr: 3e-3 });
    const first = lossAndGrad(ps);
    opt.step();
    let last = first;
    for (let i = 0; i < 50; i++) {
      opt.zeroGrad();
      last = lossAndGrad(ps);
      opt.step();
    }
    expect(last).toBeLessThan(first * 0.6);
  });
});

describe('float64 parameters', () => {
  it('every optimizer updates float64 parameters and keeps float64 state', () => {
    const makers: ((p: Tensor[]) => O.AnyOptimizer)[] = [
      (p) => new O.SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p) => new O.Adam(p),
      (p) => new O.AdamW(p, { fused: false }),
      (p) => new O.Adagrad(p),
      (p) => new O.RMSprop(p, { centered: true }),
      (p) => new O.Adamax(p),
      (p) => new O.Lion(p),
    ];
    for (const make of makers) {
      const p = T.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
      const opt = make([p]);
      p.grad = T.keep(T.tensor([0.5, -0.5], { dtype: 'float64' }));
      opt.step();
      expect(p.dtype).toBe('float64');
      const v = p.dataSync();
      expect(v[0]).toBeLessThan(1);
      expect(v[1]).toBeGreaterThan(2);
      for (const s of Object.values(opt.state.get(p)!)) if (T.isTensor(s)) expect(s.dtype).toBe('float64');
    }
  });
});
