// Strided drivers for the elementwise row kernels (unary, binary, where, cast, copy).
//
// A call describes its iteration space in a descriptor of i32 words written by the JS side:
//   [rank r, operands k, shape[r], strides[k][r] (bytes), pointers[k]]   (operand 0 is the output)
// The JS side has already dropped size-1 dims and merged dims every operand walks as one, so the
// last dim is the longest contiguous run. [lo, hi) is a range of the row-major flattened index
// space, so threads can split any call anywhere.
import { row1, row2, row3 } from './elementwise.gen';

function walk(kind: i32, fid: i32, d: usize, lo: i32, hi: i32): void {
  const r = load<i32>(d);
  const k = load<i32>(d, 4);
  const shp = d + 8;
  const str = shp + ((<usize>r) << 2);
  const ptr = str + ((<usize>(k * r)) << 2);
  const last = (<usize>(r - 1)) << 2;
  const inner = load<i32>(shp + last);
  const s0: isize = load<i32>(str + last);
  const s1: isize = load<i32>(str + ((<usize>r) << 2) + last);
  const s2: isize = k > 2 ? <isize>load<i32>(str + ((<usize>(2 * r)) << 2) + last) : 0;
  const s3: isize = k > 3 ? <isize>load<i32>(str + ((<usize>(3 * r)) << 2) + last) : 0;
  // Rows of the second-innermost dim follow each other by one stride add; the outer coordinates
  // are decoded (divisions) only when that dim wraps, so short rows (im2col's) stay cheap.
  const mid = r >= 2 ? load<i32>(shp + last - 4) : 1;
  const m0: isize = r >= 2 ? <isize>load<i32>(str + last - 4) : 0;
  const m1: isize = r >= 2 ? <isize>load<i32>(str + ((<usize>r) << 2) + last - 4) : 0;
  const m2: isize = r >= 2 && k > 2 ? <isize>load<i32>(str + ((<usize>(2 * r)) << 2) + last - 4) : 0;
  const m3: isize = r >= 2 && k > 3 ? <isize>load<i32>(str + ((<usize>(3 * r)) << 2) + last - 4) : 0;
  let e = lo;
  while (e < hi) {
    const row = e / inner;
    let col = e - row * inner;
    let p0 = load<usize>(ptr);
    let p1 = load<usize>(ptr, 4);
    let p2: usize = k > 2 ? load<usize>(ptr, 8) : 0;
    let p3: usize = k > 3 ? load<usize>(ptr, 12) : 0;
    // Outer coordinates of this row, innermost first.
    let rem = row;
    let m = 0;
    for (let dd = r - 2; dd >= 0; dd--) {
      const size = load<i32>(shp + ((<usize>dd) << 2));
      const c = rem % size;
      rem /= size;
      if (dd === r - 2) m = c;
      if (c === 0) continue;
      const at = str + ((<usize>dd) << 2);
      p0 += <usize>(c * load<i32>(at));
      p1 += <usize>(c * load<i32>(at + ((<usize>r) << 2)));
      if (k > 2) p2 += <usize>(c * load<i32>(at + ((<usize>(2 * r)) << 2)));
      if (k > 3) p3 += <usize>(c * load<i32>(at + ((<usize>(3 * r)) << 2)));
    }
    for (; m < mid && e < hi; m++) {
      const n = min(inner - col, hi - e);
      const q0 = p0 + <usize>(<isize>col * s0);
      const q1 = p1 + <usize>(<isize>col * s1);
      if (kind === 1) row1(fid, q1, s1, q0, s0, n);
      else if (kind === 2) row2(fid, q1, s1, p2 + <usize>(<isize>col * s2), s2, q0, s0, n);
      else row3(fid, q1, s1, p2 + <usize>(<isize>col * s2), s2, p3 + <usize>(<isize>col * s3), s3, q0, s0, n);
      e += n;
      col = 0;
      p0 += m0;
      p1 += m1;
      p2 += m2;
      p3 += m3;
    }
  }
}

/** out = f(x) over elements [lo, hi): unary ops, casts and copies (operands: out, x). */
export function ew1(fid: i32, d: usize, lo: i32, hi: i32): void {
  walk(1, fid, d, lo, hi);
}

/** out = a op b (operands: out, a, b). */
export function ew2(fid: i32, d: usize, lo: i32, hi: i32): void {
  walk(2, fid, d, lo, hi);
}

/** out = cond ? a : b (operands: out, cond, a, b). */
export function ew3(fid: i32, d: usize, lo: i32, hi: i32): void {
  walk(3, fid, d, lo, hi);
}

/** Flat fast path: n elements of contiguous (stride = element size) or broadcast-scalar (0) operands. */
export function flat1(fid: i32, x: usize, sx: isize, o: usize, so: isize, n: i32): void {
  row1(fid, x, sx, o, so, n);
}

export function flat2(fid: i32, a: usize, sa: isize, b: usize, sb: isize, o: usize, so: isize, n: i32): void {
  row2(fid, a, sa, b, sb, o, so, n);
}

/**
 * A transposing copy of 4-byte elements: out[i][j] = x[i + j * xs / 4] for rows [r0, r1) of out
 * (row stride os bytes, `cols` columns), with x contiguous along i. 16 x 4 tiles of 4x4 lane
 * transposes use whole cache lines of x and write out row by row.
 */
export function transpose32(x: usize, xs: isize, o: usize, os: isize, cols: i32, r0: i32, r1: i32): void {
  let i = r0;
  for (; i + 16 <= r1; i += 16) {
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const src = x + ((<usize>i) << 2) + <usize>(<isize>j * xs);
      const dst = o + <usize>(<isize>i * os) + ((<usize>j) << 2);
      for (let ii = 0; ii < 16; ii += 4) {
        const p = src + ((<usize>ii) << 2);
        const v0 = v128.load(p);
        const v1 = v128.load(p + xs);
        const v2 = v128.load(p + 2 * xs);
        const v3 = v128.load(p + 3 * xs);
        const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
        const d = dst + <usize>(<isize>ii * os);
        v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(d + os, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
        v128.store(d + 2 * os, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
        v128.store(d + 3 * os, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
      }
    }
    for (; j < cols; j++) {
      for (let ii = 0; ii < 16; ii++) {
        store<i32>(o + <usize>(<isize>(i + ii) * os) + ((<usize>j) << 2), load<i32>(x + ((<usize>(i + ii)) << 2) + <usize>(<isize>j * xs)));
      }
    }
  }
  for (; i < r1; i++) {
    for (let j = 0; j < cols; j++)
      store<i32>(o + <usize>(<isize>i * os) + ((<usize>j) << 2), load<i32>(x + ((<usize>i) << 2) + <usize>(<isize>j * xs)));
  }
}
