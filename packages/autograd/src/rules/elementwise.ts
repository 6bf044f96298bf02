/**
 * Elementwise ops differentiate through one table of partials: partial(ctx, i, v) = v * d out / d input_i,
 * evaluated at the op's inputs and broadcast to the output's shape. Reverse mode sums it back to
 * the input's shape (VJP); forward mode adds it up over inputs with tangents (JVP). Each derivative
 * is written once, in tensor ops, so both modes and higher orders follow.
 */
import type { Tensor, UnaryOp } from '@nn/tensor';
import { type ArithOp, linearGrad } from '@nn/tensor/backend';
import * as T from '@nn/tensor';
import { type RuleContext, inputOf, inputsOf } from './context.js';

export type ElementwiseOp = UnaryOp | ArithOp | 'where';
type Ctx = RuleContext<unknown>;
/** Returns v * d out / d input_i, or null where the partial is identically zero. */
export type Partial = (ctx: Ctx, i: number, v: Tensor) => Tensor | null;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** A unary partial v * f'(x), given f'(x) from x and the output y. */
const unaryPartial =
  (deriv: (x: Tensor, y: () => Tensor) => Tensor): Partial =>
  (ctx, _i, v) =>
    T.mul(
      v,
      deriv(inputOf(ctx, 0), () => ctx.output()),
    );

const zero: Partial = () => null;

/**
 * v * act'(y) from the output y: one pass of the backend's fused `linearGrad` where it can (no
 * graph recorded, contiguous float), else the same ops composed (so higher orders still work).
 */
const activationPartial =
  (act: 'relu' | 'tanh' | 'sigmoid'): Partial =>
  (ctx, _i, v) =>
    linearGrad(v, ctx.output(), act, false)[0];

export const PARTIALS: { [K in ElementwiseOp]: Partial } = {
  neg: (_c, _i, v) => T.neg(v),
  abs: unaryPartial((x) => T.sign(x)),
  sign: zero,
  floor: zero,
  ceil: zero,
  round: zero,
  exp: unaryPartial((_x, y) => y()),
  expm1: unaryPartial((_x, y) => T.add(y(), 1)),
  log: (ctx, _i, v) => T.div(v, inputOf(ctx, 0)),
  log1p: (ctx, _i, v) => T.div(v, T.add(inputOf(ctx, 0), 1)),
  sqrt: (ctx, _i, v) => T.div(v, T.mul(ctx.output(), 2)),
  rsqrt: unaryPartial((_x, y) => T.mul(T.pow(y(), 3), -0.5)),
  reciprocal: unaryPartial((_x, y) => T.neg(T.mul(y(), y()))),
  sin: unaryPartial((x) => T.cos(x)),
  cos: unaryPartial((x) => T.neg(T.sin(x))),
  tanh: activationPartial('tanh'),
  sigmoid: activationPartial('sigmoid'),
  relu: activationPartial('relu'),
  erf: unaryPartial((x) => T.mul(T.exp(T.neg(T.mul(x, x))), TWO_OVER_SQRT_PI)),

  add: (_c, _i, v) => v,
  sub: (_c, i, v) => (i === 0 ? v : T.neg(v)),
  mul: (ctx, i, v) => T.mul(v, inputOf(ctx, 1 - i)),
  div: (ctx, i, v) => {
    const [, b] = inputsOf(ctx, 2);
    if (i === 0) return T.div(v, b);
    return T.neg(T.div(T.mul(v, ctx.output()), b));
  },
  pow: (ctx, i, v) => {
    const [a, b] = inputsOf(ctx, 2);
    if (i === 0) {
      // b * a^(b-1), and 0 where b == 0 (avoids 0 * inf at a == 0), as PyTorch.
      const d = T.mul(b, T.pow(a, T.sub(b, 1)));
      return T.mul(v, T.where(T.eq(b, 0), 0, d));
    }
    // out * log(a), and 0 where a == 0 (the limit PyTorch uses for b >= 0).
    const d = T.mul(ctx.output(), T.log(a));
    return T.mul(v, T.where(T.eq(a, 0), 0, d));
  },
  maximum: (ctx, i, v) => tieSplit(ctx, i, v, T.gt),
  minimum: (ctx, i, v) => tieSplit(ctx, i, v, T.lt),
  where: (ctx, i, v) => {
    if (i === 0) return null;
    const cond = inputOf(ctx, 0);
    return i === 1 ? T.where(cond, v, 0) : T.where(cond, 0, v);
  },
};

/** maximum/minimum: the winner takes the gradient; ties split it evenly (PyTorch's rule). */
function tieSplit(ctx: Ctx, i: number, v: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const [a, b] = inputsOf(ctx, 2);
  const mine = i === 0 ? a : b;
  const other = i === 0 ? b : a;
  const w = T.where(wins(mine, other), 1, T.where(T.eq(mine, other), 0.5, 0));
  return T.mul(v, i === 0 ? T.cast(w, a.dtype) : T.cast(w, b.dtype));
}

export const ELEMENTWISE_OPS = new Set<string>(Object.keys(PARTIALS));
