/**
 * The recorded `crossEntropy` op (softmaxCrossEntropy, recorded when the backend fuses its
 * forward; the cpu backend does): values and gradients match the composite logSoftmax + gather
 * path written out by hand, finite differences, higher orders and forward mode; no tensor leaks.
 */
import * as T from '@nn/tensor';
import { DTypeError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { type CrossEntropyReduction, softmaxCrossEntropy } from '@nn/tensor/backend';
import { checkGrad, grad, jvp } from '@nn/autograd';
import { describe, expect, it } from 'vitest';

const REDUCTIONS: CrossEntropyReduction[] = ['mean', 'sum', 'none'];
const IGNORE = -100;
/** Row 2 is ignored, row 4 has one huge logit (its softmax is exactly one-hot). */
const TARGET = [3, 0, IGNORE, 4, 1, 2];

/** The composite path by hand: -logSoftmax(x)[target] on rows not ignored, reduced. */
function composite(x: Tensor, target: Tensor, reduction: CrossEntropyReduction): Tensor {
  const valid = T.ne(target, IGNORE);
  const picked = T.reshape(T.gather(T.logSoftmax(x, 1), 1, T.unsqueeze(T.where(valid, target, 0), 1)), [-1]);
  const rows = T.where(valid, T.neg(picked), 0);
  if (reduction === 'none') return rows;
  if (reduction === 'sum') return T.sum(rows);
  return T.div(T.sum(rows), T.sum(T.cast(valid, x.dtype)));
}

function inputs(dtype: 'float32' | 'float64' = 'float32'): [Tensor, Tensor] {
  T.manualSeed(4);
  const x = T.mul(T.randn([6, 5]), 3);
  const rows = x.dataSync().slice();
  rows[4 * 5 + 1] = 1e4; // the target of row 4
  return [T.tensor(rows, { shape: [6, 5], dtype }), T.tensor(TARGET, { dtype: 'int32' })];
}

/** Weighs each output differently, so every row's gradient is checked. */
const weighted = (y: Tensor): Tensor => T.sum(T.mul(y, T.add(T.arange(y.size).cast(y.dtype), 1)));

function expectClose(got: Tensor, want: Tensor, digits: number): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let k = 0; k < w.length; k++) expect(g[k]).toBeCloseTo(w[k], digits);
}

describe('softmaxCrossEntropy as one recorded op', () => {
  it('records CrossEntropyBackward when gradients are on', () => {
    const [x, t] = inputs();
    expect(softmaxCrossEntropy(x.requiresGrad_(), t).gradFn?.name).toBe('CrossEntropyBackward');
  });

  for (const reduction of REDUCTIONS) {
    it(`${reduction}: value and gradient equal the composite path's`, () => {
      const [x, t] = inputs();
      expectClose(softmaxCrossEntropy(x, t, { reduction }), composite(x, t, reduction), 5);
      const f = (r: (x: Tensor) => Tensor) => grad((a: Tensor) => weighted(r(a)))(x) as Tensor;
      const got = f((a) => softmaxCrossEntropy(a, t, { reduction }));
      const want = f((a) => composite(a, t, reduction));
      expectClose(got, want, 6);
      const row = (g: Tensor, i: number) => Array.from(g.dataSync().slice(i * 5, i * 5 + 5));
      expect(row(got, 2)).toEqual([0, 0, 0, 0, 0]); // the ignored row
    });

    it(`${reduction}: passes checkGrad (reverse and forward mode, float64)`, () => {
      const [x, t] = inputs('float64');
      const small = T.div(x, 1e3); // keep row 4 within reach of finite differences
      expect(checkGrad((a: Tensor) => weighted(softmaxCrossEntropy(a, t, { reduction })), [small], { throwOnFail: false }).ok).toBe(true);
    });
  }

  it('second derivatives (createGraph) match the composite path', () => {
    const [x, t] = inputs('float64');
    const small = T.div(x, 4);
    const second = (r: (x: Tensor) => Tensor) =>
      grad((a: Tensor) => {
        const gx = grad((b: Tensor) => weighted(r(b)))(a) as Tensor;
        return T.sum(T.mul(gx, gx));
      })(small) as Tensor;
    const got = second((a) => softmaxCrossEntropy(a, t, { reduction: 'none' }));
    const want = second((a) => composite(a, t, 'none'));
    expect(Math.max(...Array.from(want.dataSync(), Math.abs))).toBeGreaterThan(0.01);
    expectClose(got, want, 9);
  });

  it('forward mode matches the composite path', () => {
    const [x, t] = inputs('float64');
    T.manualSeed(9);
    const tx = T.randn([6, 5]).cast('float64');
    for (const reduction of REDUCTIONS) {
      const [, got] = jvp((a) => softmaxCrossEntropy(a, t, { reduction }), [x], [tx]);
      const [, want] = jvp((a) => composite(a, t, reduction), [x], [tx]);
      expectClose(got, want, 9);
    }
  });

  it('every row ignored: the mean is NaN (0/0, as PyTorch) and the gradient is 0', () => {
    const x = T.randn([3, 4]).requiresGrad_();
    const loss = softmaxCrossEntropy(x, T.tensor([IGNORE, IGNORE, IGNORE], { dtype: 'int32' }));
    expect(Number.isNaN(loss.item())).toBe(true);
    loss.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(new Array(12).fill(0));
  });

  it('a training loop leaves no tensor behind', () => {
    const [x, t] = inputs();
    const w = T.randn([5, 5]).requiresGrad_();
    const step = () => {
      const loss = T.tidy(() => softmaxCrossEntropy(T.matmul(x, w), t));
      loss.backward();
      loss.dispose();
      w.grad!.dispose();
      w.grad = null;
    };
    step();
    const before = T.memory();
    for (let i = 0; i < 20; i++) step();
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.saved).toBe(before.saved);
  });

  it('bad inputs are typed errors', () => {
    const x = T.zeros([2, 3]);
    const t = (v: number[]) => T.tensor(v, { dtype: 'int32' });
    expect(() => softmaxCrossEntropy(x, t([0, 3]))).toThrow(ValueRangeError);
    expect(() => softmaxCrossEntropy(x, t([0, 3]))).toThrow(/target 3 at position 1 is out of range for 3 classes/);
    expect(() => softmaxCrossEntropy(x, t([0, -1]))).toThrow(ValueRangeError);
    expect(() => softmaxCrossEntropy(x, T.tensor([0, 1]))).toThrow(DTypeError);
    expect(() => softmaxCrossEntropy(T.zeros([2, 3], { dtype: 'int32' }), t([0, 1]))).toThrow(DTypeError);
    expect(() => softmaxCrossEntropy(x, t([0, 1, 2]))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(T.zeros([3]), t([0]))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(x, t([0, 1]), { reduction: 'avg' as never })).toThrow(ValueRangeError);
    expect(() => softmaxCrossEntropy(x, t([0, 1]), { ignoreIndex: 0.5 })).toThrow(ValueRangeError);
  });
});
