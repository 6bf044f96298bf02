import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
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
