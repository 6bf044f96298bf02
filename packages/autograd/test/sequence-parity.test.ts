/** Sequence ops against PyTorch (tooling/torch-reference/out/sequence-ops.json): outputs, indices and gradients. */
import * as T from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import '@nn/autograd';
import { expectClose, loadJson, type RefTensor, toTensor } from './reference.js';

type Args = Record<string, any>;
interface SeqCase {
  name: string;
  op: string;
  args: Args;
  inputs: RefTensor[];
  outputs: RefTensor[];
  gradOutputs: (RefTensor | null)[];
  grads: (RefTensor | null)[];
}

const pair = (r: T.SortResult): T.Tensor[] => [r.values, r.indices];

/** Our call for each reference op name; every result as a list of outputs. */
const OPS: Record<string, (xs: T.Tensor[], a: Args) => T.Tensor | T.Tensor[]> = {
  cumsum: ([x], a) => T.cumsum(x, a.dim),
  cumprod: ([x], a) => T.cumprod(x, a.dim),
  tril: ([x], a) => T.tril(x, a.diagonal),
  triu: ([x], a) => T.triu(x, a.diagonal),
  maskedFill: ([x, m, v], a) => T.maskedFill(x, m, v ?? a.value),
  sort: ([x], a) => pair(T.sort(x, { dim: a.dim, descending: a.descending })),
  argsort: ([x], a) => T.argsort(x, { dim: a.dim, descending: a.descending }),
  topk: ([x], a) => pair(T.topk(x, a.k, { dim: a.dim, largest: a.largest })),
  einsum: (xs, a) => T.einsum(a.equation, ...xs),
  chunk: ([x], a) => T.chunk(x, a.chunks, a.dim),
  repeat: ([x], a) => T.repeat(x, a.sizes),
  repeatInterleave: ([x], a) => T.repeatInterleave(x, a.repeats, a.dim ?? undefined),
};

const cases: SeqCase[] = loadJson('sequence-ops.json').cases;

describe('sequence ops match PyTorch (forward, indices and gradients)', () => {
  it('covers every op in the reference file', () => {
    expect([...new Set(cases.map((c) => c.op))].filter((op) => !(op in OPS))).toEqual([]);
  });
  for (const c of cases) {
    it(c.name, () => {
      const inputs = c.inputs.map((r) => toTensor(r, r.requiresGrad));
      const result = OPS[c.op](inputs, c.args);
      const outs = Array.isArray(result) ? result : [result];
      expect(outs.length, 'output count').toBe(c.outputs.length);
      outs.forEach((o, i) => {
        expect(o.dtype, `output ${i} dtype`).toBe(c.outputs[i].dtype);
        if (o.dtype === 'float32') expectClose(o, c.outputs[i], `${c.name} output ${i}`);
        else {
          expect(o.shape, `${c.name} output ${i} shape`).toEqual(c.outputs[i].shape);
          expect(Array.from(o.dataSync()), `${c.name} output ${i}`).toEqual(c.outputs[i].data);
        }
      });
      if (c.gradOutputs.some((g) => g !== null)) {
        const terms = outs.flatMap((o, i) => (c.gradOutputs[i] === null ? [] : [T.sum(T.mul(o, toTensor(c.gradOutputs[i]!)))]));
        terms.reduce((a, b) => T.add(a, b)).backward();
        c.grads.forEach((g, i) => {
          if (g === null) return;
          expect(inputs[i].grad, `${c.name}: input ${i} has a gradient`).not.toBeNull();
          expectClose(inputs[i].grad!, g, `${c.name} grad[${i}]`);
        });
      }
    });
  }
});
