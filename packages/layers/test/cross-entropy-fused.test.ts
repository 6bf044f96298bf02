/**
 * crossEntropy / CrossEntropyLoss with class-index targets and no weight or label smoothing run as
 * one recorded op (softmaxCrossEntropy; fused on the cpu backend): same values and gradients as
 * the composed path (forced here by an all-ones class weight), for every input rank, reduction and
 * ignoreIndex, and no tensor left behind in a training loop.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { grad } from '@nn/autograd';
import { CrossEntropyLoss, type Reduction, crossEntropy } from '@nn/layers';
import { describe, expect, it } from 'vitest';

const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];
const int32 = (data: number[], shape: number[]) => T.tensor(data, { shape, dtype: 'int32' });

/** Input shapes and targets: [C], [N, C] and [N, C, d] (target -1 is ignored below). */
const CASES: { name: string; shape: number[]; target: Tensor }[] = [
  { name: '[C]', shape: [5], target: int32([3], []) },
  { name: '[N, C]', shape: [6, 5], target: int32([1, -1, 4, 0, 2, -1], [6]) },
  { name: '[N, C, d]', shape: [2, 5, 3], target: int32([0, 4, -1, 2, 2, 1], [2, 3]) },
];

function close(got: Tensor, want: Tensor, digits: number): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) expect(g[i]).toBeCloseTo(w[i], digits);
}

describe('crossEntropy with class indices as one op', () => {
  it('records CrossEntropyBackward, and the composed graph with a class weight', () => {
    const x = T.randn([4, 3]).requiresGrad_();
    const t = int32([0, 2, 1, 1], [4]);
    expect(crossEntropy(x, t).gradFn?.name).toBe('CrossEntropyBackward');
    expect(crossEntropy(x, t, { weight: T.ones([3]) }).gradFn?.name).not.toBe('CrossEntropyBackward');
  });

  for (const c of CASES) {
    for (const reduction of REDUCTIONS) {
      it(`${c.name}, ${reduction}: value and gradient equal the composed path's`, () => {
        T.manualSeed(2);
        const x = T.mul(T.randn(c.shape), 2);
        const opts = { reduction, ignoreIndex: -1 };
        const ones = T.ones([c.shape[c.shape.length === 1 ? 0 : 1]]);
        const fused = (a: Tensor) => crossEntropy(a, c.target, opts);
        const composed = (a: Tensor) => crossEntropy(a, c.target, { ...opts, weight: ones });
        close(fused(x), composed(x), 5);
        const weighted = (f: (a: Tensor) => Tensor) => (a: Tensor) => {
          const l = f(a);
          return T.sum(T.mul(l, T.add(T.arange(l.size).reshape(l.shape), 1)));
        };
        close(grad(weighted(fused))(x) as Tensor, grad(weighted(composed))(x) as Tensor, 6);
      });
    }
  }

  it('a CrossEntropyLoss training loop leaves no tensor behind', () => {
    const lossFn = new CrossEntropyLoss({ ignoreIndex: 0 });
    const w = T.randn([4, 3]).requiresGrad_();
    const x = T.randn([8, 4]);
    const t = int32([0, 1, 2, 1, 0, 2, 2, 1], [8]);
    const step = () => {
      const loss = T.tidy(() => lossFn.forward(T.matmul(x, w), t));
      loss.backward();
      loss.dispose();
      w.grad?.dispose();
      w.grad = null;
    };
    step();
    const before = T.memory();
    for (let i = 0; i < 20; i++) step();
    expect(T.memory().tensors).toBe(before.tensors);
    expect(T.memory().saved).toBe(before.saved);
  });
});
