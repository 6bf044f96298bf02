/**
 * The one definition of every elementwise op. Each entry is an expression tree (./expr.ts) over
 * the operands `a` (and `b`): `float`, evaluated in IEEE arithmetic (float64 on cpu and wasm,
 * float32 on WebGPU), and `int`, the int32 form with two's-complement wrapping, or `FLOAT_ONLY`
 * when the op has none (the frontend then computes in float32; a backend handed int32 anyway
 * evaluates `float` and stores through the int32 conversion). Every backend's kernels are
 * printed from these trees: JavaScript for cpu (`js`/`jsInt`) and the reference backend's
 * interpreter (`fn`/`fnInt`), AssemblyScript scalar and SIMD (wasm-backend/scripts/gen-elementwise.ts),
 * WGSL (webgpu-backend/src/wgsl/ops.ts). The records are exhaustive over `UnaryOp`/`BinaryOp`,
 * so a new op fails to compile until it is defined here, and then every backend has it.
 */
import type { BinaryOp, FusedActivation, UnaryOp } from './contract.js';
import {
  type Domain,
  type Expr,
  a,
  add,
  and,
  b,
  call,
  div,
  eq,
  ge,
  gt,
  isinf,
  isnan,
  le,
  lt,
  mul,
  ne,
  neg,
  or,
  select,
  sub,
} from './expr.js';
import { evaluate, JS_HELPERS, toJs } from './expr-js.js';

export { JS_HELPERS, evaluate, toJs };
export { ERF_POLYNOMIALS, erf, ipow, roundHalfEven } from './math.js';
/** The expression language and its printer (`expr.print(tree, dialect)`), for backends' own printers. */
export * as expr from './expr.js';

/** The marker of an op without an int32 form. */
export const FLOAT_ONLY = 'float-only';
/** The type of `FLOAT_ONLY`, an entry's `int` when the op has no int32 form. */
export type FloatOnly = typeof FLOAT_ONLY;

/** A unary op as a JavaScript function of one number. */
export type UnaryFn = (a: number) => number;
/** A binary op as a JavaScript function of two numbers. */
export type BinaryFn = (a: number, b: number) => number;

/** An op's definition and its JavaScript forms (source for the cpu kernels, function for eval-free code). */
export interface ElementwiseEntry<F extends UnaryFn | BinaryFn = UnaryFn | BinaryFn, I extends Expr | FloatOnly = Expr | FloatOnly> {
  /** The op's tree in the float domain. */
  readonly float: Expr;
  /** The op's tree in the int32 domain, or `FLOAT_ONLY`. */
  readonly int: I;
  /** JavaScript source of `float` over `a`, `b` (from `toJs`; bools as 1 / 0). */
  readonly js: string;
  /** `float` as a function, interpreted without eval (from `evaluate`). */
  readonly fn: F;
  /** The int32 forms; undefined for FLOAT_ONLY ops. */
  readonly jsInt: string | undefined;
  /** `int` as a function, interpreted without eval; undefined for FLOAT_ONLY ops. */
  readonly fnInt: F | undefined;
}

// Trees are checked for their domain (`check` in expr.ts) by test/elementwise-table.test.ts, not
// at load, to keep the checker out of bundles.
function entry<I extends Expr | FloatOnly>(float: Expr, int: I): ElementwiseEntry<UnaryFn & BinaryFn, I> {
  const intForm = int === FLOAT_ONLY ? undefined : (int as Expr);
  return {
    float,
    int,
    js: toJs(float, 'float'),
    fn: interpreted(float, 'float'),
    jsInt: intForm && toJs(intForm, 'int'),
    fnInt: intForm && interpreted(intForm, 'int'),
  };
}
function interpreted(e: Expr, domain: Domain): UnaryFn & BinaryFn {
  return (x: number, y?: number) => evaluate(e, domain, x, y ?? 0);
}
/** The same tree in both domains (int32 arithmetic wraps). */
const both = (e: Expr) => entry(e, e);
const floatOnly = (e: Expr) => entry(e, FLOAT_ONLY);

/** The definition of every unary op (see the module comment), keyed by `UnaryOp`. */
export const UNARY_TABLE = {
  /** -a. */
  neg: both(neg(a)),
  /** |a|. */
  abs: both(call('abs', a)),
  // sign(+-0) keeps the zero, NaN stays NaN.
  /** -1, 0 or 1 by the sign of a. */
  sign: both(select(gt(a, 0), 1, select(lt(a, 0), -1, a))),
  /** e^a. */
  exp: floatOnly(call('exp', a)),
  /** e^a - 1, accurate near 0. */
  expm1: floatOnly(call('expm1', a)),
  /** The natural logarithm of a. */
  log: floatOnly(call('log', a)),
  /** log(1 + a), accurate near 0. */
  log1p: floatOnly(call('log1p', a)),
  /** The square root of a. */
  sqrt: floatOnly(call('sqrt', a)),
  /** 1 / sqrt(a). */
  rsqrt: floatOnly(div(1, call('sqrt', a))),
  /** 1 / a. */
  reciprocal: floatOnly(div(1, a)),
  /** The sine of a (radians). */
  sin: floatOnly(call('sin', a)),
  /** The cosine of a (radians). */
  cos: floatOnly(call('cos', a)),
  /** The hyperbolic tangent of a. */
  tanh: floatOnly(call('tanh', a)),
  // exp(-a) overflowing to Infinity gives the correct limit 0 (in float32 too, where the result
  // would be subnormal anyway).
  /** The logistic function 1 / (1 + e^-a). */
  sigmoid: floatOnly(div(1, add(1, call('exp', neg(a))))),
  // NaN propagates (PyTorch: relu(NaN) = NaN); -0 becomes +0.
  /** max(a, 0). */
  relu: floatOnly(select(or(gt(a, 0), isnan(a)), a, 0)),
  /** The error function of a. */
  erf: floatOnly(call('erf', a)),
  // Integers are their own floor, ceil and round (the frontend skips the kernel for int32).
  /** The largest integer <= a. */
  floor: entry(call('floor', a), a),
  /** The smallest integer >= a. */
  ceil: entry(call('ceil', a), a),
  // Half to even, like torch.round.
  /** a rounded to the nearest integer. */
  round: entry(call('rint', a), a),
} satisfies Record<UnaryOp, ElementwiseEntry<UnaryFn>>;

/** The definition of every binary op (see the module comment), keyed by `BinaryOp`; comparisons give 1 / 0. */
export const BINARY_TABLE = {
  /** a + b. */
  add: both(add(a, b)),
  /** a - b. */
  sub: both(sub(a, b)),
  /** a * b. */
  mul: both(mul(a, b)),
  /** a / b (float only: int32 division goes through float32 in the frontend). */
  div: floatOnly(div(a, b)),
  // JavaScript's Math.pow: IEEE pow except pow(x, NaN) = NaN and pow(+-1, +-Infinity) = NaN.
  /** a to the power b (int32: `ipow`). */
  pow: entry(select(or(isnan(b), and(eq(call('abs', a), 1), isinf(b))), Number.NaN, call('pow', a, b)), call('ipow', a, b)),
  // torch.maximum / minimum propagate NaN from either side.
  /** The larger of a and b. */
  maximum: entry(select(or(gt(a, b), isnan(a)), a, b), call('max', a, b)),
  /** The smaller of a and b. */
  minimum: entry(select(or(lt(a, b), isnan(a)), a, b), call('min', a, b)),
  /** 1 where a == b, else 0. */
  eq: both(eq(a, b)),
  /** 1 where a != b, else 0. */
  ne: both(ne(a, b)),
  /** 1 where a < b, else 0. */
  lt: both(lt(a, b)),
  /** 1 where a <= b, else 0. */
  le: both(le(a, b)),
  /** 1 where a > b, else 0. */
  gt: both(gt(a, b)),
  /** 1 where a >= b, else 0. */
  ge: both(ge(a, b)),
} satisfies Record<BinaryOp, ElementwiseEntry<BinaryFn>>;

/** The entry of any unary or binary op. */
export function definitionOf(op: UnaryOp | BinaryOp): ElementwiseEntry {
  return op in UNARY_TABLE ? UNARY_TABLE[op as UnaryOp] : BINARY_TABLE[op as BinaryOp];
}

type WithInt<T> = { [K in keyof T]: T[K] extends { readonly int: FloatOnly } ? never : K }[keyof T];
/** The unary ops with an int32 form (the frontend keeps int32 for exactly these). */
export type IntUnaryOp = WithInt<typeof UNARY_TABLE>;
/** The binary ops with an int32 form (every one but `div`). */
export type IntBinaryOp = WithInt<typeof BINARY_TABLE>;

/** The activations of the fused `linear` routine, over `a` (float). */
export const ACTIVATION_TABLE: Readonly<Record<FusedActivation, Expr>> = {
  none: a,
  relu: UNARY_TABLE.relu.float,
  tanh: UNARY_TABLE.tanh.float,
  sigmoid: UNARY_TABLE.sigmoid.float,
  // The exact (erf) GELU: 0.5 a (1 + erf(a / sqrt 2)).
  gelu: mul(mul(0.5, a), add(1, call('erf', mul(a, Math.SQRT1_2)))),
};
