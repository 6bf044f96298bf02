import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { checkFeatures, checkPositiveInt } from './check.js';
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

export interface BatchNormOptions {
  eps?: number;
  /** Running-average factor; null for a cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * BatchNorm1d over [N, C] or [N, C, L]: batch statistics in training (biased variance to
 * normalize, unbiased for the running estimate), running statistics in eval, like PyTorch.
 */
export class BatchNorm1d extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkPositiveInt('BatchNorm1d', 'numFeatures', numFeatures);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    if (!(eps > 0)) throw new ValueRangeError(`BatchNorm1d: eps must be > 0, got ${eps}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new ValueRangeError(`BatchNorm1d: momentum must be in [0, 1] or null, got ${momentum}`);
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

  forward(x: Tensor): Tensor {
    const name = `BatchNorm1d(${this.numFeatures})`;
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${name}: expected 2-D [N, C] or 3-D [N, C, L] input, got shape [${x.shape.join(',')}]`);
    checkFeatures(name, x, 1, this.numFeatures, 'channels');
    const axes = x.ndim === 2 ? [0] : [0, 2];
    const n = axes.reduce((a, d) => a * x.shape[d], 1);
    const useBatch = this.training || !this.trackRunningStats;
    if (this.training && n <= 1) throw new ValueRangeError(`${name}: expected more than 1 value per channel when training, got input of shape [${x.shape.join(',')}]`);
    const bshape = x.ndim === 2 ? [this.numFeatures] : [this.numFeatures, 1];
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
      const f = this.momentum ?? 1 / nbt.item();
      const m = T.reshape(mean.detach(), [this.numFeatures]);
      const v = T.reshape(T.mul(variance.detach(), n / (n - 1)), [this.numFeatures]);
      this.runningMean!.copy_(T.add(T.mul(this.runningMean!, 1 - f), T.mul(m, f)));
      this.runningVar!.copy_(T.add(T.mul(this.runningVar!, 1 - f), T.mul(v, f)));
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${this.weight !== null ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  bias?: boolean;
}

/** LayerNorm over the trailing dims given by normalizedShape (biased variance), like PyTorch. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;
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
  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(`LayerNorm([${this.normalizedShape.join(', ')}]): input shape [${x.shape.join(',')}] does not end with the normalized shape`);
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
