/**
 * overfitBatch: the seeds' first sanity check. Train on a handful of examples; a healthy model and
 * loop reach ~100% training accuracy. Reports a loss that does not fall, NaN/Inf gradients, and
 * parameters whose gradients are all zero.
 */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import type { Module } from '@nn/layers';
import type { LossFn, OptimizerLike } from './fit.js';
import { accuracy } from './metrics.js';

/** Options of {@link overfitBatch}. */
export interface OverfitOptions {
  /** A few inputs (fewer than 30) to memorise. */
  x: Tensor;
  /** Their targets. */
  y: Tensor;
  /** The loss to minimise. */
  loss: LossFn;
  /** Defaults to plain gradient descent with `lr`. */
  optimizer?: OptimizerLike;
  /** Learning rate of the default optimizer, plain SGD (default 0.1). */
  lr?: number;
  /** Training steps (default 300). */
  steps?: number;
  /** Compute classification accuracy (default: when y is int32). */
  classification?: boolean;
}

/** What {@link overfitBatch} found. */
export interface OverfitReport {
  /** True when the loss fell close to zero and no problem was found. */
  ok: boolean;
  /** Loss before training. */
  initialLoss: number;
  /** Loss after training. */
  finalLoss: number;
  /** Training accuracy for classification, else null. */
  accuracy: number | null;
  /** What went wrong: a loss that does not fall, NaN/Inf gradients, parameters that never get a gradient. */
  problems: string[];
}

/**
 * The first sanity check of a new model (Karpathy's "overfit one batch"): trains on a handful
 * of examples and reports whether it can memorise them, and why not.
 *
 * @example
 * ```ts
 * import { makeMoons } from '@nn/data';
 * import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
 * import { overfitBatch } from '@nn/train';
 *
 * const { x, y } = makeMoons({ n: 16, seed: 0 });
 * const model = new Sequential(new Linear(2, 64), new ReLU(), new Linear(64, 2));
 * const report = overfitBatch(model, { x, y, loss: crossEntropy, lr: 0.5 });
 * console.log(report.ok, report.finalLoss, report.problems); // true, ~0.03, []
 * ```
 */
export function overfitBatch(
  model: Module,
  { x, y, loss, optimizer, lr = 0.1, steps = 300, classification }: OverfitOptions,
): OverfitReport {
  const n = x.shape[0] ?? 1; // a 0-d tensor is one example
  if (n >= 30)
    throw new ValueRangeError(`overfitBatch: use fewer than 30 examples (got ${n}); the point is a batch the model can memorize`);
  const named = model.namedParameters();
  const sgd: OptimizerLike = optimizer ?? {
    step: () =>
      noGrad(() => {
        for (const [, p] of named) if (p.grad !== null) T.tidy(() => void p.copy_(T.sub(p, T.mul(p.grad!, lr))));
      }),
    zeroGrad: () => model.zeroGrad(),
  };
  const problems = new Set<string>();
  const everNonZero = new Set<string>();
  model.train();
  let initialLoss = Number.NaN;
  let finalLoss = Number.NaN;
  for (let i = 0; i < steps; i++) {
    const v = T.tidy(() => {
      const l = loss(model(x) as Tensor, y);
      l.backward();
      return l.item();
    });
    if (i === 0) initialLoss = v;
    finalLoss = v;
    if (!Number.isFinite(v)) {
      problems.add(`the loss became ${v} at step ${i}`);
      break;
    }
    for (const [name, p] of named) {
      if (p.grad === null) continue;
      const [nans, maxAbs] = T.tidy(() => [T.sum(T.cast(T.ne(p.grad!, p.grad!), 'int32')).item(), T.max(T.abs(p.grad!)).item()] as const);
      if (nans > 0 || !Number.isFinite(maxAbs)) problems.add(`NaN/Inf gradient in ${name} at step ${i}`);
      if (maxAbs > 0) everNonZero.add(name);
    }
    sgd.step();
    sgd.zeroGrad();
  }
  for (const [name] of named)
    if (!everNonZero.has(name)) problems.add(`all-zero gradient for ${name} on every step (dead units or a detached path?)`);
  if (!(finalLoss < initialLoss * 0.5))
    problems.add(
      `the loss did not fall: ${initialLoss.toPrecision(4)} -> ${finalLoss.toPrecision(4)} in ${steps} steps (try a larger lr or more steps)`,
    );
  const isClass = classification ?? y.dtype === 'int32';
  let acc: number | null = null;
  if (isClass) {
    model.eval();
    acc = T.tidy(() =>
      accuracy(
        noGrad(() => model(x) as Tensor),
        y,
      ),
    );
    model.train();
    if (acc < 0.99) problems.add(`training accuracy is ${(acc * 100).toFixed(1)}%, not ~100%: the model cannot memorize ${n} examples`);
  }
  return { ok: problems.size === 0, initialLoss, finalLoss, accuracy: acc, problems: [...problems] };
}
