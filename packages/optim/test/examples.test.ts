/** The README's examples, run (with T.linear standing in for @nn/layers modules). */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { AdamW, SGD, clipGradNorm, clipGradValue, lr } from '@nn/optim';
import { initialParams, mlpLoss, X, Y } from './helpers.js';

describe('README examples', () => {
  it('AdamW + LinearLR warmup then cosine (SequentialLR) + clipGradNorm trains the MLP without leaking', () => {
    const params = initialParams();
    const opt = new AdamW(params, { lr: 1e-2, weightDecay: 1e-2 });
    const warmup = new lr.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
    const cosine = new lr.CosineAnnealingLR(opt, { tMax: 190, etaMin: 1e-5 });
    const sched = new lr.SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [10] });
    expect(sched.getLastLr()[0]).toBeCloseTo(1e-3, 15);
    const first = mlpLoss(params);
    const startLoss = first.item();
    first.dispose();
    let tensors = 0;
    for (let step = 0; step < 200; step++) {
      opt.zeroGrad();
      T.tidy(() => mlpLoss(params, X, Y).backward());
      clipGradNorm(params, 1.0).dispose();
      opt.step();
      sched.step();
      if (step === 1) tensors = T.memory().tensors;
    }
    expect(T.memory().tensors).toBe(tensors);
    const end = mlpLoss(params);
    expect(end.item()).toBeLessThan(startLoss / 5);
    expect(sched.getLastLr()[0]).toBeCloseTo(lr.cosineAnnealing({ lr0: 1e-2, tMax: 190, etaMin: 1e-5 })(190), 12);
  });

  it('stateDict / loadStateDict as in the README', () => {
    const params = initialParams();
    const opt = new AdamW(params, { lr: 1e-3 });
    T.tidy(() => mlpLoss(params).backward());
    opt.step();
    const sd = opt.stateDict();
    expect(sd.state[0].step).toBe(1);
    expect(sd.paramGroups[0].params).toEqual([0, 1, 2, 3, 4, 5]);
    const fresh: Tensor[] = params.map((p) => T.tensor(p.dataSync(), { shape: p.shape, dtype: 'float32', requiresGrad: true }));
    const resumed = new AdamW(fresh, { lr: 1e-3 });
    resumed.loadStateDict(sd);
    expect(resumed.state.get(fresh[0])!.step).toBe(1);
  });

  it('clipping calls', () => {
    const params = initialParams();
    T.tidy(() => mlpLoss(params).backward());
    expect(clipGradNorm(params, 0.5, Infinity).item()).toBeGreaterThan(0);
    expect(clipGradNorm(params, 1, 2, { errorIfNonfinite: true }).item()).toBeGreaterThan(0);
    clipGradValue(params, 0.1);
    expect(Math.max(...params.flatMap((p) => Array.from(p.grad!.dataSync(), Math.abs)))).toBeLessThanOrEqual(Math.fround(0.1));
  });

  it('schedule functions and a function as a scheduler', () => {
    const f = lr.sequential(
      [lr.linearSchedule({ lr0: 0.1, startFactor: 0.1, totalIters: 5 }), lr.cosineAnnealing({ lr0: 0.1, tMax: 25 })],
      [5],
    );
    expect(f(0)).toBeCloseTo(0.01, 15);
    expect(f(5)).toBeCloseTo(0.1, 15);
    const g = lr.power({ lr0: 0.5, s: 100, c: 0.75 });
    const opt = new SGD([T.zeros([1], { requiresGrad: true })], { lr: 0.5 });
    const s = new lr.LambdaLR(opt, { lrLambda: (t) => g(t) / 0.5 });
    for (let t = 1; t <= 5; t++) {
      s.step();
      expect(s.getLastLr()[0]).toBeCloseTo(g(t), 15);
    }
  });
});
