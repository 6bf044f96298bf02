/**
 * Learning-rate schedules in closed form (@nn/optim's `lr.*` functions), per optimizer step, so the
 * page draws the curve before training; the worker drives the optimizer with the matching
 * scheduler classes (worker/optim.ts) and reports the lr it actually used, drawn over this curve.
 */
import { lr } from '@nn/optim';
import type { Config, ScheduleName } from './config.js';

/** Samples in the training split, as @nn/data's randomSplit sizes [1 - valSplit, valSplit]. */
export function trainCount(n: number, valSplit: number): number {
  const sizes = [Math.floor(n * (1 - valSplit)), Math.floor(n * valSplit)];
  const rest = n - sizes[0] - sizes[1];
  return sizes[0] + (rest > 0 ? 1 : 0);
}

/** Number of samples a dataset has (digits is fixed). */
export const sampleCount = (c: Config): number => (c.dataset === 'digits' ? 1797 : c.samples);

export function stepsPerEpoch(c: Config): number {
  return Math.max(1, Math.ceil(trainCount(sampleCount(c), c.valSplit) / c.batchSize));
}

/** Schedule lengths in optimizer steps. */
export interface Steps {
  perEpoch: number;
  total: number;
  step: number;
  warmup: number;
  restart: number;
}

export function scheduleSteps(c: Config): Steps {
  const perEpoch = stepsPerEpoch(c);
  const atLeast1 = (epochs: number) => Math.max(1, Math.round(epochs * perEpoch));
  return {
    perEpoch,
    total: perEpoch * c.epochs,
    step: atLeast1(c.stepEpochs),
    warmup: Math.min(atLeast1(c.warmupEpochs), Math.max(1, perEpoch * c.epochs - 1)),
    restart: atLeast1(c.restartEpochs),
  };
}

/** The per-step decay factor that multiplies the lr by `gamma` once per epoch. */
export const perStepGamma = (c: Config, s: Steps): number => c.gamma ** (1 / s.perEpoch);

/** Warm-up starts at this fraction of the lr. */
export const WARMUP_START = 0.01;

const CURVES: Record<ScheduleName, (c: Config, s: Steps) => lr.Schedule> = {
  constant: (c) => () => c.lr,
  step: (c, s) => lr.stepDecay({ lr0: c.lr, stepSize: s.step, gamma: c.gamma }),
  exponential: (c, s) => lr.exponentialDecay({ lr0: c.lr, gamma: perStepGamma(c, s) }),
  cosine: (c, s) => lr.cosineAnnealing({ lr0: c.lr, tMax: s.total }),
  warmup: (c, s) => lr.linearSchedule({ lr0: c.lr, startFactor: WARMUP_START, totalIters: s.warmup }),
  'warmup-cosine': (c, s) =>
    lr.sequential(
      [
        lr.linearSchedule({ lr0: c.lr, startFactor: WARMUP_START, totalIters: s.warmup }),
        lr.cosineAnnealing({ lr0: c.lr, tMax: s.total - s.warmup }),
      ],
      [s.warmup],
    ),
  restarts: (c, s) => lr.cosineAnnealingWarmRestarts({ lr0: c.lr, t0: s.restart, tMult: Math.max(1, Math.round(c.restartMult)) }),
  'one-cycle': (c, s) => lr.oneCycle({ maxLr: c.lr, totalSteps: s.total }),
};

/** The lr at every step of the run, sampled to at most `points` points: [epochs (fractional), lrs]. */
export function scheduleCurve(c: Config, points = 400): [number[], number[]] {
  const s = scheduleSteps(c);
  const f = CURVES[c.schedule](c, s);
  const every = Math.max(1, Math.ceil(s.total / points));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = 0; t < s.total; t += every) {
    xs.push(t / s.perEpoch);
    ys.push(f(t));
  }
  return [xs, ys];
}
