/**
 * gather and scatterAdd, one thread per output element, compiled per rank (and dtype), and the
 * device-side index check.
 *
 * scatterAdd is deterministic without atomics: each output element loops over the positions
 * along `axis` of the indices that could hit it and adds the matching updates in index order,
 * which is the order the cpu backend adds them in, so float32 results agree bit for bit.
 * Cost: out.size * indices.shape[axis] index reads.
 */
import type { Runtime } from '../runtime.js';
import { mathPrelude } from '../wgsl/math.js';
import {
  collapse,
  convert,
  decode,
  ENTRY_ARGS,
  GROUP_INDEX,
  type GView,
  paramBlock,
  pw,
  sizeOf,
  storageType,
  stridedIndex,
  vec4sFor,
} from './common.js';

const WG = 256;

/** out[pos] = x[pos with pos[axis] = indices[pos]]; out has indices' shape (raw 32-bit moves). */
export function gather(rt: Runtime, x: GView, indices: GView, axis: number, out: GView): void {
  const n = sizeOf(indices.shape);
  if (n === 0) return;
  const r0 = indices.shape.length;
  const rank = Math.max(r0, 1);
  const shape = r0 === 0 ? [1] : [...indices.shape];
  const is = r0 === 0 ? [0] : [...indices.strides];
  const xs = r0 === 0 ? [0] : x.strides.map((s, d) => (d === axis ? 0 : s));
  const axisStride = r0 === 0 ? 0 : x.strides[axis];
  // words: n, ioff, xoff, ooff, axisStride, shape, is, xs
  const S = 5;
  const words = [n, indices.offset, x.offset, out.offset, axisStride, ...shape, ...is, ...xs];
  const sum = (at: number): string => Array.from({ length: rank }, (_, d) => `c${d} * ${pw(at + d)}`).join(' + ');
  const key = `gather|${rank}`;
  const kernel = rt.kernel(
    key,
    vec4sFor(words.length),
    () => `${paramBlock(words.length)}
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  ${decode(rank, S)}
  let at = I[${pw(1)} + ${sum(S + rank)}];
  O[${pw(3)} + i] = X[${pw(2)} + ${sum(S + 2 * rank)} + u32(at) * ${pw(4)}];
}`,
  );
  rt.dispatch(kernel, [x.buffer, indices.buffer, out.buffer], words, Math.ceil(n / WG));
}

/** out = x, then out[pos with pos[axis] = indices[pos]] += updates[pos]; out contiguous with x's shape. */
export function scatterAdd(rt: Runtime, x: GView, indices: GView, updates: GView, axis: number, out: GView): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const r0 = out.shape.length;
  const rank = Math.max(r0, 1);
  const oneD = (v: readonly number[]): number[] => (r0 === 0 ? [v.length === 0 ? 1 : v[0]] : [...v]);
  const shape = r0 === 0 ? [1] : [...out.shape];
  const xs = r0 === 0 ? [0] : [...x.strides];
  const ishape = oneD(indices.shape);
  const is = r0 === 0 ? [0] : [...indices.strides];
  const us = r0 === 0 ? [0] : [...updates.strides];
  const ax = r0 === 0 ? 0 : axis;
  const T = out.dtype === 'float32' ? 'f32' : 'i32';
  const xT = storageType(x.dtype);
  const uT = storageType(updates.dtype);
  const oT = storageType(out.dtype);
  // words: n, xoff, ioff, uoff, ooff, shape, xs, ishape, is, us
  const S = 5;
  const words = [n, x.offset, indices.offset, updates.offset, out.offset, ...shape, ...xs, ...ishape, ...is, ...us];
  const W = (k: number, d: number): number => S + k * rank + d; // k: 0 shape, 1 xs, 2 ishape, 3 is, 4 us
  const inRange = Array.from({ length: rank }, (_, d) => (d === ax ? null : `c${d} < ${pw(W(2, d))}`)).filter((s) => s !== null);
  const base = (k: number): string =>
    Array.from({ length: rank }, (_, d) => (d === ax ? null : `c${d} * ${pw(W(k, d))}`))
      .filter((s) => s !== null)
      .concat(['0u'])
      .join(' + ');
  const xIndex = Array.from({ length: rank }, (_, d) => `c${d} * ${pw(W(1, d))}`).join(' + ');
  const key = `scatterAdd|${rank}|${ax}|${xT}${uT}${oT}`;
  const kernel = rt.kernel(
    key,
    vec4sFor(words.length),
    () => `${paramBlock(words.length)}
@group(0) @binding(1) var<storage, read> X: array<${xT}>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read> U: array<${uT}>;
@group(0) @binding(4) var<storage, read_write> O: array<${oT}>;
${T !== xT || T !== uT ? mathPrelude('nn_f2i') : ''}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  ${decode(rank, S)}
  var acc = ${convert(`X[${pw(1)} + ${xIndex}]`, xT, T)};
  if (${inRange.length > 0 ? inRange.join(' && ') : 'true'}) {
    let ib = ${pw(2)} + ${base(3)};
    let ub = ${pw(3)} + ${base(4)};
    for (var j = 0u; j < ${pw(W(2, ax))}; j = j + 1u) {
      if (u32(I[ib + j * ${pw(W(3, ax))}]) == c${ax}) {
        acc = acc + ${convert(`U[ub + j * ${pw(W(4, ax))}]`, uT, T)};
      }
    }
  }
  O[${pw(4)} + i] = ${convert('acc', T, oT)};
}`,
  );
  rt.dispatch(kernel, [x.buffer, indices.buffer, updates.buffer, out.buffer], words, Math.ceil(n / WG));
}

/**
 * Index validation (Backend.checkIndices): finds the first element of the int32 view outside
 * [0, bound) and not equal to `ignore`, and, unless an earlier check already failed, writes
 * [position + 1, value, id] to the runtime's error words. One workgroup strides over the indices,
 * so "first" is exact without cross-workgroup atomics; index tensors are small next to the data
 * they pick from.
 */
export function checkIndices(rt: Runtime, indices: GView, bound: number, ignore: number | null, id: number): void {
  const n = sizeOf(indices.shape);
  if (n === 0) return;
  const {
    shape,
    strides: [st],
  } = collapse(indices.shape, [indices.strides]);
  const rank = shape.length;
  const hasIgnore = ignore !== null && ignore === (ignore | 0); // a non-int32 ignore matches nothing
  // words: n, bound, ignore, hasIgnore, id, offset, strides, shape
  const words = [n, bound, hasIgnore ? ignore : 0, hasIgnore ? 1 : 0, id, indices.offset, ...st, ...shape];
  const kernel = rt.kernel(
    `checkIndices|${rank}`,
    vec4sFor(words.length),
    () => `${paramBlock(words.length)}
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> E: array<u32>;
var<workgroup> first: atomic<u32>;
fn at(i: u32) -> i32 {
  ${decode(rank, 6 + rank)}
  return I[${stridedIndex(rank, 5)}];
}
fn bad(v: i32) -> bool {
  return (v < 0 || u32(v) >= ${pw(1)}) && !(${pw(3)} == 1u && v == bitcast<i32>(${pw(2)}));
}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { atomicStore(&first, 0xffffffffu); }
  workgroupBarrier();
  for (var i = lid; i < ${pw(0)}; i = i + ${WG}u) {
    if (bad(at(i))) { atomicMin(&first, i); break; }
  }
  workgroupBarrier();
  let p = atomicLoad(&first);
  if (lid == 0u && p != 0xffffffffu && E[0] == 0u) {
    E[0] = p + 1u;
    E[1] = bitcast<u32>(at(p));
    E[2] = ${pw(4)};
  }
}`,
  );
  rt.dispatch(kernel, [indices.buffer, rt.errorWords], words, 1);
}
