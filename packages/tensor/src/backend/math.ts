/**
 * The math helpers the elementwise table calls beyond JavaScript's `Math` (`erf`, `rint`, `ipow`),
 * in float64. The wasm generator and the WebGPU backend build their versions of erf from the same
 * coefficient arrays (`ERF_POLYNOMIALS`), so the constants live only here.
 */

/** Round half to even (Math.round rounds half up), like torch.round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * erf in three pieces, each a polynomial (Horner) in a variable y mapped onto [-1, 1]:
 * - `small`, |x| < 1: erf(x) = x * P(y), y = 2x^2 - 1 (a series in x^2 keeps relative accuracy at 0)
 * - `mid`, 1 <= z < 3, and `tail`, 3 <= z < 6: erfc(z) = t * exp(-z^2 + P(y)) with t = 2 / (2 + z)
 *   (Numerical Recipes' erfccheb form); `mid` maps t in [0.4, 2/3] by y = 7.5t - 4, `tail` maps
 *   t in [0.25, 0.4] by y = (40t - 13) / 3
 * - z >= 6: erf = +-1 (erfc(6) = 2e-17 is below half an ulp of 1)
 *
 * Coefficients (lowest degree first): Chebyshev interpolants of erf(x)/x and
 * log(erfc(z) exp(z^2) / t) computed with mpmath at 40 digits, truncated below 1e-17 and
 * converted to monomials (all |c| < 1, so Horner in y is well conditioned). Measured max
 * relative error in float64: 2.2e-16.
 */
export const ERF_POLYNOMIALS = {
  /** erf(x) / x for |x| < 1, in y = 2x^2 - 1. */
  small: [
    0.9654687386698673, -0.1405360890227171, 0.019852496688984218, -0.0022854855611441132, 0.00021751715603563404, -1.7537169441124826e-5,
    1.2233827638116999e-6, -7.51156928660089e-8, 4.115751497588646e-9, -2.035228404899467e-10, 9.211251258348265e-12,
    -3.8078827395263415e-13,
  ],
  /** log(erfc(z) exp(z^2) / t) for 1 <= z < 3, in y = 7.5t - 4. */
  mid: [
    -0.6267548660108485, 0.18088521951257697, 0.0026828456618333964, -0.0009315994033117396, -3.4579344121131305e-5, 1.2552681498197218e-5,
    2.3815900082826112e-7, -2.2250838835588142e-7, 5.9180708000373835e-9, 3.9114612625361125e-9, -3.60958516483619e-10,
    -5.313030536143108e-11, 1.1230511115290326e-11, 2.307905558347583e-13, -2.280432526540741e-13,
  ],
  /** log(erfc(z) exp(z^2) / t) for 3 <= z < 6, in y = (40t - 13) / 3. */
  tail: [
    -0.8995988544230419, 0.0936810903638928, 0.0019389376941533916, -8.389147199003793e-5, -9.69840228822901e-6, 5.1236285599948074e-8,
    5.4375859446013134e-8, 8.799242856229811e-10, -3.5249140008614323e-10, -9.915612879707808e-12, 2.6015553334118462e-12,
    7.30847455368786e-14, -2.0559731910153496e-14,
  ],
} as const;

function horner(p: readonly number[], y: number): number {
  let s = p[p.length - 1];
  for (let k = p.length - 2; k >= 0; k--) s = s * y + p[k];
  return s;
}

const { small, mid, tail } = ERF_POLYNOMIALS;

/** The error function, relative error ~2e-16 over the whole real line. */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 1) return x * horner(small, 2 * x * x - 1);
  if (z !== z) return x;
  if (z >= 6) return x > 0 ? 1 : -1;
  const t = 2 / (2 + z);
  const f = z < 3 ? horner(mid, 7.5 * t - 4) : horner(tail, (40 * t - 13) / 3);
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
