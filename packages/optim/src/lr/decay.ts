/**
 * The decaying schedulers: StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR.
 * `getLr` is PyTorch's recursive form (it multiplies the group's current lr, so schedulers chain);
 * `closedFormLr` (for `step(epoch)`) is the shared closed form in forms.ts.
 */
import { type AnyOptimizer, LRScheduler, schedulerOptions } from './base.js';
import { constantForm, exponentialForm, linearForm, multiStepForm, polynomialForm, stepForm } from './forms.js';
import { CONSTANT, EXPONENTIAL, LINEAR, MULTI_STEP, POLYNOMIAL, STEP } from './options.js';

/** Options of {@link StepLR}. */
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
    const o = schedulerOptions('StepLR', STEP, options);
    super('StepLR', optimizer, o.lastEpoch);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => stepForm(b, this.lastEpoch, this));
  }
}

/** Options of {@link MultiStepLR}. */
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
    const o = schedulerOptions('MultiStepLR', MULTI_STEP, options);
    super('MultiStepLR', optimizer, o.lastEpoch);
    this.milestones = [...o.milestones].sort((a, b) => a - b);
    this.gamma = o.gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => multiStepForm(b, this.lastEpoch, this));
  }
}

/** Options of {@link ConstantLR}. */
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
    const o = schedulerOptions('ConstantLR', CONSTANT, options);
    super('ConstantLR', optimizer, o.lastEpoch);
    this.factor = o.factor;
    this.totalIters = o.totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => constantForm(b, this.lastEpoch, this));
  }
}

/** Options of {@link LinearLR}. */
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
    const o = schedulerOptions('LinearLR', LINEAR, options);
    super('LinearLR', optimizer, o.lastEpoch);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * s);
    if (this.lastEpoch > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => linearForm(b, this.lastEpoch, this));
  }
}

/** Options of {@link ExponentialLR}. */
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
    const o = schedulerOptions('ExponentialLR', EXPONENTIAL, options);
    super('ExponentialLR', optimizer, o.lastEpoch);
    this.gamma = o.gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => exponentialForm(b, this.lastEpoch, this));
  }
}

/** Options of {@link PolynomialLR}. */
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
    const o = schedulerOptions('PolynomialLR', POLYNOMIAL, options);
    super('PolynomialLR', optimizer, o.lastEpoch);
    this.totalIters = o.totalIters;
    this.power = o.power;
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
    return this.baseLrs.map((b) => polynomialForm(b, this.lastEpoch, this));
  }
}
