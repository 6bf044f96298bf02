/**
 * WGSL expressions for the shared elementwise table's ops, keyed by the same names
 * (packages/tensor/src/backend/elementwise-table.ts). `Record<UnaryOp | BinaryOp, string>` makes a
 * new op in the shared table a compile error here until it has a WGSL form.
 *
 * The float32 forms reproduce the table's `js` semantics (NaN propagation, +-0, +-Inf) on any
 * driver: they call the nn_* functions of ./math.ts instead of WGSL built-ins whose accuracy
 * and special values are left to the driver (see math.ts for what SwiftShader does). Comparison
 * forms are bool-valued; `ne` is `!(a == b)` because some drivers compile `!=` as an ordered
 * comparison (false for NaN).
 */
import type { UnaryOp } from '@nn/tensor';
import type { BinaryOp } from '@nn/tensor/backend';

/** float32 forms, over `a` (and `b`). */
export const WGSL_F32: Readonly<Record<UnaryOp | BinaryOp, string>> = {
  neg: '-a',
  abs: 'abs(a)',
  sign: 'nn_sign(a)',
  exp: 'nn_exp(a)',
  expm1: 'nn_expm1(a)',
  log: 'nn_log(a)',
  log1p: 'nn_log1p(a)',
  sqrt: 'sqrt(a)',
  rsqrt: '1.0 / sqrt(a)',
  reciprocal: '1.0 / a',
  sin: 'nn_sin(a)',
  cos: 'nn_cos(a)',
  tanh: 'nn_tanh(a)',
  sigmoid: 'nn_sigmoid(a)',
  // NaN propagates, -0 becomes +0 (the table's js).
  relu: 'select(0.0, a, a > 0.0 || nn_isnan(a))',
  erf: 'nn_erf(a)',
  floor: 'floor(a)',
  ceil: 'ceil(a)',
  round: 'round(a)',
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'nn_pow(a, b)',
  maximum: 'select(b, a, a > b || nn_isnan(a))',
  minimum: 'select(b, a, a < b || nn_isnan(a))',
  eq: 'a == b',
  ne: '!(a == b)',
  lt: 'a < b',
  le: 'a <= b',
  gt: 'a > b',
  ge: 'a >= b',
};

/**
 * int32 forms (wrapping two's-complement arithmetic, as the cpu backend's Int32Array stores).
 * The frontend sends int32 only to neg/abs/sign, the arithmetic ops except div, and comparisons.
 */
export const WGSL_I32: Readonly<Partial<Record<UnaryOp | BinaryOp, string>>> = {
  neg: '-a',
  abs: 'abs(a)',
  sign: 'sign(a)',
  floor: 'a',
  ceil: 'a',
  round: 'a',
  relu: 'max(a, 0)',
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  pow: 'nn_pow_i32(a, b)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  eq: 'a == b',
  ne: 'a != b',
  lt: 'a < b',
  le: 'a <= b',
  gt: 'a > b',
  ge: 'a >= b',
};

/** Activations of the fused linear routine, over `a` (float32). */
export const WGSL_ACTIVATION = {
  /** No activation. */
  none: 'a',
  /** max(0, a). */
  relu: WGSL_F32.relu,
  /** tanh(a). */
  tanh: WGSL_F32.tanh,
  /** 1 / (1 + exp(−a)). */
  sigmoid: WGSL_F32.sigmoid,
  /** The exact (erf) GELU. */
  gelu: '0.5 * a * (1.0 + nn_erf(a * 0.70710678118654752))',
} as const;
