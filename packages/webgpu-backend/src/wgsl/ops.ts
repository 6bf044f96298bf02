/**
 * WGSL forms of the elementwise ops, printed from @nn/tensor's single definition of each op (its
 * expression trees, `UNARY_TABLE`/`BINARY_TABLE`): the float tree computed in f32, the int tree in
 * i32 (wrapping, as the cpu backend's Int32Array stores).
 *
 * The f32 forms keep the table's semantics (NaN propagation, +-0, +-Inf) on any driver: math
 * functions are the nn_* functions of ./math.ts, not WGSL built-ins whose accuracy and special
 * values are left to the driver (see math.ts for what SwiftShader does); NaN and infinity tests
 * look at the bits; `!=` prints as `!(a == b)` because some drivers compile `!=` as an ordered
 * comparison (false for NaN). Comparisons are bool-valued.
 */
import { BackendError, type UnaryOp } from '@nn/tensor';
import {
  ACTIVATION_TABLE,
  BINARY_OPS,
  type BinaryOp,
  definitionOf,
  expr,
  FLOAT_ONLY,
  type FusedActivation,
  type IntBinaryOp,
  type IntUnaryOp,
  UNARY_OPS,
} from '@nn/tensor/backend';

type Op = UnaryOp | BinaryOp;

const F32_FNS: Readonly<Record<expr.FloatFn, string>> = {
  abs: 'abs',
  exp: 'nn_exp',
  expm1: 'nn_expm1',
  log: 'nn_log',
  log1p: 'nn_log1p',
  sqrt: 'sqrt',
  sin: 'nn_sin',
  cos: 'nn_cos',
  tanh: 'nn_tanh',
  floor: 'floor',
  ceil: 'ceil',
  rint: 'round',
  erf: 'nn_erf',
  pow: 'nn_pow',
};
const I32_FNS: Readonly<Record<expr.IntFn, string>> = { abs: 'abs', max: 'max', min: 'min', ipow: 'nn_pow_i32' };

function f32Literal(v: number): string {
  if (Number.isNaN(v)) return 'nn_nan()';
  if (!Number.isFinite(v)) return v > 0 ? 'nn_inf()' : '(-nn_inf())';
  const s = expr.floatLiteral(Math.abs(v));
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

function dialect(type: 'f32' | 'i32', operands: readonly string[]): expr.Dialect {
  const f32 = type === 'f32';
  return {
    arg: (name) => operands[name === 'a' ? 0 : 1],
    lit: f32 ? f32Literal : (v) => (v < 0 ? `(${v})` : String(v)),
    neg: (x) => `(-${x})`,
    arith: (op, x, y) => `(${x} ${op} ${y})`,
    call: (f, args) => `${f32 ? F32_FNS[f as expr.FloatFn] : I32_FNS[f as expr.IntFn]}(${args.join(', ')})`,
    select: (c, t, f) => `select(${f}, ${t}, ${c})`,
    cmp: (op, x, y) => (op === '!=' && f32 ? `!(${x} == ${y})` : `(${x} ${op} ${y})`),
    logic: (op, x, y) => `(${x} ${op} ${y})`,
    test: (f, x) => (f32 ? `nn_${f}(${x})` : 'false'),
  };
}

/**
 * The WGSL expression of `op` computed in `type` over `operands` (WGSL expressions for a and b,
 * each possibly evaluated several times, so pass identifiers or plain loads). f32 forms call the
 * nn_* functions of ./math.ts: prepend `mathPrelude(code)`. Comparisons are bool-valued. Throws a
 * BackendError for an op without an int32 form (the frontend computes those in float32).
 */
export function wgslExpr(op: Op, type: 'f32' | 'i32', operands: readonly string[] = ['a', 'b']): string {
  const def = definitionOf(op);
  if (type === 'i32' && def.int === FLOAT_ONLY) {
    throw new BackendError(`webgpu: op '${op}' has no int32 form; the frontend computes it in float32`);
  }
  return expr.print(type === 'f32' ? def.float : (def.int as expr.Expr), dialect(type, operands));
}

/** float32 forms of every op, over `a` (and `b`). */
export const WGSL_F32: Readonly<Record<Op, string>> = Object.fromEntries(
  [...UNARY_OPS, ...BINARY_OPS].map((op) => [op, wgslExpr(op, 'f32')]),
) as Record<Op, string>;

/** int32 forms, over `a` (and `b`): a string for each op with an int32 form, undefined (by type too) for the others. */
export const WGSL_I32: { readonly [K in Op]: K extends IntUnaryOp | IntBinaryOp ? string : undefined } = Object.fromEntries(
  [...UNARY_OPS, ...BINARY_OPS].map((op) => [op, definitionOf(op).int === FLOAT_ONLY ? undefined : wgslExpr(op, 'i32')]),
) as { [K in Op]: K extends IntUnaryOp | IntBinaryOp ? string : undefined };

/** Activations of the fused linear routine, over `a` (float32). */
export const WGSL_ACTIVATION: Readonly<Record<FusedActivation, string>> = Object.fromEntries(
  (Object.keys(ACTIVATION_TABLE) as FusedActivation[]).map((act) => [act, expr.print(ACTIVATION_TABLE[act], dialect('f32', ['a']))]),
) as Record<FusedActivation, string>;
