/** checkGrad (reverse and forward mode, float64 central differences) for the sequence ops. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { checkGrad, grad as gradOf } from '@nn/autograd';

T.manualSeed(11);
const f64 = (shape: number[], lo = -1, hi = 1) => T.cast(T.add(T.mul(T.rand(shape), hi - lo), lo), 'float64');
/** Distinct values at least 0.05 apart, shuffled: sort and topk are differentiable there. */
const distinct = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = T.mul(T.cast(T.randperm(n), 'float64'), 0.05);
  return T.reshape(T.add(v, T.mul(f64([n], 0, 0.01), 1)), shape);
};
const MASK = T.tensor([
  [true, false, false, true],
  [false, true, false, false],
  [true, true, false, false],
]);
/** Fixed weights (drawn once: f must be deterministic for finite differences). */
const W_REPEAT = f64([2, 2, 6]);
const W_INTERLEAVE = f64([6, 3]);
const W_COUNTS = f64([2, 3]);

type Case = { f: (...xs: Tensor[]) => Tensor; inputs: () => Tensor[] };
const CASES: Record<string, Case> = {
  cumsum: { f: (x) => T.cumsum(x, 1), inputs: () => [f64([3, 7])] },
  cumsumDim0: { f: (x) => T.cumsum(x, 0), inputs: () => [f64([5, 2])] },
  cumprod: { f: (x) => T.cumprod(x, -1), inputs: () => [f64([2, 6], 0.5, 1.5)] },
  cumprodWithZeros: { f: (x) => T.cumprod(T.mul(x, T.tensor([1, 0, 1, 1, 0, 1], { dtype: 'float64' })), 0), inputs: () => [f64([6])] },
  tril: { f: (x) => T.tril(x, -1), inputs: () => [f64([2, 3, 4])] },
  triu: { f: (x) => T.triu(x, 1), inputs: () => [f64([4, 3])] },
  maskedFill: { f: (x) => T.maskedFill(x, MASK, -5), inputs: () => [f64([2, 3, 4])] },
  maskedFillTensorValue: { f: (x, v) => T.maskedFill(x, MASK, v), inputs: () => [f64([3, 4]), f64([])] },
  sortValues: { f: (x) => T.sort(x, { dim: 1, descending: true }).values, inputs: () => [distinct([3, 5])] },
  sortDim0: { f: (x) => T.sort(x, { dim: 0 }).values, inputs: () => [distinct([4, 3])] },
  topkValues: { f: (x) => T.topk(x, 2).values, inputs: () => [distinct([3, 6])] },
  topkSmallest: { f: (x) => T.topk(x, 3, { dim: 0, largest: false }).values, inputs: () => [distinct([5, 2])] },
  einsumMatmul: { f: (a, b) => T.einsum('ij,jk->ik', a, b), inputs: () => [f64([2, 3]), f64([3, 4])] },
  einsumAttention: { f: (q, k) => T.einsum('bhqd,bhkd->bhqk', q, k), inputs: () => [f64([2, 2, 3, 4]), f64([2, 2, 5, 4])] },
  einsumOuter: { f: (a, b) => T.einsum('i,j->ij', a, b), inputs: () => [f64([3]), f64([4])] },
  einsumTrace: { f: (x) => T.einsum('ii', x), inputs: () => [f64([4, 4])] },
  einsumDiagonal: { f: (x) => T.einsum('bii->bi', x), inputs: () => [f64([2, 3, 3])] },
  einsumBilinear: { f: (x, w, y) => T.einsum('bi,oij,bj->bo', x, w, y), inputs: () => [f64([2, 3]), f64([4, 3, 2]), f64([2, 2])] },
  einsumEllipsis: { f: (a, b) => T.einsum('...ij,...jk', a, b), inputs: () => [f64([2, 3, 4]), f64([4, 2])] },
  chunk: {
    f: (x) =>
      T.concat(
        T.chunk(x, 3, 1).map((c, i) => T.mul(c, i + 1)),
        1,
      ),
    inputs: () => [f64([2, 7])],
  },
  repeat: { f: (x) => T.mul(T.repeat(x, 2, 1, 3), W_REPEAT), inputs: () => [f64([2, 2])] },
  repeatInterleave: { f: (x) => T.mul(T.repeatInterleave(x, 3, 0), W_INTERLEAVE), inputs: () => [f64([2, 3])] },
  repeatInterleaveCounts: { f: (x) => T.mul(T.repeatInterleave(x, [2, 0, 1], 1), W_COUNTS), inputs: () => [f64([2, 3])] },
};

describe('checkGrad passes for the sequence ops (VJP and JVP)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => expect(checkGrad(c.f, c.inputs()).ok).toBe(true));
  }
});

/** d f / d x as numbers. */
const grad =
  (f: (x: Tensor) => Tensor) =>
  (x: Tensor): number[] =>
    Array.from((gradOf(f)(x) as Tensor).dataSync());

describe('gradients have the documented form', () => {
  it("cumsum's gradient is the reversed cumsum of the upstream gradient", () => {
    const g = T.tensor([1, 2, 3, 4]);
    const dx = grad((x: Tensor) => T.sum(T.mul(T.cumsum(x, 0), g)))(T.zeros([4]));
    expect(dx).toEqual([10, 9, 7, 4]);
  });
  it('sort and topk send each upstream gradient to the element it came from; maskedFill zeroes masked ones', () => {
    const x = T.tensor([0.3, -1, 2, 0.5]);
    const dSort = grad((t: Tensor) => T.sum(T.mul(T.sort(t).values, T.tensor([1, 2, 3, 4]))))(x);
    expect(dSort).toEqual([2, 1, 4, 3]);
    const dTop = grad((t: Tensor) => T.sum(T.mul(T.topk(t, 2).values, T.tensor([10, 20]))))(x);
    expect(dTop).toEqual([0, 0, 10, 20]);
    const dFill = grad((t: Tensor) => T.sum(T.maskedFill(t, T.tensor([true, false, true, false]), 7)))(x);
    expect(dFill).toEqual([0, 1, 0, 1]);
  });
  it('repeat sums the gradient of every tile', () => {
    const dx = grad((t: Tensor) => T.sum(T.repeat(t, 3, 2)))(T.tensor([1, 2]));
    expect(dx).toEqual([6, 6]);
  });
});
