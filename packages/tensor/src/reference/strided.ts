/**
 * The one index helper of the reference backend: visit every position of a shape in row-major
 * order, and find where a position lives in a view (offset + sum of position * stride). Every
 * kernel is a loop over positions built from these two, so strides, offsets and broadcasting
 * (stride 0) need no special cases.
 */
import type { View } from '../backend/contract.js';
import { sizeOf } from '../layout.js';

/** Calls visit(pos) for each position of `shape` in row-major order; `pos` is one array, updated in place. */
export function forEachIndex(shape: readonly number[], visit: (pos: number[]) => void): void {
  if (sizeOf(shape) === 0) return;
  const pos = new Array<number>(shape.length).fill(0);
  for (;;) {
    visit(pos);
    // Odometer: bump the last dim, carrying into earlier dims as each wraps.
    let d = shape.length - 1;
    while (d >= 0 && ++pos[d] === shape[d]) pos[d--] = 0;
    if (d < 0) return;
  }
}

/** The buffer index of `pos` in view `v`. */
export function offsetOf(v: View, pos: readonly number[]): number {
  let at = v.offset;
  for (let d = 0; d < pos.length; d++) at += pos[d] * v.strides[d];
  return at;
}

/** offsetOf(v, pos) with pos[axis] replaced by `index` (gather and scatterAdd). */
export function offsetAlong(v: View, pos: readonly number[], axis: number, index: number): number {
  if (pos.length === 0) return v.offset;
  return offsetOf(v, pos) + (index - pos[axis]) * v.strides[axis];
}
