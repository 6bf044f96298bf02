/** Reductions: sum, prod, max, min, argmax, argmin primitives; mean, var, std, logsumexp, softmax composed. */
import type { ReduceOp } from '../backend/contract.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { normAxes, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, disposeAll, empty, needsRecord, record } from './core.js';
import { abs, add, cast, div, exp, log, lt, mul, sqrt, sub, where } from './elementwise.js';
import { clone, reshape } from './movement.js';

/** The dims a reduction runs over: one, several, or every dim (null / undefined). */
export type Dims = number | readonly number[] | null | undefined;

function keptShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdim) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

function reduceOp(op: 'sum' | 'prod' | 'max' | 'min', x: Tensor, dim: Dims, keepdim = false): Tensor {
  const be = backendOf(op, x);
  const axes = normAxes(op, dim, x.ndim);
  if ((op === 'max' || op === 'min') && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${op}: cannot reduce over a dimension of size 0 (shape ${fmtShape(x.shape)}, dims ${JSON.stringify(axes)})`);
  }
  let input = x;
  // Sums of bool/int accumulate in int32, like PyTorch's integer sums.
  if (x.dtype === 'bool') input = cast(x, 'int32');
  const outShape = keptShape(x.shape, axes, false);
  const out = empty(be, outShape, input.dtype, op);
  if (axes.length === 0) be.copy(input, out);
  else be.reduce(op, input, axes, out);
  if (needsRecord(input)) {
    const diffOp = op === 'max' ? 'amax' : op === 'min' ? 'amin' : op;
    record(diffOp, [input], { axes, keepdim: false }, out);
  }
  if (input !== x) input.dispose();
  if (!keepdim) return out;
  const kept = reshape(out, keptShape(x.shape, axes, true));
  out.dispose();
  return kept;
}

/**
 * Sum of the elements over `dim` (one dim, several, or all when omitted) (torch.sum). bool and int32 sum to int32.
 *
 * Args: `x`; `dim` (negative counts from the end; null/omitted: every dim); `keepdim` keeps the
 * reduced dims as size 1 (default false).
 *
 * Shape: `x`'s shape without the reduced dims (or with them as 1 under `keepdim`).
 *
 * @example
 * ```ts
 * import { sum, tensor } from '@nn/tensor';
 *
 * const x = tensor([[1, 2], [3, 4]]);
 * sum(x);         // 10
 * sum(x, 0);      // [4, 6]
 * sum(x, 1, true); // [[3], [7]]
 * ```
 */
export const sum = (x: Tensor, dim?: Dims, keepdim?: boolean): Tensor => reduceOp('sum', x, dim, keepdim);
/**
 * Product of the elements over `dim` (one dim, several, or all when omitted) (torch.prod).
 *
 * Args: `x`; `dim` (negative counts from the end; null/omitted: every dim); `keepdim` keeps the
 * reduced dims as size 1 (default false).
 *
 * Shape: `x`'s shape without the reduced dims (or with them as 1 under `keepdim`).
 *
 * @example
 * ```ts
 * import { prod, tensor } from '@nn/tensor';
 *
 * const x = tensor([[1, 2], [3, 4]]);
 * prod(x, 1); // [2, 12]
 * ```
 */
export const prod = (x: Tensor, dim?: Dims, keepdim?: boolean): Tensor => reduceOp('prod', x, dim, keepdim);
/** Maximum over dims (all by default); gradients are shared evenly among ties. */
export const max = (x: Tensor, dim?: Dims, keepdim?: boolean): Tensor => reduceOp('max', x, dim, keepdim);
/**
 * Smallest element over `dim` (one dim, several, or all when omitted) (torch.amin). The gradient is shared among tied minima (amin semantics).
 *
 * Args: `x`; `dim` (negative counts from the end; null/omitted: every dim); `keepdim` keeps the
 * reduced dims as size 1 (default false).
 *
 * Shape: `x`'s shape without the reduced dims (or with them as 1 under `keepdim`).
 *
 * @example
 * ```ts
 * import { min, tensor } from '@nn/tensor';
 *
 * const x = tensor([[1, 2], [3, 4]]);
 * min(x, 1); // [1, 3]
 * ```
 */
export const min = (x: Tensor, dim?: Dims, keepdim?: boolean): Tensor => reduceOp('min', x, dim, keepdim);

function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim = false): Tensor {
  const be = backendOf(op, x);
  if (dim === undefined || dim === null) {
    const flat = reshape(x, [x.size]);
    try {
      const r = argReduce(op, flat, 0, false);
      if (!keepdim) return r;
      const k = reshape(
        r,
        x.shape.map(() => 1),
      );
      r.dispose();
      return k;
    } finally {
      flat.dispose();
    }
  }
  const axis = normAxis(op, dim, x.ndim);
  if (x.ndim > 0 && x.shape[axis] === 0)
    throw new ShapeError(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${fmtShape(x.shape)})`);
  const out = empty(be, keptShape(x.shape, [axis], false), 'int32', op);
  if (x.ndim === 0) be.fill(out, 0);
  else be.reduce(op as ReduceOp, x, [axis], out);
  if (!keepdim) return out;
  const k = reshape(out, keptShape(x.shape, [axis], true));
  out.dispose();
  return k;
}

/**
 * Position (int32) of the largest element along `dim`, or in the flattened tensor when `dim` is omitted; the first on ties (torch.argmax).
 *
 * @example
 * ```ts
 * import { argmax, tensor } from '@nn/tensor';
 *
 * argmax(tensor([[1, 5], [7, 2]]), 1); // [1, 0]  (int32)
 * ```
 */
export const argmax = (x: Tensor, dim?: number | null, keepdim?: boolean): Tensor => argReduce('argmax', x, dim, keepdim);
/**
 * Position (int32) of the smallest element along `dim`, or in the flattened tensor when `dim` is omitted; the first on ties (torch.argmin).
 */
export const argmin = (x: Tensor, dim?: number | null, keepdim?: boolean): Tensor => argReduce('argmin', x, dim, keepdim);

function countOf(op: string, x: Tensor, dim: Dims): number {
  const axes = normAxes(op, dim, x.ndim);
  let n = 1;
  for (const a of axes) n *= x.shape[a];
  return n;
}

/**
 * Arithmetic mean of the elements over `dim` (one dim, several, or all when omitted) (torch.mean). Needs a float tensor.
 *
 * Args: `x`; `dim` (negative counts from the end; null/omitted: every dim); `keepdim` keeps the
 * reduced dims as size 1 (default false).
 *
 * Shape: `x`'s shape without the reduced dims (or with them as 1 under `keepdim`).
 *
 * @example
 * ```ts
 * import { mean, tensor } from '@nn/tensor';
 *
 * const x = tensor([[1, 2], [3, 4]]);
 * mean(x);    // 2.5
 * mean(x, 0); // [2, 3]
 * ```
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`mean: needs a floating-point tensor, got ${x.dtype}; cast first`);
  const n = countOf('mean', x, dim);
  const s = sum(x, dim, keepdim);
  const y = mul(s, 1 / n);
  s.dispose();
  return y;
}

/** Options of {@link variance} and {@link std}. */
export interface VarOptions {
  /** Bessel's correction: 1 (default, unbiased) or 0 (population). */
  correction?: number;
  /** Keep the reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

/**
 * Variance over `dim` with Bessel's `correction` (default 1: unbiased) (torch.var; also `x.var()`).
 *
 * Shape: as {@link sum}.
 *
 * @example
 * ```ts
 * import { tensor, variance } from '@nn/tensor';
 *
 * variance(tensor([1, 2, 3, 4]));                     // 1.6667
 * variance(tensor([1, 2, 3, 4]), null, { correction: 0 }); // 1.25
 * ```
 */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const { correction = 1, keepdim = false } = options;
  if (!isFloat(x.dtype)) throw new DTypeError(`var: needs a floating-point tensor, got ${x.dtype}`);
  if (!Number.isInteger(correction) || correction < 0)
    throw new ValueRangeError(`var: correction must be a non-negative integer, got ${correction}`);
  const n = countOf('var', x, dim);
  const mu = mean(x, dim, true);
  const d = sub(x, mu);
  const d2 = mul(d, d);
  const s = sum(d2, dim, keepdim);
  const y = div(s, Math.max(n - correction, 0));
  disposeAll([mu, d, d2, s]);
  return y;
}

/** Standard deviation: the square root of {@link variance} with the same options (torch.std). */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const v = variance(x, dim, options);
  const y = sqrt(v);
  v.dispose();
  return y;
}

/** log(sum(exp(x))) computed stably by shifting by the (detached) maximum. */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (normAxes('logsumexp', dim, x.ndim).some((a) => x.shape[a] === 0)) {
    // Over no elements: log(0) = -inf, as PyTorch (there is no max to shift by).
    const e = exp(x);
    const s = sum(e, dim, keepdim);
    const r = log(s);
    disposeAll([e, s]);
    return r;
  }
  const m = maxDetached(x, dim);
  const shifted = sub(x, m);
  const e = exp(shifted);
  const s = sum(e, dim, true);
  const l = log(s);
  const r = add(l, m);
  disposeAll([m, shifted, e, s, l]);
  if (keepdim) return r;
  const axes = normAxes('logsumexp', dim, x.ndim);
  const out = reshape(r, keptShape(x.shape, axes, false));
  r.dispose();
  return out;
}

/** max with keepdim, cut from the graph (a constant shift for stability); 0 for rows without a finite max. */
function maxDetached(x: Tensor, dim: Dims): Tensor {
  const d = x.detach();
  const m = max(d, dim, true);
  const a = abs(m);
  const finite = lt(a, Number.POSITIVE_INFINITY);
  const out = where(finite, m, 0);
  disposeAll([d, m, a, finite]);
  return out;
}

/**
 * Softmax along `dim` (default the last): `exp(x − max) / Σ exp(x − max)`; each slice sums to 1 (torch.softmax).
 *
 * Shape: as `x`.
 *
 * @example
 * ```ts
 * import { softmax, tensor } from '@nn/tensor';
 *
 * softmax(tensor([1, 2, 3])); // [0.0900, 0.2447, 0.6652]
 * ```
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`softmax: needs a floating-point tensor, got ${x.dtype}`);
  const axis = normAxis('softmax', dim, x.ndim);
  if (x.size === 0) return clone(x); // empty in, empty out (PyTorch), even over a size-0 dim
  const m = maxDetached(x, axis);
  const shifted = sub(x, m);
  const e = exp(shifted);
  const s = sum(e, axis, true);
  const y = div(e, s);
  disposeAll([m, shifted, e, s]);
  return y;
}

/**
 * Log of the softmax along `dim` (default the last), computed as `x − logsumexp(x)` (torch.log_softmax); feed it to `nllLoss`.
 *
 * Shape: as `x`.
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`logSoftmax: needs a floating-point tensor, got ${x.dtype}`);
  const axis = normAxis('logSoftmax', dim, x.ndim);
  if (x.size === 0) return clone(x);
  const m = maxDetached(x, axis);
  const shifted = sub(x, m);
  const e = exp(shifted);
  const s = sum(e, axis, true);
  const l = log(s);
  const y = sub(shifted, l);
  disposeAll([m, shifted, e, s, l]);
  return y;
}
