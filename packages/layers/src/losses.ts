/** Losses as functions and modules, with reduction 'mean' | 'sum' | 'none' and PyTorch's semantics. */
import * as T from '@nn/tensor';
import { DTypeError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkClassIndices, softmaxCrossEntropy } from '@nn/tensor/backend';
import { customGrad } from '@nn/autograd';
import { dims } from './check.js';
import { Module } from './module.js';

/** How a loss reduces its per-element values: `'mean'` (default), `'sum'`, or `'none'` (no reduction). */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return T.sum(loss);
  if (reduction === 'mean') return T.mean(loss);
  throw new ValueRangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
}

const isReduction = (r: string): r is Reduction => r === 'mean' || r === 'sum' || r === 'none';
const isFloat = (d: string): boolean => d === 'float32' || d === 'float64';

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`${op}: input shape [${input.shape.join(',')}] and target shape [${target.shape.join(',')}] must match`);
  }
  if (target.dtype !== 'float32' && target.dtype !== 'float64')
    throw new DTypeError(`${op}: target must be floating point, got ${target.dtype}`);
}

/** The `reduction` option every loss takes. */
export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/**
 * Mean squared error `(input − target)²`, reduced (torch.nn.functional.mse_loss).
 *
 * Shape: `input` and `target` of the same shape; a 0-d tensor unless `reduction: 'none'`.
 *
 * @example
 * ```ts
 * import { mseLoss } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * mseLoss(tensor([1, 2, 3]), tensor([1, 2, 5])).item(); // 4 / 3
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOptions = {}): Tensor {
  sameShape('mseLoss', input, target);
  return T.tidy(() => reduce('mseLoss', T.square(T.sub(input, target)), reduction));
}

/**
 * Mean absolute error `|input − target|`, reduced (torch.nn.functional.l1_loss).
 *
 * Shape: `input` and `target` of the same shape; a 0-d tensor unless `reduction: 'none'`.
 */
export function l1Loss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOptions = {}): Tensor {
  sameShape('l1Loss', input, target);
  return T.tidy(() => reduce('l1Loss', T.abs(T.sub(input, target)), reduction));
}

/**
 * Huber loss: `0.5 d²` where `|d| < delta`, else `delta (|d| − 0.5 delta)`, with d = input − target (torch.nn.functional.huber_loss); quadratic near 0, linear for outliers.
 *
 * Shape: `input` and `target` of the same shape; a 0-d tensor unless `reduction: 'none'`.
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', delta = 1 }: ReductionOptions & { delta?: number } = {},
): Tensor {
  sameShape('huberLoss', input, target);
  if (!(delta > 0)) throw new ValueRangeError(`huberLoss: delta must be > 0, got ${delta}`);
  return T.tidy(() => {
    const d = T.sub(input, target);
    const a = T.abs(d);
    const quadratic = T.mul(T.square(d), 0.5);
    const linear = T.mul(T.sub(a, 0.5 * delta), delta);
    return reduce('huberLoss', T.where(T.lt(a, delta), quadratic, linear), reduction);
  });
}

/** Options of {@link binaryCrossEntropy} and {@link BCELoss}. */
export interface BCEOptions extends ReductionOptions {
  /** Per-element rescaling weight, broadcast to the input. */
  weight?: Tensor | null;
}

/** Per-element BCE with PyTorch's gradient: (x - y) / max(x (1 - x), 1e-12), finite even at x = 0 or 1. */
const bceElementwise = customGrad(
  (x: Tensor, y: Tensor) =>
    T.tidy(() => {
      // Logs clamped at -100, as PyTorch.
      const logP = T.clamp(T.log(x), -100);
      const log1mP = T.clamp(T.log(T.sub(1, x)), -100);
      return T.neg(T.add(T.mul(y, logP), T.mul(T.sub(1, y), log1mP)));
    }),
  (g: Tensor, inputs: Tensor[]) => {
    const [x, y] = inputs as [Tensor, Tensor]; // the op's two inputs
    return [
      T.tidy(() => T.div(T.mul(g, T.sub(x, y)), T.maximum(T.mul(x, T.sub(1, x)), 1e-12))),
      T.tidy(() => T.mul(g, T.sub(T.clamp(T.log(T.sub(1, x)), -100), T.clamp(T.log(x), -100)))),
    ];
  },
);

/** Binary cross-entropy on probabilities; the logs are clamped at -100 as in PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, { reduction = 'mean', weight = null }: BCEOptions = {}): Tensor {
  sameShape('binaryCrossEntropy', input, target);
  return T.tidy(() => {
    let loss = bceElementwise(input, target);
    if (weight !== null) loss = T.mul(loss, weight);
    return reduce('binaryCrossEntropy', loss, reduction);
  });
}

/** Options of {@link binaryCrossEntropyWithLogits} and {@link BCEWithLogitsLoss}. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of positive examples, broadcast over the last (class) dim. */
  posWeight?: Tensor | null;
}

/** Sigmoid + binary cross-entropy in one numerically stable expression (PyTorch's formula). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', weight = null, posWeight = null }: BCEWithLogitsOptions = {},
): Tensor {
  sameShape('binaryCrossEntropyWithLogits', input, target);
  return T.tidy(() => {
    // log(1 + exp(-x)) computed as log1p(exp(-|x|)) + max(-x, 0)
    const softplusNeg = T.add(T.log1p(T.exp(T.neg(T.abs(input)))), T.relu(T.neg(input)));
    const logWeight = posWeight === null ? null : T.add(T.mul(T.sub(posWeight, 1), target), 1);
    let loss = T.add(T.mul(T.sub(1, target), input), logWeight === null ? softplusNeg : T.mul(logWeight, softplusNeg));
    if (weight !== null) loss = T.mul(loss, weight);
    return reduce('binaryCrossEntropyWithLogits', loss, reduction);
  });
}

/** Options of {@link nllLoss} and {@link NLLLoss}. */
export interface NLLOptions extends ReductionOptions {
  /** Per-class weight [C]. */
  weight?: Tensor | null;
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
}

/** Validates class-index targets and returns the class axis size. */
function checkClassTargets(op: string, input: Tensor, target: Tensor, ignoreIndex: number): number {
  if (target.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: class-index targets must be int32, got ${target.dtype} (for class probabilities pass a float target of the input's shape)`,
    );
  }
  if (input.ndim < 1) throw new ShapeError(`${op}: input must have a class dimension, got a scalar`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const expected = input.shape.filter((_, i) => i !== classDim);
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${op}: input shape [${input.shape.join(',')}] needs a target of shape [${expected.join(',')}], got [${target.shape.join(',')}]`,
    );
  }
  const [c] = dims(input.shape, classDim);
  checkClassIndices(op, target, c, ignoreIndex);
  return c;
}

/** Moves the class dim last and flattens: [N, C, d...] -> [N*d..., C]; targets to [N*d...]. */
function flattenClasses(input: Tensor, target: Tensor): [Tensor, Tensor] {
  if (input.ndim === 1) return [T.unsqueeze(input, 0), T.reshape(target, [1])];
  if (input.ndim === 2) return [input, target];
  const perm = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2), 1];
  const moved = T.permute(input, perm);
  return [T.reshape(moved, [-1, dims(input.shape, 1)[0]]), T.reshape(target, [-1])];
}

/** Negative log-likelihood of class indices given log-probabilities [N, C] (or [C], [N, C, d...]). */
export function nllLoss(input: Tensor, target: Tensor, { reduction = 'mean', weight = null, ignoreIndex = -100 }: NLLOptions = {}): Tensor {
  const c = checkClassTargets('nllLoss', input, target, ignoreIndex);
  checkWeight('nllLoss', weight, c);
  return T.tidy(() => {
    const [logp, tgt] = flattenClasses(input, target);
    const valid = T.ne(tgt, ignoreIndex);
    const safe = T.where(valid, tgt, 0);
    const picked = T.reshape(T.gather(logp, 1, T.unsqueeze(safe, 1)), [-1]);
    const w = T.where(valid, weight === null ? 1 : T.indexSelect(weight, 0, safe), 0);
    const loss = T.neg(T.mul(picked, w));
    if (reduction === 'mean') return T.div(T.sum(loss), T.sum(w));
    if (reduction === 'none') return T.reshape(loss, target.shape);
    return reduce('nllLoss', loss, reduction);
  });
}

function checkWeight(op: string, weight: Tensor | null, c: number): void {
  if (weight !== null && (weight.ndim !== 1 || weight.shape[0] !== c)) {
    throw new ShapeError(`${op}: weight must have shape [${c}] (one per class), got [${weight.shape.join(',')}]`);
  }
}

/** Options of {@link crossEntropy} and {@link CrossEntropyLoss}. */
export interface CrossEntropyOptions extends NLLOptions {
  /** Mixes the target with the uniform distribution: (1 - eps) * target + eps / C. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy from logits: log-softmax and NLL fused stably. Targets are int32 class indices
 * ([N] for input [N, C]) or class probabilities (float, the input's shape).
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', weight = null, ignoreIndex = -100, labelSmoothing = 0 }: CrossEntropyOptions = {},
): Tensor {
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
    throw new ValueRangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  if (target.dtype === 'float32' || target.dtype === 'float64') {
    if (target.ndim === input.ndim - 1 && input.ndim >= 1) {
      throw new DTypeError(
        `crossEntropy: a ${target.dtype} target of shape [${target.shape.join(',')}] looks like class indices, which must be int32 ` +
          `(arrays of JS numbers make float32: use tensor(labels, { dtype: 'int32' }) or an Int32Array); class-probability targets have the input's shape [${input.shape.join(',')}]`,
      );
    }
    return crossEntropyProbs(input, target, reduction, weight, labelSmoothing);
  }
  const c = checkClassTargets('crossEntropy', input, target, ignoreIndex);
  checkWeight('crossEntropy', weight, c);
  if (weight === null && labelSmoothing === 0 && isFloat(input.dtype) && isReduction(reduction)) {
    // The common case is one op (one fused kernel each way on backends that have them).
    return T.tidy(() => {
      const [logits, tgt] = flattenClasses(input, target);
      const loss = softmaxCrossEntropy(logits, tgt, { ignoreIndex, reduction, targetsChecked: true }); // checked above
      return reduction === 'none' ? T.reshape(loss, target.shape) : loss;
    });
  }
  return T.tidy(() => {
    const classDim = input.ndim === 1 ? 0 : 1;
    const logp = T.logSoftmax(input, classDim);
    const nll = nllLoss(logp, target, { reduction, weight, ignoreIndex });
    if (labelSmoothing === 0) return nll;
    // PyTorch: (1 - eps) * nll + eps / C * smooth, smooth = -sum_c w_c log p_c (0 where ignored).
    const [flat, tgt] = flattenClasses(logp, target);
    const valid = T.ne(tgt, ignoreIndex);
    const weighted = weight === null ? flat : T.mul(flat, weight);
    const smooth = T.where(valid, T.neg(T.sum(weighted, 1)), 0);
    let smoothRed: Tensor;
    if (reduction === 'none') smoothRed = T.reshape(smooth, target.shape);
    else if (reduction === 'sum') smoothRed = T.sum(smooth);
    else {
      const denom =
        weight === null ? T.sum(T.cast(valid, flat.dtype)) : T.sum(T.where(valid, T.indexSelect(weight, 0, T.where(valid, tgt, 0)), 0));
      smoothRed = T.div(T.sum(smooth), denom);
    }
    return T.add(T.mul(nll, 1 - labelSmoothing), T.mul(smoothRed, labelSmoothing / c));
  });
}

function crossEntropyProbs(input: Tensor, target: Tensor, reduction: Reduction, weight: Tensor | null, eps: number): Tensor {
  sameShape('crossEntropy', input, target);
  const classDim = input.ndim === 1 ? 0 : 1;
  const [c] = dims(input.shape, classDim);
  checkWeight('crossEntropy', weight, c);
  return T.tidy(() => {
    const logp = T.logSoftmax(input, classDim);
    const tgt = eps > 0 ? T.add(T.mul(target, 1 - eps), eps / c) : target;
    let prod = T.mul(logp, tgt);
    if (weight !== null) {
      const wshape = input.shape.map((d, i) => (i === classDim ? d : 1));
      prod = T.mul(prod, T.reshape(weight, wshape));
    }
    const loss = T.neg(T.sum(prod, classDim));
    if (reduction === 'mean') return T.div(T.sum(loss), input.ndim === 1 ? 1 : input.size / c);
    return reduce('crossEntropy', loss, reduction);
  });
}

// --- modules -----------------------------------------------------------------------------------

/**
 * Mean squared error between input and target (torch.nn.MSELoss); the module form of {@link mseLoss}.
 *
 * Shape: `input` and `target` of the same shape. With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { MSELoss } from '@nn/layers';
 * import { randn, tensor } from '@nn/tensor';
 *
 * new MSELoss()(tensor([1, 2, 3]), tensor([1, 2, 5])); // 1.3333
 * ```
 */
export class MSELoss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(readonly options: ReductionOptions = {}) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}
/**
 * Mean absolute error between input and target (torch.nn.L1Loss); the module form of {@link l1Loss}.
 *
 * Shape: `input` and `target` of the same shape. With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { L1Loss } from '@nn/layers';
 * import { randn, tensor } from '@nn/tensor';
 *
 * new L1Loss()(tensor([1, 2, 3]), tensor([1, 2, 5])); // 0.6667
 * ```
 */
export class L1Loss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(readonly options: ReductionOptions = {}) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}
/**
 * Huber loss: quadratic for small errors, linear beyond `delta` (torch.nn.HuberLoss); the module form of {@link huberLoss}.
 *
 * Shape: `input` and `target` of the same shape. With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { HuberLoss } from '@nn/layers';
 * import { randn, tensor } from '@nn/tensor';
 *
 * new HuberLoss({ delta: 1 })(tensor([0, 0]), tensor([0.5, 3])); // (0.125 + 2.5) / 2
 * ```
 */
export class HuberLoss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(
    readonly options: ReductionOptions & {
      /** Where the loss turns from quadratic to linear (default 1). */
      delta?: number;
    } = {},
  ) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}
/**
 * Binary cross-entropy on probabilities in [0, 1]: `−[y log p + (1 − y) log(1 − p)]` (torch.nn.BCELoss); the module form of {@link binaryCrossEntropy}.
 *
 * Shape: `input` (probabilities) and `target` (0..1) of the same shape. With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { BCELoss } from '@nn/layers';
 * import { randn, rand } from '@nn/tensor';
 *
 * const p = randn([8, 1]).sigmoid(), y = rand([8, 1]).round();
 * const loss = new BCELoss()(p, y);
 * ```
 */
export class BCELoss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(readonly options: BCEOptions = {}) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.options);
  }
}
/**
 * Sigmoid then binary cross-entropy, in one numerically stable expression; takes raw scores (logits) (torch.nn.BCEWithLogitsLoss); the module form of {@link binaryCrossEntropyWithLogits}.
 *
 * Shape: `input` (logits) and `target` (0..1) of the same shape. With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { BCEWithLogitsLoss } from '@nn/layers';
 * import { randn, rand } from '@nn/tensor';
 *
 * const logits = randn([8, 1]), y = rand([8, 1]).round();
 * const loss = new BCEWithLogitsLoss()(logits, y);
 * ```
 */
export class BCEWithLogitsLoss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(readonly options: BCEWithLogitsOptions = {}) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}
/**
 * Negative log-likelihood of class indices given log-probabilities (pair with LogSoftmax) (torch.nn.NLLLoss); the module form of {@link nllLoss}.
 *
 * Shape: `input` log-probabilities `[N, C]` (or `[C]`, or `[N, C, d1, ...]`), `target` int32 class indices `[N]` (or `[]`, `[N, d1, ...]`). With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { LogSoftmax, NLLLoss } from '@nn/layers';
 * import { randn, randint } from '@nn/tensor';
 *
 * const logp = new LogSoftmax(1)(randn([4, 3]));
 * const loss = new NLLLoss()(logp, randint(0, 3, [4]));
 * ```
 */
export class NLLLoss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(readonly options: NLLOptions = {}) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}
/**
 * Cross-entropy between logits and class indices (or class probabilities): log-softmax and NLL in one (torch.nn.CrossEntropyLoss); the module form of {@link crossEntropy}.
 *
 * Shape: `input` logits `[N, C]` (or `[C]`, or `[N, C, d1, ...]`); `target` int32 class indices `[N]` (or `[N, d1, ...]`), or probabilities shaped like `input`. With `reduction: 'none'` the output has the per-element (or per-sample) shape,
 * otherwise it is a 0-d tensor ('mean' by default, or 'sum').
 *
 * @example
 * ```ts
 * import { CrossEntropyLoss } from '@nn/layers';
 * import { randn, randint } from '@nn/tensor';
 *
 * const logits = randn([4, 3]).requiresGrad_();
 * const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 })(logits, randint(0, 3, [4]));
 * loss.backward();
 * ```
 */
export class CrossEntropyLoss extends Module {
  /** @param options the loss options (reduction and the loss's own) */
  constructor(readonly options: CrossEntropyOptions = {}) {
    super();
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}
