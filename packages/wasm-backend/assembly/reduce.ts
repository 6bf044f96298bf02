// Reductions: sum, prod, max, min, argmax, argmin over f32, i32 and (arg ops) u8 inputs.
//
// Descriptor (i32 words, strides in bytes), written by the JS side after collapsing the kept and
// the reduced dims separately:  [kr, rr, KS[kr], KST[kr], RS[rr], RST[rr], x, out]
// Outputs [lo, hi) are computed (out is contiguous, in kept-dim order). Float sums and products
// accumulate in f64, like the cpu backend; max/min/arg ops follow its NaN and tie rules.

const SUM = 0;
const PROD = 1;
const MAX = 2;
const MIN = 3;
const ARGMAX = 4;

/** Byte offset of reduced row `row` (coordinates over the first `n` reduced dims). */
function rowOffset(row: i32, RS: usize, RST: usize, n: i32): isize {
  let off: isize = 0;
  for (let dd = n - 1; dd >= 0; dd--) {
    const size = load<i32>(RS + ((<usize>dd) << 2));
    const c = row % size;
    row /= size;
    off += <isize>c * load<i32>(RST + ((<usize>dd) << 2));
  }
  return off;
}

function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Sum of n f32 at p (byte stride s) in f64. */
function sumF32(p: usize, s: isize, n: i32): f64 {
  let i = 0;
  let acc: f64 = 0;
  if (s === 4) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(p);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      p += 16;
    }
    acc = hsum(f64x2.add(a0, a1));
  }
  for (; i < n; i++) {
    acc += <f64>load<f32>(p);
    p += s;
  }
  return acc;
}

function sumI32(p: usize, s: isize, n: i32): i32 {
  let i = 0;
  let acc: i32 = 0;
  if (s === 4) {
    let a = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      a = i32x4.add(a, v128.load(p));
      p += 16;
    }
    acc = i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
  }
  for (; i < n; i++) {
    acc += load<i32>(p);
    p += s;
  }
  return acc;
}

/** max (or min) of n f32 folded into acc: v wins if v > acc (v < acc) or v is NaN. */
function extremeF32(p: usize, s: isize, n: i32, acc: f32, isMax: bool): f32 {
  let i = 0;
  if (s === 4 && n >= 8) {
    let a = f32x4.splat(acc);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(p);
      const better = isMax ? f32x4.gt(v, a) : f32x4.lt(v, a);
      a = v128.bitselect(v, a, v128.or(better, f32x4.ne(v, v)));
      p += 16;
    }
    for (let l = 0; l < 4; l++) {
      const v = f32x4.extract_lane(a, 0);
      if ((isMax ? v > acc : v < acc) || v !== v) acc = v;
      a = i32x4.shuffle(a, a, 1, 2, 3, 0);
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(p);
    if ((isMax ? v > acc : v < acc) || v !== v) acc = v;
    p += s;
  }
  return acc;
}

function extremeI32(p: usize, s: isize, n: i32, acc: i32, isMax: bool): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<i32>(p);
    if (isMax ? v > acc : v < acc) acc = v;
    p += s;
  }
  return acc;
}

function loadAny(t: i32, p: usize): f64 {
  return t === 0 ? <f64>load<f32>(p) : t === 1 ? <f64>load<i32>(p) : <f64>load<u8>(p);
}

/** One output of x's reduced block at base: rows of L elements (byte stride ls). */
function reduceOne(op: i32, t: i32, base: usize, rows: i32, L: i32, ls: isize, RS: usize, RST: usize, rr: i32, o: usize): void {
  if (op === SUM && t === 0) {
    let acc: f64 = 0;
    for (let r = 0; r < rows; r++) acc += sumF32(base + rowOffset(r, RS, RST, rr - 1), ls, L);
    store<f32>(o, <f32>acc);
  } else if (op === SUM) {
    let acc: i32 = 0;
    for (let r = 0; r < rows; r++) acc += sumI32(base + rowOffset(r, RS, RST, rr - 1), ls, L);
    store<i32>(o, acc);
  } else if (op === PROD && t === 0) {
    let acc: f64 = 1;
    for (let r = 0; r < rows; r++) {
      let p = base + rowOffset(r, RS, RST, rr - 1);
      for (let j = 0; j < L; j++, p += ls) acc *= <f64>load<f32>(p);
    }
    store<f32>(o, <f32>acc);
  } else if (op === PROD) {
    let acc: i32 = 1;
    for (let r = 0; r < rows; r++) {
      let p = base + rowOffset(r, RS, RST, rr - 1);
      for (let j = 0; j < L; j++, p += ls) acc *= load<i32>(p);
    }
    store<i32>(o, acc);
  } else if (op <= MIN && t === 0) {
    let acc: f32 = op === MAX ? -Infinity : Infinity;
    for (let r = 0; r < rows; r++) acc = extremeF32(base + rowOffset(r, RS, RST, rr - 1), ls, L, acc, op === MAX);
    store<f32>(o, acc);
  } else if (op <= MIN) {
    let acc: i32 = op === MAX ? i32.MIN_VALUE : i32.MAX_VALUE;
    for (let r = 0; r < rows; r++) acc = extremeI32(base + rowOffset(r, RS, RST, rr - 1), ls, L, acc, op === MAX);
    store<i32>(o, acc);
  } else {
    // argmax / argmin: first index on ties; the first NaN wins and then stays.
    const isMax = op === ARGMAX;
    let acc: f64 = isMax ? -Infinity : Infinity;
    let best = 0;
    let j = 0;
    for (let r = 0; r < rows; r++) {
      let p = base + rowOffset(r, RS, RST, rr - 1);
      for (let jj = 0; jj < L; jj++, j++, p += ls) {
        const v = loadAny(t, p);
        if ((isMax ? v > acc : v < acc) || (v !== v && acc === acc)) {
          acc = v;
          best = j;
        }
      }
    }
    store<i32>(o, best);
  }
}

/**
 * Column path: the kept dims are one contiguous run (reducing leading dims of a row-major block),
 * so each reduced position adds a contiguous vector into outputs [lo, hi). f32 sums and products
 * accumulate in f64 scratch.
 */
function columns(op: i32, t: i32, x: usize, o: usize, lo: i32, hi: i32, R: i32, RS: usize, RST: usize, rr: i32, scratch: usize): void {
  const n = hi - lo;
  const xo = x + ((<usize>lo) << 2);
  const oo = o + ((<usize>lo) << 2);
  const f32sum = t === 0 && op <= PROD;
  if (f32sum) {
    const init = f64x2.splat(op === SUM ? 0 : 1);
    let i = 0;
    for (; i + 2 <= n; i += 2) v128.store(scratch + ((<usize>i) << 3), init);
    for (; i < n; i++) store<f64>(scratch + ((<usize>i) << 3), op === SUM ? 0 : 1);
  } else if (op <= PROD) {
    const v: i32 = op === SUM ? 0 : 1;
    for (let i = 0; i < n; i++) store<i32>(oo + ((<usize>i) << 2), v);
  } else {
    memory.copy(oo, xo, (<usize>n) << 2); // max/min start from the first reduced position
  }
  for (let r = op >= MAX ? 1 : 0; r < R; r++) {
    const p = xo + rowOffset(r, RS, RST, rr);
    let i = 0;
    if (f32sum) {
      for (; i + 4 <= n; i += 4) {
        const v = v128.load(p + ((<usize>i) << 2));
        const s = scratch + ((<usize>i) << 3);
        const lo2 = f64x2.promote_low_f32x4(v);
        const hi2 = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
        if (op === SUM) {
          v128.store(s, f64x2.add(v128.load(s), lo2));
          v128.store(s, f64x2.add(v128.load(s, 16), hi2), 16);
        } else {
          v128.store(s, f64x2.mul(v128.load(s), lo2));
          v128.store(s, f64x2.mul(v128.load(s, 16), hi2), 16);
        }
      }
      for (; i < n; i++) {
        const s = scratch + ((<usize>i) << 3);
        const v = <f64>load<f32>(p + ((<usize>i) << 2));
        store<f64>(s, op === SUM ? load<f64>(s) + v : load<f64>(s) * v);
      }
    } else if (t === 0) {
      const isMax = op === MAX;
      for (; i + 4 <= n; i += 4) {
        const q = oo + ((<usize>i) << 2);
        const a = v128.load(q);
        const v = v128.load(p + ((<usize>i) << 2));
        const better = isMax ? f32x4.gt(v, a) : f32x4.lt(v, a);
        v128.store(q, v128.bitselect(v, a, v128.or(better, f32x4.ne(v, v))));
      }
      for (; i < n; i++) {
        const q = oo + ((<usize>i) << 2);
        const a = load<f32>(q);
        const v = load<f32>(p + ((<usize>i) << 2));
        if ((isMax ? v > a : v < a) || v !== v) store<f32>(q, v);
      }
    } else {
      for (; i + 4 <= n; i += 4) {
        const q = oo + ((<usize>i) << 2);
        const a = v128.load(q);
        const v = v128.load(p + ((<usize>i) << 2));
        const r4 = op === SUM ? i32x4.add(a, v) : op === PROD ? i32x4.mul(a, v) : op === MAX ? i32x4.max_s(a, v) : i32x4.min_s(a, v);
        v128.store(q, r4);
      }
      for (; i < n; i++) {
        const q = oo + ((<usize>i) << 2);
        const a = load<i32>(q);
        const v = load<i32>(p + ((<usize>i) << 2));
        store<i32>(q, op === SUM ? a + v : op === PROD ? a * v : op === MAX ? max(a, v) : min(a, v));
      }
    }
  }
  if (f32sum) {
    for (let i = 0; i < n; i++) store<f32>(oo + ((<usize>i) << 2), <f32>load<f64>(scratch + ((<usize>i) << 3)));
  }
}

/** Reduces outputs [lo, hi); fid = op * 3 + input type (0 f32, 1 i32, 2 u8). */
export function reduce(fid: i32, d: usize, lo: i32, hi: i32, scratch: usize): void {
  const op = fid / 3;
  const t = fid % 3;
  const kr = load<i32>(d);
  const rr = load<i32>(d, 4);
  const KS = d + 8;
  const KST = KS + ((<usize>kr) << 2);
  const RS = KST + ((<usize>kr) << 2);
  const RST = RS + ((<usize>rr) << 2);
  const x = load<usize>(RST + ((<usize>rr) << 2));
  const o = load<usize>(RST + ((<usize>rr) << 2), 4);
  const E: isize = t === 2 ? 1 : 4;
  const L = load<i32>(RS + ((<usize>(rr - 1)) << 2));
  const ls: isize = load<i32>(RST + ((<usize>(rr - 1)) << 2));
  let rows = 1;
  for (let dd = 0; dd < rr - 1; dd++) rows *= load<i32>(RS + ((<usize>dd) << 2));
  if (ls !== E && op < ARGMAX && t !== 2 && kr === 1 && <isize>load<i32>(KST) === E) {
    columns(op, t, x, o, lo, hi, rows * L, RS, RST, rr, scratch);
    return;
  }
  for (let oi = lo; oi < hi; oi++) {
    let base = x;
    let rem = oi;
    for (let dd = kr - 1; dd >= 0; dd--) {
      const size = load<i32>(KS + ((<usize>dd) << 2));
      const c = rem % size;
      rem /= size;
      base += <usize>(<isize>c * load<i32>(KST + ((<usize>dd) << 2)));
    }
    reduceOne(op, t, base, rows, L, ls, RS, RST, rr, o + ((<usize>oi) << 2));
  }
}
