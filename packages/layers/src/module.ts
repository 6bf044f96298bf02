/**
 * Module: the torch.nn.Module of @nn. Parameters, buffers and submodules are found by walking a
 * module's own properties (declaration order), so `fc1 = new Linear(2, 16)` registers like PyTorch.
 * Modules are callable: `model(x)` runs `model.forward(x)`.
 */
import * as T from '@nn/tensor';
import { NNError, ShapeError, type Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';

const PARAMETERS = new WeakSet<Tensor>();

/** Marks a tensor as a trainable parameter (requires grad, kept out of scopes). */
export function parameter(t: Tensor): Tensor {
  T.keep(t);
  if (!t.requiresGrad) t.requiresGrad_(true);
  PARAMETERS.add(t);
  return t;
}

/** True if `v` is a tensor registered as a parameter (made by {@link parameter}). */
export const isParameter = (v: unknown): v is Tensor => v instanceof T.Tensor && PARAMETERS.has(v);

/** Tensors by dotted name, as `Module.stateDict()` returns and `loadStateDict` / safetensors take. */
export type StateDict = Record<string, Tensor>;

/** Options of `Module.loadStateDict`. */
export interface LoadOptions {
  /** Require exactly the module's keys (default true). Shape mismatches are errors either way. */
  strict?: boolean;
}

// Instances are functions, so they are callable; the interface merges the call signature in.
export interface Module {
  // biome-ignore lint/style/useShorthandFunctionType: declaration merging with the class needs an interface
  (...args: any[]): any;
}

/**
 * Base class of every layer and model (`torch.nn.Module`). Subclass it, assign parameters,
 * buffers and submodules to properties, and write `forward`; instances are callable, so
 * `model(x)` runs `model.forward(x)`.
 *
 * Parameters (tensors made with {@link parameter}), buffers (`registerBuffer`) and submodules are
 * found by walking the module's own properties in declaration order, so state-dict keys follow
 * PyTorch's (`fc1.weight`, `layers.0.bias`, ...).
 *
 * @example
 * ```ts
 * import { Linear, Module, ReLU } from '@nn/layers';
 * import { type Tensor, randn } from '@nn/tensor';
 *
 * class MLP extends Module {
 *   fc1 = new Linear(4, 16);
 *   act = new ReLU();
 *   fc2 = new Linear(16, 3);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2(this.act(this.fc1(x)));
 *   }
 * }
 * const model = new MLP();
 * const logits = model(randn([8, 4]));   // [8, 3]
 * console.log(model.namedParameters().map(([name]) => name)); // fc1.weight, fc1.bias, fc2.weight, fc2.bias
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: merged with the interface above; the constructor returns a callable
export abstract class Module {
  /** True in training mode (Dropout drops, BatchNorm uses batch statistics). */
  training!: boolean;

  constructor() {
    const self = function (this: unknown, ...args: unknown[]) {
      return (self as unknown as Module).forward(...args);
    };
    Object.setPrototypeOf(self, new.target.prototype);
    // A function's own `length` and `name` would shadow members of subclasses (Sequential.length).
    delete (self as { length?: number }).length;
    delete (self as { name?: string }).name;
    Object.defineProperty(self, BUFFERS, { value: new Map<string, BufferInfo>(), enumerable: false });
    (self as unknown as Module).training = true;
    // biome-ignore lint/correctness/noConstructorReturn: returning the callable is the point
    return self as unknown as Module;
  }

  /** The computation: called by `model(...args)`. Subclasses define it with their own signature. */
  abstract forward(...args: any[]): any;

  /**
   * Registers a buffer: state saved in stateDict but not trained (e.g. BatchNorm's running mean).
   * `key` is its state-dict name when it differs from the property (PyTorch's snake_case names).
   */
  protected registerBuffer(
    name: string,
    t: Tensor | null,
    { persistent = true, key = name }: { persistent?: boolean; key?: string } = {},
  ): void {
    if (t !== null) T.keep(t);
    (this as Record<string, unknown>)[name] = t;
    (this as unknown as { [BUFFERS]: Map<string, BufferInfo> })[BUFFERS].set(name, { key, persistent });
  }

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) if (v instanceof Module) out.push([k, v]);
    return out;
  }
  /** Direct submodules (without names). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }
  /** This module and every descendant, depth first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** [state-dict key, tensor, property name] of this module's own parameters or buffers. */
  private ownTensors(kind: 'param' | 'buffer', persistentOnly = false): [string, Tensor, string][] {
    const buffers = (this as unknown as { [BUFFERS]: Map<string, BufferInfo> })[BUFFERS];
    const out: [string, Tensor, string][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (!(v instanceof T.Tensor)) continue;
      if (kind === 'param') {
        if (isParameter(v)) out.push([k, v, k]);
        continue;
      }
      const info = buffers.get(k);
      if (info !== undefined && (info.persistent || !persistentOnly)) out.push([info.key, v, k]);
    }
    return out;
  }

  private collect(kind: 'param' | 'buffer', persistentOnly = false): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, t] of m.ownTensors(kind, persistentOnly)) {
        if (seen.has(t)) continue; // shared parameters are listed once, like PyTorch
        seen.add(t);
        out.push([prefix ? `${prefix}.${k}` : k, t]);
      }
    }
    return out;
  }

  /** Parameters with dotted names, e.g. `layers.0.weight`. */
  namedParameters(): [string, Tensor][] {
    return this.collect('param');
  }
  /** Every parameter of this module and its descendants (shared ones once): what an optimizer takes. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  /** Buffers (non-trained state such as BatchNorm's running statistics) with dotted names. */
  namedBuffers(): [string, Tensor][] {
    return this.collect('buffer');
  }
  /** Every buffer of this module and its descendants. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }
  /** Number of parameter elements (trainable only if asked). */
  parameterCount(trainableOnly = false): number {
    return this.parameters()
      .filter((p) => !trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and all descendants; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode: `train(false)` (Dropout off, BatchNorm uses running statistics); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Clears gradients: disposes them (setToNone, the default) or fills them with zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else noGrad(() => p.grad!.copy_(0));
    }
  }

  /** Calls fn on every descendant, then on this module (as PyTorch); returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves parameters, buffers and their gradients to another backend in place, keeping each
   * tensor's identity (PyTorch's `module.to(device)`), so an optimizer built before still holds
   * them (move its state with `optimizer.to`). Needs synchronous reads from the source backend:
   * from WebGPU use `await model.toAsync(name)`. On error nothing has moved.
   */
  to(backendName: string): this {
    T.moveInPlace('Module.to', [...this.parameters(), ...this.buffers()], backendName, 'model.toAsync');
    return this;
  }

  /** Like `to`, from any backend (reads asynchronously): `await model.toAsync('cpu')`. */
  async toAsync(backendName: string): Promise<this> {
    await T.moveInPlaceAsync('Module.toAsync', [...this.parameters(), ...this.buffers()], backendName);
    return this;
  }

  /** Parameters and persistent buffers by dotted name (views sharing storage; dispose when done). */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, t] of [...m.ownTensors('param'), ...m.ownTensors('buffer', true)]) sd[prefix ? `${prefix}.${k}` : k] = t.detach();
    }
    return sd;
  }

  /**
   * Copies values from a state dict into this module's tensors. Checks everything first (missing
   * and unexpected keys in strict mode, shapes and dtypes always) and loads nothing on any error.
   */
  loadStateDict(
    sd: StateDict,
    { strict = true }: LoadOptions = {},
  ): {
    /** The module's keys absent from `sd` (empty unless `strict: false`). */
    missingKeys: string[];
    /** Keys of `sd` the module does not have (empty unless `strict: false`). */
    unexpectedKeys: string[];
  } {
    const own = new Map<string, Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, t] of [...m.ownTensors('param'), ...m.ownTensors('buffer', true)]) own.set(prefix ? `${prefix}.${k}` : k, t);
    }
    const missingKeys = [...own.keys()].filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [k, t] of own) {
      const src = sd[k];
      if (src === undefined) continue;
      if (!(src instanceof T.Tensor)) problems.push(`${k}: expected a Tensor, got ${typeof src}`);
      else if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i])) {
        problems.push(`size mismatch for ${k}: copying a tensor of shape [${src.shape.join(',')}], the module's is [${t.shape.join(',')}]`);
      } else if (src.dtype !== t.dtype && !(src.dtype.startsWith('float') && t.dtype.startsWith('float'))) {
        problems.push(`dtype mismatch for ${k}: ${src.dtype} vs the module's ${t.dtype}`);
      }
    }
    if (problems.length) {
      throw new (problems.some((p) => p.startsWith('size')) ? ShapeError : NNError)(
        `loadStateDict: error(s) in loading the state dict for ${this.constructor.name}, nothing was loaded:\n  ${problems.join('\n  ')}`,
      );
    }
    noGrad(() => {
      for (const [k, t] of own) if (sd[k] !== undefined) t.copy_(sd[k]);
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text inside this module's repr, e.g. `in_features=2, out_features=16, bias=True`. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree, then the parameter count at the top level. */
  toString(): string {
    return `${this.repr()}\nParameters: ${this.parameterCount().toLocaleString('en-US')} (trainable: ${this.parameterCount(true).toLocaleString('en-US')})`;
  }

  private repr(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([k, m]) => `  (${k}): ${m.repr().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

const BUFFERS = Symbol('buffers');
interface BufferInfo {
  key: string;
  persistent: boolean;
}
