/** ReduceLROnPlateau: lowers the lr when a monitored metric stops improving. */
import { NNError, type Tensor, isTensor } from '@nn/tensor';
import { fmtValue, resolveOptions } from '../check.js';
import { type AnyOptimizer, type SchedulerStateDict, checkOptimizer, groupsOf, perGroup } from './base.js';
import { PLATEAU } from './options.js';

/** Options of {@link ReduceLROnPlateau}. */
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
    const o = resolveOptions(name, PLATEAU.rules, PLATEAU.defaults, options);
    const { mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps } = o;
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
      const next = Math.max(old * this.factor, this.minLrs[i] ?? 0);
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
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
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
