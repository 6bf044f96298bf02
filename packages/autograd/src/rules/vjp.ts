/** Reverse-mode rules: one per differentiable op, typed so a missing rule does not compile. */
import * as T from '@nn/tensor';
import type { DiffOp, ParamsOf, StructuralOp, Tensor } from '@nn/tensor';
import type { RuleContext } from './context.js';
import { type ElementwiseOp, PARTIALS } from './elementwise.js';
import { sumTo } from './sum-to.js';

type Tmp = (t: Tensor) => Tensor;
/** Returns the gradient for each input (null: none / not needed). */
export type VjpRule<K extends DiffOp> = (ctx: RuleContext<ParamsOf<K>>, g: Tensor, tmp: Tmp, needs: readonly boolean[]) => (Tensor | null)[];

function elementwiseVjp(op: ElementwiseOp): VjpRule<any> {
  const partial = PARTIALS[op];
  return (ctx, g, tmp, needs) =>
    ctx.inputs.map((x, i) => {
      if (!needs[i]) return null;
      const p = partial(ctx, i, g, tmp);
      if (p === null) return T.zerosLike(x);
      if (p !== g) tmp(p);
      return sumTo(p, x.shape);
    });
}

/** Gradient of a reduction output, reshaped with kept dims and expanded to the input's shape. */
function expandBack(g: Tensor, x: Tensor, axes: readonly number[], keepdim: boolean, tmp: Tmp): Tensor {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const gk = keepdim ? g : tmp(T.reshape(g, kept));
  return T.expand(gk, x.shape);
}

const invertPerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};

const STRUCTURAL: { [K in StructuralOp]: VjpRule<K> } = {
  where: elementwiseVjp('where'),
  sum: (ctx, g, tmp) => [expandBack(g, ctx.inputs[0], ctx.params.axes, ctx.params.keepdim, tmp)],
  amax: (ctx, g, tmp) => [extremumVjp(ctx, g, tmp)],
  amin: (ctx, g, tmp) => [extremumVjp(ctx, g, tmp)],
  prod: (ctx, g, tmp) => [T.mul(expandBack(g, ctx.inputs[0], ctx.params.axes, ctx.params.keepdim, tmp), prodPartial(ctx, tmp))],
  matmul: (ctx, g, tmp, needs) => {
    const [a, b] = ctx.inputs;
    return [
      needs[0] ? sumTo(tmp(T.matmul(g, tmp(T.transpose(b, -2, -1)))), a.shape) : null,
      needs[1] ? sumTo(tmp(T.matmul(tmp(T.transpose(a, -2, -1)), g)), b.shape) : null,
    ];
  },
  reshape: (ctx, g) => [T.reshape(g, ctx.inputs[0].shape)],
  permute: (ctx, g) => [T.permute(g, invertPerm(ctx.params.perm))],
  expand: (ctx, g) => [sumTo(g, ctx.inputs[0].shape)],
  slice: (ctx, g) => [T.padWindow(g, ctx.params.starts, ctx.params.steps, ctx.inputs[0].shape, 0)],
  pad: (ctx, g) => [T.sliceView(g, ctx.params.starts, ctx.params.steps, ctx.inputs[0].shape)],
  concat: (ctx, g, _tmp, needs) => {
    let at = 0;
    return ctx.inputs.map((x, i) => {
      const n = x.shape[ctx.params.axis];
      const r = needs[i] ? T.slice(g, ctx.params.axis, at, at + n) : null;
      at += n;
      return r;
    });
  },
  copy: (_ctx, g) => [T.clone(g)],
  gather: (ctx, g, tmp) => {
    const [x, index] = ctx.inputs;
    return [T.scatterAdd(tmp(T.zerosLike(x)), ctx.params.axis, index, g), null];
  },
  scatterAdd: (ctx, g, _tmp, needs) => {
    const [, index] = ctx.inputs;
    return [needs[0] ? T.clone(g) : null, null, needs[2] ? T.gather(g, ctx.params.axis, index) : null];
  },
  cast: (ctx, g) => [T.cast(g, ctx.inputs[0].dtype)],
};

/** d prod / d x_i = product of the others; exact with zeros (one zero: only it gets a gradient). */
export function prodPartial(ctx: RuleContext<ParamsOf<'prod'>>, tmp: Tmp): Tensor {
  const x = ctx.inputs[0];
  const { axes, keepdim } = ctx.params;
  const isZero = tmp(T.eq(x, 0));
  const zeros = tmp(T.sum(isZero, axes, true));
  const prodNonzero = tmp(T.prod(tmp(T.where(isZero, 1, x)), axes, true));
  const out = keepdim ? ctx.output() : tmp(T.reshape(ctx.output(), prodNonzero.shape));
  const noZero = tmp(T.div(out, tmp(T.where(isZero, 1, x))));
  const oneZero = tmp(T.where(isZero, prodNonzero, 0));
  const d = tmp(T.where(tmp(T.eq(zeros, 0)), noZero, tmp(T.where(tmp(T.eq(zeros, 1)), oneZero, 0))));
  return d;
}

/** amax/amin: the gradient is shared evenly among the elements equal to the extremum. */
export function extremumShare(ctx: RuleContext<ParamsOf<'amax'>>, tmp: Tmp): Tensor {
  const x = ctx.inputs[0];
  const { axes, keepdim } = ctx.params;
  const outK = expandBack(ctx.output(), x, axes, keepdim, tmp);
  const mask = tmp(T.cast(tmp(T.eq(x, tmp(outK))), x.dtype));
  const count = tmp(T.sum(mask, axes, true));
  return tmp(T.div(mask, count));
}

function extremumVjp(ctx: RuleContext<ParamsOf<'amax'>>, g: Tensor, tmp: Tmp): Tensor {
  const { axes, keepdim } = ctx.params;
  return T.mul(tmp(expandBack(g, ctx.inputs[0], axes, keepdim, tmp)), extremumShare(ctx, tmp));
}

export const VJP: { [K in DiffOp]: VjpRule<K> } = {
  ...(Object.fromEntries([...T.UNARY_OPS, ...T.ARITH_OPS].map((op) => [op, elementwiseVjp(op)])) as {
    [K in Exclude<ElementwiseOp, 'where'>]: VjpRule<K>;
  }),
  ...STRUCTURAL,
};
