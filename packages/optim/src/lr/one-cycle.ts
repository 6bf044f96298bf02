/** OneCycleLR: the 1cycle policy (Smith & Topin), PyTorch's variant, with momentum / beta1 cycling. */
import { ValueRangeError } from '@nn/tensor';
import { type Rules, resolveOptions } from '../check.js';
import { type AnyOptimizer, LRScheduler, checkOptimizer, groupsOf, perGroup } from './base.js';
import { type OneCycleKey, type OneCyclePhase, oneCycleForm, oneCyclePhases } from './forms.js';
import { ONE_CYCLE, ONE_CYCLE_LR, lastEpochRule } from './options.js';

/** Options of {@link OneCycleLR}. */
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

/** The options after defaults: only the length's three ways may be missing. */
type Resolved = Required<Omit<OneCycleLROptions, 'totalSteps' | 'epochs' | 'stepsPerEpoch'>> &
  Pick<OneCycleLROptions, 'totalSteps' | 'epochs' | 'stepsPerEpoch'>;

const RULES: Rules<Resolved> = { ...ONE_CYCLE.rules, ...ONE_CYCLE_LR.rules, lastEpoch: lastEpochRule };

/** The cycle's length: totalSteps, or epochs × stepsPerEpoch. */
function lengthOf(name: string, o: Resolved): number {
  if (o.totalSteps !== undefined) return o.totalSteps;
  if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) return o.epochs * o.stepsPerEpoch;
  throw new ValueRangeError(`${name}: give totalSteps, or epochs and stepsPerEpoch`);
}

/** The 1cycle policy (Smith & Topin), PyTorch's variant, with momentum / beta1 cycling. */
export class OneCycleLR extends LRScheduler {
  /** Length of the cycle in steps. */
  readonly totalSteps: number;
  /** The phases of the cycle (two, or three with `threePhase`). */
  readonly phases: OneCyclePhase[];
  /** How the lr moves within a phase. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or beta1) cycles inversely to the lr. */
  readonly cycleMomentum: boolean;
  /** True when the optimizer has `betas` (Adam family): beta1 is cycled instead of momentum. */
  readonly useBeta1: boolean;
  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    const name = 'OneCycleLR';
    const o = resolveOptions<Resolved>(name, RULES, { ...ONE_CYCLE.defaults, ...ONE_CYCLE_LR.defaults, lastEpoch: -1 }, options);
    const total = lengthOf(name, o);
    // Everything is checked before the optimizer's groups change.
    const opt = checkOptimizer(name, optimizer);
    const groups = groupsOf(opt);
    const maxLrs = perGroup(name, 'maxLr', o.maxLr, groups.length);
    const useBeta1 = 'betas' in opt.defaults;
    const { cycleMomentum, lastEpoch } = o;
    if (cycleMomentum && !('momentum' in opt.defaults) && !useBeta1) {
      throw new ValueRangeError(
        `${name}: cycleMomentum needs an optimizer with momentum or betas (${opt.name} has neither); pass cycleMomentum: false`,
      );
    }
    const maxMs = perGroup(name, 'maxMomentum', o.maxMomentum, groups.length);
    const baseMs = perGroup(name, 'baseMomentum', o.baseMomentum, groups.length);
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        const initialLr = maxLrs[i]! / o.divFactor; // perGroup returned one value per group
        Object.assign(g, { initialLr, maxLr: maxLrs[i], minLr: initialLr / o.finalDivFactor });
        if (!cycleMomentum) return;
        const [maxM, baseM] = [maxMs[i]!, baseMs[i]!];
        if (useBeta1) g.betas = [maxM, g.betas?.[1] ?? 0.999];
        else g.momentum = maxM;
        Object.assign(g, { maxMomentum: maxM, baseMomentum: baseM });
      });
    }
    super(name, opt, lastEpoch);
    this.totalSteps = total;
    this.phases = oneCyclePhases(total, o.pctStart, o.threePhase);
    this.annealStrategy = o.annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this._initialStep();
  }
  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ValueRangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the schedule has totalSteps ${this.totalSteps}`);
    }
    return this.groups.map((g) => {
      const { lr, momentum } = oneCycleForm(stepNum, this.phases, g as Record<OneCycleKey, number>, this.annealStrategy);
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, g.betas?.[1] ?? 0.999];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}
