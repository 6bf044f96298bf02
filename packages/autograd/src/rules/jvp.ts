/** Forward-mode rules: one per differentiable op, typed so a missing rule does not compile. */
import * as T from '@nn/tensor';
import { ARITH_OPS, type DiffOp, padWindow, type ParamsOf, sliceView, type StructuralOp, UNARY_OPS } from '@nn/tensor/backend';
import type { Tensor } from '@nn/tensor';
import { type RuleContext, inputOf, inputsOf } from './context.js';
import { crossEntropyJvp } from './cross-entropy.js';
import { type ElementwiseOp, PARTIALS } from './elementwise.js';
import { linearJvp } from './linear.js';
import { extremumShare, prodPartial } from './vjp.js';

/** The output's tangent from the inputs' tangents (null: not given, i.e. zero). */
export type JvpRule<K extends DiffOp> = (ctx: RuleContext<ParamsOf<K>>, tangents: readonly (Tensor | null)[]) => Tensor;

/** A tangent, or zeros for one not given (null, or past the end of `tangents`). */
const orZeros = (t: Tensor | null | undefined, like: Tensor): Tensor => t ?? T.zerosLike(like);

function elementwiseJvp(op: ElementwiseOp): JvpRule<any> {
  const partial = PARTIALS[op];
  return (ctx, tangents) => {
    const outShape = ctx.output().shape;
    let acc: Tensor | null = null;
    tangents.forEach((t, i) => {
      if (t === null) return;
      const p = partial(ctx, i, t);
      if (p === null) return;
      acc = acc === null ? p : T.add(acc, p);
    });
    const a = acc as Tensor | null;
    if (a === null) return T.zeros(outShape, { dtype: ctx.output().dtype, backend: ctx.output().backend.name });
    // The result must be a fresh tensor of the output's shape.
    return a.shape.length === outShape.length && a.shape.every((d, i) => d === outShape[i]) && !tangents.includes(a)
      ? T.clone(a)
      : T.contiguous(T.expand(a, outShape));
  };
}

const STRUCTURAL: { [K in StructuralOp]: JvpRule<K> } = {
  where: elementwiseJvp('where'),
  sum: (ctx, [t]) => T.sum(t!, ctx.params.axes, ctx.params.keepdim),
  amax: (ctx, [t]) => T.sum(T.mul(t!, extremumShare(ctx)), ctx.params.axes, ctx.params.keepdim),
  amin: (ctx, [t]) => T.sum(T.mul(t!, extremumShare(ctx)), ctx.params.axes, ctx.params.keepdim),
  prod: (ctx, [t]) => T.sum(T.mul(t!, prodPartial(ctx)), ctx.params.axes, ctx.params.keepdim),
  matmul: (ctx, [ta = null, tb = null]) => {
    const [a, b] = inputsOf(ctx, 2);
    if (ta !== null && tb !== null) return T.add(T.matmul(ta, b), T.matmul(a, tb));
    return ta !== null ? T.matmul(ta, b) : T.matmul(a, tb!);
  },
  reshape: (ctx, [t]) => T.reshape(t!, ctx.params.shape),
  permute: (ctx, [t]) => T.permute(t!, ctx.params.perm),
  expand: (ctx, [t]) => T.expand(t!, ctx.params.shape),
  slice: (ctx, [t]) => sliceView(t!, ctx.params.starts, ctx.params.steps, ctx.params.shape),
  pad: (ctx, [t]) => padWindow(t!, ctx.params.starts, ctx.params.steps, ctx.params.shape, 0),
  windows: (ctx, [t]) => T.slidingWindows(t!, ctx.params.axes, ctx.params.size, ctx.params),
  foldWindows: (ctx, [t]) => T.foldWindows(t!, ctx.params.shape, ctx.params.axes, ctx.params.size, ctx.params),
  concat: (ctx, tangents) =>
    T.concat(
      ctx.inputs.map((x, i) => orZeros(tangents[i], x)),
      ctx.params.axis,
    ),
  copy: (_ctx, [t]) => T.clone(t!),
  gather: (ctx, [t]) => T.gather(t!, ctx.params.axis, inputOf(ctx, 1)),
  scatterAdd: (ctx, [tx, , tu]) =>
    T.scatterAdd(orZeros(tx, inputOf(ctx, 0)), ctx.params.axis, inputOf(ctx, 1), orZeros(tu, inputOf(ctx, 2))),
  linear: linearJvp,
  crossEntropy: crossEntropyJvp,
  cast: (ctx, [t]) => T.cast(t!, ctx.params.dtype),
};

/** The forward-mode rule of every differentiable op, keyed by op (a typed, exhaustive table). */
export const JVP: { [K in DiffOp]: JvpRule<K> } = {
  ...(Object.fromEntries([...UNARY_OPS, ...ARITH_OPS].map((op) => [op, elementwiseJvp(op)])) as {
    [K in Exclude<ElementwiseOp, 'where'>]: JvpRule<K>;
  }),
  ...STRUCTURAL,
};
