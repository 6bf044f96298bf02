/**
 * Descriptors: how a call's iteration space reaches the kernels. The JS side collapses views
 * (drops size-1 dims, merges dims every operand walks as one) and writes shapes, byte strides and
 * pointers as i32 words into a small reserved area of linear memory; assembly/*.ts read them.
 */
import { DTypeError, type DType, ValueRangeError } from '@nn/tensor';
import { type View, collapse, collapseGroup, flatStep } from '@nn/tensor/backend';
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

export { sizeOf } from '@nn/tensor/backend';

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
const STRIDES: (readonly number[])[] = [];
const BYTES: number[] = [];
const OPS: View[] = [];

/**
 * Writes an elementwise descriptor at word `at` of `w`: [r, k, shape[r], strides[k][r] (bytes),
 * pointers[k]] for the k operands out, x, y, z given (out first), all of `shape`. Returns the
 * words written.
 */
export function writeElementwise(w: Int32Array, at: number, shape: readonly number[], out: View, x: View, y?: View, z?: View): number {
  checkRank(shape.length);
  const k = z !== undefined ? 4 : y !== undefined ? 3 : 2;
  OPS[0] = out;
  OPS[1] = x;
  if (y !== undefined) OPS[2] = y;
  if (z !== undefined) OPS[3] = z;
  for (let o = 0; o < k; o++) {
    STRIDES[o] = OPS[o].strides;
    BYTES[o] = elemBytes(OPS[o].dtype);
  }
  const r = collapse(shape, k, STRIDES, SH, ST, BYTES);
  w[at] = r;
  w[at + 1] = k;
  let p = at + 2;
  for (let d = 0; d < r; d++) w[p++] = SH[d];
  for (let o = 0; o < k; o++) for (let d = 0; d < r; d++) w[p++] = ST[o][d];
  for (let o = 0; o < k; o++) w[p++] = ptrOf(OPS[o]);
  return p - at;
}

const KS: number[] = [];
const KT: number[] = [];
const RS: number[] = [];
const RT: number[] = [];

/** Writes a reduction descriptor [kr, rr, KS, KST, RS, RST, x, out]; returns kr and the kept-inner stride. */
export function writeReduce(w: Int32Array, at: number, x: View, axes: readonly number[], out: View): void {
  checkRank(x.shape.length);
  const kr = collapseGroup(x.shape, x.strides, axes, false, KS, KT, elemBytes(x.dtype));
  const rr = collapseGroup(x.shape, x.strides, axes, true, RS, RT, elemBytes(x.dtype));
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
  w: Int32Array,
  at: number,
  shape: readonly number[],
  axis: number,
  s0: readonly number[],
  e0: number,
  s1: readonly number[],
  s2: readonly number[] | null,
  e2: number,
  type: number,
  p0: number,
  p1: number,
  p2: number,
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
