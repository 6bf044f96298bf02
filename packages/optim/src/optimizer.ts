/**
 * The Optimizer base: parameter groups (per-group options merged over the defaults), lazily
 * created per-parameter state, zeroGrad, step, addParamGroup and PyTorch-structured state dicts.
 */
import * as T from '@nn/tensor';
import { BackendError, DTypeError, DisposedError, NNError, ShapeError, type Tensor, ValueRangeError, isTensor } from '@nn/tensor';
import { enableGrad, noGrad } from '@nn/autograd';
import { type Rules, checkOptions, fmtValue } from './check.js';

/** One entry of a parameter's state: a tensor shaped like the parameter, or a number (step). */
export type StateValue = Tensor | number;
/** One parameter's optimizer state by name (`step`, `expAvg`, `momentumBuffer`, ...). */
export type ParamState = Record<string, StateValue>;

/** Fields learning-rate schedulers keep in a group (PyTorch's initial_lr, max_lr, ...). */
export interface SchedulerFields {
  /** Set by schedulers: the lr the schedule starts from. */
  initialLr?: number;
  /** Set by OneCycleLR: the peak lr. */
  maxLr?: number;
  /** Set by OneCycleLR: the final lr. */
  minLr?: number;
  /** Set by OneCycleLR: the momentum (or beta1) at the lowest lr. */
  maxMomentum?: number;
  /** Set by OneCycleLR: the momentum (or beta1) at the peak lr. */
  baseMomentum?: number;
}
const SCHEDULER_KEYS: readonly string[] = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];

/** Options every optimizer has. */
export interface BaseOptions {
  /** Learning rate (> 0 for most optimizers). */
  lr: number;
}

/** A parameter group: its tensors and its options (every option present). */
export type ParamGroup<O> = O &
  SchedulerFields & {
    /** The group's parameters. */
    params: Tensor[];
  };

/** A group as passed in: params plus any options that differ from the defaults. */
export type ParamGroupInput<O> = { [K in keyof O]?: O[K] } & SchedulerFields & {
    /** The group's parameters. */
    params: Tensor | Iterable<Tensor>;
  };

/** What optimizers accept: tensors, or groups of tensors with their own options. */
export type Params<O> = Tensor | Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * PyTorch's structure: `state` keyed by the parameter's index (counting through the groups in
 * order), and each group's options with `params` as those indices. Tensors are copies.
 */
export interface OptimizerStateDict<O = Record<string, unknown>> {
  /** Each parameter's state, keyed by the parameter's index over all groups in order. */
  state: Record<number, ParamState>;
  /** Each group's options, with `params` as the parameters' indices. */
  paramGroups: (O &
    SchedulerFields & {
      /** The group's parameters, as indices into `state`. */
      params: number[];
    })[];
}

function copyValue<V>(v: V): V {
  return (Array.isArray(v) ? v.map(copyValue) : v) as V;
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/**
 * Any optimizer, whatever its options and state (what schedulers and training loops accept).
 * `any` because Optimizer is invariant in both: no other type argument admits every optimizer.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyOptimizer = Optimizer<any, any>;

/**
 * Base class of every optimizer. Subclasses give their name, defaults and option rules, and
 * implement `updateGroup`, which runs inside `noGrad` for each group on every `step()`.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions, S extends ParamState = ParamState> {
  /** The optimizer's name (`Adam`, `SGD`, ...), used in error messages. */
  readonly name: string;
  /** The options a group gets unless it sets its own. */
  readonly defaults: O;
  /** The parameter groups, each with every option; schedulers change `lr` (and momentum) here. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  readonly state = new Map<Tensor, S>();
  /** Validation rules for the options (checked before any state changes). */
  protected readonly rules: Rules<O>;
  /** Number of `step()` calls so far. */
  stepCount = 0;

  protected constructor(name: string, params: Params<O>, defaults: O, rules: Rules<O>) {
    this.name = name;
    this.rules = rules;
    this.defaults = defaults;
    checkOptions(name, rules, this.withRequired(defaults, null), '');
    const inputs = this.normalizeParams(params);
    if (inputs.length === 0) {
      throw new ValueRangeError(`${name}: got an empty parameter list; pass at least one tensor (e.g. model.parameters())`);
    }
    // Validate every group before adding any, so a bad group leaves nothing half-built.
    const seen = new Set<Tensor>();
    const groups = inputs.map((g, i) => this.prepareGroup(g, i, seen));
    this.paramGroups.push(...groups);
    this.checkGroupsExtra(this.paramGroups);
  }

  /** Hook: lets a subclass validate the defaults before a required option (SGD's lr) is filled. */
  protected withRequired(defaults: O, _group: Partial<O> | null): O {
    return defaults;
  }

  /** Hook for checks that need the tensors (e.g. fused: true on a backend without the routine). */
  protected checkGroupsExtra(_groups: readonly ParamGroup<O>[]): void {}

  /** Cross-option checks (e.g. nesterov needs momentum); returns an error message or null. */
  protected crossCheck(_options: O): string | null {
    return null;
  }

  private normalizeParams(params: Params<O>): ParamGroupInput<O>[] {
    if (isTensor(params)) return [{ params: [params] } as unknown as ParamGroupInput<O>];
    if (!isIterable(params)) {
      throw new NNError(
        `${this.name}: params must be a Tensor, an iterable of Tensors, or an iterable of param groups ({ params, ...options }), got ${fmtValue(params)}`,
      );
    }
    const list = [...params] as unknown[];
    if (list.length === 0) return [];
    if (isTensor(list[0])) return [{ params: list } as unknown as ParamGroupInput<O>];
    return list.map((g, i) => {
      if (g === null || typeof g !== 'object' || isTensor(g) || !('params' in g)) {
        throw new NNError(
          `${this.name}: param group ${i} must be an object { params, ...options }, got ${isTensor(g) ? 'a Tensor (mixing tensors and groups is not allowed)' : fmtValue(g)}`,
        );
      }
      return g as ParamGroupInput<O>;
    });
  }

  /** Validates one group and returns it with options merged over the defaults (no side effects). */
  private prepareGroup(input: ParamGroupInput<O>, index: number, seen: Set<Tensor>): ParamGroup<O> {
    const where = `param group ${index}: `;
    const raw = input.params;
    let params: unknown[];
    if (isTensor(raw)) params = [raw];
    else if (isIterable(raw) && !(raw instanceof Set)) params = [...raw];
    else if (raw instanceof Set) {
      throw new NNError(
        `${this.name}: ${where}params must be an ordered collection (an array), not a Set, so the state dict's order is stable`,
      );
    } else throw new NNError(`${this.name}: ${where}params must be a Tensor or an iterable of Tensors, got ${fmtValue(raw)}`);
    const own = new Set<Tensor>();
    params.forEach((p, j) => {
      if (!isTensor(p)) throw new NNError(`${this.name}: ${where}params[${j}] is not a Tensor (got ${fmtValue(p)})`);
      if (p.isDisposed) throw new DisposedError(`${this.name}: ${where}params[${j}] (shape [${p.shape.join(',')}]) was disposed`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') {
        throw new DTypeError(
          `${this.name}: ${where}params[${j}] has dtype ${p.dtype}; only floating-point tensors (float32, float64) can be optimized`,
        );
      }
      if (!p.isLeaf) {
        throw new NNError(
          `${this.name}: ${where}params[${j}] (shape [${p.shape.join(',')}]) is not a leaf tensor (it was computed by an op); optimize the leaf itself, or detach() it and call requiresGrad_()`,
        );
      }
      if (own.has(p))
        throw new ValueRangeError(`${this.name}: ${where}params[${j}] (shape [${p.shape.join(',')}]) appears twice in the same group`);
      if (seen.has(p) || this.paramGroups.some((g) => g.params.includes(p))) {
        throw new ValueRangeError(
          `${this.name}: ${where}params[${j}] (shape [${p.shape.join(',')}]) already appears in another parameter group; each parameter may belong to one group only`,
        );
      }
      own.add(p);
    });
    for (const p of own) seen.add(p);
    const merged: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) merged[k] = copyValue(v);
    for (const [k, v] of Object.entries(input)) if (k !== 'params' && v !== undefined) merged[k] = copyValue(v);
    const options = this.withRequired(merged as unknown as O, input as Partial<O>);
    checkOptions(this.name, this.rules, options, where, SCHEDULER_KEYS);
    const cross = this.crossCheck(options);
    if (cross !== null) throw new ValueRangeError(`${this.name}: ${where}${cross}`);
    return { ...options, params: params as Tensor[] } as ParamGroup<O>;
  }

  /** Adds a group (e.g. layers unfrozen during fine-tuning); validated before anything changes. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const g = this.prepareGroup(group, this.paramGroups.length, new Set());
    this.checkGroupsExtra([g]);
    this.paramGroups.push(g);
  }

  /** All parameters, group by group. */
  parameters(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * Clears gradients. With setToNone (the default, like PyTorch 2) each `.grad` is disposed and
   * set to null; otherwise it is filled with zeros in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) {
          p.grad.dispose();
          p.grad = null;
        } else noGrad(() => p.grad!.copy_(0));
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. With a closure, the closure runs first
   * (with gradients enabled; it should zero the grads, compute the loss and call backward) and
   * its result is returned.
   */
  step<R = undefined>(closure?: () => R): R | undefined {
    let loss: R | undefined;
    if (closure !== undefined) loss = enableGrad(closure);
    this.checkStateBackends();
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    this.stepCount++;
    return loss;
  }

  /** Updates the parameters of one group in place (runs inside noGrad). */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** The state of p, created by `init` on first use (its tensors outlive any enclosing scope). */
  protected stateOf(p: Tensor, init: () => S): S {
    let s = this.state.get(p);
    if (s === undefined) {
      s = init();
      for (const v of Object.values(s)) if (isTensor(v)) T.keep(v);
      this.state.set(p, s);
    }
    return s;
  }

  /** Before any update: every state tensor is on its parameter's backend (else nothing changes). */
  private checkStateBackends(): void {
    for (const [p, s] of this.state) {
      for (const [k, v] of Object.entries(s)) {
        if (isTensor(v) && v.backend !== p.backend) {
          throw new BackendError(
            `${this.name}.step: state '${k}' is on backend '${v.backend.name}' but its parameter is on '${p.backend.name}' ` +
              `(the model moved after the optimizer was built); move the state too: optimizer.to('${p.backend.name}') or await optimizer.toAsync('${p.backend.name}')`,
          );
        }
      }
    }
  }

  private stateTensors(): Tensor[] {
    return [...this.state.values()].flatMap((s) => Object.values(s).filter(isTensor));
  }

  /**
   * Moves the optimizer's state (moment estimates, momentum buffers) to a backend in place, for a
   * model moved after the optimizer was built: `model.to('wasm'); optimizer.to('wasm')`. Needs
   * synchronous reads from the source backend; from WebGPU use `toAsync`.
   */
  to(backendName: string): this {
    T.moveInPlace(`${this.name}.to`, this.stateTensors(), backendName, 'optimizer.toAsync');
    return this;
  }

  /** Like `to`, from any backend (reads asynchronously). */
  async toAsync(backendName: string): Promise<this> {
    await T.moveInPlaceAsync(`${this.name}.toAsync`, this.stateTensors(), backendName);
    return this;
  }

  /** A zero-filled state tensor like p (kept out of any enclosing scope). */
  protected zerosState(p: Tensor, value = 0): Tensor {
    return T.keep(T.fullLike(p, value));
  }

  /** Optimizer state with PyTorch's structure; tensors are copies. */
  stateDict(): OptimizerStateDict<O> {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[k] = copyValue(v);
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p)!;
      });
      return packed as unknown as OptimizerStateDict<O>['paramGroups'][number];
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: ParamState = {};
      for (const [k, v] of Object.entries(s)) entry[k] = isTensor(v) ? T.clone(v) : v;
      state[i] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state dict from `stateDict()` (of an optimizer of the same kind over parameters of
   * the same shapes, in the same group layout). Everything is validated first; tensors are copied
   * onto each parameter's backend and dtype; the groups' options are replaced by the saved ones.
   */
  loadStateDict(sd: OptimizerStateDict<Record<string, unknown>> | OptimizerStateDict<O>): void {
    const what = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object') {
      throw new NNError(`${what}: expected { state, paramGroups } as returned by stateDict()`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ValueRangeError(
        `${what}: the state dict has ${sd.paramGroups.length} parameter groups but the optimizer has ${this.paramGroups.length}`,
      );
    }
    const idToParam = new Map<number, Tensor>();
    sd.paramGroups.forEach((saved, gi) => {
      const mine = this.paramGroups[gi]!; // the group counts were checked equal above
      if (!Array.isArray(saved.params) || saved.params.length !== mine.params.length) {
        const n = Array.isArray(saved.params) ? saved.params.length : 'no';
        throw new ValueRangeError(
          `${what}: parameter group ${gi} has ${n} params in the state dict but ${mine.params.length} in the optimizer`,
        );
      }
      saved.params.forEach((id, j) => idToParam.set(id, mine.params[j]!)); // same lengths, checked above
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(saved)) if (k !== 'params') options[k] = v;
      checkOptions(
        what,
        this.rules,
        this.withRequired(options as unknown as O, options as Partial<O>),
        `parameter group ${gi}: `,
        SCHEDULER_KEYS,
      );
    });
    const entries: [Tensor, ParamState][] = [];
    for (const [key, entry] of Object.entries(sd.state)) {
      const p = idToParam.get(Number(key));
      if (p === undefined)
        throw new ValueRangeError(`${what}: state for parameter ${key}, which is in no parameter group of the state dict`);
      if (entry === null || typeof entry !== 'object')
        throw new NNError(`${what}: state of parameter ${key} must be an object, got ${fmtValue(entry)}`);
      for (const [k, v] of Object.entries(entry)) {
        if (isTensor(v)) {
          if (v.isDisposed) throw new DisposedError(`${what}: state tensor ${key}.${k} was disposed`);
          if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
            throw new ShapeError(
              `${what}: state tensor ${key}.${k} has shape [${v.shape.join(',')}] but parameter ${key} has shape [${p.shape.join(',')}]`,
            );
          }
        } else if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new ValueRangeError(`${what}: state value ${key}.${k} must be a Tensor or a finite number, got ${fmtValue(v)}`);
        }
      }
      entries.push([p, entry]);
    }
    // Validated: now replace state and options.
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
    for (const [p, entry] of entries) {
      const s: ParamState = {};
      for (const [k, v] of Object.entries(entry)) s[k] = isTensor(v) ? T.keep(copyTo(v, p)) : v;
      this.state.set(p, s as S);
    }
    sd.paramGroups.forEach((saved, gi) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(saved)) if (k !== 'params') g[k] = copyValue(v);
      g.params = this.paramGroups[gi]!.params; // same group count, checked before anything changed
      this.paramGroups[gi] = g as unknown as ParamGroup<O>;
    });
  }

  /** Frees every state tensor (the parameters are the caller's). */
  dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
  }
}

/** A contiguous copy of v on p's backend with p's dtype. */
function copyTo(v: Tensor, p: Tensor): Tensor {
  const moved = v.backend === p.backend ? v : v.to(p.backend.name);
  const out = moved.dtype === p.dtype ? T.clone(moved) : T.cast(moved, p.dtype);
  if (moved !== v) moved.dispose();
  return out;
}
