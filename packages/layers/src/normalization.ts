import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { checkFeatures, checkPositiveInt, dims } from './check.js';
import { Module, parameter } from './module.js';

/** (x - mean) / sqrt(var + eps), with weight and bias broadcast in. */
function normalize(x: Tensor, mean: Tensor, variance: Tensor, eps: number, weight: Tensor | null, bias: Tensor | null): Tensor {
  return T.tidy(() => {
    let y = T.mul(T.sub(x, mean), T.rsqrt(T.add(variance, eps)));
    if (weight !== null) y = T.mul(y, weight);
    if (bias !== null) y = T.add(y, bias);
    return y;
  });
}

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Running-average factor; null for a cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  /** Learnable per-channel `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep running mean and variance for evaluation mode (default true); without, batch statistics are used in both modes. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalization over every dim but the channels (dim 1): batch statistics in training
 * (biased variance to normalize, unbiased for the running estimate), running statistics in eval,
 * like PyTorch. BatchNorm1d and BatchNorm2d differ only in the input ranks they accept.
 */
abstract class BatchNormBase extends Module {
  /** Learnable per-channel scale γ, `[numFeatures]` (null without `affine`). */
  weight: Tensor | null;
  /** Learnable per-channel shift β, `[numFeatures]` (null without `affine`). */
  bias: Tensor | null;
  /** Buffer `running_mean`, `[numFeatures]`: the running average of the batch means (null without `trackRunningStats`). */
  declare runningMean: Tensor | null;
  /** Buffer `running_var`, `[numFeatures]`: the running average of the unbiased batch variances. */
  declare runningVar: Tensor | null;
  /** Buffer `num_batches_tracked`: batches seen in training (int32; PyTorch stores int64). */
  declare numBatchesTracked: Tensor | null;
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Running-average factor (null: cumulative average). */
  readonly momentum: number | null;
  /** Whether running statistics are kept and used in evaluation mode. */
  readonly trackRunningStats: boolean;

  constructor(
    private readonly kind: string,
    /** Accepted input ranks and their layout, for the error message. */
    private readonly ranks: readonly number[],
    private readonly layout: string,
    /** C, the number of features (channels, dim 1). */
    readonly numFeatures: number,
    options: BatchNormOptions,
  ) {
    super();
    checkPositiveInt(kind, 'numFeatures', numFeatures);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    if (!(eps > 0)) throw new ValueRangeError(`${kind}: eps must be > 0, got ${eps}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1))
      throw new ValueRangeError(`${kind}: momentum must be in [0, 1] or null, got ${momentum}`);
    this.eps = eps;
    this.momentum = momentum;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? parameter(T.ones([numFeatures])) : null;
    this.bias = affine ? parameter(T.zeros([numFeatures])) : null;
    // PyTorch's state-dict names, so checkpoints are interchangeable.
    this.registerBuffer('runningMean', trackRunningStats ? T.zeros([numFeatures]) : null, { key: 'running_mean' });
    this.registerBuffer('runningVar', trackRunningStats ? T.ones([numFeatures]) : null, { key: 'running_var' });
    this.registerBuffer('numBatchesTracked', trackRunningStats ? T.zeros([], { dtype: 'int32' }) : null, { key: 'num_batches_tracked' });
  }

  /** Normalises `x` with batch statistics (training) or running statistics (evaluation). */
  forward(x: Tensor): Tensor {
    const name = `${this.kind}(${this.numFeatures})`;
    if (!this.ranks.includes(x.ndim)) throw new ShapeError(`${name}: expected ${this.layout} input, got shape [${x.shape.join(',')}]`);
    checkFeatures(name, x, 1, this.numFeatures, 'channels');
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const n = x.shape.reduce((a, d, i) => (i === 1 ? a : a * d), 1); // elements per channel
    const useBatch = this.training || !this.trackRunningStats;
    if (this.training && n <= 1)
      throw new ValueRangeError(`${name}: expected more than 1 value per channel when training, got input of shape [${x.shape.join(',')}]`);
    const bshape = [this.numFeatures, ...x.shape.slice(2).map(() => 1)];
    return T.tidy(() => {
      const w = this.weight && T.reshape(this.weight, bshape);
      const b = this.bias && T.reshape(this.bias, bshape);
      if (!useBatch) {
        return normalize(x, T.reshape(this.runningMean!, bshape), T.reshape(this.runningVar!, bshape), this.eps, w, b);
      }
      const mean = T.mean(x, axes, true);
      const variance = T.variance(x, axes, { correction: 0, keepdim: true });
      if (this.training && this.trackRunningStats) this.updateRunningStats(mean, variance, n);
      return normalize(x, mean, variance, this.eps, w, b);
    });
  }

  private updateRunningStats(mean: Tensor, variance: Tensor, n: number): void {
    noGrad(() => {
      const nbt = this.numBatchesTracked!;
      nbt.copy_(T.add(nbt, 1));
      // momentum null: a cumulative average, 1 / count computed on the device (no readback).
      const f = this.momentum ?? T.reciprocal(T.cast(nbt, mean.dtype));
      const keep = typeof f === 'number' ? 1 - f : T.sub(1, f);
      const m = T.reshape(mean.detach(), [this.numFeatures]);
      const v = T.reshape(T.mul(variance.detach(), n / (n - 1)), [this.numFeatures]);
      this.runningMean!.copy_(T.add(T.mul(this.runningMean!, keep), T.mul(m, f)));
      this.runningVar!.copy_(T.add(T.mul(this.runningVar!, keep), T.mul(v, f)));
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${this.weight !== null ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/**
 * BatchNorm1d over [N, C] or [N, C, L], as torch.nn.BatchNorm1d.
 *
 * Args: numFeatures (C); options eps (1e-5), momentum (0.1; null for a cumulative average),
 * affine (true: learnable `weight`/`bias` [C]), trackRunningStats (true: buffers `running_mean`,
 * `running_var`, `num_batches_tracked`, used in eval mode).
 *
 * Example: `new BatchNorm1d(16)` after a `Linear(in, 16)`.
 */
export class BatchNorm1d extends BatchNormBase {
  /**
   * @param numFeatures C, the size of dim 1
   * @param options eps, momentum, affine, trackRunningStats
   */
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', [2, 3], '2-D [N, C] or 3-D [N, C, L]', numFeatures, options);
  }
}

/**
 * BatchNorm2d over [N, C, H, W], as torch.nn.BatchNorm2d: per-channel statistics over N, H and W.
 * Options, parameters and buffers as BatchNorm1d.
 *
 * Example: `new Sequential(new Conv2d(3, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU())`.
 */
export class BatchNorm2d extends BatchNormBase {
  /**
   * @param numFeatures C, the number of channels
   * @param options eps, momentum, affine, trackRunningStats
   */
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', [4], '4-D [N, C, H, W]', numFeatures, options);
  }
}

/** Options of {@link GroupNorm}. */
export interface GroupNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Learnable per-channel `weight` (ones) and `bias` (zeros), default true. */
  affine?: boolean;
}

/**
 * Group normalization, as torch.nn.GroupNorm: the channels are split into numGroups groups and
 * each sample's group is normalized over its channels and spatial positions (biased variance);
 * no batch statistics, so train and eval modes agree.
 *
 * Args: numGroups (divides numChannels), numChannels; options eps (1e-5), affine (true).
 * Shape: [N, C, *] -> same. Parameters: `weight`, `bias` [C].
 *
 * Example: `new GroupNorm(8, 32)` after a `Conv2d(.., 32, ..)`; GroupNorm(C, C) is instance norm.
 */
export class GroupNorm extends Module {
  /** Learnable per-channel scale, `[numChannels]` (null without `affine`). */
  weight: Tensor | null;
  /** Learnable per-channel shift, `[numChannels]` (null without `affine`). */
  bias: Tensor | null;
  /** Added to the variance for stability. */
  readonly eps: number;
  /**
   * @param numGroups number of groups (must divide numChannels)
   * @param numChannels C, the size of dim 1
   * @param options eps, affine
   */
  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: GroupNormOptions = {},
  ) {
    super();
    checkPositiveInt('GroupNorm', 'numGroups', numGroups);
    checkPositiveInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0)
      throw new ValueRangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    const { eps = 1e-5, affine = true } = options;
    if (!(eps > 0)) throw new ValueRangeError(`GroupNorm: eps must be > 0, got ${eps}`);
    this.eps = eps;
    this.weight = affine ? parameter(T.ones([numChannels])) : null;
    this.bias = affine ? parameter(T.zeros([numChannels])) : null;
  }
  /** Normalises each sample's groups of `x` `[N, C, *]`. */
  forward(x: Tensor): Tensor {
    const name = `GroupNorm(${this.numGroups}, ${this.numChannels})`;
    if (x.ndim < 2) throw new ShapeError(`${name}: expected input [N, C, *] with at least 2 dims, got shape [${x.shape.join(',')}]`);
    checkFeatures(name, x, 1, this.numChannels, 'channels');
    const bshape = [this.numChannels, ...x.shape.slice(2).map(() => 1)];
    return T.tidy(() => {
      const groups = T.reshape(x, [dims(x.shape, 0)[0], this.numGroups, -1]);
      const mean = T.mean(groups, 2, true);
      const variance = T.variance(groups, 2, { correction: 0, keepdim: true });
      const y = T.reshape(normalize(groups, mean, variance, this.eps, null, null), x.shape);
      const w = this.weight && T.reshape(this.weight, bshape);
      const b = this.bias && T.reshape(this.bias, bshape);
      return w === null ? y : T.add(T.mul(y, w), b!);
    });
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null ? 'True' : 'False'}`;
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Learnable per-element `weight` (ones) and `bias` (zeros) (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, also learn the bias (default true). */
  bias?: boolean;
}

/**
 * Layer normalization (torch.nn.LayerNorm): each sample is normalised over its trailing
 * `normalizedShape` dims, `(x − mean) / sqrt(var + eps) · weight + bias` (biased variance). No
 * batch statistics, so training and evaluation agree and batch size does not matter.
 *
 * Args: `normalizedShape` (the trailing size or sizes), `options.eps` (1e-5),
 * `options.elementwiseAffine` (true: `weight` and `bias` shaped `normalizedShape`), `options.bias`.
 *
 * Shape: input `[*, ...normalizedShape]`, output the same shape.
 *
 * @example
 * ```ts
 * import { LayerNorm } from '@nn/layers';
 * import { randn } from '@nn/tensor';
 *
 * const ln = new LayerNorm(64);
 * const y = ln(randn([8, 10, 64])); // each of the 80 vectors now has mean 0, variance 1
 * ```
 */
export class LayerNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Learnable scale, shaped `normalizedShape` (null without `elementwiseAffine`). */
  weight: Tensor | null;
  /** Learnable shift, shaped `normalizedShape` (null without it). */
  bias: Tensor | null;
  /**
   * @param normalizedShape the trailing size, or sizes, to normalise over
   * @param options eps, elementwiseAffine, bias
   */
  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d) => checkPositiveInt('LayerNorm', 'normalizedShape entries', d));
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = options;
    if (!(eps > 0)) throw new ValueRangeError(`LayerNorm: eps must be > 0, got ${eps}`);
    this.eps = eps;
    this.weight = elementwiseAffine ? parameter(T.ones(this.normalizedShape)) : null;
    this.bias = elementwiseAffine && bias ? parameter(T.zeros(this.normalizedShape)) : null;
  }
  /** Normalises the trailing dims of `x`. */
  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        `LayerNorm([${this.normalizedShape.join(', ')}]): input shape [${x.shape.join(',')}] does not end with the normalized shape`,
      );
    }
    const axes = this.normalizedShape.map((_, i) => x.ndim - k + i);
    return T.tidy(() => {
      const mean = T.mean(x, axes, true);
      const variance = T.variance(x, axes, { correction: 0, keepdim: true });
      return normalize(x, mean, variance, this.eps, this.weight, this.bias);
    });
  }
  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps}, elementwise_affine=${this.weight !== null ? 'True' : 'False'}`;
  }
}

/** Options of {@link RMSNorm}. */
export interface RMSNormOptions {
  /** Added to the mean square; null (default) uses the dtype's machine epsilon, as PyTorch. */
  eps?: number | null;
  /** A learnable per-element `weight` (ones), default true. */
  elementwiseAffine?: boolean;
}

/** torch.finfo(dtype).eps: what RMSNorm adds when eps is null. */
const MACHINE_EPS: Partial<Record<T.DType, number>> = { float32: 2 ** -23, float64: 2 ** -52 };

/**
 * Root-mean-square normalization, as torch.nn.RMSNorm (PyTorch 2.4): x / sqrt(mean(x²) + eps) over
 * the trailing dims given by normalizedShape, times `weight`. Unlike LayerNorm it neither
 * subtracts the mean nor has a bias.
 *
 * Args: normalizedShape (a size or the trailing sizes); options eps (null: the input dtype's machine
 * epsilon, 2^-23 for float32), elementwiseAffine (true: `weight` [...normalizedShape], ones).
 * Shape: [*, ...normalizedShape] -> same.
 *
 * Example: `new RMSNorm(64)` in place of `new LayerNorm(64)` in a pre-norm Transformer block.
 */
export class RMSNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the mean square (null: the dtype's machine epsilon). */
  readonly eps: number | null;
  /** Learnable scale, shaped `normalizedShape` (null without `elementwiseAffine`). */
  weight: Tensor | null;
  /**
   * @param normalizedShape the trailing size, or sizes, to normalise over
   * @param options eps, elementwiseAffine
   */
  constructor(normalizedShape: number | number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d) => checkPositiveInt('RMSNorm', 'normalizedShape entries', d));
    const { eps = null, elementwiseAffine = true } = options;
    if (eps !== null && !(typeof eps === 'number' && eps >= 0))
      throw new ValueRangeError(`RMSNorm: eps must be a number >= 0 or null (machine epsilon), got ${eps}`);
    if (typeof elementwiseAffine !== 'boolean')
      throw new ValueRangeError(`RMSNorm: elementwiseAffine must be true or false, got ${String(elementwiseAffine)}`);
    this.eps = eps;
    this.weight = elementwiseAffine ? parameter(T.ones(this.normalizedShape)) : null;
  }
  /** Normalises the trailing dims of `x` by their root mean square. */
  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        `RMSNorm([${this.normalizedShape.join(', ')}]): input shape [${x.shape.join(',')}] does not end with the normalized shape`,
      );
    }
    const eps = this.eps ?? MACHINE_EPS[x.dtype];
    if (eps === undefined) throw new ValueRangeError(`RMSNorm: needs a floating-point input, got ${x.dtype}`);
    const axes = this.normalizedShape.map((_, i) => x.ndim - k + i);
    return T.tidy(() => {
      const y = T.mul(x, T.rsqrt(T.add(T.mean(T.mul(x, x), axes, true), eps)));
      return this.weight === null ? y : T.mul(y, this.weight);
    });
  }
  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps ?? 'None'}, elementwise_affine=${this.weight !== null ? 'True' : 'False'}`;
  }
}
