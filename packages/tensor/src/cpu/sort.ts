/**
 * The argsort primitive over typed arrays: shared by the cpu backend and, over views of its heap,
 * the wasm backend. Each line along `axis` is loaded into float64 keys (exact for every dtype)
 * and its positions sorted with a comparator that is a total order (NaN largest, ties by
 * position), so the result is the stable order whatever algorithm runs.
 */
import type { View } from '../backend/contract.js';
import type { DataArray } from '../dtype.js';

type Cmp = (a: number, b: number) => number;

/** Negative when position a sorts before position b. */
function comparator(K: Float64Array, descending: boolean, hasNaN: boolean): Cmp {
  // Inf - Inf is NaN, which is falsy: equal infinities fall through to the position like other ties.
  if (!hasNaN) return descending ? (a, b) => K[b] - K[a] || a - b : (a, b) => K[a] - K[b] || a - b;
  const sign = descending ? -1 : 1;
  return (a, b) => {
    const x = K[a];
    const y = K[b];
    const nx = x !== x;
    const ny = y !== y;
    if (nx || ny) return nx && ny ? a - b : nx ? sign : -sign;
    return sign * (x - y) || a - b;
  };
}

/** The first k positions in `cmp` order, by a bounded heap whose root sorts last: O(n log k). */
function selectFirst(n: number, k: number, cmp: Cmp, out: Int32Array): void {
  const h = out;
  const siftDown = (p: number): void => {
    for (;;) {
      let c = 2 * p + 1;
      if (c >= k) return;
      if (c + 1 < k && cmp(h[c + 1], h[c]) > 0) c++;
      if (cmp(h[c], h[p]) <= 0) return;
      const t = h[c];
      h[c] = h[p];
      h[p] = t;
      p = c;
    }
  };
  for (let i = 0; i < k; i++) h[i] = i;
  for (let p = (k >> 1) - 1; p >= 0; p--) siftDown(p);
  for (let i = k; i < n; i++) {
    if (cmp(i, h[0]) < 0) {
      h[0] = i;
      siftDown(0);
    }
  }
  h.subarray(0, k).sort(cmp);
}

/** Backend.argsort for views whose buffers are typed arrays (offsets and strides in elements). */
export function argsortLines(x: View<DataArray>, axis: number, descending: boolean, out: View<DataArray>): void {
  const shape = x.shape;
  const rank = shape.length;
  const n = shape[axis];
  const k = out.shape[axis];
  if (k === 0) return;
  let lines = 1;
  for (let d = 0; d < rank; d++) if (d !== axis) lines *= shape[d];
  if (lines === 0) return;
  const X = x.buffer;
  const O = out.buffer;
  const xa = x.strides[axis];
  const oa = out.strides[axis];
  const float = x.dtype === 'float32' || x.dtype === 'float64';
  const K = new Float64Array(n);
  const order = new Int32Array(n);
  // Partial selection pays off when few of many positions are wanted (topk over a vocabulary).
  const partial = n >= 256 && k * 8 <= n;
  const pos = new Array<number>(rank).fill(0);
  let xb = x.offset;
  let ob = out.offset;
  for (let line = 0; line < lines; line++) {
    let hasNaN = false;
    for (let i = 0, p = xb; i < n; i++, p += xa) {
      const v = X[p];
      K[i] = v;
      if (v !== v) hasNaN = true;
    }
    const cmp = comparator(K, descending, float && hasNaN);
    if (partial) selectFirst(n, k, cmp, order);
    else {
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort(cmp);
    }
    for (let j = 0, p = ob; j < k; j++, p += oa) O[p] = order[j];
    for (let d = rank - 1; d >= 0; d--) {
      if (d === axis) continue;
      xb += x.strides[d];
      ob += out.strides[d];
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
      xb -= x.strides[d] * shape[d];
      ob -= out.strides[d] * shape[d];
    }
  }
}
