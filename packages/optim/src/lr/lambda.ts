/**
 * Schedulers that are a factor of the initial lr: LambdaLR, MultiplicativeLR, and the seeds'
 * PowerLR and InverseSqrtLR (PyTorch's LambdaLR with those factors, in closed form).
 */
import { ValueRangeError } from '@nn/tensor';
import { type AnyOptimizer, LRScheduler, checkOptimizer, schedulerOptions } from './base.js';
import { inverseSqrtForm, powerForm } from './forms.js';
import { INVERSE_SQRT, LAMBDA, POWER } from './options.js';

type Factor = (epoch: number) => number;

/** Options of {@link LambdaLR} and {@link MultiplicativeLR}. */
export interface LambdaLROptions {
  /** Factor of the initial lr at step t: one function for all groups, or one per group. */
  lrLambda: Factor | Factor[];
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** One function per group (the options' lrLambda already checked). */
function lambdas(owner: string, f: Factor | readonly Factor[], optimizer: AnyOptimizer): Factor[] {
  const n = checkOptimizer(owner, optimizer).paramGroups.length;
  if (typeof f === 'function') return Array.from({ length: n }, () => f);
  if (f.length !== n) {
    throw new ValueRangeError(`${owner}: expected ${n} lrLambda functions (one per parameter group), got ${f.length}`);
  }
  return [...f];
}

/** lr = initialLr · lrLambda(t). */
export class LambdaLR extends LRScheduler {
  private readonly lrLambdas: Factor[];
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    const o = schedulerOptions('LambdaLR', LAMBDA, options);
    const fns = lambdas('LambdaLR', o.lrLambda, optimizer);
    super('LambdaLR', optimizer, o.lastEpoch);
    this.lrLambdas = fns;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * (this.lrLambdas[i]?.(this.lastEpoch) ?? Number.NaN));
  }
}

/** lr ← lr · lrLambda(t) at each step after the first. */
export class MultiplicativeLR extends LRScheduler {
  private readonly lrLambdas: Factor[];
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    const o = schedulerOptions('MultiplicativeLR', LAMBDA, options);
    const fns = lambdas('MultiplicativeLR', o.lrLambda, optimizer);
    super('MultiplicativeLR', optimizer, o.lastEpoch);
    this.lrLambdas = fns;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * (this.lrLambdas[i]?.(this.lastEpoch) ?? Number.NaN));
    return this.groups.map((g) => g.lr);
  }
}

/** Options of {@link PowerLR}. */
export interface PowerLROptions {
  /** Time scale s in lr0 · (1 + t/s)^(−c). */
  s: number;
  /** Exponent c in lr0 · (1 + t/s)^(−c). */
  c: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** The seeds' power schedule: lr_t = lr0 · (1 + t/s)^(−c), with lr0 each group's initial lr. */
export class PowerLR extends LRScheduler {
  /** Time scale s of `lr0 · (1 + t/s)^(−c)`. */
  readonly s: number;
  /** Decay exponent c of `lr0 · (1 + t/s)^(−c)`. */
  readonly c: number;
  constructor(optimizer: AnyOptimizer, options: PowerLROptions) {
    const o = schedulerOptions('PowerLR', POWER, options);
    super('PowerLR', optimizer, o.lastEpoch);
    this.s = o.s;
    this.c = o.c;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => powerForm(b, this.lastEpoch, this));
  }
}

/** Options of {@link InverseSqrtLR}. */
export interface InverseSqrtLROptions {
  /** Steps before the decay starts (>= 1, default 1): lr_t = lr0 / sqrt(max(t, warmup)). */
  warmup?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Inverse square root: lr_t = lr0 / sqrt(max(t, warmup)), with lr0 each group's initial lr. The
 * lr is flat at lr0/sqrt(warmup) for the first warmup steps (warmup >= 1 keeps t = 0 finite).
 */
export class InverseSqrtLR extends LRScheduler {
  /** Steps of flat lr before the 1/sqrt(t) decay. */
  readonly warmup: number;
  constructor(optimizer: AnyOptimizer, options: InverseSqrtLROptions = {}) {
    const o = schedulerOptions('InverseSqrtLR', INVERSE_SQRT, options);
    super('InverseSqrtLR', optimizer, o.lastEpoch);
    this.warmup = o.warmup;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => inverseSqrtForm(b, this.lastEpoch, this));
  }
}
