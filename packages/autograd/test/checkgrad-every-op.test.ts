/** checkGrad (reverse and forward mode, float64 central differences) for every differentiable op. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { type DiffOp, softmaxCrossEntropy } from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';
import { checkGrad } from '@nn/autograd';

T.manualSeed(7);
const f64 = (shape: number[], lo = -1, hi = 1) => T.cast(T.add(T.mul(T.rand(shape), hi - lo), lo), 'float64');
const positive = (shape: number[]) => f64(shape, 0.5, 2);
const idx = (data: number[], shape: number[]) => T.tensor(data, { shape, dtype: 'int32' });
/** Values away from kinks (|x| >= 0.2) so finite differences are valid for abs/relu/max. */
const awayFromZero = (shape: number[]) => {
  const u = f64(shape, 0.2, 1);
  const s = T.sign(f64(shape));
  return T.mul(u, T.where(T.eq(s, 0), 1, s));
};

const W_EXPAND = f64([2, 3, 4]);
const W_PAD = f64([3, 6]);
/** Overlapping, dilated windows: [2, 5, 7] -> [2, 3, 3, 2, 3]. */
const WIN = { step: [1, 2], dilation: [2, 1] };

type Case = { f: (...xs: Tensor[]) => Tensor; inputs: () => Tensor[] };
const un = (op: T.UnaryOp, gen = (s: number[]) => f64(s)): Case => ({ f: (x) => T.unary(op, x), inputs: () => [gen([2, 3])] });
const bin = (f: (a: Tensor, b: Tensor) => Tensor, gen = (s: number[]) => f64(s)): Case => ({ f, inputs: () => [gen([2, 3]), gen([3])] });

const CASES: { [K in DiffOp]: Case } = {
  neg: un('neg'),
  abs: un('abs', awayFromZero),
  sign: un('sign', awayFromZero),
  exp: un('exp'),
  expm1: un('expm1'),
  log: un('log', positive),
  log1p: un('log1p', positive),
  sqrt: un('sqrt', positive),
  rsqrt: un('rsqrt', positive),
  reciprocal: un('reciprocal', positive),
  sin: un('sin'),
  cos: un('cos'),
  tanh: un('tanh'),
  sigmoid: un('sigmoid'),
  relu: un('relu', awayFromZero),
  erf: un('erf'),
  floor: { f: (x) => T.floor(x), inputs: () => [T.add(T.floor(f64([2, 3], -3, 3)), 0.5)] },
  ceil: { f: (x) => T.ceil(x), inputs: () => [T.add(T.floor(f64([2, 3], -3, 3)), 0.5)] },
  round: { f: (x) => T.round(x), inputs: () => [T.add(T.floor(f64([2, 3], -3, 3)), 0.25)] },
  add: bin(T.add),
  sub: bin(T.sub),
  mul: bin(T.mul),
  div: bin(T.div, positive),
  pow: bin(T.pow, positive),
  maximum: bin(T.maximum),
  minimum: bin(T.minimum),
  where: { f: (a, b) => T.where(T.gt(a, 0), a, b), inputs: () => [awayFromZero([2, 3]), f64([3])] },
  sum: { f: (x) => T.sum(x, [0, 2], true), inputs: () => [f64([2, 3, 4])] },
  amax: { f: (x) => T.max(x, 1), inputs: () => [f64([3, 4])] },
  amin: { f: (x) => T.min(x, [0, 1]), inputs: () => [f64([3, 4])] },
  prod: { f: (x) => T.prod(x, 1), inputs: () => [f64([3, 4])] },
  matmul: { f: (a, b) => T.matmul(a, b), inputs: () => [f64([2, 1, 3, 4]), f64([3, 4, 2])] },
  reshape: { f: (x) => T.mul(T.reshape(x, [4, 3]), T.arange(3).cast('float64')), inputs: () => [f64([2, 6])] },
  permute: { f: (x) => T.mul(T.permute(x, [2, 0, 1]), T.arange(3).cast('float64')), inputs: () => [f64([2, 3, 4])] },
  expand: { f: (x) => T.mul(T.expand(x, [2, 3, 4]), W_EXPAND), inputs: () => [f64([3, 1])] },
  slice: { f: (x) => T.slice(x, 1, 1, 6, 2), inputs: () => [f64([3, 7])] },
  pad: { f: (x) => T.mul(T.pad(x, [1, 2, 0, 1], 3), W_PAD), inputs: () => [f64([2, 3])] },
  windows: { f: (x) => T.slidingWindows(x, [1, 2], [2, 3], WIN), inputs: () => [f64([2, 5, 7])] },
  foldWindows: { f: (g) => T.foldWindows(g, [2, 5, 7], [1, 2], [2, 3], WIN), inputs: () => [f64([2, 3, 3, 2, 3])] },
  concat: { f: (a, b) => T.concat([a, b], 1), inputs: () => [f64([2, 3]), f64([2, 2])] },
  copy: { f: (x) => T.clone(T.transpose(x, 0, 1)), inputs: () => [f64([2, 3])] },
  gather: { f: (x) => T.gather(x, 1, idx([0, 2, 2, 1, 0, 0], [2, 3])), inputs: () => [f64([2, 4])] },
  scatterAdd: {
    f: (x, u) => T.scatterAdd(x, 0, idx([1, 0, 1, 1, 0, 0], [2, 3]), u),
    inputs: () => [f64([2, 3]), f64([2, 3])],
  },
  linear: { f: (x, w, b) => T.linear(x, w, b, 'sigmoid'), inputs: () => [f64([4, 3]), f64([2, 3]), f64([2])] },
  cast: { f: (x) => T.cast(T.cast(x, 'float32'), 'float64'), inputs: () => [f64([2, 3])] },
  // Row 2 is ignored; 'none' weighs rows differently so every row's gradient is checked.
  crossEntropy: {
    f: (x) => T.mul(softmaxCrossEntropy(x, idx([2, 0, -100, 3], [4]), { reduction: 'none' }), T.tensor([1, 2, 3, 4], { dtype: 'float64' })),
    inputs: () => [f64([4, 5], -3, 3)],
  },
};

describe('checkGrad passes for every differentiable op (VJP and JVP)', () => {
  for (const [op, c] of Object.entries(CASES)) {
    it(op, () => {
      // cast through float32 loses precision, so its check uses float32-sized tolerances.
      const loose = op === 'cast' ? { eps: 1e-2, atol: 1e-4, rtol: 1e-3 } : {};
      const r = checkGrad(c.f, c.inputs(), loose);
      expect(r.ok).toBe(true);
    });
  }
});

describe('composites', () => {
  const comp: Record<string, Case> = {
    softmax: { f: (x) => T.softmax(x, 1), inputs: () => [f64([3, 4])] },
    logSoftmax: { f: (x) => T.logSoftmax(x, 0), inputs: () => [f64([3, 4])] },
    logsumexp: { f: (x) => T.logsumexp(x, [0, 1]), inputs: () => [f64([3, 4])] },
    var: { f: (x) => T.variance(x, 1), inputs: () => [f64([3, 4])] },
    std: { f: (x) => T.std(x, null, { correction: 0 }), inputs: () => [f64([3, 4])] },
    gelu: { f: (x) => T.gelu(x), inputs: () => [f64([3, 4], -3, 3)] },
    geluTanh: { f: (x) => T.gelu(x, 'tanh'), inputs: () => [f64([3, 4], -3, 3)] },
    softplus: { f: (x) => T.softplus(x, 2, 3), inputs: () => [f64([3, 4], -3, 3)] },
    elu: { f: (x) => T.elu(x, 0.7), inputs: () => [awayFromZero([3, 4])] },
    leakyRelu: { f: (x) => T.leakyRelu(x, 0.1), inputs: () => [awayFromZero([3, 4])] },
    linear: { f: (x, w, b) => T.linear(x, w, b, 'tanh'), inputs: () => [f64([4, 3]), f64([2, 3]), f64([2])] },
    crossEntropyMean: { f: (x) => softmaxCrossEntropy(x, idx([1, -100, 0], [3])), inputs: () => [f64([3, 4], -3, 3)] },
    crossEntropySum: {
      f: (x) => softmaxCrossEntropy(x, idx([1, 2, 0], [3]), { reduction: 'sum', ignoreIndex: 2 }),
      inputs: () => [f64([3, 4])],
    },
    indexSelect: { f: (x) => T.indexSelect(x, 0, idx([2, 0, 2], [3])), inputs: () => [f64([3, 2])] },
    stackSplit: {
      f: (a, b) =>
        T.mul(
          T.stack(
            T.split(T.concat([a, b], 0), [1, 2], 0).map((t) => T.sum(t, 0)),
            0,
          ),
          2,
        ),
      inputs: () => [f64([1, 3]), f64([2, 3])],
    },
    matvec: { f: (a, v) => T.matmul(a, v), inputs: () => [f64([3, 4]), f64([4])] },
  };
  for (const [name, c] of Object.entries(comp)) it(name, () => expect(checkGrad(c.f, c.inputs()).ok).toBe(true));

  it('reports a wrong gradient', () => {
    const { customGrad } = require_();
    const wrong = customGrad(
      (x: Tensor) => T.mul(x, x),
      (g: Tensor, [x]: Tensor[]) => [T.mul(g, x)],
    ); // should be 2x
    const r = checkGrad(wrong, [f64([3])], { throwOnFail: false, modes: ['reverse'] });
    expect(r.ok).toBe(false);
    expect(r.details[0]).toMatch(/reverse d\/d input 0/);
  });
});

import * as AG from '@nn/autograd';
function require_() {
  return AG;
}
