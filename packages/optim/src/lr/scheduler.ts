/**
 * Learning-rate schedulers with PyTorch's semantics (torch.optim.lr_scheduler): constructed with
 * the optimizer, the constructor performs the initial step (so `getLastLr()` right after
 * construction is the lr of the first update), and `step()` is called after `optimizer.step()`.
 * Chainable schedulers use PyTorch's recursive forms (they read the group's current lr), so the
 * sequences match PyTorch's exactly, including when several schedulers act on one optimizer.
 */
import { NNError, type Tensor, ValueRangeError, isTensor } from '@nn/tensor';
import { fmtValue, optionError } from '../check.js';
import type { Optimizer } from '../optimizer.js';

type AnyOptimizer = Optimizer<any, any>;

interface MutableGroup {
  lr: number;
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
  momentum?: number;
  betas?: [number, number];
  [key: string]: unknown;
}

function groupsOf(o: AnyOptimizer): MutableGroup[] {
  return o.paramGroups as unknown as MutableGroup[];
}

function checkOptimizer(owner: string, optimizer: unknown): AnyOptimizer {
  if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as AnyOptimizer).paramGroups)) {
    throw new NNError(`${owner}: the first argument must be an optimizer, got ${fmtValue(optimizer)}`);
  }
  return optimizer as AnyOptimizer;
}

function need(owner: string, key: string, value: unknown, ok: boolean, valid: string): void {
  if (!ok) throw optionError(owner, '', key, value, valid);
}
const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;
const isNum = (v: unknown, min = -Infinity): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;

/** One value per group: a number for all, or an array with one entry per group. */
function perGroup(owner: string, key: string, value: number | readonly number[], n: number, min = 0): number[] {
  const list = Array.isArray(value) ? [...value] : Array.from({ length: n }, () => value as number);
  if (list.length !== n) throw new ValueRangeError(`${owner}: ${key} has ${list.length} values but the optimizer has ${n} parameter groups`);
  list.forEach((v, i) => need(owner, Array.isArray(value) ? `${key}[${i}]` : key, v, isNum(v, min), `a finite number >= ${min}`));
  return list;
}

/** Plain data of a scheduler, for stateDict (functions and the optimizer left out). */
export type SchedulerStateDict = Record<string, unknown>;

function plainCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainCopy);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, plainCopy(x)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainCopy(x)]));
  return v;
}

/** Base class of the epoch/step-based schedulers (PyTorch's _LRScheduler). */
export abstract class LRScheduler {
  /** The optimizer whose parameter groups' `lr` this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** Each group's initial lr. */
  baseLrs: number[];
  /** Index of the last step (0 after construction). */
  lastEpoch: number;
  /** @internal PyTorch's _step_count (CosineAnnealingLR's recursive form needs it). */
  _stepCount = 0;
  /** The lrs the last step set, one per group (read them with `getLastLr()`). */
  protected lastLr: number[] = [];

  /**
   * @param name the scheduler's name in error messages
   * @param optimizer the optimizer to schedule
   * @param lastEpoch index of the last step when resuming (default -1: a fresh start)
   */
  protected constructor(readonly name: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    this.optimizer = checkOptimizer(name, optimizer);
    need(name, 'lastEpoch', lastEpoch, Number.isInteger(lastEpoch) && lastEpoch >= -1, 'an integer >= -1');
    const groups = groupsOf(this.optimizer);
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new NNError(`${name}: param group ${i} has no initialLr, needed to resume with lastEpoch ${lastEpoch} (restore the optimizer's state dict first)`);
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** @internal PyTorch's _initial_step: resets the step count and steps once. */
  _initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The lr of every group as computed by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The lrs for `lastEpoch` (chainable form, from the groups' current lrs). */
  protected abstract getLr(): number[];

  /** The lrs for `lastEpoch` in closed form, used by `step(epoch)` where PyTorch has one. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one step (call after `optimizer.step()`). `epoch` jumps to that step; PyTorch
   * deprecates it but SequentialLR uses it at milestones, with the closed form where one exists.
   */
  step(epoch?: number): void {
    this._stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      need(this.name, 'epoch', epoch, Number.isInteger(epoch) && epoch >= 0, 'an integer >= 0');
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = groupsOf(this.optimizer);
    groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The optimizer's parameter groups, writable. */
  protected get groups(): MutableGroup[] {
    return groupsOf(this.optimizer);
  }

  /** The scheduler's state (numbers and arrays; functions and the optimizer are left out). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function' || v instanceof LRScheduler) continue;
      if (Array.isArray(v) && v.some((x) => typeof x === 'function' || x instanceof LRScheduler)) continue;
      out[k] = plainCopy(v);
    }
    return out;
  }

  /** Restores a state from `stateDict()` (the same scheduler type on the same optimizer); unknown keys are an error. */
  loadStateDict(state: SchedulerStateDict): void {
    for (const [k, v] of Object.entries(state)) {
      if (!(k in this)) throw new NNError(`${this.name}.loadStateDict: unknown key '${k}'`);
      (this as Record<string, unknown>)[k] = plainCopy(v);
    }
  }
}

// --- the schedulers ------------------------------------------------------------------------

export interface LambdaLROptions {
  /** Factor of the initial lr at step t: one function for all groups, or one per group. */
  lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[];
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

function lambdas(owner: string, f: LambdaLROptions['lrLambda'], n: number): ((epoch: number) => number)[] {
  const list = Array.isArray(f) ? [...f] : Array.from({ length: n }, () => f);
  if (list.length !== n) throw new ValueRangeError(`${owner}: expected ${n} lrLambda functions (one per parameter group), got ${list.length}`);
  list.forEach((fn, i) => {
    if (typeof fn !== 'function') throw optionError(owner, '', Array.isArray(f) ? `lrLambda[${i}]` : 'lrLambda', fn, 'a function (epoch) => factor');
  });
  return list;
}

/** lr = initialLr · lrLambda(t). */
export class LambdaLR extends LRScheduler {
  private readonly lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    super('LambdaLR', optimizer, options?.lastEpoch);
    this.lrLambdas = lambdas('LambdaLR', options?.lrLambda, this.baseLrs.length);
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
}

/** lr ← lr · lrLambda(t) at each step after the first. */
export class MultiplicativeLR extends LRScheduler {
  private readonly lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    super('MultiplicativeLR', optimizer, options?.lastEpoch);
    this.lrLambdas = lambdas('MultiplicativeLR', options?.lrLambda, this.baseLrs.length);
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return this.groups.map((g) => g.lr);
  }
}

export interface StepLROptions {
  /** Period of the decay, in steps. */
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** lr ← lr · gamma every stepSize steps. */
export class StepLR extends LRScheduler {
  /** Period of the decay, in steps. */
  readonly stepSize: number;
  /** Multiplicative factor of the lr decay. */
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    super('StepLR', optimizer, options?.lastEpoch);
    const { stepSize, gamma = 0.1 } = options;
    need('StepLR', 'stepSize', stepSize, isInt(stepSize, 1), 'an integer >= 1');
    need('StepLR', 'gamma', gamma, isNum(gamma, 0), 'a finite number >= 0');
    this.stepSize = stepSize;
    this.gamma = gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

export interface MultiStepLROptions {
  /** Steps at which lr ← lr · gamma (a repeated milestone decays repeatedly). */
  milestones: readonly number[];
  /** Default 0.1. */
  gamma?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** lr ← lr · gamma at each milestone. */
export class MultiStepLR extends LRScheduler {
  /** Step indices at which the schedule changes. */
  readonly milestones: number[];
  /** Multiplicative factor of the lr decay. */
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions) {
    super('MultiStepLR', optimizer, options?.lastEpoch);
    const { milestones, gamma = 0.1 } = options;
    need('MultiStepLR', 'milestones', milestones, Array.isArray(milestones) && milestones.every((m) => isInt(m, 0)), 'an array of integers >= 0');
    need('MultiStepLR', 'gamma', gamma, isNum(gamma, 0), 'a finite number >= 0');
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

export interface ConstantLROptions {
  /** Multiplies the lr until totalIters (default 1/3). */
  factor?: number;
  /** Default 5. */
  totalIters?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** lr = initialLr · factor for the first totalIters steps, then initialLr. */
export class ConstantLR extends LRScheduler {
  /** The factor applied to the lr. */
  readonly factor: number;
  /** Number of steps over which the schedule changes the lr. */
  readonly totalIters: number;
  constructor(optimizer: AnyOptimizer, options: ConstantLROptions = {}) {
    super('ConstantLR', optimizer, options.lastEpoch);
    const { factor = 1 / 3, totalIters = 5 } = options;
    need('ConstantLR', 'factor', factor, isNum(factor, 0) && factor <= 1, 'a number in [0, 1]');
    need('ConstantLR', 'totalIters', totalIters, isInt(totalIters, 0), 'an integer >= 0');
    this.factor = factor;
    this.totalIters = totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

export interface LinearLROptions {
  /** Factor at step 0 (default 1/3). */
  startFactor?: number;
  /** Factor from totalIters on (default 1). */
  endFactor?: number;
  /** Default 5. */
  totalIters?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** The factor moves linearly from startFactor to endFactor over totalIters steps (warmup or decay). */
export class LinearLR extends LRScheduler {
  /** Factor of the first step's lr. */
  readonly startFactor: number;
  /** Factor reached after `totalIters` steps. */
  readonly endFactor: number;
  /** Number of steps over which the schedule changes the lr. */
  readonly totalIters: number;
  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer, options.lastEpoch);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options;
    need('LinearLR', 'startFactor', startFactor, isNum(startFactor, 0) && startFactor > 0 && startFactor <= 1, 'a number in (0, 1]');
    need('LinearLR', 'endFactor', endFactor, isNum(endFactor, 0) && endFactor <= 1, 'a number in [0, 1]');
    need('LinearLR', 'totalIters', totalIters, isInt(totalIters, 1), 'an integer >= 1');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * s);
    if (this.lastEpoch > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

export interface ExponentialLROptions {
  /** Multiplicative factor of the lr decay per step. */
  gamma: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** lr ← lr · gamma every step. */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor of the lr decay. */
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer, options?.lastEpoch);
    need('ExponentialLR', 'gamma', options.gamma, isNum(options.gamma, 0), 'a finite number >= 0');
    this.gamma = options.gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

export interface PolynomialLROptions {
  /** Steps until the lr reaches 0 (default 5). */
  totalIters?: number;
  /** Default 1. */
  power?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** lr = initialLr · (1 − min(t, totalIters)/totalIters)^power. */
export class PolynomialLR extends LRScheduler {
  /** Number of steps over which the schedule changes the lr. */
  readonly totalIters: number;
  /** Power of the polynomial. */
  readonly power: number;
  constructor(optimizer: AnyOptimizer, options: PolynomialLROptions = {}) {
    super('PolynomialLR', optimizer, options.lastEpoch);
    const { totalIters = 5, power = 1 } = options;
    need('PolynomialLR', 'totalIters', totalIters, isInt(totalIters, 1), 'an integer >= 1');
    need('PolynomialLR', 'power', power, isNum(power, 0), 'a finite number >= 0');
    this.totalIters = totalIters;
    this.power = power;
    this._initialStep();
  }
  protected getLr(): number[] {
    const t = this.lastEpoch;
    const n = this.totalIters;
    if (t === 0 || t > n) return this.groups.map((g) => g.lr);
    const decay = ((1 - t / n) / (1 - (t - 1) / n)) ** this.power;
    return this.groups.map((g) => g.lr * decay);
  }
  protected override closedFormLr(): number[] {
    const n = this.totalIters;
    return this.baseLrs.map((b) => b * (1 - Math.min(n, this.lastEpoch) / n) ** this.power);
  }
}

export interface CosineAnnealingLROptions {
  /** Half-period, in steps. */
  tMax: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Cosine annealing from the initial lr to etaMin over tMax steps (and back up over the next tMax,
 * like PyTorch, which does not restart). Uses PyTorch's recursive form.
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half period of the cosine, in steps. */
  readonly tMax: number;
  /** Minimum lr. */
  readonly etaMin: number;
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, options?.lastEpoch);
    const { tMax, etaMin = 0 } = options;
    need('CosineAnnealingLR', 'tMax', tMax, isInt(tMax, 1), 'an integer >= 1');
    need('CosineAnnealingLR', 'etaMin', etaMin, isNum(etaMin, 0), 'a finite number >= 0');
    this.tMax = tMax;
    this.etaMin = etaMin;
    this._initialStep();
  }
  protected getLr(): number[] {
    const t = this.lastEpoch;
    const { tMax, etaMin } = this;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && t > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if ((((t - 1 - tMax) % (2 * tMax)) + 2 * tMax) % (2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart. */
  T0: number;
  /** Each period is TMult times the previous one (integer >= 1, default 1). */
  TMult?: number;
  /** Default 0. */
  etaMin?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** SGDR: cosine annealing from the initial lr to etaMin, restarting after T0, T0·TMult, ... steps. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Length of the first cycle, in steps. */
  readonly T0: number;
  /** Length of the current cycle. */
  Ti: number;
  /** Factor by which each cycle is longer than the previous one. */
  readonly TMult: number;
  /** Minimum lr. */
  readonly etaMin: number;
  /** Steps since the last restart (fractional with `step(epoch)`). */
  Tcur: number;
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    super('CosineAnnealingWarmRestarts', optimizer, options?.lastEpoch);
    const { T0, TMult = 1, etaMin = 0, lastEpoch = -1 } = options;
    need('CosineAnnealingWarmRestarts', 'T0', T0, isInt(T0, 1), 'an integer >= 1');
    need('CosineAnnealingWarmRestarts', 'TMult', TMult, isInt(TMult, 1), 'an integer >= 1');
    need('CosineAnnealingWarmRestarts', 'etaMin', etaMin, isNum(etaMin, 0), 'a finite number >= 0');
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = etaMin;
    this.Tcur = lastEpoch;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.Tcur) / this.Ti))) / 2);
  }
  /** Advances one step, or jumps to a (possibly fractional) `epoch`, like PyTorch. */
  override step(epoch?: number): void {
    this._stepCount++;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.Tcur = this.Tcur + 1;
      if (this.Tcur >= this.Ti) {
        this.Tcur = this.Tcur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else {
      need(this.name, 'epoch', epoch, isNum(epoch, 0), 'a finite number >= 0');
      if (epoch >= this.T0) {
        if (this.TMult === 1) this.Tcur = epoch % this.T0;
        else {
          const n = Math.floor(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
          this.Tcur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
          this.Ti = this.T0 * this.TMult ** n;
        }
      } else {
        this.Ti = this.T0;
        this.Tcur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    const values = this.getLr();
    const groups = this.groups;
    groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = groups.map((g) => g.lr);
  }
}

export interface OneCycleLROptions {
  /** Peak lr: one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Length of the cycle in steps (or give epochs and stepsPerEpoch). */
  totalSteps?: number;
  /** Number of epochs (with `stepsPerEpoch`, instead of `totalSteps`). */
  epochs?: number;
  /** Steps per epoch (with `epochs`, instead of `totalSteps`). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam family) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Default 0.85. */
  baseMomentum?: number | readonly number[];
  /** Default 0.95. */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, annihilate) instead of two (default false). */
  threePhase?: boolean;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: 'initialLr' | 'maxLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2) * cosOut;
}
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/** The 1cycle policy (Smith & Topin), PyTorch's variant, with momentum / beta1 cycling. */
export class OneCycleLR extends LRScheduler {
  /** Length of the cycle in steps. */
  readonly totalSteps: number;
  /** The phases of the cycle (two, or three with `threePhase`). */
  readonly phases: Phase[];
  /** How the lr moves within a phase. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or beta1) cycles inversely to the lr. */
  readonly cycleMomentum: boolean;
  /** True when the optimizer has `betas` (Adam family): beta1 is cycled instead of momentum. */
  readonly useBeta1: boolean;
  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    const o = checkOptimizer('OneCycleLR', optimizer);
    const name = 'OneCycleLR';
    const {
      maxLr, totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1,
    } = options ?? ({} as OneCycleLROptions);
    // Validate everything before touching the optimizer's groups.
    let total: number;
    if (totalSteps !== undefined) {
      need(name, 'totalSteps', totalSteps, isInt(totalSteps, 1), 'an integer >= 1');
      total = totalSteps;
    } else if (epochs !== undefined || stepsPerEpoch !== undefined) {
      need(name, 'epochs', epochs, isInt(epochs, 1), 'an integer >= 1');
      need(name, 'stepsPerEpoch', stepsPerEpoch, isInt(stepsPerEpoch, 1), 'an integer >= 1');
      total = epochs! * stepsPerEpoch!;
    } else throw new ValueRangeError(`${name}: give totalSteps, or epochs and stepsPerEpoch`);
    need(name, 'pctStart', pctStart, isNum(pctStart, 0) && pctStart <= 1, 'a number in [0, 1]');
    need(name, 'annealStrategy', annealStrategy, annealStrategy === 'cos' || annealStrategy === 'linear', "'cos' or 'linear'");
    need(name, 'divFactor', divFactor, isNum(divFactor) && divFactor > 0, 'a finite number > 0');
    need(name, 'finalDivFactor', finalDivFactor, isNum(finalDivFactor) && finalDivFactor > 0, 'a finite number > 0');
    need(name, 'cycleMomentum', cycleMomentum, typeof cycleMomentum === 'boolean', 'true or false');
    need(name, 'threePhase', threePhase, typeof threePhase === 'boolean', 'true or false');
    const groups = groupsOf(o);
    const maxLrs = perGroup(name, 'maxLr', maxLr, groups.length);
    const useBeta1 = 'betas' in o.defaults;
    let maxMs: number[] = [];
    let baseMs: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in o.defaults) && !useBeta1) {
        throw new ValueRangeError(`${name}: cycleMomentum needs an optimizer with momentum or betas (${o.name} has neither); pass cycleMomentum: false`);
      }
      maxMs = perGroup(name, 'maxMomentum', maxMomentum, groups.length);
      baseMs = perGroup(name, 'baseMomentum', baseMomentum, groups.length);
    }
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
        if (cycleMomentum) {
          if (useBeta1) g.betas = [maxMs[i], g.betas![1]];
          else g.momentum = maxMs[i];
          g.maxMomentum = maxMs[i];
          g.baseMomentum = baseMs[i];
        }
      });
    }
    super(name, o, lastEpoch);
    this.totalSteps = total;
    this.phases = threePhase
      ? [
          { endStep: pctStart * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pctStart * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this._initialStep();
  }
  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ValueRangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the schedule has totalSteps ${this.totalSteps}`);
    }
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    return this.groups.map((g) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (ph.endStep - startStep);
          lr = anneal(g[ph.startLr]!, g[ph.endLr]!, pct);
          if (this.cycleMomentum) momentum = anneal(g[ph.startMomentum]!, g[ph.endMomentum]!, pct);
          break;
        }
        startStep = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, g.betas![1]];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}

export interface SequentialLROptions {
  /** Schedulers of the same optimizer, run one after another. */
  schedulers: LRScheduler[];
  /** Steps at which the next scheduler takes over (one fewer than schedulers). */
  milestones: readonly number[];
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** Runs schedulers one after another, switching at the milestones (e.g. LinearLR warmup, then cosine). */
export class SequentialLR extends LRScheduler {
  /** The schedulers, in order. */
  readonly schedulers: LRScheduler[];
  /** Step indices at which the schedule changes. */
  readonly milestones: number[];
  constructor(optimizer: AnyOptimizer, options: SequentialLROptions) {
    const name = 'SequentialLR';
    const o = checkOptimizer(name, optimizer);
    const { schedulers, milestones, lastEpoch = -1 } = options ?? ({} as SequentialLROptions);
    need(name, 'schedulers', schedulers, Array.isArray(schedulers) && schedulers.length > 0 && schedulers.every((s) => s instanceof LRScheduler), 'a non-empty array of schedulers');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== o) throw new ValueRangeError(`${name}: schedulers[${i}] belongs to a different optimizer; all must use the optimizer passed to SequentialLR`);
    });
    need(name, 'milestones', milestones, Array.isArray(milestones) && milestones.every((m) => isInt(m, 0)), 'an array of integers >= 0');
    if (milestones.length !== schedulers.length - 1) {
      throw new ValueRangeError(`${name}: expected ${schedulers.length - 1} milestones (one fewer than the ${schedulers.length} schedulers), got ${milestones.length}`);
    }
    super(name, o, lastEpoch);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    for (const g of this.groups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]._initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }
  protected getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }
  override step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
  /** This scheduler's state, with each inner scheduler's state under `schedulers`. */
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  /** Restores this scheduler's state and each inner scheduler's. */
  override loadStateDict(state: SchedulerStateDict): void {
    const { schedulers, ...rest } = state;
    super.loadStateDict(rest);
    (schedulers as SchedulerStateDict[] | undefined)?.forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}

/** Steps several schedulers together each step (their effects multiply, as in PyTorch). */
export class ChainedScheduler {
  /** The schedulers, in order. */
  readonly schedulers: LRScheduler[];
  /** The optimizer whose parameter groups' `lr` this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  private lastLr: number[];
  constructor(schedulers: LRScheduler[]) {
    if (!Array.isArray(schedulers) || schedulers.length === 0 || !schedulers.every((s) => s instanceof LRScheduler)) {
      throw optionError('ChainedScheduler', '', 'schedulers', schedulers, 'a non-empty array of schedulers');
    }
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) throw new ValueRangeError(`ChainedScheduler: schedulers[${i}] belongs to a different optimizer than schedulers[0]`);
    });
    this.schedulers = [...schedulers];
    this.optimizer = schedulers[0].optimizer;
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }
  /** Steps every chained scheduler once (call after `optimizer.step()`). */
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }
  /** The lr of every group as set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): the metric should decrease; 'max': increase. */
  mode?: 'min' | 'max';
  /** lr ← lr · factor on a plateau (default 0.1, must be < 1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum significant improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr: one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr when a metric stops improving; `step(metric)` once per evaluation. */
export class ReduceLROnPlateau {
  /** step() takes the monitored metric (fit passes the validation loss). */
  readonly needsMetric = true;
  /** The optimizer whose parameter groups' `lr` this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. */
  readonly mode: 'min' | 'max';
  /** The factor applied to the lr. */
  readonly factor: number;
  /** Steps without improvement tolerated before the lr is reduced. */
  readonly patience: number;
  /** Smallest change that counts as an improvement. */
  readonly threshold: number;
  /** Whether `threshold` is relative to the best value ('rel') or absolute ('abs'). */
  readonly thresholdMode: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again. */
  readonly cooldown: number;
  /** Lower bound of each group's lr. */
  readonly minLrs: number[];
  /** Reductions smaller than this are skipped. */
  readonly eps: number;
  /** Best metric seen so far. */
  best: number;
  /** Steps since the last improvement. */
  numBadEpochs = 0;
  /** Cooldown steps left. */
  cooldownCounter = 0;
  /** Number of steps taken. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(name, optimizer);
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    need(name, 'mode', mode, mode === 'min' || mode === 'max', "'min' or 'max'");
    need(name, 'factor', factor, isNum(factor, 0) && factor < 1, 'a number in [0, 1)');
    need(name, 'patience', patience, isInt(patience, 0), 'an integer >= 0');
    need(name, 'threshold', threshold, isNum(threshold, 0), 'a finite number >= 0');
    need(name, 'thresholdMode', thresholdMode, thresholdMode === 'rel' || thresholdMode === 'abs', "'rel' or 'abs'");
    need(name, 'cooldown', cooldown, isInt(cooldown, 0), 'an integer >= 0');
    need(name, 'eps', eps, isNum(eps, 0), 'a finite number >= 0');
    const groups = groupsOf(this.optimizer);
    this.minLrs = perGroup(name, 'minLr', minLr, groups.length);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = groups.map((g) => g.lr);
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** True while cooling down after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Records one metric value (a number, or a one-element tensor, which is read back). */
  step(metric: number | Tensor): void {
    let current: number;
    if (isTensor(metric)) current = metric.item();
    else if (typeof metric === 'number') current = metric;
    else throw new NNError(`ReduceLROnPlateau.step: metric must be a number or a one-element Tensor, got ${fmtValue(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  private reduceLr(): void {
    groupsOf(this.optimizer).forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]);
      if (old - next > this.eps) g.lr = next;
    });
  }

  /** The lr of every group as set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state as plain data (the optimizer is left out). */
  stateDict(): SchedulerStateDict {
    return {
      best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch, lastLr: [...this.lastLr],
    };
  }

  /** Restores a state from `stateDict()` (the same scheduler type on the same optimizer); unknown keys are an error. */
  loadStateDict(state: SchedulerStateDict): void {
    this.best = state.best as number;
    this.numBadEpochs = state.numBadEpochs as number;
    this.cooldownCounter = state.cooldownCounter as number;
    this.lastEpoch = state.lastEpoch as number;
    this.lastLr = [...(state.lastLr as number[])];
  }
}

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
    super('PowerLR', optimizer, options?.lastEpoch);
    need('PowerLR', 's', options.s, isNum(options.s) && options.s > 0, 'a finite number > 0');
    need('PowerLR', 'c', options.c, isNum(options.c, 0), 'a finite number >= 0');
    this.s = options.s;
    this.c = options.c;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => b * (1 + this.lastEpoch / this.s) ** -this.c);
  }
}

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
    super('InverseSqrtLR', optimizer, options.lastEpoch);
    const { warmup = 1 } = options;
    need('InverseSqrtLR', 'warmup', warmup, isNum(warmup) && warmup >= 1, 'a finite number >= 1');
    this.warmup = warmup;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => b * (1 / Math.sqrt(Math.max(this.lastEpoch, this.warmup))));
  }
}
