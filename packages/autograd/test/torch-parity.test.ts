/** Every op's output and gradients against PyTorch (values from tooling/torch-reference). */
import * as T from '@nn/tensor';
import { UNARY_OPS } from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';
import '@nn/autograd';
import { type OpCase, expectClose, loadJson, toTensor } from './reference.js';

type Args = Record<string, any>;
const dims = (a: Args) => (a.dim === null || a.dim === undefined ? undefined : a.dim);

/** Our call for each reference op name. */
const OPS: Record<string, (xs: T.Tensor[], a: Args) => T.Tensor> = {
  leakyRelu: ([x], a) => T.leakyRelu(x, a.negativeSlope),
  elu: ([x], a) => T.elu(x, a.alpha),
  gelu: ([x], a) => T.gelu(x, a.approximate),
  softplus: ([x], a) => T.softplus(x, a.beta, a.threshold),
  silu: ([x]) => T.silu(x),
  clamp: ([x], a) => T.clamp(x, a.min, a.max),
  where: ([c, x, y]) => T.where(c, x, y),
  sum: ([x], a) => T.sum(x, dims(a), a.keepdim),
  mean: ([x], a) => T.mean(x, dims(a), a.keepdim),
  max: ([x], a) => T.max(x, dims(a), a.keepdim),
  min: ([x], a) => T.min(x, dims(a), a.keepdim),
  prod: ([x], a) => T.prod(x, dims(a), a.keepdim),
  var: ([x], a) => T.variance(x, dims(a), { correction: a.correction, keepdim: a.keepdim }),
  std: ([x], a) => T.std(x, dims(a), { correction: a.correction, keepdim: a.keepdim }),
  logsumexp: ([x], a) => T.logsumexp(x, dims(a), a.keepdim),
  argmax: ([x], a) => T.argmax(x, a.dim, a.keepdim),
  argmin: ([x], a) => T.argmin(x, a.dim, a.keepdim),
  softmax: ([x], a) => T.softmax(x, a.dim),
  logSoftmax: ([x], a) => T.logSoftmax(x, a.dim),
  matmul: ([x, y]) => T.matmul(x, y),
  reshape: ([x], a) => T.reshape(x, a.shape),
  transpose: ([x], a) => T.transpose(x, a.dim0, a.dim1),
  permute: ([x], a) => T.permute(x, a.dims),
  expand: ([x], a) => T.expand(x, a.shape),
  slice: ([x], a) => T.slice(x, a.dim, a.start, a.end ?? undefined, a.step),
  concat: (xs, a) => T.concat(xs, a.dim),
  stack: (xs, a) => T.stack(xs, a.dim),
  pad: ([x], a) => T.pad(x, a.pad, a.value),
  gather: ([x, i], a) => T.gather(x, a.dim, i),
  indexSelect: ([x, i], a) => T.indexSelect(x, a.dim, i),
  scatterAdd: ([x, i, s], a) => T.scatterAdd(x, a.dim, i, s),
  oneHot: ([x], a) => T.oneHot(x, a.numClasses),
  squeeze: ([x], a) => T.squeeze(x, a.dim),
  unsqueeze: ([x], a) => T.unsqueeze(x, a.dim),
  flatten: ([x], a) => T.flatten(x, a.startDim, a.endDim),
};
for (const op of [...UNARY_OPS]) OPS[op] ??= ([x]) => T.unary(op, x);
for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
  OPS[op] ??= ([x, y]) => (T as any)[op](x, y);
}

const cases: OpCase[] = loadJson('ops.json').cases;

describe('ops match PyTorch (forward and gradient)', () => {
  it('covers every op in the reference file', () => {
    const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !(op in OPS));
    expect(missing).toEqual([]);
  });
  for (const c of cases) {
    it(c.name, () => {
      const inputs = c.inputs.map((r) => toTensor(r, r.requiresGrad));
      const out = OPS[c.op](inputs, c.args);
      expect(out.dtype, 'dtype').toBe(c.output.dtype);
      expectClose(out, c.output, `${c.name} output`);
      if (c.gradOutput !== null) {
        out.backward(toTensor(c.gradOutput));
        c.grads.forEach((g, i) => {
          if (g === null) return;
          expect(inputs[i].grad, `${c.name}: input ${i} has a gradient`).not.toBeNull();
          expectClose(inputs[i].grad!, g, `${c.name} grad[${i}]`);
        });
      }
      for (const t of [out, ...inputs]) t.dispose();
    });
  }
});
