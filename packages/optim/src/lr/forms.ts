/**
 * The schedules' closed forms (PyTorch's `_get_closed_form_lr`): the lr at step t from the initial
 * lr `lr0`, unchecked. The schedule functions wrap them with option checks; the schedulers use them
 * for `step(epoch)` and for the schedules that have no recursive form. One formula per schedule.
 */

/** StepLR: lr0 · gamma^floor(t / stepSize). */
export const stepForm = (lr0: number, t: number, o: { stepSize: number; gamma: number }): number =>
  lr0 * o.gamma ** Math.floor(t / o.stepSize);

/** MultiStepLR: lr0 · gamma^(number of milestones <= t), PyTorch's bisect_right. */
export const multiStepForm = (lr0: number, t: number, o: { milestones: readonly number[]; gamma: number }): number =>
  lr0 * o.gamma ** o.milestones.filter((m) => m <= t).length;

/** ExponentialLR: lr0 · gamma^t. */
export const exponentialForm = (lr0: number, t: number, o: { gamma: number }): number => lr0 * o.gamma ** t;

/** ConstantLR: lr0 · factor before totalIters, lr0 from then on (written as PyTorch does). */
export const constantForm = (lr0: number, t: number, o: { factor: number; totalIters: number }): number =>
  lr0 * (o.factor + (t >= o.totalIters ? 1 : 0) * (1 - o.factor));

/** LinearLR: lr0 · (startFactor + (endFactor − startFactor) · min(t, totalIters) / totalIters). */
export const linearForm = (lr0: number, t: number, o: { startFactor: number; endFactor: number; totalIters: number }): number =>
  lr0 * (o.startFactor + ((o.endFactor - o.startFactor) * Math.min(o.totalIters, t)) / o.totalIters);

/** PolynomialLR: lr0 · (1 − min(t, totalIters) / totalIters)^power. */
export const polynomialForm = (lr0: number, t: number, o: { totalIters: number; power: number }): number =>
  lr0 * (1 - Math.min(o.totalIters, t) / o.totalIters) ** o.power;

/** Half a cosine from lr0 (tCur = 0) down to etaMin (tCur = period): CosineAnnealingLR and each SGDR cycle. */
export const cosineForm = (lr0: number, tCur: number, o: { etaMin: number; period: number }): number =>
  o.etaMin + ((lr0 - o.etaMin) * (1 + Math.cos((Math.PI * tCur) / o.period))) / 2;

/** The seeds' power schedule: lr0 · (1 + t/s)^(−c). */
export const powerForm = (lr0: number, t: number, o: { s: number; c: number }): number => lr0 * (1 + t / o.s) ** -o.c;

/** Inverse square root: lr0 / sqrt(max(t, warmup)). */
export const inverseSqrtForm = (lr0: number, t: number, o: { warmup: number }): number => lr0 * (1 / Math.sqrt(Math.max(t, o.warmup)));

/** The values a 1cycle phase moves between (kept per parameter group by OneCycleLR, as PyTorch). */
export type OneCycleKey = 'initialLr' | 'maxLr' | 'minLr' | 'maxMomentum' | 'baseMomentum';

/** One phase of the 1cycle policy: it ends at `endStep` and moves lr and momentum between two values. */
export interface OneCyclePhase {
  /** Last step of the phase (fractional, as in PyTorch). */
  endStep: number;
  /** Where the lr starts. */
  startLr: 'initialLr' | 'maxLr';
  /** Where the lr ends. */
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  /** Where momentum (or beta1) starts. */
  startMomentum: 'maxMomentum' | 'baseMomentum';
  /** Where momentum (or beta1) ends. */
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

/** PyTorch's phases: up, down (two-phase); or up, down to initialLr, annihilate to minLr (three-phase). */
export function oneCyclePhases(totalSteps: number, pctStart: number, threePhase: boolean): OneCyclePhase[] {
  const up = pctStart * totalSteps - 1;
  if (!threePhase) {
    return [
      { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
      { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
    ];
  }
  return [
    { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
    {
      endStep: 2 * pctStart * totalSteps - 2,
      startLr: 'maxLr',
      endLr: 'initialLr',
      startMomentum: 'baseMomentum',
      endMomentum: 'maxMomentum',
    },
    { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
  ];
}

const ANNEAL = {
  cos: (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1),
  linear: (start: number, end: number, pct: number) => (end - start) * pct + start,
} as const;

/** OneCycleLR's lr and momentum at step t (t <= totalSteps), from a group's five values. */
export function oneCycleForm(
  t: number,
  phases: readonly OneCyclePhase[],
  values: Readonly<Record<OneCycleKey, number>>,
  annealStrategy: 'cos' | 'linear',
): { lr: number; momentum: number } {
  const anneal = ANNEAL[annealStrategy];
  // The first phase that t has not passed; the last one past its end (float rounding of endStep).
  const found = phases.findIndex((ph) => t <= ph.endStep);
  const k = found === -1 ? phases.length - 1 : found;
  const ph = phases[k]!; // phases is never empty
  const start = k === 0 ? 0 : phases[k - 1]!.endStep;
  const pct = (t - start) / (ph.endStep - start);
  return {
    lr: anneal(values[ph.startLr], values[ph.endLr], pct),
    momentum: anneal(values[ph.startMomentum], values[ph.endMomentum], pct),
  };
}
