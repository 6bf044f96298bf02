/** Cosine schedulers: CosineAnnealingLR (PyTorch's recursive form) and CosineAnnealingWarmRestarts (SGDR). */
import { optionError } from '../check.js';
import { type AnyOptimizer, LRScheduler, schedulerOptions } from './base.js';
import { cosineForm } from './forms.js';
import { COSINE, WARM_RESTARTS } from './options.js';

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Half-period, in steps (PyTorch's T_max). */
  tMax: number;
  /** Minimum lr (default 0; PyTorch's eta_min). */
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
    const o = schedulerOptions('CosineAnnealingLR', COSINE, options);
    super('CosineAnnealingLR', optimizer, o.lastEpoch);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin;
    this._initialStep();
  }
  protected getLr(): number[] {
    const t = this.lastEpoch;
    const { tMax, etaMin } = this;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && t > 0) return this.closedFormLr();
    const baseLrs = this.baseLrs;
    if ((((t - 1 - tMax) % (2 * tMax)) + 2 * tMax) % (2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + (((baseLrs[i] ?? g.lr) - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => cosineForm(b, this.lastEpoch, { etaMin: this.etaMin, period: this.tMax }));
  }
}

/** Options of {@link CosineAnnealingWarmRestarts}. */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart (PyTorch's T_0). */
  t0: number;
  /** Each period is tMult times the previous one (integer >= 1, default 1; PyTorch's T_mult). */
  tMult?: number;
  /** Minimum lr (default 0; PyTorch's eta_min). */
  etaMin?: number;
  /** Index of the last step when resuming a run (default -1: a fresh start). */
  lastEpoch?: number;
}

/** SGDR: cosine annealing from the initial lr to etaMin, restarting after t0, t0·tMult, ... steps. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Length of the first cycle, in steps. */
  readonly t0: number;
  /** Length of the current cycle (PyTorch's T_i). */
  tI: number;
  /** Factor by which each cycle is longer than the previous one. */
  readonly tMult: number;
  /** Minimum lr. */
  readonly etaMin: number;
  /** Steps since the last restart, fractional with `step(epoch)` (PyTorch's T_cur). */
  tCur: number;
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    const o = schedulerOptions('CosineAnnealingWarmRestarts', WARM_RESTARTS, options);
    super('CosineAnnealingWarmRestarts', optimizer, o.lastEpoch);
    this.t0 = o.t0;
    this.tI = o.t0;
    this.tMult = o.tMult;
    this.etaMin = o.etaMin;
    this.tCur = o.lastEpoch;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => cosineForm(b, this.tCur, { etaMin: this.etaMin, period: this.tI }));
  }
  /** Advances one step, or jumps to a (possibly fractional) `epoch`, like PyTorch. */
  override step(epoch?: number): void {
    this._stepCount++;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (!(Number.isFinite(epoch) && epoch >= 0)) throw optionError(this.name, '', 'epoch', epoch, 'a finite number >= 0');
      this.jumpTo(epoch);
    }
    this.lastEpoch = Math.floor(epoch);
    this.setLrs(this.getLr());
  }
  /** PyTorch's position within the cycles at a given epoch (the log formula for tMult > 1). */
  private jumpTo(epoch: number): void {
    const { t0, tMult } = this;
    if (epoch < t0) {
      this.tI = t0;
      this.tCur = epoch;
    } else if (tMult === 1) {
      this.tCur = epoch % t0;
    } else {
      const n = Math.floor(Math.log((epoch / t0) * (tMult - 1) + 1) / Math.log(tMult));
      this.tCur = epoch - (t0 * (tMult ** n - 1)) / (tMult - 1);
      this.tI = t0 * tMult ** n;
    }
  }
}
