/**
 * Cross-entropy from logits [N, C] and int32 class indices [N]: one recorded op whose forward and
 * backward are each one call of the backend's fused routine when it has them (`crossEntropy`,
 * `crossEntropyGrad`), otherwise composed from tensor ops (logSoftmax, gather, mean).
 */
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError, ValueRangeError } from '../errors.js';
import { isContiguous } from '../layout.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, needsRecord, record } from './core.js';
import { arange } from './creation.js';
import { cast, div, eq, mul, ne, neg, sub, where } from './elementwise.js';
import { gather, reshape, unsqueeze } from './movement.js';
import { logSoftmax, softmax, sum } from './reduce.js';

/** How the per-row losses are reduced: their mean over rows not ignored (default), their sum, or none. */
export type CrossEntropyReduction = 'mean' | 'sum' | 'none';

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions {
  /** Rows whose target equals it are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: CrossEntropyReduction;
  /**
   * The caller has already checked every target with {@link checkClassIndices} (as @nn/layers'
   * crossEntropy does, naming itself in the error), so the targets are not read back again.
   */
  targetsChecked?: boolean;
}

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

/**
 * PyTorch's cross_entropy(logits, target) for logits [N, C] (float) and target [N] (int32 class
 * indices in [0, C), or ignoreIndex): per row logsumexp(x) - x[target], 0 for ignored rows, then
 * the mean over rows not ignored (NaN when all are, as PyTorch), the sum, or [N] per row.
 * Recorded as one `crossEntropy` op when the backend fuses the forward; composed otherwise.
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  target: Tensor,
  { ignoreIndex = -100, reduction = 'mean', targetsChecked = false }: SoftmaxCrossEntropyOptions = {},
): Tensor {
  const be = backendOf('softmaxCrossEntropy', logits, target);
  checkArgs(logits, target, ignoreIndex, reduction);
  const fused = be.fused.crossEntropy;
  const [n, c] = logits.shape;
  if (fused === undefined || c === 0 || !isContiguous(logits.shape, logits.strides) || !isContiguous(target.shape, target.strides)) {
    // gather checks the targets there.
    return composed(logits, target, ignoreIndex, reduction);
  }
  if (!targetsChecked) checkClassIndices('softmaxCrossEntropy', target, c, ignoreIndex);
  const logSum = empty(be, [n], logits.dtype, 'softmaxCrossEntropy');
  const loss = empty(be, reduction === 'none' ? [n] : [], logits.dtype, 'softmaxCrossEntropy');
  fused(logits, target, ignoreIndex, reduction, logSum, loss);
  // The engine keeps its own share of logSum for the backward.
  if (needsRecord(logits)) record('crossEntropy', [logits, target, logSum], { ignoreIndex, reduction }, loss);
  logSum.dispose();
  return loss;
}

function checkArgs(logits: Tensor, target: Tensor, ignoreIndex: number, reduction: string): void {
  const op = 'softmaxCrossEntropy';
  if (!REDUCTIONS.includes(reduction)) throw new ValueRangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  // Targets are int32, so an ignoreIndex outside that range could only alias another value.
  if ((ignoreIndex | 0) !== ignoreIndex) throw new ValueRangeError(`${op}: ignoreIndex must be an int32 integer, got ${ignoreIndex}`);
  if (!isFloat(logits.dtype)) throw new DTypeError(`${op}: logits must be floating point, got ${logits.dtype}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: target must be int32 class indices, got ${target.dtype}`);
  if (logits.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`${op}: logits must be [N, C] and target [N], got [${logits.shape.join(',')}] and [${target.shape.join(',')}]`);
  }
}

/**
 * Throws a ValueRangeError naming `op` unless every class index in `target` (int32) is in
 * [0, classes) or equals ignoreIndex. Backends without synchronous reads check on the device and
 * throw at the next read or sync. The fused routines index with the targets unchecked.
 */
export function checkClassIndices(op: string, target: Tensor, classes: number, ignoreIndex: number): void {
  const error = (v: number, i: number): Error =>
    new ValueRangeError(
      `${op}: target ${v} at position ${i} is out of range for ${classes} classes (valid: 0 to ${classes - 1}${ignoreIndex < 0 || ignoreIndex >= classes ? `, or ignoreIndex ${ignoreIndex}` : ''})`,
    );
  const be = target.backend;
  if (be.readSync === undefined || be.checkIndices !== undefined) {
    // The backend checks (on the device, or at each replay of a compile recording).
    if (target.size > 0) be.checkIndices?.(target, classes, ignoreIndex, error);
    return;
  }
  const data = target.dataSync();
  // An indexed loop: entries() would make an iterator and a pair per target, every training step.
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!; // i < data.length
    if (v !== ignoreIndex && (v < 0 || v >= classes)) throw error(v, i);
  }
}

/** logSoftmax, then the picked log-probabilities of the rows not ignored, reduced. */
function composed(logits: Tensor, target: Tensor, ignoreIndex: number, reduction: CrossEntropyReduction): Tensor {
  return tidy(() => {
    const logp = logSoftmax(logits, 1);
    const valid = ne(target, ignoreIndex);
    const safe = where(valid, target, 0);
    const picked = reshape(gather(logp, 1, unsqueeze(safe, 1)), [-1]);
    // Ignored rows are exactly 0 (as PyTorch), even where their logits are infinite.
    const loss = where(valid, neg(picked), 0);
    if (reduction === 'none') return loss;
    if (reduction === 'sum') return sum(loss);
    return div(sum(loss), sum(cast(valid, logits.dtype)));
  });
}

/**
 * The gradient of `softmaxCrossEntropy` with respect to the logits, given the forward's per-row
 * `logSum` [N] (see the contract's `crossEntropy`) and the loss's cotangent g ([] or [N] for
 * reduction 'none'): one call of the backend's `crossEntropyGrad` when it has one and nothing is
 * recorded; otherwise composed from tensor ops through softmax(logits), itself differentiable.
 */
export function softmaxCrossEntropyGrad(
  logits: Tensor,
  target: Tensor,
  logSum: Tensor,
  g: Tensor,
  ignoreIndex: number,
  reduction: CrossEntropyReduction,
): Tensor {
  const be = backendOf('softmaxCrossEntropyGrad', logits, target, logSum);
  const fused = be.fused.crossEntropyGrad;
  if (fused !== undefined && g.dtype === logits.dtype && isContiguous(g.shape, g.strides) && !needsRecord(g, logits)) {
    const gx = empty(be, logits.shape, logits.dtype, 'softmaxCrossEntropyGrad');
    fused(logits, target, logSum, g, ignoreIndex, reduction === 'mean', gx);
    return gx;
  }
  return tidy(() => {
    const valid = unsqueeze(ne(target, ignoreIndex), 1);
    const classes = arange(logits.shape[1], undefined, 1, { dtype: 'int32', backend: be.name });
    const onehot = cast(eq(unsqueeze(target, 1), classes), logits.dtype);
    let scale = reduction === 'none' ? unsqueeze(g, 1) : g;
    if (reduction === 'mean') scale = div(scale, sum(cast(valid, logits.dtype)));
    return where(valid, mul(sub(softmax(logits, 1), onehot), scale), 0);
  });
}
