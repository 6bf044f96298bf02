import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkPositiveInt, dims } from './check.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module, parameter } from './module.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Parameters' dtype (default float32). */
  dtype?: T.DType;
  /** Backend to create the parameters on (default: the current one). */
  backend?: string;
}

/**
 * Applies an affine map to the last dimension: `y = x Wᵀ + b` (torch.nn.Linear).
 *
 * Args: `inFeatures` (size of each input sample), `outFeatures` (size of each output sample),
 * `options.bias` (default true), `options.dtype`, `options.backend`.
 *
 * Shape: input `[*, inFeatures]`, output `[*, outFeatures]` (`*`: any number of leading dims).
 *
 * Parameters: `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, initialised as
 * PyTorch does (`kaimingUniform_` with a = √5, bias U(−1/√in, 1/√in)), from the global RNG.
 *
 * @example
 * ```ts
 * import { Linear } from '@nn/layers';
 * import { randn } from '@nn/tensor';
 *
 * const fc = new Linear(20, 30);
 * const y = fc(randn([128, 20])); // [128, 30]
 * ```
 */
export class Linear extends Module {
  /** The learnable weight, `[outFeatures, inFeatures]`. */
  weight: Tensor;
  /** The learnable bias, `[outFeatures]`, or null with `bias: false`. */
  bias: Tensor | null;
  /**
   * @param inFeatures size of each input sample (the last input dim)
   * @param outFeatures size of each output sample
   * @param options `bias`, `dtype`, `backend`
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
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
  /** `x` `[*, inFeatures]` → `[*, outFeatures]`. */
  forward(x: Tensor): Tensor {
    return linearThen(this, x, 'none');
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}

/**
 * `activation(layer(x))` as one `linear` op with the activation fused (Sequential runs a Linear
 * followed by a ReLU this way): the same values and gradients as the two modules, since relu's
 * derivative is read from the output as well as from the input (y > 0 exactly where pre > 0).
 */
export function linearThen(layer: Linear, x: Tensor, activation: 'none' | 'relu'): Tensor {
  checkFeatures(`Linear(in_features=${layer.inFeatures}, out_features=${layer.outFeatures})`, x, -1, layer.inFeatures, 'last dimension');
  return T.linear(x, layer.weight, layer.bias, activation);
}

/** Returns its input unchanged (as a new tensor sharing its storage): a placeholder layer (torch.nn.Identity). */
export class Identity extends Module {
  /** Returns `x` (a view of it). */
  forward(x: Tensor): Tensor {
    return T.reshape(x, x.shape);
  }
}

/**
 * Flattens dims `startDim..endDim` into one (torch.nn.Flatten); by default every dim but the batch.
 *
 * Shape: input `[N, *dims]`, output `[N, ∏dims]` with the defaults.
 *
 * @example
 * ```ts
 * import { Flatten } from '@nn/layers';
 * import { randn } from '@nn/tensor';
 *
 * const y = new Flatten()(randn([32, 1, 28, 28])); // [32, 784]
 * ```
 */
export class Flatten extends Module {
  /**
   * @param startDim first dim to flatten (default 1)
   * @param endDim last dim to flatten (default -1)
   */
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  /** Flattens `x` (a view when possible). */
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
  /** The sizes `dim` is split into. */
  readonly unflattenedSize: number[];
  /**
   * @param dim the dim to split
   * @param unflattenedSize its new sizes (their product must equal its size; one may be -1)
   */
  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) throw new ValueRangeError(`Unflatten: dim must be an integer, got ${String(dim)}`);
    if (
      !Array.isArray(unflattenedSize) ||
      unflattenedSize.length === 0 ||
      unflattenedSize.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1))
    ) {
      throw new ValueRangeError(
        `Unflatten: unflattenedSize must be a non-empty list of positive integers (one may be -1), got ${JSON.stringify(unflattenedSize)}`,
      );
    }
    this.unflattenedSize = [...unflattenedSize];
  }
  /** Splits dim `dim` of `x`. */
  forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim) throw new ShapeError(`Unflatten: dim ${this.dim} is out of range for input of shape [${x.shape.join(',')}]`);
    const known = this.unflattenedSize.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    const [size] = dims(x.shape, d);
    const fits = this.unflattenedSize.includes(-1) ? size % known === 0 : known === size;
    if (!fits)
      throw new ShapeError(
        `Unflatten: dim ${this.dim} of size ${size} cannot be split into [${this.unflattenedSize.join(', ')}] (input shape [${x.shape.join(',')}])`,
      );
    return T.reshape(x, [...x.shape.slice(0, d), ...this.unflattenedSize, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(', ')}${this.unflattenedSize.length === 1 ? ',' : ''})`;
  }
}
