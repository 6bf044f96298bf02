/** Activations as modules (the functions live in @nn/tensor). */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkPositiveInt } from './check.js';
import { Linear } from './linear.js';
import { Module, parameter } from './module.js';

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return T.sigmoid(x);
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return T.tanh(x);
  }
}
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return T.relu(x);
  }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Parametric ReLU: max(0, x) + a * min(0, x), with a learnable slope per channel (dim 1) or shared. */
export class PReLU extends Module {
  weight: Tensor;
  constructor(readonly numParameters = 1, init = 0.25) {
    super();
    checkPositiveInt('PReLU', 'numParameters', numParameters);
    this.weight = parameter(T.full([numParameters], init));
  }
  forward(x: Tensor): Tensor {
    let a = this.weight;
    if (this.numParameters > 1) {
      checkFeatures(`PReLU(num_parameters=${this.numParameters})`, x, 1, this.numParameters, 'channels');
      a = T.reshape(this.weight, [this.numParameters, ...x.shape.slice(2).map(() => 1)]);
    }
    const y = T.tidy(() => T.add(T.relu(x), T.mul(a, T.minimum(x, 0))));
    if (a !== this.weight) a.dispose();
    return y;
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/** Maxout (Goodfellow et al. 2013): a linear map to out * pieces units, then the max over each group of pieces. */
export class Maxout extends Module {
  readonly linear: Linear;
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly pieces = 2) {
    super();
    checkPositiveInt('Maxout', 'pieces', pieces);
    if (pieces < 2) throw new ValueRangeError(`Maxout: pieces must be at least 2, got ${pieces}`);
    this.linear = new Linear(inFeatures, outFeatures * pieces);
  }
  forward(x: Tensor): Tensor {
    return T.tidy(() => {
      const z = this.linear(x) as Tensor;
      const grouped = T.reshape(z, [...z.shape.slice(0, -1), this.outFeatures, this.pieces]);
      return T.max(grouped, -1);
    });
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, pieces=${this.pieces}`;
  }
}
