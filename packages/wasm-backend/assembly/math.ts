// Scalar helpers shared by the kernels. Each reproduces the cpu backend's JavaScript semantics
// exactly (test/parity.test.ts compares the wasm and cpu backends bit for bit). erf is generated
// from @nn/tensor's coefficient arrays (scripts/gen-elementwise.ts).
export { erf } from './erf.gen';

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
    return (
      x *
      (1 +
        y *
          (-0.3333333333333333 +
            y *
              (0.13333333333333333 +
                y *
                  (-0.05396825396825397 +
                    y * (0.021869488536155203 + y * (-0.008863235529902197 + y * (0.003592128036572481 + y * -0.0014558343870513183)))))))
    );
  }
  if (z > 22) return x !== x ? x : x > 0 ? 1 : -1;
  const r = 1 - 2 / (Math.exp(2 * z) + 1);
  return x < 0 ? -r : r;
}
