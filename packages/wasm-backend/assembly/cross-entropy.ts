// Cross-entropy of contiguous float32 logits x [N, C] against int32 class indices t [N] (the
// contract's optional `crossEntropy` / `crossEntropyGrad`). The forward rounds where the composed
// logSoftmax + gather + mean round (float32 after each op, sums in f64); its exp is a float32
// polynomial four lanes at a time (within 1 ulp of the composed ops' exp on [-87, 0]), which both directions
// use for every element, so results do not depend on where a row starts or how rows are split.
// Row kernels take a row range [lo, hi) so the owner can split a call across threads.

// exp(a) = 2^n * exp(r), n = round(a / ln 2), r = a - n ln 2 (ln 2 in two parts, Cody-Waite), and
// exp(r) on [-ln2/2, ln2/2] by Cephes' expf polynomial.
const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
const P0: f32 = 1.98756915e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;
/** Above it exp overflows float32; below it the result is subnormal, flushed to 0 here. */
const HI: f32 = 88.72283935546875;
const LO: f32 = -87.33654022216797;

/** Added to a float below 2^22 in magnitude, rounds it to an integer held in the low mantissa bits. */
const MAGIC: f32 = 12582912.0; // 1.5 * 2^23
const MAGIC_BITS: i32 = 0x4b400000;

/** exp of four lanes: +inf above HI, 0 below LO (and for -inf), NaN for NaN. */
function expV(a: v128): v128 {
  // pmin/pmax are one instruction each (wasm's min/max are not); NaN is put back at the end.
  const c = f32x4.pmax(f32x4.pmin(a, f32x4.splat(HI)), f32x4.splat(LO));
  const t = f32x4.add(f32x4.mul(c, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n through the exponent bits, n in [-126, 128]. n = 128 (from a = 88.38 on) makes +inf a
  // little early: these kernels only see such a in rows whose results are inf or NaN anyway.
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127 - MAGIC_BITS)), 23);
  let e = f32x4.mul(p, scale);
  e = v128.bitselect(f32x4.splat(Infinity), e, f32x4.gt(a, f32x4.splat(HI)));
  e = v128.bitselect(f32x4.splat(0), e, f32x4.lt(a, f32x4.splat(LO)));
  return v128.bitselect(a, e, f32x4.ne(a, a));
}

/** Lanes i >= 4 - k set: the last k lanes (the tail of a row read by a vector ending at the row's end). */
function lastLanes(k: i32): v128 {
  return i32x4.gt_s(i32x4(0, 1, 2, 3), i32x4.splat(3 - k));
}

/** The first k < 4 elements at p as the first lanes of a vector (a row shorter than a vector). */
function loadShort(p: usize, k: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (k > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (k > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** The composed logSoftmax's shift: the row max (NaN wins, as `reduce`), or 0 when it is not finite. */
function rowShift(row: usize, C: i32): f32 {
  // Scalar: wasm's f32x4.max (NaN-propagating) is several instructions on x64, slower for short rows.
  let m = load<f32>(row);
  for (let j = 1; j < C; j++) {
    const v = load<f32>(row + ((<usize>j) << 2));
    if (v > m || isNaN(v)) m = v;
    if (isNaN(m)) break;
  }
  return isFinite(m) ? m : 0;
}

/** acc + the four lanes of e, promoted to f64 and added in pairs. */
function addPairs(acc: v128, e: v128): v128 {
  return f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1))));
}

/** Rows [lo, hi): logSum[i] = log(sum_j exp(x[i,j] - m)) and rows[i] = logSum[i] - (x[i,t] - m), 0 if ignored. */
export function crossEntropyRows(x: usize, t: usize, logSum: usize, rows: usize, C: i32, lo: i32, hi: i32, ignore: i32): void {
  for (let i = lo; i < hi; i++) {
    const row = x + ((<usize>i * <usize>C) << 2);
    const m = rowShift(row, C);
    // Summed in f64 like `reduce` (lane pairs, then the two sums: exact for these terms in practice).
    // A row's last C % 4 elements come from a vector ending at the row's end (or, for a row
    // shorter than a vector, built from its elements), other lanes masked out.
    const mv = f32x4.splat(m);
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= C; j += 4) acc = addPairs(acc, expV(f32x4.sub(v128.load(row + ((<usize>j) << 2)), mv)));
    const k = C - j;
    if (k > 0) {
      const tail = C >= 4 ? v128.load(row + ((<usize>(C - 4)) << 2)) : loadShort(row, k);
      const lanes = C >= 4 ? lastLanes(k) : i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(k));
      acc = addPairs(acc, v128.and(expV(f32x4.sub(tail, mv)), lanes));
    }
    const s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    const l = <f32>Math.log(<f64>(<f32>s));
    const at = (<usize>i) << 2;
    store<f32>(logSum + at, l);
    const ti = load<i32>(t + at);
    store<f32>(rows + at, ti === ignore ? 0 : l - (load<f32>(row + ((<usize>ti) << 2)) - m));
  }
}

/** out = the rows' losses summed in row order in f64, divided by the rows not ignored when `mean` (0/0 = NaN). */
export function crossEntropyTotal(t: usize, rows: usize, N: i32, ignore: i32, mean: i32, out: usize): void {
  let s: f64 = 0;
  let n = 0;
  for (let i = 0; i < N; i++) {
    const at = (<usize>i) << 2;
    s += <f64>load<f32>(rows + at);
    if (load<i32>(t + at) !== ignore) n++;
  }
  store<f32>(out, mean !== 0 ? <f32>s / <f32>n : <f32>s);
}

/**
 * Rows [lo, hi) of gx = scale_i * (exp(x - m - logSum) - onehot(t)), 0 on ignored rows; scale_i is
 * g[i] (perRow) or g[0], divided by the number of rows (of all N) not ignored when `mean`, rounded
 * to float32; the products are float32.
 */
export function crossEntropyGrad(
  x: usize,
  t: usize,
  logSum: usize,
  g: usize,
  perRow: i32,
  gx: usize,
  N: i32,
  C: i32,
  lo: i32,
  hi: i32,
  ignore: i32,
  mean: i32,
): void {
  let n = 0;
  if (mean !== 0) for (let i = 0; i < N; i++) if (load<i32>(t + ((<usize>i) << 2)) !== ignore) n++;
  const rowBytes = (<usize>C) << 2;
  for (let i = lo; i < hi; i++) {
    const at = (<usize>i) << 2;
    const row = x + <usize>i * rowBytes;
    const out = gx + <usize>i * rowBytes;
    const ti = load<i32>(t + at);
    if (ti === ignore) {
      memory.fill(out, 0, rowBytes);
      continue;
    }
    const gi = load<f32>(g + (perRow !== 0 ? at : 0));
    const s = mean !== 0 ? <f32>(<f64>gi / <f64>n) : gi;
    // p = exp((x - m) - logSum): the forward's shifted value, then its log-sum.
    const m = rowShift(row, C);
    const l = load<f32>(logSum + at);
    const mv = f32x4.splat(m);
    const lv = f32x4.splat(l);
    const sv = f32x4.splat(s);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(out + o, f32x4.mul(sv, expV(f32x4.sub(f32x4.sub(v128.load(row + o), mv), lv))));
    }
    const k = C - j;
    if (k > 0 && C >= 4) {
      // The vector ending at the row's end: its first lanes rewrite values just written, unchanged.
      const o = (<usize>(C - 4)) << 2;
      v128.store(out + o, f32x4.mul(sv, expV(f32x4.sub(f32x4.sub(v128.load(row + o), mv), lv))));
    } else if (k > 0) {
      const v = f32x4.mul(sv, expV(f32x4.sub(f32x4.sub(loadShort(row, k), mv), lv)));
      store<f32>(out, f32x4.extract_lane(v, 0));
      if (k > 1) store<f32>(out, f32x4.extract_lane(v, 1), 4);
      if (k > 2) store<f32>(out, f32x4.extract_lane(v, 2), 8);
    }
    // The target's term s * p - s, rounded as the composed ops add the gathered -s to s * p.
    const o = (<usize>ti) << 2;
    store<f32>(out + o, load<f32>(out + o) - s);
  }
}
