/** clipGradNorm / clipGradValue semantics (PyTorch's clip_grad_norm_ / clip_grad_value_). */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from '@nn/optim';
import { expectClose } from './helpers.js';

function withGrads(...grads: (number[] | null)[]): Tensor[] {
  return grads.map((g, i) => {
    const p = T.zeros([g?.length ?? 2 + i], { requiresGrad: true });
    if (g !== null) p.grad = T.keep(T.tensor(g, { dtype: 'float32' }));
    return p;
  });
}
const gradsOf = (ps: Tensor[]) => ps.map((p) => (p.grad === null ? null : Array.from(p.grad.dataSync())));

describe('clipGradNorm', () => {
  it('returns the total 2-norm as a 0-d tensor and scales every grad by maxNorm / (norm + 1e-6)', () => {
    const ps = withGrads([3, 0], [0, 4], null);
    const n = clipGradNorm(ps, 1);
    expect(n.shape).toEqual([]);
    expect(n.item()).toBeCloseTo(5, 6);
    const c = 1 / (5 + 1e-6);
    expectClose(gradsOf(ps)[0]!, [3 * c, 0], 'g0', 1e-6);
    expectClose(gradsOf(ps)[1]!, [0, 4 * c], 'g1', 1e-6);
    expect(ps[2].grad).toBe(null);
  });

  it('leaves grads unchanged (multiplied by exactly 1) when the norm is below maxNorm', () => {
    const ps = withGrads([0.1, -0.2], [0.3]);
    const before = gradsOf(ps);
    expect(clipGradNorm(ps, 10).item()).toBeCloseTo(Math.sqrt(0.14), 6);
    expect(gradsOf(ps)).toEqual(before);
  });

  it('infinity norm: the largest |g| over all grads (Infinity or the string inf)', () => {
    for (const nt of [Infinity, 'inf'] as const) {
      const ps = withGrads([1, -7], [3]);
      expect(clipGradNorm(ps, 3.5, nt).item()).toBe(7);
      expectClose(gradsOf(ps).flat() as number[], [0.5, -3.5, 1.5], 'inf-clipped', 1e-6);
    }
  });

  it('1-norm and a general p-norm', () => {
    expect(clipGradNorm(withGrads([1, -2], [3]), 100, 1).item()).toBeCloseTo(6, 6);
    expect(clipGradNorm(withGrads([1, -2], [3]), 100, 3).item()).toBeCloseTo(36 ** (1 / 3), 5);
  });

  it('no gradients at all: returns 0', () => {
    expect(clipGradNorm(withGrads(null, null), 1).item()).toBe(0);
  });

  it('accepts a single tensor and any iterable', () => {
    const [p] = withGrads([6, 8]);
    expect(clipGradNorm(p, 5).item()).toBeCloseTo(10, 6);
    expect(clipGradNorm(new Set([p]), 5).item()).toBeCloseTo(5, 4);
  });

  it('errorIfNonfinite reports a NaN/Inf norm instead of scaling by it', () => {
    const ps = withGrads([1, Number.POSITIVE_INFINITY]);
    expect(() => clipGradNorm(ps, 1, 2, { errorIfNonfinite: true })).toThrow(ValueRangeError);
    expect(() => clipGradNorm(ps, 1, 2, { errorIfNonfinite: true })).toThrow(
      'clipGradNorm: the total norm of order 2 of the gradients is Infinity, so they cannot be clipped; set errorIfNonfinite: false to scale them by it anyway',
    );
    expect(gradsOf(ps)[0]).toEqual([1, Number.POSITIVE_INFINITY]);
  });
});

describe('clipGradValue', () => {
  it('clamps every element into [-v, v] in place', () => {
    const ps = withGrads([0.5, -3, 2], [-0.1], null);
    const g0 = ps[0].grad;
    clipGradValue(ps, 1);
    expect(gradsOf(ps)).toEqual([[0.5, -1, 1], [Math.fround(-0.1)], null]);
    expect(ps[0].grad).toBe(g0); // in place: same tensor
  });
});

describe('grads that share storage', () => {
  it('autograd may give two leaves the same gradient storage: each is still clipped once', () => {
    const a = T.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const b = T.tensor([4, 5, 6], { dtype: 'float32', requiresGrad: true });
    T.tidy(() => T.sum(T.add(a, b)).backward()); // a.grad and b.grad: the same ones, maybe one buffer
    const n = clipGradNorm([a, b], 1);
    expect(n.item()).toBeCloseTo(Math.sqrt(6), 6);
    const c = 1 / (Math.sqrt(6) + 1e-6);
    expectClose(a.grad!.dataSync(), [c, c, c], 'a.grad', 1e-6);
    expectClose(b.grad!.dataSync(), [c, c, c], 'b.grad', 1e-6);
    a.grad!.dispose();
    b.grad!.dispose();
    a.grad = null;
    b.grad = null;
    T.tidy(() => T.sum(T.mul(T.add(a, b), 3)).backward());
    clipGradValue([a, b], 2);
    expect(Array.from(a.grad!.dataSync())).toEqual([2, 2, 2]);
    expect(Array.from(b.grad!.dataSync())).toEqual([2, 2, 2]);
  });
});
