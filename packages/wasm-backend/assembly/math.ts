// Scalar helpers shared by the kernels. Each reproduces the cpu backend's JavaScript semantics
// exactly (test/parity.test.ts compares the wasm and cpu backends bit for bit).

/** JavaScript's ToInt32 (what an Int32Array store does): NaN and infinities give 0, else wraps mod 2^32. */
export function toInt32(x: f64): i32 {
  if (Math.abs(x) < 2147483648.0) return <i32>x;
  if (x - x !== 0) return 0; // NaN or infinite
  const t = Math.trunc(x);
  return <i32>(<u32>(t - Math.floor(t / 4294967296.0) * 4294967296.0));
}

/** What a Uint8Array store of a comparison or bool cast holds: 1 for any nonzero (or NaN) value. */
export function u8byte(x: f64): u8 {
  return x !== 0 ? 1 : 0;
}

/** Round half to even (torch.round): wasm's f64.nearest. */
export function rint(x: f64): f64 {
  return nearest<f64>(x);
}

/** Math.pow with JavaScript's special cases (C's pow gives 1 for pow(1, NaN) and pow(-1, Infinity)). */
export function jspow(a: f64, b: f64): f64 {
  if (b !== b) return NaN;
  if (Math.abs(a) === 1 && b - b !== 0) return NaN; // b infinite
  return a ** b;
}

// erf: a port of @nn/tensor's erf (backend/elementwise-table.ts), same pieces and coefficients:
//   |x| < 1: x * P0(2x^2 - 1);  1 <= z < 6: 1 - t exp(-z^2 + P(y)), t = 2 / (2 + z);  z >= 6: +-1.
const P0: StaticArray<f64> = [
  0.9654687386698673, -0.1405360890227171, 0.019852496688984218, -0.0022854855611441132,
  0.00021751715603563404, -1.7537169441124826e-05, 1.2233827638116999e-06, -7.51156928660089e-08,
  4.115751497588646e-09, -2.035228404899467e-10, 9.211251258348265e-12, -3.8078827395263415e-13,
];
const P1: StaticArray<f64> = [
  -0.6267548660108485, 0.18088521951257697, 0.0026828456618333964, -0.0009315994033117396,
  -3.4579344121131305e-05, 1.2552681498197218e-05, 2.3815900082826112e-07,
  -2.2250838835588142e-07, 5.9180708000373835e-09, 3.9114612625361125e-09, -3.60958516483619e-10,
  -5.313030536143108e-11, 1.1230511115290326e-11, 2.307905558347583e-13, -2.280432526540741e-13,
];
const P2: StaticArray<f64> = [
  -0.8995988544230419, 0.0936810903638928, 0.0019389376941533916, -8.389147199003793e-05,
  -9.69840228822901e-06, 5.1236285599948074e-08, 5.4375859446013134e-08, 8.799242856229811e-10,
  -3.5249140008614323e-10, -9.915612879707808e-12, 2.6015553334118462e-12, 7.30847455368786e-14,
  -2.0559731910153496e-14,
];

function horner(p: StaticArray<f64>, y: f64): f64 {
  const n = p.length;
  let s = unchecked(p[n - 1]);
  for (let k = n - 2; k >= 0; k--) s = s * y + unchecked(p[k]);
  return s;
}

/** The error function, as @nn/tensor defines it (relative error ~2e-16). */
export function erf(x: f64): f64 {
  const z = Math.abs(x);
  if (z < 1) return x * horner(P0, 2 * x * x - 1);
  if (z !== z) return x;
  if (z >= 6) return x > 0 ? 1 : -1;
  const t = 2 / (2 + z);
  const f = z < 3 ? horner(P1, 7.5 * t - 4) : horner(P2, (40 * t - 13) / 3);
  const r = 1 - t * Math.exp(-z * z + f);
  return x < 0 ? -r : r;
}

/** Integer power with exact 32-bit wrapping, as @nn/tensor's ipow (negative exponents truncate). */
export function ipow(a: i32, b: i32): i32 {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b & 1 ? -1 : 1) : 0;
  let result: i32 = 1;
  let base = a;
  for (let e = <u32>b; e > 0; e >>>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return result;
}

/**
 * tanh from the table-driven exp (about 3x faster in wasm than the expm1-based library tanh):
 * an odd Taylor polynomial below 1/8, 1 - 2 / (exp(2|x|) + 1) above (relative error ~1e-15,
 * far below float32's half ulp, so float32 results match Math.tanh's).
 */
export function tanh(x: f64): f64 {
  const z = Math.abs(x);
  if (z < 0.125) {
    const y = x * x;
    // x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925 + 21844x^13/6081075 - 929569x^15/638512875
    return x * (1 + y * (-0.3333333333333333 + y * (0.13333333333333333 + y * (-0.05396825396825397 + y * (0.021869488536155203 + y * (-0.008863235529902197 + y * (0.003592128036572481 + y * -0.0014558343870513183)))))));
  }
  if (z > 22) return x !== x ? x : x > 0 ? 1 : -1;
  const r = 1 - 2 / (Math.exp(2 * z) + 1);
  return x < 0 ? -r : r;
}
