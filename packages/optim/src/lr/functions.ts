/**
 * Schedules as plain functions `(t) => lr` (t = number of completed steps, 0 for the first
 * update), in closed form. They equal the schedulers' sequences when one scheduler alone drives
 * the lr (up to float rounding: the schedulers use PyTorch's recursive forms). Use them where no
 * optimizer is involved, or to plot a schedule.
 */
import { ValueRangeError } from '@nn/tensor';
import { type Rules, intAtLeast, nonNegative, optionError, positive, resolveOptions } from '../check.js';
import {
  constantForm,
  cosineForm,
  exponentialForm,
  inverseSqrtForm,
  linearForm,
  multiStepForm,
  oneCycleForm,
  oneCyclePhases,
  polynomialForm,
  powerForm,
  stepForm,
} from './forms.js';
import {
  CONSTANT,
  COSINE,
  EXPONENTIAL,
  type Family,
  INVERSE_SQRT,
  LINEAR,
  MULTI_STEP,
  ONE_CYCLE,
  POLYNOMIAL,
  POWER,
  STEP,
  WARM_RESTARTS,
} from './options.js';

/** A learning rate as a function of the step t (0 for the first update). */
export type Schedule = (t: number) => number;

/** The family's options plus lr0, checked by the family's rules; the schedule checks t. */
function scheduleOf<O extends object>(
  owner: string,
  family: Family<O>,
  options: Partial<O> & { lr0: number },
  form: (lr0: number, t: number, o: O) => number,
): Schedule {
  const rules = { ...family.rules, lr0: nonNegative } as Rules<O & { lr0: number }>;
  const o = resolveOptions(owner, rules, family.defaults as Partial<O & { lr0: number }>, options as Partial<O & { lr0: number }>);
  return checkedT(owner, (t) => form(o.lr0, t, o));
}

function checkedT(owner: string, f: Schedule): Schedule {
  return (t: number) => {
    if (!(typeof t === 'number' && Number.isFinite(t) && t >= 0)) throw optionError(owner, '', 't', t, 'a finite number >= 0');
    return f(t);
  };
}

/** StepLR: lr0 · gamma^floor(t / stepSize). */
export function stepDecay(o: { lr0: number; stepSize: number; gamma?: number }): Schedule {
  return scheduleOf('stepDecay', STEP, o, stepForm);
}

/** MultiStepLR: lr0 · gamma^(number of milestones <= t). */
export function multiStepDecay(o: { lr0: number; milestones: readonly number[]; gamma?: number }): Schedule {
  return scheduleOf(
    'multiStepDecay',
    MULTI_STEP,
    { ...o, milestones: Array.isArray(o?.milestones) ? [...o.milestones] : o?.milestones },
    multiStepForm,
  );
}

/** ExponentialLR: lr0 · gamma^t. */
export function exponentialDecay(o: { lr0: number; gamma: number }): Schedule {
  return scheduleOf('exponentialDecay', EXPONENTIAL, o, exponentialForm);
}

/** ConstantLR: lr0 · factor before totalIters, lr0 after. */
export function constantFactor(o: { lr0: number; factor?: number; totalIters?: number }): Schedule {
  return scheduleOf('constantFactor', CONSTANT, o, constantForm);
}

/** LinearLR: lr0 · (startFactor + (endFactor − startFactor) · min(t, totalIters) / totalIters). */
export function linearSchedule(o: { lr0: number; startFactor?: number; endFactor?: number; totalIters?: number }): Schedule {
  return scheduleOf('linearSchedule', LINEAR, o, linearForm);
}

/** PolynomialLR: lr0 · (1 − min(t, totalIters) / totalIters)^power. */
export function polynomialDecay(o: { lr0: number; totalIters?: number; power?: number }): Schedule {
  return scheduleOf('polynomialDecay', POLYNOMIAL, o, polynomialForm);
}

/** CosineAnnealingLR: etaMin + (lr0 − etaMin)(1 + cos(π t / tMax)) / 2 (periodic beyond tMax, like PyTorch); tMax may be fractional. */
export function cosineAnnealing(o: { lr0: number; tMax: number; etaMin?: number }): Schedule {
  const family = { ...COSINE, rules: { ...COSINE.rules, tMax: positive } };
  return scheduleOf('cosineAnnealing', family, o, (lr0, t, { tMax, etaMin }) => cosineForm(lr0, t, { etaMin, period: tMax }));
}

/** CosineAnnealingWarmRestarts (SGDR): cosine from lr0 to etaMin, restarting after t0, t0·tMult, ... steps. */
export function cosineAnnealingWarmRestarts(o: { lr0: number; t0: number; tMult?: number; etaMin?: number }): Schedule {
  return scheduleOf('cosineAnnealingWarmRestarts', WARM_RESTARTS, o, (lr0, t, { t0, tMult, etaMin }) => {
    let tCur = t;
    let period = t0;
    while (tCur >= period) {
      tCur -= period;
      period *= tMult;
    }
    return cosineForm(lr0, tCur, { etaMin, period });
  });
}

/** Options of {@link oneCycle} and {@link oneCycleMomentum} (as OneCycleLR's). */
export interface OneCycleOptions {
  /** Peak lr. */
  maxLr: number;
  /** Length of the cycle in steps. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, annihilate) instead of two (default false). */
  threePhase?: boolean;
  /** Momentum at the peak lr (default 0.85). */
  baseMomentum?: number;
  /** Momentum at the lowest lr (default 0.95). */
  maxMomentum?: number;
}

const ONE_CYCLE_FN: Family<Required<OneCycleOptions>> = {
  rules: { ...ONE_CYCLE.rules, maxLr: nonNegative, totalSteps: intAtLeast(1), baseMomentum: nonNegative, maxMomentum: nonNegative },
  defaults: { ...ONE_CYCLE.defaults, baseMomentum: 0.85, maxMomentum: 0.95 },
};

/** OneCycleLR's lr and momentum at step t, as OneCycleLR computes them for one group. */
function oneCycleAt(owner: string, options: OneCycleOptions): (t: number) => { lr: number; momentum: number } {
  const o = resolveOptions(owner, ONE_CYCLE_FN.rules, ONE_CYCLE_FN.defaults, options);
  const initialLr = o.maxLr / o.divFactor;
  const values = {
    initialLr,
    maxLr: o.maxLr,
    minLr: initialLr / o.finalDivFactor,
    maxMomentum: o.maxMomentum,
    baseMomentum: o.baseMomentum,
  };
  const phases = oneCyclePhases(o.totalSteps, o.pctStart, o.threePhase);
  return (t) => {
    if (t > o.totalSteps) throw new ValueRangeError(`${owner}: step ${t} is past totalSteps ${o.totalSteps}`);
    return oneCycleForm(t, phases, values, o.annealStrategy);
  };
}

/** OneCycleLR's lr at step t. */
export function oneCycle(o: OneCycleOptions): Schedule {
  const at = oneCycleAt('oneCycle', o);
  return checkedT('oneCycle', (t) => at(t).lr);
}

/** OneCycleLR's momentum (or beta1) at step t. */
export function oneCycleMomentum(o: OneCycleOptions): Schedule {
  const at = oneCycleAt('oneCycleMomentum', o);
  return checkedT('oneCycleMomentum', (t) => at(t).momentum);
}

/** The seeds' power schedule: lr0 · (1 + t/s)^(−c). */
export function power(o: { lr0: number; s: number; c: number }): Schedule {
  return scheduleOf('power', POWER, o, powerForm);
}

/** Inverse square root: lr0 / sqrt(max(t, warmup)), warmup >= 1 (flat for the first warmup steps). */
export function inverseSqrt(o: { lr0: number; warmup?: number }): Schedule {
  return scheduleOf('inverseSqrt', INVERSE_SQRT, o, inverseSqrtForm);
}

/**
 * SequentialLR as a function: schedule i runs from milestone i−1 on, with its own t restarting at 0.
 */
export function sequential(schedules: readonly Schedule[], milestones: readonly number[]): Schedule {
  if (milestones.length !== schedules.length - 1) {
    throw new ValueRangeError(
      `sequential: expected ${schedules.length - 1} milestones (one fewer than the ${schedules.length} schedules), got ${milestones.length}`,
    );
  }
  return checkedT('sequential', (t) => {
    const i = milestones.filter((m) => m <= t).length;
    const start = i === 0 ? 0 : (milestones[i - 1] ?? 0);
    return schedules[i]!(t - start); // i <= milestones.length = schedules.length - 1
  });
}
