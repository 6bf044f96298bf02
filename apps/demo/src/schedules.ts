/**
 * `--schedule`: learning-rate schedules from @nn/optim's `lr` namespace (torch.optim.lr_scheduler),
 * keyed by CLI name, each with the parameter flags it takes and their defaults.
 */
import { lr as schedulers } from '@nn/optim';
import { keysOf } from './flags.js';
import type { DemoOptimizer } from './optimizers.js';

/** Every schedule parameter the CLI sets; each schedule takes a few. */
export interface ScheduleParams {
  stepSize: number;
  gamma: number;
  warmupEpochs: number;
  t0: number;
  tMult: number;
  etaMin: number;
  maxLr: number;
}
export type ScheduleParamName = keyof ScheduleParams;

export const SCHEDULE_FLAGS: Record<ScheduleParamName, string> = {
  stepSize: '--step-size',
  gamma: '--gamma',
  warmupEpochs: '--warmup-epochs',
  t0: '--t0',
  tMult: '--t-mult',
  etaMin: '--eta-min',
  maxLr: '--max-lr',
};

/** What a schedule's defaults and constructor may depend on. */
export interface RunShape {
  epochs: number;
  lr: number;
}

export interface ScheduleSpec {
  /** How --help describes it. */
  help: string;
  /** Its parameters with their defaults for this run (the flags it takes are these keys). */
  defaults(run: RunShape): Partial<ScheduleParams>;
  /** A problem with the parameters for this run, or null. */
  check?(p: ScheduleParams, run: RunShape): string | null;
  /** fit's schedulerInterval: step after every epoch or after every batch. */
  interval: 'epoch' | 'step';
  make(optimizer: DemoOptimizer, p: ScheduleParams, ctx: ScheduleContext): schedulers.LRScheduler | undefined;
  /** PyTorch's way of writing it, for the report. */
  text(p: ScheduleParams, ctx: ScheduleContext): string;
}

export interface ScheduleContext extends RunShape {
  /** Batches per epoch (OneCycleLR counts steps). */
  stepsPerEpoch: number;
  /** Whether the optimizer has momentum or betas for OneCycleLR to cycle. */
  cycleMomentum: boolean;
}

/** Types the functions by the entry's defaults: they cannot read a parameter the entry does not take. */
const spec = <K extends ScheduleParamName>(s: {
  help: string;
  defaults: (run: RunShape) => Pick<ScheduleParams, K>;
  check?: (p: Pick<ScheduleParams, K>, run: RunShape) => string | null;
  interval: 'epoch' | 'step';
  make: (optimizer: DemoOptimizer, p: Pick<ScheduleParams, K>, ctx: ScheduleContext) => schedulers.LRScheduler | undefined;
  text: (p: Pick<ScheduleParams, K>, ctx: ScheduleContext) => string;
}): ScheduleSpec => s;

/** A third of the run, at least 1: step-size and t0 defaults that show a few steps or restarts. */
const third = (epochs: number): number => Math.max(1, Math.round(epochs / 3));

export type ScheduleName = 'none' | 'step' | 'exponential' | 'cosine' | 'warmup-cosine' | 'restarts' | 'onecycle';

export const SCHEDULES: Record<ScheduleName, ScheduleSpec> = {
  none: spec({ help: 'constant --lr', defaults: () => ({}), interval: 'epoch', make: () => undefined, text: () => 'constant lr' }),
  step: spec({
    help: 'StepLR: the lr times --gamma every --step-size epochs',
    defaults: ({ epochs }) => ({ stepSize: third(epochs), gamma: 0.1 }),
    interval: 'epoch',
    make: (o, p) => new schedulers.StepLR(o, { stepSize: p.stepSize, gamma: p.gamma }),
    text: (p) => `StepLR(step_size=${p.stepSize}, gamma=${p.gamma}) per epoch`,
  }),
  exponential: spec({
    help: 'ExponentialLR: the lr times --gamma every epoch',
    defaults: () => ({ gamma: 0.9 }),
    interval: 'epoch',
    make: (o, p) => new schedulers.ExponentialLR(o, { gamma: p.gamma }),
    text: (p) => `ExponentialLR(gamma=${p.gamma}) per epoch`,
  }),
  cosine: spec({
    help: 'CosineAnnealingLR: from --lr down to --eta-min over --epochs',
    defaults: () => ({ etaMin: 0 }),
    interval: 'epoch',
    make: (o, p, { epochs }) => new schedulers.CosineAnnealingLR(o, { tMax: epochs, etaMin: p.etaMin }),
    text: (p, { epochs }) => `CosineAnnealingLR(T_max=${epochs}, eta_min=${p.etaMin}) per epoch`,
  }),
  'warmup-cosine': spec({
    help: 'LinearLR up to --lr over --warmup-epochs, then\nCosineAnnealingLR down to --eta-min (a SequentialLR)',
    defaults: ({ epochs }) => ({ warmupEpochs: Math.max(1, Math.round(epochs / 10)), etaMin: 0 }),
    check: (p, { epochs }) =>
      p.warmupEpochs < epochs
        ? null
        : `--warmup-epochs (${p.warmupEpochs}) must be less than --epochs (${epochs}): the cosine part needs an epoch`,
    interval: 'epoch',
    make: (o, p, { epochs }) => {
      const w = p.warmupEpochs;
      // Start at lr / (w + 1) so the w warm-up epochs climb in equal steps to the full lr.
      const warmup = new schedulers.LinearLR(o, { startFactor: 1 / (w + 1), totalIters: w });
      const cosine = new schedulers.CosineAnnealingLR(o, { tMax: epochs - w, etaMin: p.etaMin });
      return new schedulers.SequentialLR(o, { schedulers: [warmup, cosine], milestones: [w] });
    },
    text: (p, { epochs }) =>
      `SequentialLR(LinearLR(start_factor=1/${p.warmupEpochs + 1}, total_iters=${p.warmupEpochs}), ` +
      `CosineAnnealingLR(T_max=${epochs - p.warmupEpochs}, eta_min=${p.etaMin}), milestones=[${p.warmupEpochs}]) per epoch`,
  }),
  restarts: spec({
    help: 'CosineAnnealingWarmRestarts: cosine down to --eta-min over\n--t0 epochs, then restart; each period --t-mult times longer',
    defaults: ({ epochs }) => ({ t0: third(epochs), tMult: 1, etaMin: 0 }),
    interval: 'epoch',
    make: (o, p) => new schedulers.CosineAnnealingWarmRestarts(o, { t0: p.t0, tMult: p.tMult, etaMin: p.etaMin }),
    text: (p) => `CosineAnnealingWarmRestarts(T_0=${p.t0}, T_mult=${p.tMult}, eta_min=${p.etaMin}) per epoch`,
  }),
  onecycle: spec({
    help: 'OneCycleLR, stepped every batch: from --max-lr/25 up to\n--max-lr in the first 30% of the batches, then down to\n--max-lr/250,000; momentum (or beta1) cycles between 0.95\nand 0.85 the other way, if the optimizer has either',
    defaults: ({ lr }) => ({ maxLr: lr }),
    interval: 'step',
    make: (o, p, { epochs, stepsPerEpoch, cycleMomentum }) =>
      new schedulers.OneCycleLR(o, { maxLr: p.maxLr, epochs, stepsPerEpoch, cycleMomentum }),
    text: (p, { cycleMomentum }) => `OneCycleLR(max_lr=${p.maxLr}, cycle_momentum=${cycleMomentum ? 'True' : 'False'}) per batch`,
  }),
};
export const SCHEDULE_NAMES = keysOf(SCHEDULES);

export const scheduleTakes = (name: ScheduleName, key: ScheduleParamName, run: RunShape): boolean => key in SCHEDULES[name].defaults(run);
export const scheduleTakenBy = (key: ScheduleParamName, run: RunShape): ScheduleName[] =>
  SCHEDULE_NAMES.filter((n) => scheduleTakes(n, key, run));

/** The entry's defaults for this run with the given values over them. */
export const resolveSchedule = (name: ScheduleName, given: Partial<ScheduleParams>, run: RunShape): Partial<ScheduleParams> => ({
  ...SCHEDULES[name].defaults(run),
  ...given,
});

// resolveSchedule filled in every parameter the entry takes, and its functions read no others.
export const checkSchedule = (name: ScheduleName, p: Partial<ScheduleParams>, run: RunShape): string | null =>
  SCHEDULES[name].check?.(p as ScheduleParams, run) ?? null;
export const makeScheduler = (name: ScheduleName, o: DemoOptimizer, p: Partial<ScheduleParams>, ctx: ScheduleContext) =>
  SCHEDULES[name].make(o, p as ScheduleParams, ctx);
export const scheduleText = (name: ScheduleName, p: Partial<ScheduleParams>, ctx: ScheduleContext): string =>
  SCHEDULES[name].text(p as ScheduleParams, ctx);
