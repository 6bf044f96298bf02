/**
 * Learning-rate schedulers with PyTorch's semantics (torch.optim.lr_scheduler): constructed with
 * the optimizer, the constructor performs the initial step (so `getLastLr()` right after
 * construction is the lr of the first update), and `step()` is called after `optimizer.step()`.
 * Chainable schedulers use PyTorch's recursive forms (they read the group's current lr), so the
 * sequences match PyTorch's exactly, including when several schedulers act on one optimizer.
 */
import { NNError, ValueRangeError } from '@nn/tensor';
import { type Rules, fmtValue, optionError, resolveOptions } from '../check.js';
import type { AnyOptimizer } from '../optimizer.js';
import { type Family, lastEpochRule } from './options.js';

export type { AnyOptimizer };

/** A parameter group as schedulers see it: lr plus the fields they keep there (PyTorch's initial_lr, ...). */
export interface MutableGroup {
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

export function groupsOf(o: AnyOptimizer): MutableGroup[] {
  return o.paramGroups as unknown as MutableGroup[];
}

export function checkOptimizer(owner: string, optimizer: unknown): AnyOptimizer {
  if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as AnyOptimizer).paramGroups)) {
    throw new NNError(`${owner}: the first argument must be an optimizer, got ${fmtValue(optimizer)}`);
  }
  return optimizer as AnyOptimizer;
}

/** A scheduler's options: its family's rules and defaults plus `lastEpoch`, checked before anything changes. */
export function schedulerOptions<O extends object>(
  owner: string,
  family: Family<O>,
  options: (Partial<O> & { lastEpoch?: number }) | undefined,
): O & { lastEpoch: number } {
  const rules = { ...family.rules, lastEpoch: lastEpochRule } as Rules<O & { lastEpoch: number }>;
  type Full = O & { lastEpoch: number };
  return resolveOptions(owner, rules, { ...family.defaults, lastEpoch: -1 } as Partial<Full>, options as Partial<Full> | undefined);
}

/** One value per group from a number for all or an array with one entry per group (entries already checked). */
export function perGroup(owner: string, key: string, value: number | readonly number[], n: number): number[] {
  const list = typeof value === 'number' ? Array.from({ length: n }, () => value) : [...value];
  if (list.length !== n)
    throw new ValueRangeError(`${owner}: ${key} has ${list.length} values but the optimizer has ${n} parameter groups`);
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
   * @param lastEpoch index of the last step when resuming (-1: a fresh start; already checked)
   */
  protected constructor(
    readonly name: string,
    optimizer: AnyOptimizer,
    lastEpoch: number,
  ) {
    this.optimizer = checkOptimizer(name, optimizer);
    const groups = groupsOf(this.optimizer);
    if (lastEpoch !== -1) {
      const i = groups.findIndex((g) => g.initialLr === undefined);
      if (i !== -1) {
        throw new NNError(
          `${name}: param group ${i} has no initialLr, needed to resume with lastEpoch ${lastEpoch} (restore the optimizer's state dict first)`,
        );
      }
    }
    for (const g of groups) g.initialLr ??= g.lr;
    this.baseLrs = groups.map((g) => g.initialLr ?? g.lr);
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
    if (epoch === undefined) {
      this.lastEpoch++;
      this.setLrs(this.getLr());
      return;
    }
    if (!(Number.isInteger(epoch) && epoch >= 0)) throw optionError(this.name, '', 'epoch', epoch, 'an integer >= 0');
    this.lastEpoch = epoch;
    this.setLrs(this.closedFormLr() ?? this.getLr());
  }

  /** Writes one lr per group and records them for `getLastLr()`. */
  protected setLrs(values: readonly number[]): void {
    const groups = groupsOf(this.optimizer);
    groups.forEach((g, i) => {
      g.lr = values[i] ?? g.lr;
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
