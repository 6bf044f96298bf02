/** Metrics computed from a batch's model output and target; fit averages them weighted by batch size. */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';

/** A metric returns a number, or a 0-d tensor (fit then averages on the device and reads once per epoch). */
export type Metric = (output: Tensor, target: Tensor) => number | Tensor;

/**
 * Fraction correct. Multi-class output [N, C] (logits or probabilities) against int32 labels [N]
 * or one-hot/probability targets [N, C]; binary output [N] or [N, 1] against 0/1 targets, with
 * the given threshold (0.5 for probabilities, 0 for logits).
 */
export function accuracy(output: Tensor, target: Tensor, options: { threshold?: number } = {}): number {
  const t = accuracyTensor(output, target, options);
  try {
    return t.item();
  } finally {
    t.dispose();
  }
}

/** accuracy as a 0-d tensor, computed without reading back (any backend). */
export function accuracyTensor(output: Tensor, target: Tensor, { threshold = 0.5 }: { threshold?: number } = {}): Tensor {
  return T.tidy(() => {
    const multi = output.ndim >= 2 && (output.shape.at(-1) ?? 0) > 1;
    let pred: Tensor;
    let truth: Tensor;
    if (multi) {
      pred = T.argmax(output, -1);
      truth = target.dtype === 'int32' ? target : T.argmax(target, -1);
    } else {
      pred = T.gt(T.reshape(output, [-1]), threshold);
      truth = T.gt(T.reshape(target, [-1]), 0.5);
    }
    if (pred.size !== truth.size)
      throw new ShapeError(
        `accuracy: ${pred.size} predictions but ${truth.size} targets (output [${output.shape.join(',')}], target [${target.shape.join(',')}])`,
      );
    return T.mean(T.cast(T.eq(T.reshape(pred, [-1]), T.cast(T.reshape(truth, [-1]), pred.dtype)), 'float32'));
  });
}

/** Fraction of rows whose target class is among the k highest scores. */
export function topK(k: number): Metric {
  if (!Number.isInteger(k) || k < 1) throw new ValueRangeError(`topK: k must be a positive integer, got ${k}`);
  return (output, target) =>
    T.tidy(() => {
      if (output.ndim !== 2) throw new ShapeError(`topK: output must be [N, C], got [${output.shape.join(',')}]`);
      // Rank of the target's score = number of classes scoring strictly higher.
      const targetScore = T.gather(output, 1, T.unsqueeze(target, 1));
      const higher = T.sum(T.cast(T.gt(output, targetScore), 'int32'), 1);
      return T.mean(T.cast(T.lt(higher, k), 'float32'));
    });
}

/** Mean squared error of `output` against `target`, as a number. */
export function mse(output: Tensor, target: Tensor): number {
  const t = mseTensor(output, target);
  try {
    return t.item();
  } finally {
    t.dispose();
  }
}

/** Mean squared error as a 0-d tensor (kept on the device; fit reads it once per epoch). */
export function mseTensor(output: Tensor, target: Tensor): Tensor {
  return T.tidy(() => T.mean(T.square(T.sub(output, T.reshape(target, output.shape)))));
}

/** counts[i][j] = number of examples of true class i predicted as class j. */
export function confusionMatrix(output: Tensor, target: Tensor, numClasses: number): number[][] {
  const pred = T.tidy(() => (output.ndim >= 2 ? T.argmax(output, -1) : T.cast(output, 'int32')));
  const p = pred.dataSync();
  const t = target.dataSync();
  pred.dispose();
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  p.forEach((pi, i) => {
    const ti = t[i] ?? -1;
    const row = m[ti];
    if (row === undefined || pi < 0 || pi >= numClasses)
      throw new ValueRangeError(`confusionMatrix: class ${t[i]} or prediction ${pi} is outside 0..${numClasses - 1}`);
    row[pi] = (row[pi] ?? 0) + 1;
  });
  return m;
}

/** The metrics `fit` knows by name: `'accuracy'`, `'mse'`, `'top5'`. */
export const METRICS: Record<string, Metric> = { accuracy: (o, t) => accuracyTensor(o, t), mse: mseTensor, top5: topK(5) };
