/**
 * Optimizers and learning-rate schedulers of a configuration, from @nn/optim. The schedulers step
 * once per optimizer step (fit's schedulerInterval 'step'); their lengths come from the same
 * scheduleSteps the page uses to draw the curve before training.
 */
import type { Tensor } from '@nn/tensor';
import { Adagrad, Adam, Adamax, AdamW, Lion, type Optimizer, RMSprop, SGD, lr } from '@nn/optim';
import type { Config, OptimizerName, ScheduleName } from '../config.js';
import { type Steps, WARMUP_START, perStepGamma, scheduleSteps } from '../schedule.js';

const OPTIMIZERS: Record<OptimizerName, (params: Tensor[], c: Config) => Optimizer> = {
  sgd: (p, c) => new SGD(p, { lr: c.lr, momentum: c.momentum, nesterov: c.nesterov && c.momentum > 0, weightDecay: c.weightDecay }),
  adagrad: (p, c) => new Adagrad(p, { lr: c.lr, weightDecay: c.weightDecay }),
  rmsprop: (p, c) => new RMSprop(p, { lr: c.lr, alpha: c.alpha, momentum: c.momentum, weightDecay: c.weightDecay }),
  adam: (p, c) => new Adam(p, { lr: c.lr, betas: [c.beta1, c.beta2], weightDecay: c.weightDecay }),
  adamw: (p, c) => new AdamW(p, { lr: c.lr, betas: [c.beta1, c.beta2], weightDecay: c.weightDecay }),
  adamax: (p, c) => new Adamax(p, { lr: c.lr, betas: [c.beta1, c.beta2], weightDecay: c.weightDecay }),
  lion: (p, c) => new Lion(p, { lr: c.lr, betas: [c.beta1, c.beta2], weightDecay: c.weightDecay }),
};

export function makeOptimizer(name: OptimizerName, params: Tensor[], c: Config): Optimizer {
  return OPTIMIZERS[name](params, c);
}

export interface Scheduler {
  step(): void;
}

/** One-cycle cycles momentum (or Adam's beta1) only where the optimizer has one in use. */
const cyclesMomentum = (o: Optimizer): boolean => {
  const d = o.defaults as { momentum?: number; betas?: unknown };
  return d.betas !== undefined || (d.momentum ?? 0) > 0;
};

const SCHEDULERS: Record<ScheduleName, (o: Optimizer, c: Config, s: Steps) => Scheduler | undefined> = {
  constant: () => undefined,
  step: (o, c, s) => new lr.StepLR(o, { stepSize: s.step, gamma: c.gamma }),
  exponential: (o, c, s) => new lr.ExponentialLR(o, { gamma: perStepGamma(c, s) }),
  cosine: (o, _c, s) => new lr.CosineAnnealingLR(o, { tMax: s.total }),
  warmup: (o, _c, s) => new lr.LinearLR(o, { startFactor: WARMUP_START, totalIters: s.warmup }),
  'warmup-cosine': (o, _c, s) =>
    new lr.SequentialLR(o, {
      schedulers: [
        new lr.LinearLR(o, { startFactor: WARMUP_START, totalIters: s.warmup }),
        new lr.CosineAnnealingLR(o, { tMax: s.total - s.warmup }),
      ],
      milestones: [s.warmup],
    }),
  restarts: (o, c, s) => new lr.CosineAnnealingWarmRestarts(o, { t0: s.restart, tMult: Math.max(1, Math.round(c.restartMult)) }),
  'one-cycle': (o, c, s) => new lr.OneCycleLR(o, { maxLr: c.lr, totalSteps: s.total, cycleMomentum: cyclesMomentum(o) }),
};

export function makeScheduler(o: Optimizer, c: Config): Scheduler | undefined {
  return SCHEDULERS[c.schedule](o, c, scheduleSteps(c));
}
