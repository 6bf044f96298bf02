/** Indexing and filling primitives: gather, scatterAdd, fill, iota, random. */
import type { RandomKind } from '../backend/contract.js';
import { fillRandom } from '../rng.js';
import type { CpuView } from './buffer.js';
import { copy } from './elementwise.js';
import { IDX, MAX_RANK, sizeOf } from './strides.js';

/** Row-major strides of out, for scatterAdd's contiguous output (scratch, no allocation). */
const OUT_ST = new Int32Array(MAX_RANK);

// gather and scatterAdd walk the indices' shape with an odometer, keeping a running offset into
// x (or out) that excludes `axis`, whose contribution comes per element from the index.

/** torch.gather: out[pos] = x[pos with pos[axis] = indices[pos]]. out is contiguous. */
export function gather(x: CpuView, indices: CpuView, axis: number, out: CpuView): void {
  const shape = indices.shape;
  const rank = shape.length;
  const n = sizeOf(shape);
  if (n === 0) return;
  if (rank > MAX_RANK) throw new Error(`cpu backend: rank ${rank} exceeds ${MAX_RANK}`);
  const X = x.buffer;
  const I = indices.buffer;
  const O = out.buffer;
  const xs = x.strides;
  const is = indices.strides;
  if (rank === 0) {
    O[out.offset] = X[x.offset];
    return;
  }
  const last = rank - 1;
  const inner = shape[last];
  const axisStride = xs[axis];
  const xStep = last === axis ? 0 : xs[last];
  const iStep = is[last];
  for (let d = 0; d < last; d++) IDX[d] = 0;
  let xb = x.offset;
  let ib = indices.offset;
  let o = out.offset;
  // An index constant along the last dim (indexSelect, embedding lookups) selects whole rows.
  const rowCopy = iStep === 0 && last !== axis;
  for (let row = 0, rows = n / inner; row < rows; row++) {
    if (rowCopy) {
      const base = xb + I[ib] * axisStride;
      if (xStep === 1) {
        O.set(X.subarray(base, base + inner), o);
        o += inner;
      } else for (let j = 0; j < inner; j++) O[o++] = X[base + j * xStep];
    } else {
      for (let j = 0, xp = xb, ip = ib; j < inner; j++, xp += xStep, ip += iStep) {
        O[o++] = X[xp + I[ip] * axisStride];
      }
    }
    for (let d = last - 1; d >= 0; d--) {
      const sx = d === axis ? 0 : xs[d];
      xb += sx;
      ib += is[d];
      if (++IDX[d] < shape[d]) break;
      IDX[d] = 0;
      xb -= sx * shape[d];
      ib -= is[d] * shape[d];
    }
  }
}

/**
 * torch.scatter_add out of place: out = x, then
 * out[pos with pos[axis] = indices[pos]] += updates[pos].
 */
export function scatterAdd(x: CpuView, indices: CpuView, updates: CpuView, axis: number, out: CpuView): void {
  copy(x, out);
  const shape = indices.shape;
  const rank = shape.length;
  const n = sizeOf(shape);
  if (n === 0) return;
  if (rank > MAX_RANK) throw new Error(`cpu backend: rank ${rank} exceeds ${MAX_RANK}`);
  const O = out.buffer;
  const I = indices.buffer;
  const U = updates.buffer;
  const is = indices.strides;
  const us = updates.strides;
  if (rank === 0) {
    O[out.offset] += U[updates.offset];
    return;
  }
  const outShape = out.shape;
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    OUT_ST[d] = s;
    s *= outShape[d];
  }
  const last = rank - 1;
  const inner = shape[last];
  const axisStride = OUT_ST[axis];
  const oStep = last === axis ? 0 : OUT_ST[last];
  for (let d = 0; d < last; d++) IDX[d] = 0;
  let ob = out.offset;
  let ib = indices.offset;
  let ub = updates.offset;
  for (let row = 0, rows = n / inner; row < rows; row++) {
    for (let j = 0, op = ob, ip = ib, up = ub; j < inner; j++) {
      const at = op + I[ip] * axisStride;
      O[at] += U[up];
      op += oStep;
      ip += is[last];
      up += us[last];
    }
    for (let d = last - 1; d >= 0; d--) {
      const so = d === axis ? 0 : OUT_ST[d];
      ob += so;
      ib += is[d];
      ub += us[d];
      if (++IDX[d] < shape[d]) break;
      IDX[d] = 0;
      ob -= so * shape[d];
      ib -= is[d] * shape[d];
      ub -= us[d] * shape[d];
    }
  }
}

export function fill(out: CpuView, value: number): void {
  const n = sizeOf(out.shape);
  const v = out.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  out.buffer.fill(v, out.offset, out.offset + n);
}

export function iota(out: CpuView, start: number, step: number): void {
  const O = out.buffer;
  const o = out.offset;
  const n = sizeOf(out.shape);
  for (let i = 0; i < n; i++) O[o + i] = start + i * step;
}

/** Philox values straight into the output (uniform values are exact in float32). */
export function random(kind: RandomKind, key: readonly [number, number], counter: number, out: CpuView): void {
  const n = sizeOf(out.shape);
  const o = out.offset;
  if (out.dtype !== 'bool') {
    fillRandom(kind, key, counter, out.buffer.subarray(o, o + n));
    return;
  }
  const tmp = new Float64Array(n);
  fillRandom(kind, key, counter, tmp);
  const O = out.buffer;
  for (let i = 0; i < n; i++) O[o + i] = tmp[i] !== 0 ? 1 : 0;
}
