import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkPositiveInt } from './check.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module, parameter } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: T.DType;
  backend?: string;
}

/** y = x W^T + b, with W [out, in] and PyTorch's default initialization. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    const opts = { dtype: options.dtype ?? 'float32', backend: options.backend } as const;
    this.weight = parameter(T.zeros([outFeatures, inFeatures], opts));
    this.bias = options.bias === false ? null : parameter(T.zeros([outFeatures], opts));
    this.resetParameters();
  }
  /** kaiming_uniform(a = sqrt 5) for the weight and U(-1/sqrt(in), 1/sqrt(in)) for the bias, as torch. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const bound = 1 / Math.sqrt(this.inFeatures);
      uniform_(this.bias, -bound, bound);
    }
  }
  forward(x: Tensor): Tensor {
    checkFeatures(`Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures})`, x, -1, this.inFeatures, 'last dimension');
    return T.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return T.reshape(x, x.shape);
  }
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Unflatten, as torch.nn.Unflatten: splits dim `dim` into `unflattenedSize` (one entry may be
 * -1). The inverse of Flatten, e.g. `new Unflatten(1, [16, 5, 5])` maps [N, 400] to [N, 16, 5, 5].
 */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];
  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new ValueRangeError(`Unflatten: dim must be an integer, got ${String(dim)}`);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || unflattenedSize.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1))) {
      throw new ValueRangeError(`Unflatten: unflattenedSize must be a non-empty list of positive integers (one may be -1), got ${JSON.stringify(unflattenedSize)}`);
    }
    this.unflattenedSize = [...unflattenedSize];
  }
  forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim) throw new ShapeError(`Unflatten: dim ${this.dim} is out of range for input of shape [${x.shape.join(',')}]`);
    const known = this.unflattenedSize.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    const fits = this.unflattenedSize.includes(-1) ? x.shape[d] % known === 0 : known === x.shape[d];
    if (!fits) throw new ShapeError(`Unflatten: dim ${this.dim} of size ${x.shape[d]} cannot be split into [${this.unflattenedSize.join(', ')}] (input shape [${x.shape.join(',')}])`);
    return T.reshape(x, [...x.shape.slice(0, d), ...this.unflattenedSize, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(', ')}${this.unflattenedSize.length === 1 ? ',' : ''})`;
  }
}
