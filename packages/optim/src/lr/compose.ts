/** Schedulers made of schedulers: SequentialLR (one after another) and ChainedScheduler (all at once). */
import { ValueRangeError } from '@nn/tensor';
import { type Rule, optionError, steps } from '../check.js';
import { type AnyOptimizer, LRScheduler, type SchedulerStateDict, checkOptimizer, groupsOf, schedulerOptions } from './base.js';
import type { Family } from './options.js';

const schedulerList: Rule = {
  ok: (v) => Array.isArray(v) && v.length > 0 && v.every((s) => s instanceof LRScheduler),
  valid: 'a non-empty array of schedulers',
};

const SEQUENTIAL: Family<{ schedulers: LRScheduler[]; milestones: readonly number[] }> = {
  rules: { schedulers: schedulerList, milestones: steps },
  defaults: {},
};

/** Options of {@link SequentialLR}. */
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
    const { schedulers, milestones, lastEpoch } = schedulerOptions(name, SEQUENTIAL, options);
    const o = checkOptimizer(name, optimizer);
    const foreign = schedulers.findIndex((s) => s.optimizer !== o);
    if (foreign !== -1) {
      throw new ValueRangeError(
        `${name}: schedulers[${foreign}] belongs to a different optimizer; all must use the optimizer passed to SequentialLR`,
      );
    }
    if (milestones.length !== schedulers.length - 1) {
      throw new ValueRangeError(
        `${name}: expected ${schedulers.length - 1} milestones (one fewer than the ${schedulers.length} schedulers), got ${milestones.length}`,
      );
    }
    super(name, o, lastEpoch);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    for (const g of this.groups) g.lr = g.initialLr ?? g.lr;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    const [first] = schedulers as [LRScheduler]; // checked non-empty
    first._initialStep();
    this.lastLr = first.getLastLr();
  }
  protected getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }
  override step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const s = this.schedulers[idx]!; // idx <= milestones.length = schedulers.length - 1
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
    (schedulers as SchedulerStateDict[] | undefined)?.forEach((s, i) => this.schedulers[i]?.loadStateDict(s));
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
    if (!schedulerList.ok(schedulers)) throw optionError('ChainedScheduler', '', 'schedulers', schedulers, schedulerList.valid);
    const [first] = schedulers as [LRScheduler];
    const foreign = schedulers.findIndex((s) => s.optimizer !== first.optimizer);
    if (foreign !== -1)
      throw new ValueRangeError(`ChainedScheduler: schedulers[${foreign}] belongs to a different optimizer than schedulers[0]`);
    this.schedulers = [...schedulers];
    this.optimizer = first.optimizer;
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
