/**
 * The one declarative table of elementwise ops. Backends generate their kernels from it, so the
 * semantics of every op (NaN handling, rounding, edge cases) are written down exactly once.
 *
 * - `js`: an expression over the doubles `a` (and `b`). It is evaluated where the helpers in
 *   `JS_HELPERS` are in scope under their keys (`erf`, `rint`).
 * - `jsInt`: optional override used when every operand and the result are int32 (exact wrapping).
 * - `wgsl`: optional f32 expression over `a` (and `b`) for a future WebGPU backend. Comparison
 *   entries are bool-valued there.
 */
import type { BinaryOp, UnaryOp } from './contract.js';

export interface ElementwiseEntry {
  readonly js: string;
  readonly jsInt?: string;
  readonly wgsl?: string;
}

export const UNARY_TABLE: Readonly<Record<UnaryOp, ElementwiseEntry>> = {
  neg: { js: '-a', wgsl: '-a' },
  abs: { js: 'Math.abs(a)', wgsl: 'abs(a)' },
  // sign(+-0) keeps the zero, NaN stays NaN.
  sign: { js: 'a > 0 ? 1 : a < 0 ? -1 : a', wgsl: 'sign(a)' },
  exp: { js: 'Math.exp(a)', wgsl: 'exp(a)' },
  expm1: { js: 'Math.expm1(a)' },
  log: { js: 'Math.log(a)', wgsl: 'log(a)' },
  log1p: { js: 'Math.log1p(a)' },
  sqrt: { js: 'Math.sqrt(a)', wgsl: 'sqrt(a)' },
  rsqrt: { js: '1 / Math.sqrt(a)', wgsl: 'inverseSqrt(a)' },
  reciprocal: { js: '1 / a', wgsl: '1.0 / a' },
  sin: { js: 'Math.sin(a)', wgsl: 'sin(a)' },
  cos: { js: 'Math.cos(a)', wgsl: 'cos(a)' },
  tanh: { js: 'Math.tanh(a)', wgsl: 'tanh(a)' },
  // In double precision 1 / (1 + exp(-a)) never loses accuracy: exp(-a) overflowing to
  // Infinity gives the correct limit 0. f32 needs the two-sided form to avoid Inf / Inf.
  sigmoid: {
    js: '1 / (1 + Math.exp(-a))',
    wgsl: 'select(exp(a) / (1.0 + exp(a)), 1.0 / (1.0 + exp(-a)), a >= 0.0)',
  },
  // NaN propagates (PyTorch: relu(NaN) = NaN); -0 becomes +0.
  relu: { js: 'a > 0 || a !== a ? a : 0', wgsl: 'max(a, 0.0)' },
  erf: { js: 'erf(a)' },
  floor: { js: 'Math.floor(a)', wgsl: 'floor(a)' },
  ceil: { js: 'Math.ceil(a)', wgsl: 'ceil(a)' },
  // Half to even, like torch.round (WGSL round is half to even too).
  round: { js: 'rint(a)', wgsl: 'round(a)' },
};

export const BINARY_TABLE: Readonly<Record<BinaryOp, ElementwiseEntry>> = {
  add: { js: 'a + b', wgsl: 'a + b' },
  sub: { js: 'a - b', wgsl: 'a - b' },
  // a * b in doubles is inexact above 2^53; Math.imul wraps exactly like int32 hardware.
  mul: { js: 'a * b', jsInt: 'Math.imul(a, b)', wgsl: 'a * b' },
  div: { js: 'a / b', wgsl: 'a / b' },
  pow: { js: 'Math.pow(a, b)', wgsl: 'pow(a, b)' },
  // torch.maximum / minimum propagate NaN from either side.
  maximum: { js: 'a > b || a !== a ? a : b', wgsl: 'max(a, b)' },
  minimum: { js: 'a < b || a !== a ? a : b', wgsl: 'min(a, b)' },
  eq: { js: 'a === b ? 1 : 0', wgsl: 'a == b' },
  ne: { js: 'a !== b ? 1 : 0', wgsl: 'a != b' },
  lt: { js: 'a < b ? 1 : 0', wgsl: 'a < b' },
  le: { js: 'a <= b ? 1 : 0', wgsl: 'a <= b' },
  gt: { js: 'a > b ? 1 : 0', wgsl: 'a > b' },
  ge: { js: 'a >= b ? 1 : 0', wgsl: 'a >= b' },
};

/** Round half to even (Math.round rounds half up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// erfc(z) = t * exp(-z^2 + sum_j c_j T_j(2t - 1)) with t = 2 / (2 + z), z >= 0 (the form used by
// Numerical Recipes' erfccheb). The coefficients are a Chebyshev interpolation of
// log(erfc(z) exp(z^2) / t) computed at 50 digits; truncating after 28 terms leaves ~1e-16.
const ERFC_CHEB = [
  -0.6513268598908547, 0.6419697923564902, 0.019476473204185836, -0.009561514786808632,
  -0.0009465953444820369, 0.00036683949785276145, 4.252332480690777e-5, -2.0278578112534242e-5,
  -1.6242900046470256e-6, 1.3036558355805232e-6, 1.5626441722066142e-8, -8.523809591492654e-8,
  6.5290544390988515e-9, 5.059343495551469e-9, -9.91364156493033e-10, -2.273651222931836e-10,
  9.646791102015527e-11, 2.3940380830391146e-12, -6.886027526497553e-12, 8.944879273090725e-13,
  3.130921399342958e-13, -1.1270822361367252e-13, 3.810905255189232e-16, 7.106097613609237e-15,
  -1.5230282014571043e-15, -9.457494571291233e-17, 1.210237189224279e-16, -2.816663087747177e-17,
];

/** erfc for z >= 0, relative error ~1e-15. */
function erfcPositive(z: number): number {
  const t = 2 / (2 + z);
  const y = 2 * t - 1;
  const y2 = 2 * y;
  // Clenshaw recurrence for sum_j c_j T_j(y).
  let d = 0;
  let dd = 0;
  for (let j = ERFC_CHEB.length - 1; j > 0; j--) {
    const tmp = d;
    d = y2 * d - dd + ERFC_CHEB[j];
    dd = tmp;
  }
  return t * Math.exp(-z * z + (y * d - dd + ERFC_CHEB[0]));
}

// Maclaurin series of erf near 0, where 1 - erfc would lose relative accuracy:
// erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)). 13 terms reach 1e-17 for |x| < 0.5.
const ERF_TAYLOR: number[] = [];
for (let n = 0, fact = 1; n < 13; n++, fact *= n) {
  ERF_TAYLOR.push(((n % 2 === 0 ? 2 : -2) / Math.sqrt(Math.PI)) / (fact * (2 * n + 1)));
}

/** The error function, relative error ~1e-15 over the whole real line. */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 0.5) {
    const x2 = x * x;
    let s = ERF_TAYLOR[ERF_TAYLOR.length - 1];
    for (let n = ERF_TAYLOR.length - 2; n >= 0; n--) s = s * x2 + ERF_TAYLOR[n];
    return x * s;
  }
  if (z !== z) return x;
  const r = 1 - erfcPositive(z);
  return x < 0 ? -r : r;
}

/** Helpers the `js` expressions may call, by the name they use. */
export const JS_HELPERS = { erf, rint: roundHalfEven } as const;
