/** stateDict / loadStateDict: PyTorch's structure, copies, exact resumption, validation. */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { describe, expect, it } from 'vitest';
import * as O from '@nn/optim';
import { lr } from '@nn/optim';
import { initialParams, lossAndGrad } from './helpers.js';

type AnyOpt = O.AnyOptimizer;
type Make = (ps: Tensor[]) => AnyOpt;

const CONFIGS: [string, Make][] = [
  ['SGD momentum nesterov', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['SGD composed', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1, fused: false })],
  ['Adam amsgrad', (ps) => new O.Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 1e-3 })],
  [
    'Adam composed, two groups',
    (ps) => new O.Adam([{ params: ps.slice(0, 2), lr: 0.02 }, { params: ps.slice(2) }], { lr: 0.005, fused: false }),
  ],
  ['AdamW', (ps) => new O.AdamW(ps, { lr: 0.01 })],
  ['Adagrad', (ps) => new O.Adagrad(ps, { lr: 0.05, lrDecay: 0.01, initialAccumulatorValue: 0.1 })],
  ['RMSprop centered momentum', (ps) => new O.RMSprop(ps, { lr: 0.002, centered: true, momentum: 0.8 })],
  ['Adamax', (ps) => new O.Adamax(ps, { lr: 0.01 })],
  ['Lion', (ps) => new O.Lion(ps, { lr: 1e-3, weightDecay: 0.1 })],
];

function train(ps: Tensor[], opt: AnyOpt, steps: number, sched?: { step(): void }): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    lossAndGrad(ps);
    opt.step();
    sched?.step();
  }
}

const snapshot = (ps: Tensor[]) => ps.map((p) => Array.from(p.dataSync()));
/** A new leaf parameter with p's values. */
const leafCopy = (p: Tensor): Tensor => noGrad(() => T.clone(p)).requiresGrad_(true);

describe('stateDict round trip resumes training exactly', () => {
  for (const [name, make] of CONFIGS) {
    it(`${name}: 10 steps, save, restore into fresh params and optimizer, 15 more == 25 uninterrupted`, () => {
      const a = initialParams();
      const optA = make(a);
      train(a, optA, 25);

      const b = initialParams();
      const optB = make(b);
      train(b, optB, 10);
      const saved = optB.stateDict();
      const savedParams = b.map((p) => noGrad(() => T.clone(p)));
      train(b, optB, 3); // keeps going after the snapshot: the saved copies must not change

      const c = savedParams.map(leafCopy);
      const optC = make(c);
      optC.loadStateDict(saved);
      train(c, optC, 15);
      expect(snapshot(c)).toEqual(snapshot(a));

      for (const t of [...a, ...b, ...c, ...savedParams]) t.dispose();
      for (const o of [optA, optB, optC]) o.dispose();
      for (const s of Object.values(saved.state)) for (const v of Object.values(s)) if (T.isTensor(v)) v.dispose();
    });
  }

  it('with a scheduler (OneCycleLR cycling beta1): optimizer + scheduler state resume exactly', () => {
    const make = (ps: Tensor[]) => {
      const opt = new O.Adam(ps, { lr: 0.01 });
      return { opt, sched: new lr.OneCycleLR(opt, { maxLr: 0.02, totalSteps: 25 }) };
    };
    const a = initialParams();
    const A = make(a);
    train(a, A.opt, 25, A.sched);

    const b = initialParams();
    const B = make(b);
    train(b, B.opt, 10, B.sched);
    const saved = B.opt.stateDict();
    const savedSched = B.sched.stateDict();
    const c = b.map(leafCopy);
    const C = make(c);
    C.opt.loadStateDict(saved);
    C.sched.loadStateDict(savedSched);
    expect(C.opt.paramGroups[0].betas).toEqual(B.opt.paramGroups[0].betas);
    expect(C.sched.getLastLr()).toEqual(B.sched.getLastLr());
    train(c, C.opt, 15, C.sched);
    expect(snapshot(c)).toEqual(snapshot(a));
  });
});

describe('stateDict structure (PyTorch layout)', () => {
  it('state keyed by parameter index; groups list their options and parameter indices', () => {
    const ps = initialParams();
    const opt = new O.Adam([
      { params: ps.slice(0, 2), lr: 0.1 },
      { params: ps.slice(2), amsgrad: true },
    ]);
    lossAndGrad(ps);
    ps[3].grad!.dispose();
    ps[3].grad = null; // no grad: no state, like PyTorch
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, fused: undefined, params: [0, 1] },
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, fused: undefined, params: [2, 3, 4, 5] },
    ]);
    expect(Object.keys(sd.state).map(Number)).toEqual([0, 1, 2, 4, 5]);
    expect(Object.keys(sd.state[0])).toEqual(['step', 'expAvg', 'expAvgSq']);
    expect(Object.keys(sd.state[2])).toEqual(['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
    expect(sd.state[0].step).toBe(1);
    const m = sd.state[0].expAvg as Tensor;
    expect(m.shape).toEqual(ps[0].shape);
    expect(m).not.toBe(opt.state.get(ps[0])!.expAvg); // a copy
    // Changing the saved group does not change the optimizer.
    sd.paramGroups[0].betas[0] = 0.5;
    expect(opt.paramGroups[0].betas[0]).toBe(0.9);
  });

  it("loadStateDict replaces the groups' options with the saved ones", () => {
    const ps = initialParams();
    const src = new O.SGD(ps, { lr: 0.3, momentum: 0.7 });
    const dst = new O.SGD(ps.map(leafCopy), { lr: 0.1 });
    dst.loadStateDict(src.stateDict());
    expect(dst.paramGroups[0].lr).toBe(0.3);
    expect(dst.paramGroups[0].momentum).toBe(0.7);
  });

  it('errors: group count, group size, state shape, bad values; nothing changes on error', () => {
    const ps = initialParams();
    const opt = new O.Adam(ps, { lr: 0.01 });
    lossAndGrad(ps);
    opt.step();
    const sd = opt.stateDict();
    const other = new O.Adam([{ params: ps.slice(0, 3) }, { params: ps.slice(3) }]);
    expect(() => other.loadStateDict(sd)).toThrow(
      new ValueRangeError('Adam.loadStateDict: the state dict has 1 parameter groups but the optimizer has 2'),
    );
    const fewer = new O.Adam(ps.slice(0, 5));
    expect(() => fewer.loadStateDict(sd)).toThrow(
      new ValueRangeError('Adam.loadStateDict: parameter group 0 has 6 params in the state dict but 5 in the optimizer'),
    );
    const swapped = new O.Adam([ps[1], ps[0], ...ps.slice(2)]);
    lossAndGrad(ps);
    swapped.step();
    const before = swapped.state.get(ps[1])!.expAvg;
    expect(() => swapped.loadStateDict(sd)).toThrow(
      new ShapeError('Adam.loadStateDict: state tensor 0.expAvg has shape [16,2] but parameter 0 has shape [16]'),
    );
    expect(swapped.state.get(ps[1])!.expAvg).toBe(before); // untouched
    expect(before.isDisposed).toBe(false);
    const bad = { ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: -1 }] };
    expect(() => opt.loadStateDict(bad)).toThrow(
      new ValueRangeError('Adam.loadStateDict: parameter group 0: lr must be a finite number >= 0, got -1'),
    );
    const badStep = { ...sd, state: { ...sd.state, 0: { ...sd.state[0], step: Number.NaN } } };
    expect(() => opt.loadStateDict(badStep)).toThrow(
      new ValueRangeError('Adam.loadStateDict: state value 0.step must be a Tensor or a finite number, got NaN'),
    );
  });
});
