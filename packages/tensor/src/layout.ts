/**
 * Layout helpers every backend needs: sizes, row-major strides, and collapsing an iteration space
 * (drop size-1 dims, merge neighbouring dims that every operand walks as one) so kernels loop over
 * as few dims as possible. Written once here and exported by `@nn/tensor/backend`.
 */

/** A writable array of integers: a plain array or a typed array (scratch that kernels reuse). */
export type IntArrayLike = { [i: number]: number };

/** Number of elements of a shape (1 for `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major (C order) strides of a shape, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True if `strides` are the row-major strides of `shape` (size-1 dims may have any stride). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  return flatStep(shape, strides) === 1;
}

/**
 * How a flat loop can walk `strides` over `shape`: 1 if they are the row-major strides (size-1
 * dims ignored), 0 if every stride is 0 (a broadcast scalar), -1 if only a strided walk works.
 */
export function flatStep(shape: readonly number[], strides: readonly number[]): number {
  let expected = 1;
  let contiguous = true;
  let zero = true;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const s = strides[d];
    if (s !== expected) contiguous = false;
    if (s !== 0) zero = false;
    expected *= n;
  }
  return contiguous ? 1 : zero ? 0 : -1;
}

/**
 * Collapses `shape` walked by several operands into `S` (sizes) and `T[k]` (operand k's strides,
 * times `scales[k]`, e.g. the element size for byte strides): size-1 dims dropped, adjacent dims
 * merged when every operand walks them as one (outer stride = inner stride * inner size). Returns
 * the collapsed rank, at least 1 (a 0-d or all-size-1 shape becomes `[1]` with zero strides).
 * `strides` may hold more entries than `nOps`; only the first `nOps` are read.
 */
export function collapse(
  shape: readonly number[],
  nOps: number,
  strides: readonly (readonly number[] | null)[],
  S: IntArrayLike,
  T: readonly IntArrayLike[],
  scales?: readonly number[],
): number {
  let r = 0;
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    let merge = r > 0;
    for (let k = 0; k < nOps && merge; k++) merge = T[k][r - 1] === (strides[k] as readonly number[])[d] * (scales?.[k] ?? 1) * n;
    if (merge) S[r - 1] *= n;
    else S[r] = n;
    const at = merge ? r - 1 : r;
    for (let k = 0; k < nOps; k++) T[k][at] = (strides[k] as readonly number[])[d] * (scales?.[k] ?? 1);
    if (!merge) r++;
  }
  if (r === 0) {
    S[0] = 1;
    for (let k = 0; k < nOps; k++) T[k][0] = 0;
    r = 1;
  }
  return r;
}

/**
 * Collapses the dims of one view that are (`reduced` true) or are not (false) in the sorted
 * `axes` into `S`/`T`, as {@link collapse} does for one operand: how reductions split their
 * iteration space into kept and reduced dims. Returns the collapsed rank (at least 1).
 */
export function collapseGroup(
  shape: readonly number[],
  strides: readonly number[],
  axes: readonly number[],
  reduced: boolean,
  S: IntArrayLike,
  T: IntArrayLike,
  scale = 1,
): number {
  let r = 0;
  let next = 0; // walks the sorted axes alongside d
  for (let d = 0; d < shape.length; d++) {
    const isReduced = next < axes.length && axes[next] === d;
    if (isReduced) next++;
    const n = shape[d];
    if (isReduced !== reduced || n === 1) continue;
    const s = strides[d] * scale;
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
