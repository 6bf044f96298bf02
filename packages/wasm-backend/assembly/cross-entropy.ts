// Cross-entropy of contiguous float32 logits x [N, C] against int32 class indices t [N] (the
// contract's optional `crossEntropy` / `crossEntropyGrad`). The forward rounds where the composed
// logSoftmax + gather + mean round (float32 after each op, exp in f64, sums in f64), so it gives
// their bits; the backward computes each gradient in f64 and rounds once. Row kernels take a row
// range [lo, hi) so the owner can split a call across threads.

/** The composed logSoftmax's shift: the row max (NaN wins), or 0 when it is not finite. */
function rowShift(row: usize, C: i32): f32 {
  let m = load<f32>(row);
  for (let j = 1; j < C; j++) {
    const v = load<f32>(row + ((<usize>j) << 2));
    if (v > m || v != v) m = v;
    if (m != m) break;
  }
  return isFinite(m) ? m : 0;
}

/** Rows [lo, hi): logSum[i] = log(sum_j exp(x[i,j] - m)) and rows[i] = logSum[i] - (x[i,t] - m), 0 if ignored. */
export function crossEntropyRows(x: usize, t: usize, logSum: usize, rows: usize, C: i32, lo: i32, hi: i32, ignore: i32): void {
  for (let i = lo; i < hi; i++) {
    const row = x + ((<usize>i * <usize>C) << 2);
    const m = rowShift(row, C);
    let s: f64 = 0;
    for (let j = 0; j < C; j++) s += <f64>(<f32>Math.exp(<f64>(load<f32>(row + ((<usize>j) << 2)) - m)));
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
 * g[i] (perRow) or g[0], divided by the number of rows (of all N) not ignored when `mean`.
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
    const gi = <f64>load<f32>(g + (perRow !== 0 ? at : 0));
    const s = mean !== 0 ? gi / <f64>n : gi;
    const shift = <f64>rowShift(row, C) + <f64>load<f32>(logSum + at);
    for (let j = 0; j < C; j++) {
      const p = Math.exp(<f64>load<f32>(row + ((<usize>j) << 2)) - shift);
      store<f32>(out + ((<usize>j) << 2), <f32>(s * (j === ti ? p - 1 : p)));
    }
  }
}
