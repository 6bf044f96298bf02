/**
 * relu, tanh and sigmoid differentiate from their output in one pass of the backend's fused
 * `linearGrad` (any rank, seen as rows of the last dim): the gradients must be bit for bit those of
 * the partials written out with tensor ops, on the cpu backend (fused) and on the reference backend
 * (no fused routines), and higher orders must still follow.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { grad } from '@nn/autograd';
import { describe, expect, it, vi } from 'vitest';

type Act = 'relu' | 'tanh' | 'sigmoid';
const ACTS: Act[] = ['relu', 'tanh', 'sigmoid'];
const APPLY: Record<Act, (t: Tensor) => Tensor> = { relu: T.relu, tanh: T.tanh, sigmoid: T.sigmoid };
/** g * act'(y), composed: the independent reference. */
const BY_HAND: Record<Act, (g: Tensor, x: Tensor, y: Tensor) => Tensor> = {
  relu: (g, x) => T.where(T.gt(x, 0), g, 0),
  tanh: (g, _x, y) => T.mul(g, T.sub(1, T.mul(y, y))),
  sigmoid: (g, _x, y) => T.mul(g, T.mul(y, T.sub(1, y))),
};

const reference = T.createReferenceBackend();
T.registerBackend(reference);

/** A float input of `shape` on a backend (with zeros and exact ±0.5 steps, so relu's kink is met). */
function input(shape: number[], dtype: 'float32' | 'float64', backend: string): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : Math.sin(1.7 * i + 0.3) * 3));
  return T.tensor(data, { shape, dtype, backend });
}

const SHAPES: number[][] = [[], [7], [3, 5], [2, 3, 4], [2, 0, 3]];

describe('relu/tanh/sigmoid backward through the fused linearGrad', () => {
  for (const act of ACTS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${act} ${dtype}: the gradient of every shape is the composed partial's, bit for bit`, () => {
        for (const shape of SHAPES) {
          for (const backend of ['cpu', 'reference']) {
            const x = input(shape, dtype, backend);
            // A cotangent that differs per element: d/dx sum(y * c) = c * act'(x).
            const c = T.add(input(shape, dtype, backend), 0.25);
            const got = grad((v: Tensor) => T.sum(T.mul(APPLY[act](v), c)))(x) as Tensor;
            const want = BY_HAND[act](c, x, APPLY[act](x));
            expect(got.shape).toEqual(shape);
            expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
          }
        }
      });
    }
    it(`${act}: the cpu backend runs it as one fused pass over rows of the last dim when the cotangent is contiguous`, () => {
      const spy = vi.spyOn(T.getBackend('cpu').fused, 'linearGrad');
      try {
        const x = input([2, 3, 4], 'float32', 'cpu');
        // The cotangent of sum(y * c) is c: contiguous, so fused (on a transposed input's output too).
        grad((v: Tensor) => T.sum(T.mul(APPLY[act](v), input([2, 3, 4], 'float32', 'cpu'))))(x);
        expect(spy).toHaveBeenCalledTimes(1);
        expect(spy.mock.calls[0][0].shape).toEqual([6, 4]);
        spy.mockClear();
        const g = grad((v: Tensor) => T.sum(T.mul(APPLY[act](T.transpose(v, 0, 2)), input([4, 3, 2], 'float32', 'cpu'))))(x) as Tensor;
        expect(g.shape).toEqual([2, 3, 4]);
        expect(spy).toHaveBeenCalledTimes(1);
        // The cotangent of sum(y) is a broadcast (stride 0) view: the composed ops run instead.
        spy.mockClear();
        grad((v: Tensor) => T.sum(APPLY[act](v)))(x);
        expect(spy).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
    });
  }

  it('second derivatives still follow: d²tanh/dx² = -2 y (1 - y²), d²sigmoid/dx² = y (1 - y) (1 - 2y)', () => {
    const x = input([3, 4], 'float64', 'cpu');
    const second = (f: (t: Tensor) => Tensor) => grad((v: Tensor) => T.sum(grad((u: Tensor) => T.sum(f(u)))(v) as Tensor))(x) as Tensor;
    const y = T.tanh(x).dataSync();
    const s = T.sigmoid(x).dataSync();
    const d2tanh = second(T.tanh).dataSync();
    const d2sigmoid = second(T.sigmoid).dataSync();
    for (let i = 0; i < y.length; i++) {
      expect(d2tanh[i]).toBeCloseTo(-2 * y[i] * (1 - y[i] * y[i]), 12);
      expect(d2sigmoid[i]).toBeCloseTo(s[i] * (1 - s[i]) * (1 - 2 * s[i]), 12);
    }
  });
});
