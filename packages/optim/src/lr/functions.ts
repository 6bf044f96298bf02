/**
 * Schedules as plain functions `(t) => lr` (t = number of completed steps, 0 for the first
 * update), in closed form. They equal the schedulers' sequences when one scheduler alone drives
 * the lr (up to float rounding: the schedulers use PyTorch's recursive forms). Use them where no
 * optimizer is involved, or to plot a schedule.
 */
import { ValueRangeError } from '@nn/tensor';
import { optionError } from '../check.js';

/** A learning rate as a function of the step t (0 for the first update). */
export type Schedule = (t: number) => number;

function need(owner: string, key: string, value: unknown, ok: boolean, valid: string): void {
  if (!ok) throw optionError(owner, '', key, value, valid);
}
const isNum = (v: unknown, min = -Infinity): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;
const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;

function schedule(owner: string, f: Schedule): Schedule {
  return (t: number) => {
    if (!isNum(t, 0)) throw optionError(owner, '', 't', t, 'a finite number >= 0');
    return f(t);
  };
}

/** StepLR: lr0 · gamma^floor(t / stepSize). */
export function stepDecay({ lr0, stepSize, gamma = 0.1 }: { lr0: number; stepSize: number; gamma?: number }): Schedule {
  need('stepDecay', 'lr0', lr0, isNum(lr0, 0), 'a finite number >= 0');
  need('stepDecay', 'stepSize', stepSize, isInt(stepSize, 1), 'an integer >= 1');
  return schedule('stepDecay', (t) => lr0 * gamma ** Math.floor(t / stepSize));
}

/** MultiStepLR: lr0 · gamma^(number of milestones <= t). */
export function multiStepDecay({ lr0, milestones, gamma = 0.1 }: { lr0: number; milestones: readonly number[]; gamma?: number }): Schedule {
  need('multiStepDecay', 'lr0', lr0, isNum(lr0, 0), 'a finite number >= 0');
  const ms = [...milestones];
  return schedule('multiStepDecay', (t) => lr0 * gamma ** ms.filter((m) => m <= t).length);
}

/** ExponentialLR: lr0 · gamma^t. */
export function exponentialDecay({ lr0, gamma }: { lr0: number; gamma: number }): Schedule {
  need('exponentialDecay', 'lr0', lr0, isNum(lr0, 0), 'a finite number >= 0');
  return schedule('exponentialDecay', (t) => lr0 * gamma ** t);
}

/** ConstantLR: lr0 · factor before totalIters, lr0 after. */
export function constantFactor({ lr0, factor = 1 / 3, totalIters = 5 }: { lr0: number; factor?: number; totalIters?: number }): Schedule {
  return schedule('constantFactor', (t) => lr0 * (t >= totalIters ? 1 : factor));
}

/** LinearLR: lr0 · (startFactor + (endFactor − startFactor) · min(t, totalIters) / totalIters). */
export function linearSchedule({ lr0, startFactor = 1 / 3, endFactor = 1, totalIters = 5 }: {
  lr0: number; startFactor?: number; endFactor?: number; totalIters?: number;
}): Schedule {
  need('linearSchedule', 'totalIters', totalIters, isInt(totalIters, 1), 'an integer >= 1');
  return schedule('linearSchedule', (t) => lr0 * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, t)) / totalIters));
}

/** PolynomialLR: lr0 · (1 − min(t, totalIters) / totalIters)^power. */
export function polynomialDecay({ lr0, totalIters = 5, power = 1 }: { lr0: number; totalIters?: number; power?: number }): Schedule {
  need('polynomialDecay', 'totalIters', totalIters, isInt(totalIters, 1), 'an integer >= 1');
  return schedule('polynomialDecay', (t) => lr0 * (1 - Math.min(totalIters, t) / totalIters) ** power);
}

/** CosineAnnealingLR: etaMin + (lr0 − etaMin)(1 + cos(π t / tMax)) / 2 (periodic beyond tMax, like PyTorch). */
export function cosineAnnealing({ lr0, tMax, etaMin = 0 }: { lr0: number; tMax: number; etaMin?: number }): Schedule {
  need('cosineAnnealing', 'lr0', lr0, isNum(lr0, 0), 'a finite number >= 0');
  need('cosineAnnealing', 'tMax', tMax, isNum(tMax) && tMax > 0, 'a finite number > 0');
  return schedule('cosineAnnealing', (t) => etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
}

/** CosineAnnealingWarmRestarts (SGDR): cosine from lr0 to etaMin, restarting after T0, T0·TMult, ... steps. */
export function cosineAnnealingWarmRestarts({ lr0, T0, TMult = 1, etaMin = 0 }: { lr0: number; T0: number; TMult?: number; etaMin?: number }): Schedule {
  need('cosineAnnealingWarmRestarts', 'T0', T0, isInt(T0, 1), 'an integer >= 1');
  need('cosineAnnealingWarmRestarts', 'TMult', TMult, isInt(TMult, 1), 'an integer >= 1');
  return schedule('cosineAnnealingWarmRestarts', (t) => {
    let Tcur = t;
    let Ti = T0;
    while (Tcur >= Ti) {
      Tcur -= Ti;
      Ti *= TMult;
    }
    return etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * Tcur) / Ti))) / 2;
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

function oneCyclePhases(o: OneCycleOptions) {
  const { maxLr, totalSteps: n, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4, threePhase = false } = o;
  need('oneCycle', 'maxLr', maxLr, isNum(maxLr, 0), 'a finite number >= 0');
  need('oneCycle', 'totalSteps', n, isInt(n, 1), 'an integer >= 1');
  const initial = maxLr / divFactor;
  const min = initial / finalDivFactor;
  const { baseMomentum: bm = 0.85, maxMomentum: mm = 0.95 } = o;
  const phases = threePhase
    ? [
        { end: pctStart * n - 1, lr: [initial, maxLr], m: [mm, bm] },
        { end: 2 * pctStart * n - 2, lr: [maxLr, initial], m: [bm, mm] },
        { end: n - 1, lr: [initial, min], m: [mm, mm] },
      ]
    : [
        { end: pctStart * n - 1, lr: [initial, maxLr], m: [mm, bm] },
        { end: n - 1, lr: [maxLr, min], m: [bm, mm] },
      ];
  const anneal =
    o.annealStrategy === 'linear'
      ? (a: number, b: number, pct: number) => (b - a) * pct + a
      : (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1);
  return (t: number, which: 'lr' | 'm'): number => {
    if (t > n) throw new ValueRangeError(`oneCycle: step ${t} is past totalSteps ${n}`);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const ph = phases[i];
      if (t <= ph.end || i === phases.length - 1) {
        const v = ph[which];
        return anneal(v[0], v[1], (t - start) / (ph.end - start));
      }
      start = ph.end;
    }
    return Number.NaN;
  };
}

/** OneCycleLR's lr at step t. */
export function oneCycle(o: OneCycleOptions): Schedule {
  const f = oneCyclePhases(o);
  return schedule('oneCycle', (t) => f(t, 'lr'));
}

/** OneCycleLR's momentum (or beta1) at step t. */
export function oneCycleMomentum(o: OneCycleOptions): Schedule {
  const f = oneCyclePhases(o);
  return schedule('oneCycleMomentum', (t) => f(t, 'm'));
}

/** The seeds' power schedule: lr0 · (1 + t/s)^(−c). */
export function power({ lr0, s, c }: { lr0: number; s: number; c: number }): Schedule {
  need('power', 's', s, isNum(s) && s > 0, 'a finite number > 0');
  need('power', 'c', c, isNum(c, 0), 'a finite number >= 0');
  return schedule('power', (t) => lr0 * (1 + t / s) ** -c);
}

/** Inverse square root: lr0 / sqrt(max(t, warmup)), warmup >= 1 (flat for the first warmup steps). */
export function inverseSqrt({ lr0, warmup = 1 }: { lr0: number; warmup?: number }): Schedule {
  need('inverseSqrt', 'warmup', warmup, isNum(warmup) && warmup >= 1, 'a finite number >= 1');
  return schedule('inverseSqrt', (t) => lr0 * (1 / Math.sqrt(Math.max(t, warmup))));
}

/**
 * SequentialLR as a function: schedule i runs from milestone i−1 on, with its own t restarting at 0.
 */
export function sequential(schedules: readonly Schedule[], milestones: readonly number[]): Schedule {
  if (milestones.length !== schedules.length - 1) {
    throw new ValueRangeError(`sequential: expected ${schedules.length - 1} milestones (one fewer than the ${schedules.length} schedules), got ${milestones.length}`);
  }
  return schedule('sequential', (t) => {
    const i = milestones.filter((m) => m <= t).length;
    return schedules[i](i === 0 ? t : t - milestones[i - 1]);
  });
}
