/**
 * Descriptors: how a call's iteration space reaches the kernels. The JS side collapses views
 * (drops size-1 dims, merges dims every operand walks as one) and writes shapes, byte strides and
 * pointers as i32 words into a small reserved area of linear memory; assembly/*.ts read them.
 */
import { DTypeError, type DType, ValueRangeError, type View, flatStep } from '@nn/tensor';
import type { WasmBuffer } from './heap.js';

/** The dtypes the kernels take, by element type code (0 f32, 1 i32, 2 u8). */
export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Element type code of a dtype (its index in DTYPES). */
export function typeCode(d: DType): number {
  const t = DTYPES.indexOf(d);
  if (t < 0) throw new DTypeError(`wasm backend: dtype ${d} is not supported (${DTYPES.join(', ')} are)`);
  return t;
}

export function elemBytes(d: DType): number {
  return d === 'bool' ? 1 : 4;
}

export const TYPE_NAMES = ['f32', 'i32', 'u8'] as const;

/** Byte address of a view's first element. */
export function ptrOf(v: View): number {
  return (v.buffer as WasmBuffer).ptr + v.offset * elemBytes(v.dtype);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * How a flat loop walks a view of `shape`: its element size in bytes if the strides are row-major
 * (size-1 dims ignored), 0 if every stride is 0 (a broadcast scalar), -1 otherwise.
 */
export function flatStride(v: View, shape: readonly number[]): number {
  const step = flatStep(shape, v.strides);
  return step === 1 ? elemBytes(v.dtype) : step;
}

/** Highest rank a kernel call takes (the descriptor area holds 64 dims of four operands). */
export const MAX_RANK = 64;

function checkRank(rank: number): void {
  if (rank > MAX_RANK) throw new ValueRangeError(`wasm backend: a kernel call of rank ${rank} exceeds the limit of ${MAX_RANK}`);
}

// Scratch for collapsing (no allocation per call).
const SH: number[] = [];
const ST: number[][] = [[], [], [], []];

/**
 * Writes an elementwise descriptor at word `at` of `w`: [r, k, shape[r], strides[k][r] (bytes),
 * pointers[k]] for operands ops[0..k) (ops[0] is the output), all of `shape`. Returns the words
 * written.
 */
export function writeElementwise(w: Int32Array, at: number, shape: readonly number[], ops: readonly View[]): number {
  checkRank(shape.length);
  const k = ops.length;
  let r = 0;
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    if (r > 0) {
      let merge = true;
      for (let o = 0; o < k && merge; o++) merge = ST[o][r - 1] === ops[o].strides[d] * elemBytes(ops[o].dtype) * n;
      if (merge) {
        SH[r - 1] *= n;
        for (let o = 0; o < k; o++) ST[o][r - 1] = ops[o].strides[d] * elemBytes(ops[o].dtype);
        continue;
      }
    }
    SH[r] = n;
    for (let o = 0; o < k; o++) ST[o][r] = ops[o].strides[d] * elemBytes(ops[o].dtype);
    r++;
  }
  if (r === 0) {
    SH[0] = 1;
    for (let o = 0; o < k; o++) ST[o][0] = 0;
    r = 1;
  }
  w[at] = r;
  w[at + 1] = k;
  let p = at + 2;
  for (let d = 0; d < r; d++) w[p++] = SH[d];
  for (let o = 0; o < k; o++) for (let d = 0; d < r; d++) w[p++] = ST[o][d];
  for (let o = 0; o < k; o++) w[p++] = ptrOf(ops[o]);
  return p - at;
}

/** Collapses the dims of x that are (reduced) or are not (kept) in the sorted axes into S/T (bytes). */
function collapseGroup(x: View, axes: readonly number[], reduced: boolean, S: number[], T: number[]): number {
  const e = elemBytes(x.dtype);
  let r = 0;
  let next = 0;
  for (let d = 0; d < x.shape.length; d++) {
    const isReduced = next < axes.length && axes[next] === d;
    if (isReduced) next++;
    const n = x.shape[d];
    if (isReduced !== reduced || n === 1) continue;
    const s = x.strides[d] * e;
    if (r > 0 && T[r - 1] === s * n) {
      S[r - 1] *= n;
      T[r - 1] = s;
    } else {
      S[r] = n;
      T[r] = s;
      r++;
    }
  }
  if (r === 0) {
    S[0] = 1;
    T[0] = 0;
    r = 1;
  }
  return r;
}

const KS: number[] = [];
const KT: number[] = [];
const RS: number[] = [];
const RT: number[] = [];

/** Writes a reduction descriptor [kr, rr, KS, KST, RS, RST, x, out]; returns kr and the kept-inner stride. */
export function writeReduce(w: Int32Array, at: number, x: View, axes: readonly number[], out: View): void {
  checkRank(x.shape.length);
  const kr = collapseGroup(x, axes, false, KS, KT);
  const rr = collapseGroup(x, axes, true, RS, RT);
  w[at] = kr;
  w[at + 1] = rr;
  let p = at + 2;
  for (let d = 0; d < kr; d++) w[p++] = KS[d];
  for (let d = 0; d < kr; d++) w[p++] = KT[d];
  for (let d = 0; d < rr; d++) w[p++] = RS[d];
  for (let d = 0; d < rr; d++) w[p++] = RT[d];
  w[p++] = ptrOf(x);
  w[p++] = ptrOf(out);
}

/**
 * Writes a gather/scatterAdd descriptor [r, shape, s0, s1, s2, axisStride, type, p0, p1, p2].
 * s0 is operand 0's strides with 0 on `axis`; s2 and p2 are for scatterAdd's updates.
 */
export function writeIndexing(
  w: Int32Array, at: number, shape: readonly number[], axis: number,
  s0: readonly number[], e0: number, s1: readonly number[], s2: readonly number[] | null, e2: number,
  type: number, p0: number, p1: number, p2: number,
): void {
  checkRank(shape.length);
  const rank = Math.max(shape.length, 1);
  w[at] = rank;
  let p = at + 1;
  for (let d = 0; d < rank; d++) w[p++] = shape.length === 0 ? 1 : shape[d];
  for (let d = 0; d < rank; d++) w[p++] = shape.length === 0 || d === axis ? 0 : s0[d] * e0;
  for (let d = 0; d < rank; d++) w[p++] = shape.length === 0 ? 0 : s1[d] * 4;
  for (let d = 0; d < rank; d++) w[p++] = shape.length === 0 || s2 === null ? 0 : s2[d] * e2;
  w[p++] = shape.length === 0 ? 0 : s0[axis] * e0;
  w[p++] = type;
  w[p++] = p0;
  w[p++] = p1;
  w[p++] = p2;
}
