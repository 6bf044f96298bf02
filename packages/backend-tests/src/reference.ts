/**
 * Naive reference implementations on flat arrays + shapes. Deliberately simple (odometer and
 * nested loops, float64 arithmetic) and independent of @nn/tensor's code, so a backend is checked
 * against definitions rather than against another implementation.
 */
import type { DType } from '@nn/tensor';
import { BINARY_REF } from './oracle.js';

/** A logical tensor: row-major values (already rounded to the dtype) and a shape. */
export interface Ref {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: readonly number[];
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

/** The value v stored in a dtype: float32 rounding, int32 wrapping (truncating), bool 0/1. */
export function toDType(dtype: DType, v: number): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(v);
    case 'float64':
      return v;
    case 'int32':
      return Number.isFinite(v) ? Number(BigInt.asIntN(32, BigInt(Math.trunc(v)))) : 0;
    case 'bool':
      return v !== 0 ? 1 : 0;
  }
}

export function makeRef(shape: readonly number[], dtype: DType, data: ArrayLike<number>): Ref {
  if (data.length !== size(shape)) throw new Error(`makeRef: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], dtype, data: Array.from(data, (v) => toDType(dtype, v)) };
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

// --- elementwise -------------------------------------------------------------------------------

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`broadcastShape: [${a}] vs [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** x expanded to shape (numpy broadcasting). */
export function broadcastTo(x: Ref, shape: readonly number[]): Ref {
  const lead = shape.length - x.shape.length;
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    const src = x.shape.map((n, d) => (n === 1 ? 0 : idx[d + lead]));
    data.push(x.data[ravel(src, x.shape)]);
  }
  return { shape: [...shape], dtype: x.dtype, data };
}

export function map(x: Ref, f: (a: number) => number, dtype: DType = x.dtype): Ref {
  return { shape: [...x.shape], dtype, data: x.data.map((v) => toDType(dtype, f(v))) };
}

export function zip(a: Ref, b: Ref, f: (a: number, b: number) => number, dtype: DType): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  const ea = broadcastTo(a, shape);
  const eb = broadcastTo(b, shape);
  return { shape, dtype, data: ea.data.map((v, i) => toDType(dtype, f(v, eb.data[i]))) };
}

export function whereRef(c: Ref, a: Ref, b: Ref): Ref {
  const dtype = promote(a.dtype, b.dtype);
  const shape = broadcastShape(broadcastShape(c.shape, a.shape), b.shape);
  const [ec, ea, eb] = [c, a, b].map((r) => broadcastTo(r, shape));
  return { shape, dtype, data: ec.data.map((v, i) => toDType(dtype, v !== 0 ? ea.data[i] : eb.data[i])) };
}

/** float -> int truncates toward zero, anything -> bool is (x != 0), float64 -> float32 rounds. */
export function castRef(x: Ref, dtype: DType): Ref {
  return map(x, (v) => v, dtype);
}

export { BINARY_REF, UNARY_REF, erf, gelu, roundHalfEven } from './oracle.js';

/** int32 arithmetic: exact results wrapped to 32 bits (mul via BigInt, not Math.imul). */
export const INT_BINARY_REF: Record<string, (a: number, b: number) => number> = {
  ...BINARY_REF,
  mul: (a, b) => Number(BigInt.asIntN(32, BigInt(a) * BigInt(b))),
  pow: (a, b) => Number(BigInt.asIntN(32, BigInt(a) ** BigInt(b))),
};

export const geluTanh = (a: number): number => 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));

// --- reductions --------------------------------------------------------------------------------

export type ReduceKind = 'sum' | 'prod' | 'max' | 'min';

export function normAxes(axes: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axes === null || axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  return [...new Set(list.map((a) => (a < 0 ? a + Math.max(ndim, 1) : a)))].filter((a) => a < ndim).sort((p, q) => p - q);
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((n, d) => {
    if (!axes.includes(d)) out.push(n);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Folds f over the reduced axes; each output sees its inputs in row-major order (j = index along the last reduced axis). */
function fold(
  x: Ref,
  axes: readonly number[],
  keepdim: boolean,
  init: number,
  f: (acc: number, v: number, o: number, j: number) => number,
): { shape: number[]; data: number[] } {
  const shape = reducedShape(x.shape, axes, keepdim);
  const kept = reducedShape(x.shape, axes, true);
  const data = new Array<number>(size(kept)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    const o = ravel(
      idx.map((v, d) => (axes.includes(d) ? 0 : v)),
      kept,
    );
    data[o] = f(data[o], x.data[i], o, axes.length > 0 ? idx[axes[axes.length - 1]] : 0);
  }
  return { shape, data };
}

export function reduceRef(x: Ref, op: ReduceKind, dims?: number | readonly number[] | null, keepdim = false): Ref {
  const axes = normAxes(dims, x.shape.length);
  const dtype: DType = x.dtype === 'bool' ? 'int32' : x.dtype;
  const fns: Record<ReduceKind, [number, (a: number, v: number) => number]> = {
    sum: [0, (a, v) => a + v],
    prod: [1, (a, v) => (dtype === 'int32' ? INT_BINARY_REF.mul(a, v) : a * v)],
    max: [Number.NEGATIVE_INFINITY, (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.max(a, v))],
    min: [Number.POSITIVE_INFINITY, (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.min(a, v))],
  };
  const [init, f] = fns[op];
  const r = fold(x, axes, keepdim, init, (a, v) => f(a, v));
  return { shape: r.shape, dtype, data: r.data.map((v) => toDType(dtype, v)) };
}

/** Sum of |x| over the same axes (scales the tolerance of float sums). */
export function absSumRef(x: Ref, dims?: number | readonly number[] | null, keepdim = false): Ref {
  return reduceRef(map(x, Math.abs, 'float64'), 'sum', dims, keepdim);
}

/** argmax/argmin over one axis (null: the flattened tensor); first index on ties, first NaN wins. */
export function argRef(x: Ref, op: 'argmax' | 'argmin', dim: number | null, keepdim = false): Ref {
  if (dim === null) {
    const r = argRef({ shape: [x.data.length], dtype: x.dtype, data: x.data }, op, 0, false);
    return { shape: keepdim ? x.shape.map(() => 1) : [], dtype: 'int32', data: r.data };
  }
  if (x.shape.length === 0) return { shape: [], dtype: 'int32', data: [0] };
  const axis = dim < 0 ? dim + x.shape.length : dim;
  const best: number[] = [];
  const r = fold(x, [axis], keepdim, -1, (bi, v, o, j) => {
    if (bi < 0) {
      best[o] = v;
      return j;
    }
    const cur = best[o];
    const better = !Number.isNaN(cur) && (Number.isNaN(v) || (op === 'argmax' ? v > cur : v < cur));
    if (!better) return bi;
    best[o] = v;
    return j;
  });
  return { shape: r.shape, dtype: 'int32', data: r.data };
}

function count(x: Ref, dims?: number | readonly number[] | null): number {
  return normAxes(dims, x.shape.length).reduce((n, a) => n * x.shape[a], 1);
}

export function meanRef(x: Ref, dims?: number | readonly number[] | null, keepdim = false): Ref {
  const s = reduceRef(
    map(x, (v) => v, 'float64'),
    'sum',
    dims,
    keepdim,
  );
  const n = count(x, dims);
  return map(s, (v) => v / n, x.dtype);
}

export function varRef(x: Ref, dims?: number | readonly number[] | null, correction = 1, keepdim = false): Ref {
  const x64 = map(x, (v) => v, 'float64');
  const mu = meanRef(x64, dims, true);
  const d2 = zip(x64, mu, (a, b) => (a - b) * (a - b), 'float64');
  const s = reduceRef(d2, 'sum', dims, keepdim);
  const n = count(x, dims);
  return map(s, (v) => v / Math.max(n - correction, 0), x.dtype);
}

export function stdRef(x: Ref, dims?: number | readonly number[] | null, correction = 1, keepdim = false): Ref {
  const v = varRef(
    map(x, (a) => a, 'float64'),
    dims,
    correction,
    keepdim,
  );
  return map(v, Math.sqrt, x.dtype);
}

export function logsumexpRef(x: Ref, dims?: number | readonly number[] | null, keepdim = false): Ref {
  const x64 = map(x, (v) => v, 'float64');
  const m = map(reduceRef(x64, 'max', dims, true), (v) => (Number.isFinite(v) ? v : 0));
  const e = zip(x64, m, (a, b) => Math.exp(a - b), 'float64');
  const s = reduceRef(e, 'sum', dims, true);
  const l = zip(s, m, (a, b) => Math.log(a) + b, 'float64');
  const shape = reducedShape(x.shape, normAxes(dims, x.shape.length), keepdim);
  return { shape, dtype: x.dtype, data: l.data.map((v) => toDType(x.dtype, v)) };
}

export function softmaxRef(x: Ref, dim: number, log = false): Ref {
  const x64 = map(x, (v) => v, 'float64');
  const lse = logsumexpRef(x64, dim, true);
  return zip(x64, lse, (a, l) => (log ? a - l : Math.exp(a - l)), x.dtype);
}

// --- matmul ------------------------------------------------------------------------------------

/** torch.matmul semantics (1-D promotion, broadcast batch), accumulated in float64. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const a2 = a.shape.length === 1 ? { ...a, shape: [1, a.shape[0]] } : a;
  const b2 = b.shape.length === 1 ? { ...b, shape: [b.shape[0], 1] } : b;
  const M = a2.shape[a2.shape.length - 2];
  const K = a2.shape[a2.shape.length - 1];
  const N = b2.shape[b2.shape.length - 1];
  if (b2.shape[b2.shape.length - 2] !== K) throw new Error('matmulRef: inner dims differ');
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const ea = broadcastTo(a2, [...batch, M, K]);
  const eb = broadcastTo(b2, [...batch, K, N]);
  const nb = size(batch);
  const data: number[] = [];
  for (let p = 0; p < nb; p++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const x = ea.data[p * M * K + i * K + k];
          const y = eb.data[p * K * N + k * N + j];
          acc += x * y; // exact for the small ints the int32 tests use
        }
        data.push(toDType(a.dtype, acc));
      }
    }
  }
  const shape = [...batch];
  if (a.shape.length !== 1) shape.push(M);
  if (b.shape.length !== 1) shape.push(N);
  return { shape, dtype: a.dtype, data };
}

// --- movement ----------------------------------------------------------------------------------

export function reshapeRef(x: Ref, shape: readonly number[]): Ref {
  if (size(shape) !== x.data.length) throw new Error('reshapeRef: size differs');
  return { shape: [...shape], dtype: x.dtype, data: [...x.data] };
}

export function permuteRef(x: Ref, perm: readonly number[]): Ref {
  const shape = perm.map((p) => x.shape[p]);
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, d) => {
      src[p] = idx[d];
    });
    data.push(x.data[ravel(src, x.shape)]);
  }
  return { shape, dtype: x.dtype, data };
}

export function transposeRef(x: Ref, d0: number, d1: number): Ref {
  const n = x.shape.length;
  const a = d0 < 0 ? d0 + n : d0;
  const b = d1 < 0 ? d1 + n : d1;
  return permuteRef(
    x,
    x.shape.map((_, i) => (i === a ? b : i === b ? a : i)),
  );
}

/** Python-style x[..., start:end:step, ...] along dim (negative bounds count from the end). */
export function sliceRef(x: Ref, dim: number, start = 0, end = Number.POSITIVE_INFINITY, step = 1): Ref {
  const d = dim < 0 ? dim + x.shape.length : dim;
  const n = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const picks: number[] = [];
  for (let i = clampIdx(start); i < clampIdx(end); i += step) picks.push(i);
  return selectRef(x, d, picks);
}

/** Entries picks[0], picks[1], ... along dim (index_select). */
export function selectRef(x: Ref, dim: number, picks: readonly number[]): Ref {
  const shape = [...x.shape];
  shape[dim] = picks.length;
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    idx[dim] = picks[idx[dim]];
    data.push(x.data[ravel(idx, x.shape)]);
  }
  return { shape, dtype: x.dtype, data };
}

/** F.pad order: [left, right] of the last dim, then the dim before; negative pads crop. */
export function padRef(x: Ref, pads: readonly number[], value = 0): Ref {
  const shape = [...x.shape];
  const before = x.shape.map(() => 0);
  for (let k = 0; k < pads.length / 2; k++) {
    const d = x.shape.length - 1 - k;
    before[d] = pads[2 * k];
    shape[d] += pads[2 * k] + pads[2 * k + 1];
  }
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const src = unravel(i, shape).map((v, d) => v - before[d]);
    const inside = src.every((v, d) => v >= 0 && v < x.shape[d]);
    data.push(inside ? x.data[ravel(src, x.shape)] : toDType(x.dtype, value));
  }
  return { shape, dtype: x.dtype, data };
}

export function concatRef(xs: readonly Ref[], dim: number): Ref {
  const d = dim < 0 ? dim + xs[0].shape.length : dim;
  const dtype = xs.map((x) => x.dtype).reduce(promote);
  const shape = [...xs[0].shape];
  shape[d] = xs.reduce((n, x) => n + x.shape[d], 0);
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    let k = 0;
    while (idx[d] >= xs[k].shape[d]) idx[d] -= xs[k++].shape[d];
    data.push(toDType(dtype, xs[k].data[ravel(idx, xs[k].shape)]));
  }
  return { shape, dtype, data };
}

export function stackRef(xs: readonly Ref[], dim: number): Ref {
  const d = dim < 0 ? dim + xs[0].shape.length + 1 : dim;
  return concatRef(
    xs.map((x) => reshapeRef(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)])),
    d,
  );
}

export function splitRef(x: Ref, sizes: readonly number[], dim: number): Ref[] {
  const out: Ref[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(sliceRef(x, dim, at, at + s));
    at += s;
  }
  return out;
}

/** torch.gather along dim: out[p] = x[p with p[dim] = index[p]]. */
export function gatherRef(x: Ref, dim: number, index: Ref): Ref {
  const data = index.data.map((v, i) => {
    const idx = unravel(i, index.shape);
    idx[dim] = v;
    return x.data[ravel(idx, x.shape)];
  });
  return { shape: [...index.shape], dtype: x.dtype, data };
}

/** torch.scatter_add out of place, src cropped to index's shape. */
export function scatterAddRef(x: Ref, dim: number, index: Ref, src: Ref): Ref {
  const data = [...x.data];
  index.data.forEach((v, i) => {
    const idx = unravel(i, index.shape);
    const s = src.data[ravel(idx, src.shape)];
    idx[dim] = v;
    const o = ravel(idx, x.shape);
    data[o] = toDType(x.dtype, data[o] + s);
  });
  return { shape: [...x.shape], dtype: x.dtype, data };
}

export function oneHotRef(x: Ref, n: number): Ref {
  const data: number[] = [];
  for (const v of x.data) for (let c = 0; c < n; c++) data.push(v === c ? 1 : 0);
  return { shape: [...x.shape, n], dtype: 'int32', data };
}

// --- random ------------------------------------------------------------------------------------

/** Philox-4x32-10 with BigInt arithmetic (checked against Random123's known-answer vectors). */
export function philoxRef(counter: readonly number[], key: readonly number[]): number[] {
  const M = [0xd2511f53n, 0xcd9e8d57n];
  let c = counter.map((v) => BigInt(v >>> 0));
  let k = key.map((v) => BigInt(v >>> 0));
  const mask = 0xffffffffn;
  for (let r = 0; r < 10; r++) {
    const p0 = M[0] * c[0];
    const p1 = M[1] * c[2];
    c = [((p1 >> 32n) ^ c[1] ^ k[0]) & mask, p1 & mask, ((p0 >> 32n) ^ c[3] ^ k[1]) & mask, p0 & mask];
    k = [(k[0] + 0x9e3779b9n) & mask, (k[1] + 0xbb67ae85n) & mask];
  }
  return c.map(Number);
}

function block(key: readonly number[], j: number): number[] {
  return philoxRef([j % 2 ** 32, Math.floor(j / 2 ** 32), 0, 0], key);
}

/** The values of the `random` primitive for n elements (see @nn/tensor's rng.ts for the spec). */
export function randomRef(kind: 'uniform' | 'normal' | 'bits', key: readonly number[], counter: number, n: number): number[] {
  const out: number[] = [];
  if (kind === 'normal') {
    for (let i = 0; i < n; i += 2) {
      const w = block(key, counter + i / 2);
      const u1 = ((w[0] >>> 8) + 1) / 2 ** 24;
      const u2 = (w[1] >>> 8) / 2 ** 24;
      const r = Math.sqrt(-2 * Math.log(u1));
      out.push(r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < n) out.push(r * Math.sin(2 * Math.PI * u2));
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const w = block(key, counter + Math.floor(i / 4))[i % 4];
    out.push(kind === 'bits' ? w | 0 : (w >>> 8) / 2 ** 24);
  }
  return out;
}
