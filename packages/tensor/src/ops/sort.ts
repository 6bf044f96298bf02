/**
 * sort, argsort and topk. The argsort primitive picks positions (a backend kernel: sorting does
 * not compose efficiently from the other primitives, see docs/design-notes.md); the values are a
 * gather of those positions, so gradients flow back through gather's rule (a scatter-add of the
 * upstream gradient) with no rule of their own.
 */
import { ValueRangeError } from '../errors.js';
import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, disposeAll, empty, needsRecord, record } from './core.js';
import { reshape } from './movement.js';

/** Options of {@link sort} and {@link argsort}. */
export interface SortOptions {
  /** The dim to sort along (default -1). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Accepted for PyTorch compatibility: every sort here is stable. */
  stable?: boolean;
}

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The dim to select along (default -1). */
  dim?: number;
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch compatibility: the k elements always come sorted. */
  sorted?: boolean;
}

/** Values and their int32 positions along the sorted dim. */
export interface SortResult {
  /** The sorted (or selected) values. */
  values: Tensor;
  /** Their positions in the input along the dim (int32). */
  indices: Tensor;
}

/** The int32 positions of the first k elements of each line along `axis` in sorted order. */
export function sortedPositions(op: string, x: Tensor, axis: number, descending: boolean, k: number): Tensor {
  const be = x.storage.backend;
  const shape = [...x.shape];
  shape[axis] = k;
  const out = empty(be, shape, 'int32', op);
  if (out.size > 0) be.argsort(x, axis, descending, out);
  return out;
}

/** gather along axis with positions known to be in range (no index check, no readback). */
function take(op: string, x: Tensor, axis: number, idx: Tensor): Tensor {
  const be = x.storage.backend;
  const out = empty(be, idx.shape, x.dtype, op);
  if (out.size > 0) be.gather(x, idx, axis, out);
  if (needsRecord(x)) record('gather', [x, idx], { axis }, out);
  return out;
}

/** A 0-d tensor sorts as one element (PyTorch): run on a [1] view and reshape both results back. */
function lineOf(op: string, x: Tensor, dim: number, run: (x: Tensor, axis: number) => SortResult): SortResult {
  if (x.ndim > 0) return run(x, normAxis(op, dim, x.ndim));
  normAxis(op, dim, 0);
  const x1 = reshape(x, [1]);
  const r = run(x1, 0);
  const shape = r.values.size === 1 ? [] : [0];
  const out = { values: reshape(r.values, shape), indices: reshape(r.indices, shape) };
  disposeAll([x1, r.values, r.indices]);
  return out;
}

/** torch.sort: values along dim in order (ascending unless `descending`, NaN last) and their positions. */
export function sort(x: Tensor, options: SortOptions = {}): SortResult {
  backendOf('sort', x);
  const descending = options.descending ?? false;
  return lineOf('sort', x, options.dim ?? -1, (t, axis) => {
    const indices = sortedPositions('sort', t, axis, descending, t.shape[axis]);
    return { values: take('sort', t, axis, indices), indices };
  });
}

/** torch.argsort: the int32 positions that sort x along dim. */
export function argsort(x: Tensor, options: SortOptions = {}): Tensor {
  backendOf('argsort', x);
  const descending = options.descending ?? false;
  if (x.ndim === 0) {
    normAxis('argsort', options.dim ?? -1, 0);
    const r = empty(x.storage.backend, [], 'int32', 'argsort');
    x.storage.backend.fill(r, 0);
    return r;
  }
  const axis = normAxis('argsort', options.dim ?? -1, x.ndim);
  return sortedPositions('argsort', x, axis, descending, x.shape[axis]);
}

/** torch.topk: the k largest (or smallest) values along dim, sorted, with their int32 positions. */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): SortResult {
  backendOf('topk', x);
  const dim = options.dim ?? -1;
  const largest = options.largest ?? true;
  const n = x.ndim === 0 ? 1 : x.shape[normAxis('topk', dim, x.ndim)];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueRangeError(`topk: k ${k} is out of range for dim ${dim} of size ${n} (valid: 0 to ${n})`);
  }
  return lineOf('topk', x, dim, (t, axis) => {
    const indices = sortedPositions('topk', t, axis, largest, k);
    return { values: take('topk', t, axis, indices), indices };
  });
}
