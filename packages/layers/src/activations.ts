/** Activations as modules (the functions live in @nn/tensor). */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkPositiveInt } from './check.js';
import { Linear } from './linear.js';
import { Module, parameter } from './module.js';

/**
 * Applies the logistic sigmoid elementwise: `σ(x) = 1 / (1 + exp(−x))` (torch.nn.Sigmoid).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { Sigmoid } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new Sigmoid()(tensor([-2, 0, 2])); // [0.1192, 0.5, 0.8808]
 * ```
 */
export class Sigmoid extends Module {
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.sigmoid(x);
  }
}
/**
 * Applies the hyperbolic tangent elementwise (torch.nn.Tanh).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { Tanh } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new Tanh()(tensor([-2, 0, 2])); // [-0.964, 0, 0.964]
 * ```
 */
export class Tanh extends Module {
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.tanh(x);
  }
}
/**
 * Applies the rectified linear unit elementwise: `max(0, x)` (torch.nn.ReLU).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { ReLU } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new ReLU()(tensor([-2, 0, 2])); // [0, 0, 2]
 * ```
 */
export class ReLU extends Module {
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.relu(x);
  }
}
/**
 * Applies `max(0, x) + negativeSlope · min(0, x)` elementwise (torch.nn.LeakyReLU).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { LeakyReLU } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new LeakyReLU(0.1)(tensor([-2, 0, 2])); // [-0.2, 0, 2]
 * ```
 */
export class LeakyReLU extends Module {
  /** @param negativeSlope slope for x < 0 (default 0.01) */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}
/**
 * Applies the exponential linear unit: `x` for x > 0, `alpha · (exp(x) − 1)` otherwise (torch.nn.ELU).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { ELU } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new ELU()(tensor([-2, 0, 2])); // [-0.8647, 0, 2]
 * ```
 */
export class ELU extends Module {
  /** @param alpha the value approached for large negative x is −alpha (default 1) */
  constructor(readonly alpha = 1) {
    super();
  }
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}
/**
 * Applies the Gaussian error linear unit `x · Φ(x)` (torch.nn.GELU); `'tanh'` uses the tanh approximation.
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { GELU } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new GELU()(tensor([-2, 0, 2])); // [-0.0455, 0, 1.9545]
 * ```
 */
export class GELU extends Module {
  /** @param approximate `'none'` (exact, with erf; default) or `'tanh'` */
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}
/**
 * Applies `log(1 + exp(beta · x)) / beta`, a smooth ReLU; linear above `threshold` for stability (torch.nn.Softplus).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { Softplus } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new Softplus()(tensor([-2, 0, 2])); // [0.1269, 0.6931, 2.1269]
 * ```
 */
export class Softplus extends Module {
  /**
   * @param beta sharpness (default 1)
   * @param threshold above `beta · x > threshold` the output is x (default 20)
   */
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}
/**
 * Softmax along `dim`: `exp(x_i) / Σ_j exp(x_j)`, so each slice sums to 1 (torch.nn.Softmax).
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { Softmax } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new Softmax(-1)(tensor([-2, 0, 2])); // [0.0159, 0.1173, 0.8668]
 * ```
 */
export class Softmax extends Module {
  /** @param dim the dimension that sums to 1 (default -1, the last) */
  constructor(readonly dim = -1) {
    super();
  }
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
/**
 * Log of the softmax along `dim`, computed stably as `x − logsumexp(x)` (torch.nn.LogSoftmax); pair it with `NLLLoss`.
 *
 * Shape: input `[*]` (any shape), output the same shape.
 *
 * @example
 * ```ts
 * import { LogSoftmax } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const y = new LogSoftmax(-1)(tensor([-2, 0, 2])); // [-4.1429, -2.1429, -0.1429]
 * ```
 */
export class LogSoftmax extends Module {
  /** @param dim the dimension to normalise over (default -1, the last) */
  constructor(readonly dim = -1) {
    super();
  }
  /** Applies the activation to `x`. */
  forward(x: Tensor): Tensor {
    return T.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Parametric ReLU: max(0, x) + a * min(0, x), with a learnable slope per channel (dim 1) or shared. */
export class PReLU extends Module {
  /** The learnable negative slopes, `[numParameters]`. */
  weight: Tensor;
  /**
   * @param numParameters 1 (one shared slope) or the number of channels (dim 1 of the input)
   * @param init the initial slope (default 0.25)
   */
  constructor(
    readonly numParameters = 1,
    init = 0.25,
  ) {
    super();
    checkPositiveInt('PReLU', 'numParameters', numParameters);
    this.weight = parameter(T.full([numParameters], init));
  }
  /** Applies the activation to `x`. */
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
  /** The linear map to `outFeatures · pieces` units. */
  readonly linear: Linear;
  /**
   * @param inFeatures size of the last input dim
   * @param outFeatures size of the last output dim
   * @param pieces linear pieces per output unit (default 2)
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly pieces = 2,
  ) {
    super();
    checkPositiveInt('Maxout', 'pieces', pieces);
    if (pieces < 2) throw new ValueRangeError(`Maxout: pieces must be at least 2, got ${pieces}`);
    this.linear = new Linear(inFeatures, outFeatures * pieces);
  }
  /** Applies the activation to `x`. */
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
