/**
 * Each schedule family's option rules and PyTorch defaults, shared by its scheduler class (plus
 * `lastEpoch`) and its closed-form function (plus `lr0`), so both check the same way.
 */
import {
  type Rule,
  type Rules,
  atLeast,
  bool,
  closedUnit,
  intAtLeast,
  nonNegative,
  nonNegativeInt,
  oneOf,
  openClosedUnit,
  optional,
  perGroupOf,
  positive,
  steps,
  unit,
} from '../check.js';

/** A family: rules for its options and the defaults of those that have one. */
export interface Family<O> {
  rules: Rules<O>;
  defaults: Partial<O>;
}

export const lastEpochRule: Rule = intAtLeast(-1);

export const STEP: Family<{ stepSize: number; gamma: number }> = {
  rules: { stepSize: intAtLeast(1), gamma: nonNegative },
  defaults: { gamma: 0.1 },
};

export const MULTI_STEP: Family<{ milestones: readonly number[]; gamma: number }> = {
  rules: { milestones: steps, gamma: nonNegative },
  defaults: { gamma: 0.1 },
};

export const EXPONENTIAL: Family<{ gamma: number }> = { rules: { gamma: nonNegative }, defaults: {} };

export const CONSTANT: Family<{ factor: number; totalIters: number }> = {
  rules: { factor: closedUnit, totalIters: nonNegativeInt },
  defaults: { factor: 1 / 3, totalIters: 5 },
};

export const LINEAR: Family<{ startFactor: number; endFactor: number; totalIters: number }> = {
  rules: { startFactor: openClosedUnit, endFactor: closedUnit, totalIters: intAtLeast(1) },
  defaults: { startFactor: 1 / 3, endFactor: 1, totalIters: 5 },
};

export const POLYNOMIAL: Family<{ totalIters: number; power: number }> = {
  rules: { totalIters: intAtLeast(1), power: nonNegative },
  defaults: { totalIters: 5, power: 1 },
};

/** CosineAnnealingLR (the recursive form needs an integer tMax; the function takes any tMax > 0). */
export const COSINE: Family<{ tMax: number; etaMin: number }> = {
  rules: { tMax: intAtLeast(1), etaMin: nonNegative },
  defaults: { etaMin: 0 },
};

export const WARM_RESTARTS: Family<{ t0: number; tMult: number; etaMin: number }> = {
  rules: { t0: intAtLeast(1), tMult: intAtLeast(1), etaMin: nonNegative },
  defaults: { tMult: 1, etaMin: 0 },
};

export const POWER: Family<{ s: number; c: number }> = { rules: { s: positive, c: nonNegative }, defaults: {} };

export const INVERSE_SQRT: Family<{ warmup: number }> = { rules: { warmup: atLeast(1) }, defaults: { warmup: 1 } };

/** The options OneCycleLR and the oneCycle functions share. */
export const ONE_CYCLE: Family<{
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  divFactor: number;
  finalDivFactor: number;
  threePhase: boolean;
}> = {
  rules: { pctStart: closedUnit, annealStrategy: oneOf('cos', 'linear'), divFactor: positive, finalDivFactor: positive, threePhase: bool },
  defaults: { pctStart: 0.3, annealStrategy: 'cos', divFactor: 25, finalDivFactor: 1e4, threePhase: false },
};

/** OneCycleLR's own: per-group values, and the length given as totalSteps or as epochs × stepsPerEpoch. */
export const ONE_CYCLE_LR: Family<{
  maxLr: number | readonly number[];
  totalSteps: number | undefined;
  epochs: number | undefined;
  stepsPerEpoch: number | undefined;
  cycleMomentum: boolean;
  baseMomentum: number | readonly number[];
  maxMomentum: number | readonly number[];
}> = {
  rules: {
    maxLr: perGroupOf(nonNegative),
    totalSteps: optional(intAtLeast(1)),
    epochs: optional(intAtLeast(1)),
    stepsPerEpoch: optional(intAtLeast(1)),
    cycleMomentum: bool,
    baseMomentum: perGroupOf(nonNegative),
    maxMomentum: perGroupOf(nonNegative),
  },
  defaults: { cycleMomentum: true, baseMomentum: 0.85, maxMomentum: 0.95 },
};

export const PLATEAU: Family<{
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLr: number | readonly number[];
  eps: number;
}> = {
  rules: {
    mode: oneOf('min', 'max'),
    factor: unit,
    patience: nonNegativeInt,
    threshold: nonNegative,
    thresholdMode: oneOf('rel', 'abs'),
    cooldown: nonNegativeInt,
    minLr: perGroupOf(nonNegative),
    eps: nonNegative,
  },
  defaults: { mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8 },
};

/** A function (epoch) => factor, or one per parameter group. */
export const LAMBDA: Family<{ lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[] }> = {
  rules: {
    lrLambda: {
      ok: (v) => typeof v === 'function' || (Array.isArray(v) && v.length > 0 && v.every((f) => typeof f === 'function')),
      valid: 'a function (epoch) => factor, or an array of them (one per parameter group)',
    },
  },
  defaults: {},
};
