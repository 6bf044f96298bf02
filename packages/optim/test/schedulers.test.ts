/**
 * Schedulers beyond the PyTorch sequences in torch-parity.test.ts: the closed-form schedule
 * functions against the same PyTorch sequences, the seeds' power and inverse-sqrt schedules,
 * initial-step semantics, state dicts, chaining.
 */
import * as T from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as O from '@nn/optim';
import { lr } from '@nn/optim';
import { expectClose, ref } from './helpers.js';

const sgd = (lr0 = 0.1, groups = 1) =>
  new O.SGD(
    Array.from({ length: groups }, (_, i) => ({ params: [T.zeros([2], { requiresGrad: true })], lr: lr0 * (i + 1) })),
    { lr: lr0, momentum: 0.9 },
  );

const torchLrs = (name: string): number[] => {
  const s = ref.schedulers.find((x: any) => x.name === name);
  if (s === undefined) throw new Error(`no reference sequence ${name}`);
  return s.lrs.map((row: number[]) => row[0]);
};
const torchMomentum = (name: string): number[] => ref.schedulers.find((x: any) => x.name === name).momentum.map((row: number[]) => row[0]);
const sample = (f: (t: number) => number, n = ref.schedulerSteps + 1) => Array.from({ length: n }, (_, t) => f(t));

/** Closed forms vs PyTorch's recursive forms: 1e-9 relative, plus 1e-15 absolute for values ~0. */
const FUNCTIONS: [string, (t: number) => number][] = [
  ['step', lr.stepDecay({ lr0: 0.1, stepSize: 7, gamma: 0.5 })],
  ['multistep', lr.multiStepDecay({ lr0: 0.1, milestones: [5, 12, 12, 20], gamma: 0.3 })],
  ['exponential', lr.exponentialDecay({ lr0: 0.1, gamma: 0.9 })],
  ['constant', lr.constantFactor({ lr0: 0.1, factor: 0.25, totalIters: 6 })],
  ['linear_warmup_default', lr.linearSchedule({ lr0: 0.1 })],
  ['linear_decay', lr.linearSchedule({ lr0: 0.1, startFactor: 1, endFactor: 0.05, totalIters: 20 })],
  ['polynomial', lr.polynomialDecay({ lr0: 0.1, totalIters: 20, power: 2 })],
  ['polynomial_default', lr.polynomialDecay({ lr0: 0.1 })],
  ['cosine_tmax10_etamin', lr.cosineAnnealing({ lr0: 0.1, tMax: 10, etaMin: 0.001 })],
  ['cosine_tmax30', lr.cosineAnnealing({ lr0: 0.1, tMax: 30 })],
  ['warm_restarts_t5_mult2', lr.cosineAnnealingWarmRestarts({ lr0: 0.1, t0: 5, tMult: 2, etaMin: 0.01 })],
  ['warm_restarts_t7', lr.cosineAnnealingWarmRestarts({ lr0: 0.1, t0: 7 })],
  ['onecycle_sgd', lr.oneCycle({ maxLr: 0.5, totalSteps: 30 })],
  ['onecycle_sgd_custom_momentum', lr.oneCycle({ maxLr: 1, totalSteps: 35, pctStart: 0.2 })],
  ['lambda_power', lr.power({ lr0: 0.1, s: 10, c: 0.75 })],
  ['lambda_inv_sqrt', lr.inverseSqrt({ lr0: 0.1, warmup: 4 })],
  [
    'sequential_warmup_cosine',
    lr.sequential([lr.linearSchedule({ lr0: 0.1, startFactor: 0.1, totalIters: 5 }), lr.cosineAnnealing({ lr0: 0.1, tMax: 25 })], [5]),
  ],
];

describe('schedule functions (closed forms) reproduce the PyTorch sequences', () => {
  for (const [name, f] of FUNCTIONS) {
    it(name, () => expectClose(sample(f), torchLrs(name), name, 1e-9, 1e-15));
  }
  it('oneCycleMomentum', () => {
    expectClose(sample(lr.oneCycleMomentum({ maxLr: 0.5, totalSteps: 30 })), torchMomentum('onecycle_sgd'), 'momentum', 1e-9);
    expectClose(
      sample(lr.oneCycleMomentum({ maxLr: 1, totalSteps: 35, pctStart: 0.2, baseMomentum: 0.8, maxMomentum: 0.9 })),
      torchMomentum('onecycle_sgd_custom_momentum'),
      'momentum',
      1e-9,
    );
  });
  it('three-phase linear OneCycle as a function', () => {
    expectClose(
      sample(
        lr.oneCycle({
          maxLr: 0.01,
          totalSteps: 40,
          pctStart: 0.25,
          annealStrategy: 'linear',
          threePhase: true,
          divFactor: 10,
          finalDivFactor: 100,
        }),
      ),
      torchLrs('onecycle_adam_three_phase_linear'),
      'lr',
      1e-9,
    );
  });
});

describe("the seeds' schedules as schedulers", () => {
  it("PowerLR: lr0 · (1 + t/s)^(−c) equals PyTorch's LambdaLR with that factor", () => {
    const s = new lr.PowerLR(sgd(), { s: 10, c: 0.75 });
    const got = [s.getLastLr()[0]];
    for (let i = 0; i < ref.schedulerSteps; i++) {
      s.step();
      got.push(s.getLastLr()[0]);
    }
    expectClose(got, torchLrs('lambda_power'), 'PowerLR', 1e-12);
  });
  it("InverseSqrtLR: lr0 / sqrt(max(t, warmup)) equals PyTorch's LambdaLR with that factor", () => {
    const s = new lr.InverseSqrtLR(sgd(), { warmup: 4 });
    const got = [s.getLastLr()[0]];
    for (let i = 0; i < ref.schedulerSteps; i++) {
      s.step();
      got.push(s.getLastLr()[0]);
    }
    expectClose(got, torchLrs('lambda_inv_sqrt'), 'InverseSqrtLR', 1e-12);
  });
});

describe('scheduler semantics', () => {
  it('the constructor performs the initial step: getLastLr() equals the lr of the first update', () => {
    expect(new lr.StepLR(sgd(0.1), { stepSize: 3 }).getLastLr()).toEqual([0.1]);
    expect(new lr.CosineAnnealingLR(sgd(0.1), { tMax: 10 }).getLastLr()).toEqual([0.1]);
    expect(new lr.LinearLR(sgd(0.3)).getLastLr()[0]).toBeCloseTo(0.1, 15);
    const o = sgd(0.1);
    const oc = new lr.OneCycleLR(o, { maxLr: 1, totalSteps: 10 });
    expect(oc.getLastLr()[0]).toBeCloseTo(0.04, 15);
    expect(o.paramGroups[0]).toMatchObject({
      initialLr: 0.04,
      maxLr: 1,
      minLr: 0.04 / 1e4,
      momentum: 0.95,
      maxMomentum: 0.95,
      baseMomentum: 0.85,
    });
  });

  it("OneCycleLR cycles Adam's beta1 and keeps beta2", () => {
    const o = new O.Adam([T.zeros([1], { requiresGrad: true })], { betas: [0.5, 0.98] });
    const s = new lr.OneCycleLR(o, { maxLr: 0.01, totalSteps: 10 });
    expect(o.paramGroups[0].betas).toEqual([0.95, 0.98]);
    s.step();
    s.step(); // step 2 = the peak (pctStart · 10 − 1): lr at maxLr, beta1 at baseMomentum
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 15);
    expect(o.paramGroups[0].betas[0]).toBeCloseTo(0.85, 12);
    expect(o.paramGroups[0].betas[1]).toBe(0.98);
  });

  it('scheduler stateDict round trip continues the same sequence', () => {
    const a = new lr.CosineAnnealingWarmRestarts(sgd(), { t0: 4, tMult: 2 });
    for (let i = 0; i < 7; i++) a.step();
    const saved = a.stateDict();
    const o2 = sgd();
    o2.paramGroups[0].lr = a.optimizer.paramGroups[0].lr;
    const b = new lr.CosineAnnealingWarmRestarts(o2, { t0: 4, tMult: 2 });
    b.loadStateDict(saved);
    for (let i = 0; i < 10; i++) {
      a.step();
      b.step();
      expect(b.getLastLr()).toEqual(a.getLastLr());
    }
  });

  it('ChainedScheduler multiplies the effects of its schedulers', () => {
    const o = sgd(1);
    const c = new lr.ChainedScheduler([new lr.ExponentialLR(o, { gamma: 0.9 }), new lr.StepLR(o, { stepSize: 3, gamma: 0.5 })]);
    const got = [c.getLastLr()[0]];
    for (let i = 0; i < 7; i++) {
      c.step();
      got.push(c.getLastLr()[0]);
    }
    expectClose(
      got,
      sample((t) => 0.9 ** t * 0.5 ** Math.floor(t / 3), 8),
      'chained',
      1e-12,
    );
  });

  it('MultiplicativeLR multiplies the lr by the factor each step', () => {
    const s = new lr.MultiplicativeLR(sgd(1), { lrLambda: () => 0.5 });
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([0.25]);
  });

  it('LambdaLR with one function per group', () => {
    const s = new lr.LambdaLR(sgd(0.1, 2), { lrLambda: [(t) => t + 1, (t) => 1 / (t + 1)] });
    s.step();
    expectClose(s.getLastLr(), [0.2, 0.1], 'per-group', 1e-15);
  });

  it('ReduceLROnPlateau accepts a one-element tensor metric and respects minLr', () => {
    const o = sgd(0.1);
    const s = new lr.ReduceLROnPlateau(o, { patience: 0, factor: 0.5, minLr: 0.03 });
    const m = T.tensor(1.0);
    s.step(m);
    s.step(m); // no improvement: 0.05
    s.step(m); // 0.03 (floored)
    s.step(m); // 0.03 - 0.03 <= eps: unchanged
    expect(s.getLastLr()).toEqual([0.03]);
    expect(s.numBadEpochs).toBe(0);
  });

  it('StepLR.step(epoch) jumps with the closed form', () => {
    const s = new lr.StepLR(sgd(1), { stepSize: 2, gamma: 0.5 });
    s.step(5);
    expect(s.getLastLr()).toEqual([0.25]);
    expect(s.lastEpoch).toBe(5);
  });

  it('CosineAnnealingWarmRestarts.step(epoch) accepts fractional epochs like PyTorch', () => {
    const s = new lr.CosineAnnealingWarmRestarts(sgd(1), { t0: 10, tMult: 2 });
    s.step(12.5); // second period (length 20), 2.5 into it
    expect(s.getLastLr()[0]).toBeCloseTo((1 + Math.cos((Math.PI * 2.5) / 20)) / 2, 14);
    expect(s.lastEpoch).toBe(12);
  });
});
