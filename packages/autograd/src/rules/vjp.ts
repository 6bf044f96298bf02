/** Reverse-mode rules: one per differentiable op, typed so a missing rule does not compile. */
import * as T from '@nn/tensor';
import { ARITH_OPS, type DiffOp, padWindow, type ParamsOf, sliceView, type StructuralOp, UNARY_OPS } from '@nn/tensor/backend';
import type { Tensor } from '@nn/tensor';
import { type RuleContext, inputOf, inputsOf } from './context.js';
import { crossEntropyVjp } from './cross-entropy.js';
import { type ElementwiseOp, PARTIALS } from './elementwise.js';
import { linearVjp } from './linear.js';
import { sumTo } from './sum-to.js';

/** Returns the gradient for each input (null: none / not needed). */
export type VjpRule<K extends DiffOp> = (ctx: RuleContext<ParamsOf<K>>, g: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

function elementwiseVjp(op: ElementwiseOp): VjpRule<any> {
  const partial = PARTIALS[op];
  // Loops, not map(): map's result turns holey once TurboFan inlines it, which deopts the engine's
  // optimized consumers (tooling/bench README, W3 cold start). Holey from the start, at its final
  // size (a first push() would reserve 17 slots).
  return (ctx, g, needs) => {
    const n = ctx.inputs.length;
    const grads = new Array<Tensor | null>(n);
    for (let i = 0; i < n; i++) {
      const x = ctx.inputs[i]!;
      const p = needs[i] ? partial(ctx, i, g) : null;
      grads[i] = !needs[i] ? null : p === null ? T.zerosLike(x) : sumTo(p, x.shape);
    }
    return grads;
  };
}

/** Gradient of a reduction output, reshaped with kept dims and expanded to the input's shape. */
function expandBack(g: Tensor, x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  const kept: number[] = [];
  for (let i = 0; i < x.shape.length; i++) kept.push(axes.includes(i) ? 1 : x.shape[i]!);
  const gk = keepdim ? g : T.reshape(g, kept);
  return T.expand(gk, x.shape);
}

const invertPerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};

const STRUCTURAL: { [K in StructuralOp]: VjpRule<K> } = {
  where: elementwiseVjp('where'),
  sum: (ctx, g) => [expandBack(g, inputOf(ctx, 0), ctx.params.axes, ctx.params.keepdim)],
  amax: (ctx, g) => [extremumVjp(ctx, g)],
  amin: (ctx, g) => [extremumVjp(ctx, g)],
  prod: (ctx, g) => [T.mul(expandBack(g, inputOf(ctx, 0), ctx.params.axes, ctx.params.keepdim), prodPartial(ctx))],
  matmul: (ctx, g, needs) => {
    const [a, b] = inputsOf(ctx, 2);
    return [
      needs[0] ? sumTo(T.matmul(g, T.transpose(b, -2, -1)), a.shape) : null,
      needs[1] ? sumTo(T.matmul(T.transpose(a, -2, -1), g), b.shape) : null,
    ];
  },
  reshape: (ctx, g) => [T.reshape(g, inputOf(ctx, 0).shape)],
  permute: (ctx, g) => [T.permute(g, invertPerm(ctx.params.perm))],
  expand: (ctx, g) => [sumTo(g, inputOf(ctx, 0).shape)],
  slice: (ctx, g) => [padWindow(g, ctx.params.starts, ctx.params.steps, inputOf(ctx, 0).shape, 0)],
  pad: (ctx, g) => [sliceView(g, ctx.params.starts, ctx.params.steps, inputOf(ctx, 0).shape)],
  windows: (ctx, g) => [T.foldWindows(g, inputOf(ctx, 0).shape, ctx.params.axes, ctx.params.size, ctx.params)],
  foldWindows: (ctx, g) => [T.slidingWindows(g, ctx.params.axes, ctx.params.size, ctx.params)],
  concat: (ctx, g, needs) => {
    let at = 0;
    return ctx.inputs.map((x, i) => {
      const n = x.shape[ctx.params.axis]!; // concat normalized axis to one of x's dims
      const r = needs[i] ? T.slice(g, ctx.params.axis, at, at + n) : null;
      at += n;
      return r;
    });
  },
  // A copy's gradient is the cotangent itself, handed on as add hands it on (im2col's column copy
  // would otherwise copy its whole gradient once more).
  copy: (_ctx, g) => [g],
  gather: (ctx, g) => {
    const [x, index] = inputsOf(ctx, 2);
    return [T.scatterAdd(T.zerosLike(x), ctx.params.axis, index, g), null];
  },
  scatterAdd: (ctx, g, needs) => {
    const [, index] = inputsOf(ctx, 2);
    return [needs[0] ? T.clone(g) : null, null, needs[2] ? T.gather(g, ctx.params.axis, index) : null];
  },
  linear: linearVjp,
  crossEntropy: crossEntropyVjp,
  cast: (ctx, g) => [T.cast(g, inputOf(ctx, 0).dtype)],
};

/** d prod / d x_i = product of the others; exact with zeros (one zero: only it gets a gradient). */
export function prodPartial(ctx: RuleContext<ParamsOf<'prod'>>): Tensor {
  const x = inputOf(ctx, 0);
  const { axes, keepdim } = ctx.params;
  const isZero = T.eq(x, 0);
  const zeros = T.sum(isZero, axes, true);
  const prodNonzero = T.prod(T.where(isZero, 1, x), axes, true);
  const out = keepdim ? ctx.output() : T.reshape(ctx.output(), prodNonzero.shape);
  const noZero = T.div(out, T.where(isZero, 1, x));
  const oneZero = T.where(isZero, prodNonzero, 0);
  const d = T.where(T.eq(zeros, 0), noZero, T.where(T.eq(zeros, 1), oneZero, 0));
  return d;
}

/** amax/amin: the gradient is shared evenly among the elements equal to the extremum. */
export function extremumShare(ctx: RuleContext<ParamsOf<'amax'>>): Tensor {
  const x = inputOf(ctx, 0);
  const { axes, keepdim } = ctx.params;
  const outK = expandBack(ctx.output(), x, axes, keepdim);
  const mask = T.cast(T.eq(x, outK), x.dtype);
  const count = T.sum(mask, axes, true);
  return T.div(mask, count);
}

function extremumVjp(ctx: RuleContext<ParamsOf<'amax'>>, g: Tensor): Tensor {
  const { axes, keepdim } = ctx.params;
  return T.mul(expandBack(g, inputOf(ctx, 0), axes, keepdim), extremumShare(ctx));
}

/** The reverse-mode rule (vector-Jacobian product) of every differentiable op, keyed by op (a typed, exhaustive table). */
export const VJP: { [K in DiffOp]: VjpRule<K> } = {
  ...(Object.fromEntries([...UNARY_OPS, ...ARITH_OPS].map((op) => [op, elementwiseVjp(op)])) as {
    [K in Exclude<ElementwiseOp, 'where'>]: VjpRule<K>;
  }),
  ...STRUCTURAL,
};
