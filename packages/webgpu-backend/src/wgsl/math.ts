/**
 * A small WGSL math library with the IEEE / JavaScript semantics the cpu backend has.
 *
 * Why not the WGSL built-ins: WGSL (like Vulkan) lets a driver implement exp/log/sin/cos/tanh/pow
 * with loose accuracy and no special-value guarantees, and drivers use that freedom. Measured on
 * SwiftShader: sin(0.1) is off by 1.5e-4, log(-1) is 0 and log(0) is -88, exp(NaN) is +Inf,
 * tanh(100) is NaN, max(NaN, 0) is 0, sign(NaN) is 0 and `a != a` is false for NaN. So every
 * transcendental here is a range reduction plus a polynomial over plain + - * /, floor, round and
 * sqrt (correctly rounded everywhere measured), and special values are tested on the bits.
 *
 * Each function is a named snippet; `mathPrelude(code)` returns the snippets `code` calls,
 * with their dependencies, so a shader carries only what it uses.
 *
 * Accuracy (measured against float64 over 1e6 points per function, in tests/math.test.ts):
 * exp, log, log1p, expm1, sin, cos, tanh, erf within about 2 ulp of the correctly
 * rounded float32 result on their usual ranges; pow within |b log a| * 2^-23 relative.
 * Denormal inputs and results may be flushed to zero by the driver.
 */

import { ERF_POLYNOMIALS, expr } from '@nn/tensor/backend';

/**
 * A polynomial in y (coefficients lowest degree first) as WGSL Horner form, without the trailing
 * coefficients whose total magnitude is below 2^-32: over y in [-1, 1] they change a float32
 * result by far less than an ulp.
 */
function f32Horner(coefficients: readonly number[]): string {
  let n = coefficients.length;
  let tail = 0;
  while (n > 1 && tail + Math.abs(coefficients[n - 1]) < 2 ** -32) tail += Math.abs(coefficients[--n]);
  const lit = (c: number): string => (c < 0 ? `-${expr.floatLiteral(-c)}` : expr.floatLiteral(c));
  let s = lit(coefficients[n - 1]);
  for (let k = n - 2; k >= 0; k--) s = `${lit(coefficients[k])} + y * (${s})`;
  return s;
}

interface Snippet {
  readonly deps: readonly string[];
  readonly code: string;
}

// Private vars (not const): a const-expression that evaluates to Inf or NaN is a shader-creation
// error in WGSL, so these are read at run time.
const SNIPPETS: Record<string, Snippet> = {
  nn_specials: {
    deps: [],
    code: `var<private> nn_inf_bits: u32 = 0x7f800000u;
var<private> nn_nan_bits: u32 = 0x7fc00000u;`,
  },
  nn_inf: { deps: ['nn_specials'], code: 'fn nn_inf() -> f32 { return bitcast<f32>(nn_inf_bits); }' },
  nn_nan: { deps: ['nn_specials'], code: 'fn nn_nan() -> f32 { return bitcast<f32>(nn_nan_bits); }' },
  nn_isnan: {
    deps: [],
    code: 'fn nn_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }',
  },
  nn_isinf: {
    deps: [],
    code: 'fn nn_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }',
  },
  nn_signbit: { deps: [], code: 'fn nn_signbit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }' },
  // 2^k for integer k in [-126, 127], built from the exponent bits.
  nn_exp2i: {
    deps: [],
    code: 'fn nn_exp2i(k: i32) -> f32 { return bitcast<f32>(u32(k + 127) << 23u); }',
  },
  // x * 2^k for k in [-252, 254] (two factors so each stays a normal number).
  nn_ldexp: {
    deps: ['nn_exp2i'],
    code: `fn nn_ldexp(x: f32, k: i32) -> f32 {
  let k1 = k / 2;
  return x * nn_exp2i(k1) * nn_exp2i(k - k1);
}`,
  },
  // Cody-Waite reduction by ln 2 (hi part exact in 9 bits), then a degree-6 polynomial (cephes).
  nn_exp: {
    deps: ['nn_isnan', 'nn_inf', 'nn_ldexp'],
    code: `fn nn_exp(x: f32) -> f32 {
  if (nn_isnan(x)) { return x; }
  if (x > 88.72283935546875) { return nn_inf(); }
  if (x < -103.972084045410) { return 0.0; }
  let k = round(x * 1.44269504088896341);
  let r = (x - k * 0.693359375) + k * 2.12194440e-4;
  let p = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
    + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1);
  return nn_ldexp(r * r * p + r + 1.0, i32(k));
}`,
  },
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1).
  nn_log: {
    deps: ['nn_isnan', 'nn_inf', 'nn_nan'],
    code: `fn nn_log(x: f32) -> f32 {
  if (nn_isnan(x)) { return x; }
  if (x < 0.0) { return nn_nan(); }
  if (x == 0.0) { return -nn_inf(); }
  if (x == nn_inf()) { return x; }
  var u = bitcast<u32>(x);
  var e: i32 = 0;
  if (u < 0x00800000u) { u = bitcast<u32>(x * 8388608.0); e = -23; }
  e = e + i32(u >> 23u) - 127;
  var m = bitcast<f32>((u & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356) { m = m * 0.5; e = e + 1; }
  let s = (m - 1.0) / (m + 1.0);
  let z = s * s;
  let t = z * (0.33333333333 + z * (0.2 + z * (0.142857142857 + z * (0.111111111111 + z * 0.0909090909))));
  let lm = 2.0 * s + 2.0 * s * t;
  let fe = f32(e);
  return fe * 0.693359375 + (lm - fe * 2.12194440e-4);
}`,
  },
  // 2 atanh(s) with s = x / (2 + x) for |x| < 0.5 (no cancellation; the classic
  // log(u) + (x - (u - 1)) / u correction is folded to 0 by some shader compilers), log(1 + x) above.
  nn_log1p: {
    deps: ['nn_isnan', 'nn_inf', 'nn_log'],
    code: `fn nn_log1p(x: f32) -> f32 {
  if (nn_isnan(x) || x == nn_inf()) { return x; }
  if (x == -1.0) { return -nn_inf(); }
  if (abs(x) < 0.5) {
    let s = x / (2.0 + x);
    let z = s * s;
    let t = z * (0.33333333333 + z * (0.2 + z * (0.142857142857 + z * (0.111111111111 + z * (0.0909090909
      + z * (0.0769230769 + z * 0.0666666667))))));
    return 2.0 * s + 2.0 * s * t;
  }
  return nn_log(1.0 + x);
}`,
  },
  // Taylor series to x^10 below ln(2)/2 (truncation < 1e-11 relative), exp(x) - 1 above.
  nn_expm1: {
    deps: ['nn_exp'],
    code: `fn nn_expm1(x: f32) -> f32 {
  if (abs(x) < 0.34657359) {
    return x * (1.0 + x * (0.5 + x * (0.16666666667 + x * (0.041666666667 + x * (0.0083333333333
      + x * (0.0013888888889 + x * (1.9841269841e-4 + x * (2.4801587302e-5 + x * (2.7557319224e-6
      + x * 2.7557319224e-7)))))))));
  }
  return nn_exp(x) - 1.0;
}`,
  },
  // Reduction by pi/2 in three parts (exact products for |k| < 2^12), cephes polynomials.
  nn_sincos_poly: {
    deps: [],
    code: `fn nn_sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn nn_cos_poly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
fn nn_reduce_half_pi(x: f32) -> vec2<f32> {
  let k = round(x * 0.636619772367581343);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  return vec2<f32>(r, k);
}`,
  },
  nn_sin: {
    deps: ['nn_sincos_poly', 'nn_isnan', 'nn_isinf', 'nn_nan'],
    code: `fn nn_sin(x: f32) -> f32 {
  if (nn_isnan(x) || nn_isinf(x)) { return nn_nan(); }
  if (abs(x) < 0.78539816) { return nn_sin_poly(x); }
  let rk = nn_reduce_half_pi(x);
  let q = i32(rk.y - 4.0 * floor(rk.y * 0.25));
  let s = nn_sin_poly(rk.x);
  let c = nn_cos_poly(rk.x);
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}`,
  },
  nn_cos: {
    deps: ['nn_sincos_poly', 'nn_isnan', 'nn_isinf', 'nn_nan'],
    code: `fn nn_cos(x: f32) -> f32 {
  if (nn_isnan(x) || nn_isinf(x)) { return nn_nan(); }
  let rk = nn_reduce_half_pi(x);
  let q = i32(rk.y - 4.0 * floor(rk.y * 0.25));
  let s = nn_sin_poly(rk.x);
  let c = nn_cos_poly(rk.x);
  if (q == 0) { return c; }
  if (q == 1) { return -s; }
  if (q == 2) { return -c; }
  return s;
}`,
  },
  // Odd polynomial below 0.625 (cephes tanhf), 1 - 2 / (exp(2|x|) + 1) above, +-1 past 9.
  nn_tanh: {
    deps: ['nn_exp', 'nn_isnan'],
    code: `fn nn_tanh(x: f32) -> f32 {
  if (nn_isnan(x)) { return x; }
  let z = abs(x);
  if (z < 0.625) {
    let s = x * x;
    return x + x * s * ((((-5.70498872745e-3 * s + 2.06390887954e-2) * s - 5.37397155531e-2) * s
      + 1.33314422036e-1) * s - 3.33332819422e-1);
  }
  var r = 1.0;
  if (z < 9.0) { r = 1.0 - 2.0 / (nn_exp(2.0 * z) + 1.0); }
  return select(r, -r, x < 0.0);
}`,
  },
  // @nn/tensor's erf (ERF_POLYNOMIALS, the same pieces and coefficients) in float32:
  // x P(2x^2 - 1) below 1, 1 - t exp(-z^2 + P(y)) with t = 2 / (2 + z) up to 6, +-1 above.
  nn_erf: {
    deps: ['nn_exp', 'nn_isnan'],
    code: `fn nn_erf(x: f32) -> f32 {
  let z = abs(x);
  if (z < 1.0) {
    let y = 2.0 * x * x - 1.0;
    return x * (${f32Horner(ERF_POLYNOMIALS.small)});
  }
  if (nn_isnan(x)) { return x; }
  if (z >= 6.0) { return select(1.0, -1.0, x < 0.0); }
  let t = 2.0 / (2.0 + z);
  var f: f32;
  if (z < 3.0) {
    let y = 7.5 * t - 4.0;
    f = ${f32Horner(ERF_POLYNOMIALS.mid)};
  } else {
    let y = (40.0 * t - 13.0) / 3.0;
    f = ${f32Horner(ERF_POLYNOMIALS.tail)};
  }
  let r = 1.0 - t * nn_exp(-z * z + f);
  return select(r, -r, x < 0.0);
}`,
  },
  // JavaScript's Math.pow: pow(x, +-0) = 1 (even NaN), NaN otherwise propagates, |x| == 1 with
  // an infinite exponent is NaN, negative bases need integer exponents. Integer exponents up to
  // 64 multiply (exact squares), others go through exp(b log |a|).
  nn_pow: {
    deps: ['nn_exp', 'nn_log', 'nn_isnan', 'nn_isinf', 'nn_inf', 'nn_nan', 'nn_signbit'],
    code: `fn nn_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (nn_isnan(a) || nn_isnan(b)) { return nn_nan(); }
  let m = abs(a);
  if (nn_isinf(b)) {
    if (m == 1.0) { return nn_nan(); }
    return select(0.0, nn_inf(), (m > 1.0) == (b > 0.0));
  }
  let isInt = floor(b) == b;
  if (a < 0.0 && !isInt) { return nn_nan(); }
  let odd = isInt && abs(b) < 16777216.0 && (i32(b) & 1) != 0;
  var r: f32;
  if (m == 0.0) {
    r = select(nn_inf(), 0.0, b > 0.0);
  } else if (nn_isinf(m)) {
    r = select(0.0, nn_inf(), b > 0.0);
  } else if (isInt && abs(b) <= 64.0) {
    var e = u32(abs(b));
    var base = m;
    r = 1.0;
    loop {
      if ((e & 1u) != 0u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    if (b < 0.0) { r = 1.0 / r; }
  } else {
    r = nn_exp(b * nn_log(m));
  }
  return select(r, -r, odd && nn_signbit(a));
}`,
  },
  // i32 pow with JavaScript's ToInt32(Math.pow(a, b)) for exact powers: wrapping multiplication;
  // negative exponents give 1 / a^|b| truncated (0 unless |a| == 1; 1/0 = Inf -> 0).
  nn_pow_i32: {
    deps: [],
    code: `fn nn_pow_i32(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var e = u32(b);
  var base = a;
  var r: i32 = 1;
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * base; }
    e = e >> 1u;
    base = base * base;
  }
  return r;
}`,
  },
  // float32 -> int32 as JavaScript's Int32Array store (ToInt32): truncation toward zero,
  // NaN and +-Inf give 0, out-of-range values wrap modulo 2^32.
  nn_f2i: {
    deps: [],
    code: `fn nn_f2i(x: f32) -> i32 {
  if (abs(x) < 2147483648.0) { return i32(x); }
  let u = bitcast<u32>(x);
  let e = i32((u >> 23u) & 0xffu) - 150;
  if (e >= 32) { return 0; }
  var r = ((u & 0x007fffffu) | 0x00800000u) << u32(e);
  if ((u & 0x80000000u) != 0u) { r = 0u - r; }
  return bitcast<i32>(r);
}`,
  },
};

/** The snippets (with dependencies, in dependency order) that `code` calls. */
export function mathPrelude(code: string): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const s = SNIPPETS[name];
    for (const d of s.deps) visit(d);
    out.push(s.code);
  };
  const re = /\bnn_[a-z0-9_]+/g;
  const scan = (src: string): void => {
    for (const m of src.matchAll(re)) {
      const name = m[0];
      if (SNIPPETS[name] !== undefined) visit(name);
      else if (name === 'nn_sin_poly' || name === 'nn_cos_poly' || name === 'nn_reduce_half_pi') visit('nn_sincos_poly');
    }
  };
  scan(code);
  return out.join('\n');
}
