/** Updates dispose every temporary: memory() stays flat over long training loops. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as O from '@nn/optim';
import { lr } from '@nn/optim';
import { initialParams, lossAndGrad } from './helpers.js';

function live(): { tensors: number; buffers: number; bytes: number; saved: number } {
  const m = T.memory();
  const cpu = m.backends.cpu;
  return { tensors: m.tensors, buffers: cpu.buffers, bytes: cpu.bytes, saved: m.saved };
}

function loop(ps: Tensor[], opt: O.AnyOptimizer, steps: number, after?: () => void): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    lossAndGrad(ps);
    opt.step();
    after?.();
  }
}

describe('memory stays flat', () => {
  it('10,000 steps of Adam (composed path) with clipping and a scheduler: no tensor or byte leaks', () => {
    const ps = initialParams();
    const opt = new O.Adam(ps, { lr: 1e-3, amsgrad: true, weightDecay: 1e-4, fused: false });
    const sched = new lr.CosineAnnealingWarmRestarts(opt, { t0: 100 });
    const after = () => {
      const n = O.clipGradNorm(ps, 1.0);
      n.dispose();
      sched.step();
    };
    loop(ps, opt, 2, after); // state exists from here on
    const before = live();
    loop(ps, opt, 10_000, after);
    expect(live()).toEqual(before);
    opt.dispose();
    for (const p of ps) p.dispose();
  });

  it('10,000 steps of SGD with momentum (fused path): no leaks', () => {
    const ps = initialParams();
    const opt = new O.SGD(ps, { lr: 0.01, momentum: 0.9 });
    loop(ps, opt, 2);
    const before = live();
    loop(ps, opt, 10_000);
    expect(live()).toEqual(before);
    opt.dispose();
    for (const p of ps) p.dispose();
  });

  const others: [string, (ps: Tensor[]) => O.AnyOptimizer][] = [
    ['SGD composed nesterov', (ps) => new O.SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-3, fused: false })],
    ['AdamW fused', (ps) => new O.AdamW(ps, { amsgrad: true })],
    ['Adagrad', (ps) => new O.Adagrad(ps, { weightDecay: 1e-3, maximize: true })],
    ['RMSprop centered momentum', (ps) => new O.RMSprop(ps, { lr: 1e-3, centered: true, momentum: 0.5, weightDecay: 1e-3 })],
    ['Adamax', (ps) => new O.Adamax(ps, { weightDecay: 1e-3 })],
    ['Lion', (ps) => new O.Lion(ps, { weightDecay: 1e-2 })],
  ];
  for (const [name, make] of others) {
    it(`${name}: 500 steps, no leaks; dispose() frees the state`, () => {
      const start = live();
      const ps = initialParams();
      const opt = make(ps);
      loop(ps, opt, 2, () => O.clipGradValue(ps, 0.5));
      const before = live();
      loop(ps, opt, 500, () => O.clipGradValue(ps, 0.5));
      expect(live()).toEqual(before);
      opt.dispose();
      for (const p of ps) p.dispose();
      expect(live()).toEqual(start);
    });
  }

  it("optimizer state survives a step() called inside the caller's tidy()", () => {
    const ps = initialParams();
    const opt = new O.Adam(ps);
    T.tidy(() => {
      lossAndGrad(ps);
      opt.step();
    });
    const s = opt.state.get(ps[0])!;
    expect(s.expAvg.isDisposed).toBe(false);
    lossAndGrad(ps);
    expect(() => opt.step()).not.toThrow();
    opt.dispose();
    for (const p of ps) p.dispose();
  });
});
