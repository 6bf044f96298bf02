import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { ReLU } from './activations.js';
import { Linear, linearThen } from './linear.js';
import { Module } from './module.js';

const LINEAR_FORWARD = Linear.prototype.forward;
const RELU_FORWARD = ReLU.prototype.forward;

/**
 * A Linear followed by a ReLU, both with the library's own forward (not overridden by a subclass or
 * replaced on the instance, e.g. by a spy): Sequential runs the pair as one linear op with relu
 * fused (one kernel each way where the backend has them, no pre-activation tensor).
 */
function fusesWithReLU(m: Module, next: Module | undefined): m is Linear {
  return m instanceof Linear && m.forward === LINEAR_FORWARD && next instanceof ReLU && next.forward === RELU_FORWARD;
}

/**
 * Runs modules in order, each on the previous one's output (torch.nn.Sequential). Children are
 * named `0`, `1`, `2`, ..., so state-dict keys match PyTorch's (`0.weight`, `2.bias`, ...).
 *
 * Shape: whatever the first module takes to whatever the last returns.
 *
 * A `Linear` directly followed by a `ReLU` runs as one linear op with relu fused: the same values
 * and gradients, one fused kernel each way on backends that have it.
 *
 * @example
 * ```ts
 * import { Linear, ReLU, Sequential } from '@nn/layers';
 * import { randn } from '@nn/tensor';
 *
 * const model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 1));
 * const y = model(randn([8, 2]));  // [8, 1]
 * const first = model.at(0);        // the first Linear
 * ```
 */
export class Sequential extends Module {
  /** The modules, in order. */
  readonly layers: Module[];
  /** @param layers the modules, applied first to last */
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ValueRangeError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = layers;
  }
  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }
  /** Number of modules. */
  override get length(): number {
    return this.layers.length;
  }
  /** The i-th module (negative counts from the end); a `ValueRangeError` when out of range. */
  at(i: number): Module {
    const m = this.layers.at(i);
    if (m === undefined) throw new ValueRangeError(`Sequential: index ${i} is out of range for ${this.layers.length} layers`);
    return m;
  }
  /** Feeds `x` through every module in order (intermediate outputs are freed). */
  forward(x: Tensor): Tensor {
    // Intermediate activations are disposed as soon as the next layer has consumed them.
    let h = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!; // i < length
      let next: Tensor;
      if (fusesWithReLU(m, layers[i + 1])) {
        next = linearThen(m, h, 'relu');
        i++;
      } else next = m(h) as Tensor;
      if (h !== x) h.dispose();
      h = next;
    }
    return h === x ? T.reshape(x, x.shape) : h;
  }
}

/**
 * A list of modules registered as children (torch.nn.ModuleList): their parameters count as the
 * owner's, named `0`, `1`, ... It has no `forward`; iterate over it in your own.
 *
 * @example
 * ```ts
 * import { Linear, Module, ModuleList } from '@nn/layers';
 * import { type Tensor, randn } from '@nn/tensor';
 *
 * class Deep extends Module {
 *   blocks = new ModuleList(Array.from({ length: 4 }, () => new Linear(8, 8)));
 *   forward(x: Tensor): Tensor {
 *     for (const b of this.blocks) x = (b(x) as Tensor).tanh();
 *     return x;
 *   }
 * }
 * new Deep()(randn([2, 8])); // [2, 8]
 * ```
 */
export class ModuleList extends Module {
  /** The modules. */
  readonly items: Module[];
  /** @param modules the initial modules (default none) */
  constructor(modules: Module[] = []) {
    super();
    this.items = [...modules];
  }
  override namedChildren(): [string, Module][] {
    return this.items.map((m, i) => [String(i), m]);
  }
  /** Adds a module at the end; returns this. */
  append(m: Module): this {
    this.items.push(m);
    return this;
  }
  /** Number of modules. */
  override get length(): number {
    return this.items.length;
  }
  /** The i-th module (negative counts from the end); a `ValueRangeError` when out of range. */
  at(i: number): Module {
    const m = this.items.at(i);
    if (m === undefined) throw new ValueRangeError(`ModuleList: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }
  /** Iterates over the modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
  /** Throws: a ModuleList has no forward of its own. */
  forward(): never {
    throw new ValueRangeError('ModuleList: a ModuleList has no forward; iterate over it in your own forward');
  }
}

/**
 * A residual connection: `y = body(x) + x`, or `body(x) + projection(x)` when the shapes differ
 * (He et al. 2016). The identity path lets gradients reach early layers undiminished.
 *
 * Shape: the body's output must have the input's shape (or the projection's output shape).
 *
 * @example
 * ```ts
 * import { Linear, ReLU, Residual, Sequential } from '@nn/layers';
 * import { randn } from '@nn/tensor';
 *
 * const block = new Residual(new Sequential(new Linear(16, 16), new ReLU(), new Linear(16, 16)));
 * const y = block(randn([4, 16])); // [4, 16]
 * ```
 */
export class Residual extends Module {
  /**
   * @param body the residual branch f
   * @param projection maps x to the body's output shape when they differ (default none: identity)
   */
  constructor(
    readonly body: Module,
    readonly projection: Module | null = null,
  ) {
    super();
  }
  /** `body(x) + x` (or `+ projection(x)`). */
  forward(x: Tensor): Tensor {
    const fx = this.body(x) as Tensor;
    const skip = this.projection === null ? x : (this.projection(x) as Tensor);
    if (fx.ndim !== skip.ndim || fx.shape.some((d, i) => d !== skip.shape[i])) {
      throw new ShapeError(
        `Residual: the body's output [${fx.shape.join(',')}] and the skip path [${skip.shape.join(',')}] differ; pass a projection`,
      );
    }
    const y = T.add(fx, skip);
    fx.dispose();
    if (skip !== x) skip.dispose();
    return y;
  }
}
