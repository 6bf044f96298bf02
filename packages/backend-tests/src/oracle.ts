/**
 * The test oracle: what each elementwise op means, as plain JavaScript written from the
 * definitions (not from any backend's kernels). The conformance suite, the cpu kernel tests and
 * the backends' own tests all compare against these records.
 */
import type { BinaryOp, FusedActivation, UnaryOp } from '@nn/tensor/backend';

/** Round half to even, written from the definition; a result of zero keeps x's sign (IEEE roundeven, PyTorch's round). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** erf: Maclaurin series below 1.5, Laplace continued fraction for erfc above (each within ~2 ulp there; the series cancels badly nearer 3). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const z = Math.abs(x);
  if (z < 1.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (z === Number.POSITIVE_INFINITY) return Math.sign(x);
  let t = z;
  for (let n = 80; n >= 1; n--) t = z + n / 2 / t;
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / t;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/**
 * The unary ops' meaning, one definition per op (exhaustive: a new op fails to compile until it has
 * one). Plain float64 Math, independent of any backend's kernels; sign keeps the sign of zero and
 * NaN (numpy's, and what the cpu kernels do; comparisons treat ±0 as equal where PyTorch differs).
 */
export const UNARY_REF: Record<UnaryOp, (a: number) => number> = {
  neg: (a) => -a,
  abs: Math.abs,
  sign: (a) => (Number.isNaN(a) ? a : a > 0 ? 1 : a < 0 ? -1 : a),
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (a) => 1 / Math.sqrt(a),
  reciprocal: (a) => 1 / a,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (a) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
  relu: (a) => (Number.isNaN(a) ? a : Math.max(a, 0)),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
};

const nanOr = (a: number, b: number, f: (a: number, b: number) => number): number =>
  Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : f(a, b);

/** The binary ops' meaning in float64 (int32 products wrap: see reference.ts's INT_BINARY_REF). */
export const BINARY_REF: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => nanOr(a, b, Math.max),
  minimum: (a, b) => nanOr(a, b, Math.min),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/** GELU with the exact erf (PyTorch's default approximate='none'). */
export const gelu = (a: number): number => 0.5 * a * (1 + erf(a / Math.SQRT2));

/** The fused linear layer's activations. */
export const ACTIVATION_REF: Record<FusedActivation, (a: number) => number> = {
  none: (a) => a,
  relu: UNARY_REF.relu,
  tanh: UNARY_REF.tanh,
  sigmoid: UNARY_REF.sigmoid,
  gelu,
};
