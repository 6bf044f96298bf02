/**
 * The one declarative table of elementwise ops. Backends generate their kernels from it, so the
 * semantics of every op (NaN handling, rounding, edge cases) are written down exactly once.
 *
 * - `js`: an expression over the doubles `a` (and `b`). It is evaluated where the helpers in
 *   `JS_HELPERS` are in scope under their keys (`erf`, `rint`, `ipow`).
 * - `jsInt`: optional override used when every operand and the result are int32 (exact wrapping).
 * - `fn` / `fnInt`: the same expressions as plain functions, for code that may not compile
 *   strings (the reference backend, pages whose CSP forbids eval). Each is the `js` text as an
 *   arrow; test/elementwise-table.test.ts checks both forms agree bit for bit.
 *
 * Backends in other languages key their own forms by the same op names with exhaustive types
 * (`Record<UnaryOp | BinaryOp, ...>`: the WGSL table in @nn/webgpu-backend, the generated
 * AssemblyScript in @nn/wasm-backend), so a new op fails to compile until every backend has it.
 */
import type { BinaryOp, UnaryOp } from './contract.js';

export type UnaryFn = (a: number) => number;
export type BinaryFn = (a: number, b: number) => number;

/** An op's expression as source (`js`, for generated kernels) and as a function (`fn`); the int forms come in pairs. */
export type ElementwiseEntry<F extends UnaryFn | BinaryFn = UnaryFn | BinaryFn> = {
  readonly js: string;
  readonly fn: F;
} & ({ readonly jsInt?: undefined; readonly fnInt?: undefined } | { readonly jsInt: string; readonly fnInt: F });

export const UNARY_TABLE: Readonly<Record<UnaryOp, ElementwiseEntry<UnaryFn>>> = {
  neg: { js: '-a', fn: (a) => -a },
  abs: { js: 'Math.abs(a)', fn: (a) => Math.abs(a) },
  // sign(+-0) keeps the zero, NaN stays NaN.
  sign: { js: 'a > 0 ? 1 : a < 0 ? -1 : a', fn: (a) => a > 0 ? 1 : a < 0 ? -1 : a },
  exp: { js: 'Math.exp(a)', fn: (a) => Math.exp(a) },
  expm1: { js: 'Math.expm1(a)', fn: (a) => Math.expm1(a) },
  log: { js: 'Math.log(a)', fn: (a) => Math.log(a) },
  log1p: { js: 'Math.log1p(a)', fn: (a) => Math.log1p(a) },
  sqrt: { js: 'Math.sqrt(a)', fn: (a) => Math.sqrt(a) },
  rsqrt: { js: '1 / Math.sqrt(a)', fn: (a) => 1 / Math.sqrt(a) },
  reciprocal: { js: '1 / a', fn: (a) => 1 / a },
  sin: { js: 'Math.sin(a)', fn: (a) => Math.sin(a) },
  cos: { js: 'Math.cos(a)', fn: (a) => Math.cos(a) },
  tanh: { js: 'Math.tanh(a)', fn: (a) => Math.tanh(a) },
  // In double precision 1 / (1 + exp(-a)) never loses accuracy: exp(-a) overflowing to
  // Infinity gives the correct limit 0. f32 needs the two-sided form to avoid Inf / Inf.
  sigmoid: { js: '1 / (1 + Math.exp(-a))', fn: (a) => 1 / (1 + Math.exp(-a)) },
  // NaN propagates (PyTorch: relu(NaN) = NaN); -0 becomes +0.
  relu: { js: 'a > 0 || a !== a ? a : 0', fn: (a) => a > 0 || a !== a ? a : 0 },
  erf: { js: 'erf(a)', fn: (a) => erf(a) },
  floor: { js: 'Math.floor(a)', fn: (a) => Math.floor(a) },
  ceil: { js: 'Math.ceil(a)', fn: (a) => Math.ceil(a) },
  // Half to even, like torch.round (WGSL round is half to even too).
  round: { js: 'rint(a)', fn: (a) => rint(a) },
};

export const BINARY_TABLE: Readonly<Record<BinaryOp, ElementwiseEntry<BinaryFn>>> = {
  add: { js: 'a + b', fn: (a, b) => a + b },
  sub: { js: 'a - b', fn: (a, b) => a - b },
  // a * b in doubles is inexact above 2^53; Math.imul wraps exactly like int32 hardware.
  mul: { js: 'a * b', fn: (a, b) => a * b, jsInt: 'Math.imul(a, b)', fnInt: (a, b) => Math.imul(a, b) },
  div: { js: 'a / b', fn: (a, b) => a / b },
  // biome-ignore lint/style/useExponentiationOperator: fn repeats the js text exactly
  pow: { js: 'Math.pow(a, b)', fn: (a, b) => Math.pow(a, b), jsInt: 'ipow(a, b)', fnInt: (a, b) => ipow(a, b) },
  // torch.maximum / minimum propagate NaN from either side.
  maximum: { js: 'a > b || a !== a ? a : b', fn: (a, b) => a > b || a !== a ? a : b },
  minimum: { js: 'a < b || a !== a ? a : b', fn: (a, b) => a < b || a !== a ? a : b },
  eq: { js: 'a === b ? 1 : 0', fn: (a, b) => a === b ? 1 : 0 },
  ne: { js: 'a !== b ? 1 : 0', fn: (a, b) => a !== b ? 1 : 0 },
  lt: { js: 'a < b ? 1 : 0', fn: (a, b) => a < b ? 1 : 0 },
  le: { js: 'a <= b ? 1 : 0', fn: (a, b) => a <= b ? 1 : 0 },
  gt: { js: 'a > b ? 1 : 0', fn: (a, b) => a > b ? 1 : 0 },
  ge: { js: 'a >= b ? 1 : 0', fn: (a, b) => a >= b ? 1 : 0 },
};

/** Round half to even (Math.round rounds half up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// erf in three pieces, each a polynomial (Horner) in a variable y mapped onto [-1, 1]:
//   |x| < 1:     erf(x) = x * P0(y), y = 2x^2 - 1 (a series in x^2 keeps relative accuracy at 0)
//   1 <= z < 6:  erfc(z) = t * exp(-z^2 + P(y)) with t = 2 / (2 + z) (the form of Numerical
//                Recipes' erfccheb), P1 for z < 3 (t in [0.4, 2/3]), P2 above (t in [0.25, 0.4])
//   z >= 6:      erf = +-1 (erfc(6) = 2e-17 is below half an ulp of 1)
// Coefficients: Chebyshev interpolants of erf(x)/x and log(erfc(z) exp(z^2) / t) computed with
// mpmath at 40 digits, truncated below 1e-17 and converted to monomials (all |a_k| < 1, so
// Horner in y is well conditioned). Measured max relative error: 2.2e-16.
const P0 = [
  0.9654687386698673, -0.1405360890227171, 0.019852496688984218, -0.0022854855611441132,
  0.00021751715603563404, -1.7537169441124826e-05, 1.2233827638116999e-06, -7.51156928660089e-08,
  4.115751497588646e-09, -2.035228404899467e-10, 9.211251258348265e-12, -3.8078827395263415e-13,
];
const P1 = [
  -0.6267548660108485, 0.18088521951257697, 0.0026828456618333964, -0.0009315994033117396,
  -3.4579344121131305e-05, 1.2552681498197218e-05, 2.3815900082826112e-07,
  -2.2250838835588142e-07, 5.9180708000373835e-09, 3.9114612625361125e-09, -3.60958516483619e-10,
  -5.313030536143108e-11, 1.1230511115290326e-11, 2.307905558347583e-13, -2.280432526540741e-13,
];
const P2 = [
  -0.8995988544230419, 0.0936810903638928, 0.0019389376941533916, -8.389147199003793e-05,
  -9.69840228822901e-06, 5.1236285599948074e-08, 5.4375859446013134e-08, 8.799242856229811e-10,
  -3.5249140008614323e-10, -9.915612879707808e-12, 2.6015553334118462e-12, 7.30847455368786e-14,
  -2.0559731910153496e-14,
];

function horner(p: readonly number[], y: number): number {
  let s = p[p.length - 1];
  for (let k = p.length - 2; k >= 0; k--) s = s * y + p[k];
  return s;
}

/** The error function, relative error ~2e-16 over the whole real line. */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 1) return x * horner(P0, 2 * x * x - 1);
  if (z !== z) return x;
  if (z >= 6) return x > 0 ? 1 : -1;
  const t = 2 / (2 + z);
  const f = z < 3 ? horner(P1, 7.5 * t - 4) : horner(P2, (40 * t - 13) / 3);
  const r = 1 - t * Math.exp(-z * z + f);
  return x < 0 ? -r : r;
}

/**
 * Integer power with exact 32-bit wrapping (square and multiply with Math.imul). Negative
 * exponents give 0 except for bases 1 and -1, the integer part of the true result.
 */
export function ipow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b & 1 ? -1 : 1) : 0;
  let result = 1;
  let base = a | 0;
  for (let e = b; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

const rint = roundHalfEven;

/** Helpers the `js` expressions may call, by the name they use (the `fn` forms call the same). */
export const JS_HELPERS = { erf, rint, ipow } as const;
