// Indexing and filling: gather, scatterAdd, fill, iota. Element types: 0 f32, 1 i32, 2 u8 (bool).
import { toInt32 } from './math';

// gather / scatterAdd descriptor (i32 words, strides in bytes):
//   [r, shape[r] (the indices' shape), s0[r], s1[r], s2[r], axisStride, type, p0, p1, p2]
// For gather: s0 = x strides with 0 on `axis`, s1 = index strides, p = (x, index, out) and out is
// contiguous. For scatterAdd: s0 = out strides with 0 on `axis`, s1 = index, s2 = updates,
// p = (out, index, updates). Element e of the indices' space reads index value v and addresses
// p0 + offset0(e) + v * axisStride.

/** out[e] = x[e with axis -> index[e]] for elements [lo, hi) of the indices' shape. */
export function gather(d: usize, lo: i32, hi: i32): void {
  const r = load<i32>(d);
  const shp = d + 4;
  const s0 = shp + ((<usize>r) << 2);
  const s1 = s0 + ((<usize>r) << 2);
  const tail = s1 + ((<usize>(2 * r)) << 2);
  const axisStride: isize = load<i32>(tail);
  const E: usize = load<i32>(tail, 4) === 2 ? 1 : 4;
  const x = load<usize>(tail, 8);
  const idx = load<usize>(tail, 12);
  let o = load<usize>(tail, 16) + <usize>lo * E;
  const last = (<usize>(r - 1)) << 2;
  const inner = load<i32>(shp + last);
  const xs: isize = load<i32>(s0 + last);
  const is: isize = load<i32>(s1 + last);
  let e = lo;
  while (e < hi) {
    const row = e / inner;
    const col = e - row * inner;
    const n = min(inner - col, hi - e);
    let px = x + <usize>(<isize>col * xs);
    let pi = idx + <usize>(<isize>col * is);
    let rem = row;
    for (let dd = r - 2; dd >= 0; dd--) {
      const size = load<i32>(shp + ((<usize>dd) << 2));
      const c = rem % size;
      rem /= size;
      px += <usize>(<isize>c * load<i32>(s0 + ((<usize>dd) << 2)));
      pi += <usize>(<isize>c * load<i32>(s1 + ((<usize>dd) << 2)));
    }
    if (is === 0 && xs === <isize>E) {
      // One index for the whole run and contiguous elements (index_select, embedding rows): a copy.
      const bytes = <usize>n * E;
      memory.copy(o, px + <usize>(<isize>load<i32>(pi) * axisStride), bytes);
      o += bytes;
    } else {
      for (let j = 0; j < n; j++) {
        const src = px + <usize>(<isize>load<i32>(pi) * axisStride);
        if (E === 4) store<i32>(o, load<i32>(src));
        else store<u8>(o, load<u8>(src));
        o += E;
        px += xs;
        pi += is;
      }
    }
    e += n;
  }
}

/**
 * out[e with axis -> index[e]] += updates[e], sequentially over rows [r0, r1) of the indices'
 * shape (rows: all dims but the last). Rows only ever collide when `axis` is not the last dim, so
 * the JS side splits across threads only when it is.
 */
export function scatterAdd(d: usize, r0: i32, r1: i32): void {
  const r = load<i32>(d);
  const shp = d + 4;
  const s0 = shp + ((<usize>r) << 2);
  const s1 = s0 + ((<usize>r) << 2);
  const s2 = s1 + ((<usize>r) << 2);
  const tail = s2 + ((<usize>r) << 2);
  const axisStride: isize = load<i32>(tail);
  const t = load<i32>(tail, 4);
  const out = load<usize>(tail, 8);
  const idx = load<usize>(tail, 12);
  const upd = load<usize>(tail, 16);
  const last = (<usize>(r - 1)) << 2;
  const inner = load<i32>(shp + last);
  const os: isize = load<i32>(s0 + last);
  const is: isize = load<i32>(s1 + last);
  const us: isize = load<i32>(s2 + last);
  for (let row = r0; row < r1; row++) {
    let po = out;
    let pi = idx;
    let pu = upd;
    let rem = row;
    for (let dd = r - 2; dd >= 0; dd--) {
      const size = load<i32>(shp + ((<usize>dd) << 2));
      const c = rem % size;
      rem /= size;
      const at = (<usize>dd) << 2;
      po += <usize>(<isize>c * load<i32>(s0 + at));
      pi += <usize>(<isize>c * load<i32>(s1 + at));
      pu += <usize>(<isize>c * load<i32>(s2 + at));
    }
    for (let j = 0; j < inner; j++) {
      const dst = po + <usize>(<isize>load<i32>(pi) * axisStride);
      if (t === 0) store<f32>(dst, load<f32>(dst) + load<f32>(pu));
      else if (t === 1) store<i32>(dst, load<i32>(dst) + load<i32>(pu));
      else store<u8>(dst, load<u8>(dst) + load<u8>(pu));
      po += os;
      pi += is;
      pu += us;
    }
  }
}

/** Sets n elements of type t at p to value (converted as a typed-array store would). */
export function fill(p: usize, n: i32, t: i32, value: f64): void {
  if (t === 2) {
    memory.fill(p, value !== 0 ? 1 : 0, <usize>n);
    return;
  }
  const v = t === 0 ? f32x4.splat(<f32>value) : i32x4.splat(toInt32(value));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(p, v);
    p += 16;
  }
  for (; i < n; i++) {
    store<i32>(p, i32x4.extract_lane(v, 0));
    p += 4;
  }
}

/** out[i] = start + i * step (in f64, then converted to type t). */
export function iota(p: usize, n: i32, t: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) {
    const v = start + <f64>i * step;
    if (t === 0) store<f32>(p + ((<usize>i) << 2), <f32>v);
    else if (t === 1) store<i32>(p + ((<usize>i) << 2), toInt32(v));
    else store<u8>(p + <usize>i, v !== 0 ? 1 : 0);
  }
}
