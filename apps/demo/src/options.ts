/**
 * The command line: parseArgs' flag table, the defaults, and parseOptions, which turns argv into
 * DemoOptions or throws a UsageError (exit code 2) before anything is loaded or trained.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKENDS, type BackendName } from './backend.js';
import { CNN_DEFAULTS, MODELS, type ModelName } from './cnn.js';
import { DATASETS, type DatasetName } from './data.js';
import { NON_NEGATIVE, POSITIVE, type Range, UNIT, nonNegativeInt, numberIn, oneOf, pairIn, positiveInt } from './flags.js';
import { checkHistoryPath } from './history.js';
import { ACTIVATION_NAMES, type Activation, INIT_NAMES, type InitName, NORM_NAMES, type NormName } from './model.js';
import { type Hyper, type HyperName, OPTIMIZERS, OPTIMIZER_NAMES, type OptimizerName, resolveHyper, takenBy, takes } from './optimizers.js';
import {
  type RunShape,
  SCHEDULE_NAMES,
  type ScheduleName,
  type ScheduleParamName,
  type ScheduleParams,
  checkSchedule,
  resolveSchedule,
  scheduleTakenBy,
  scheduleTakes,
} from './schedules.js';
import { UsageError } from './ui.js';

export interface DemoOptions {
  dataset: DatasetName;
  /** --data: the Fashion-MNIST directory (null: search the default places). */
  data: string | null;
  /** --samples (null: the dataset's default). */
  samples: number | null;
  /** --model: the MLP below (default) or the fixed convolutional network of cnn.ts (images only). */
  model: ModelName;
  hidden: number[];
  activation: Activation;
  norm: NormName;
  /** Dropout probability after each hidden activation (0: none). */
  dropout: number;
  residual: boolean;
  init: InitName;
  optimizer: OptimizerName;
  lr: number;
  /** Exactly the hyperparameters the optimizer takes: its defaults with the flags over them. */
  hyper: Partial<Hyper>;
  schedule: ScheduleName;
  /** Exactly the parameters the schedule takes, likewise. */
  scheduleParams: Partial<ScheduleParams>;
  epochs: number;
  batchSize: number;
  seed: number;
  /** EarlyStopping patience in epochs (null: train every epoch). */
  patience: number | null;
  out: string;
  backend: BackendName;
  /** Force the progress bar on or off (null: on when stderr is a terminal). */
  progress: boolean | null;
  /** --history: where to write the per-epoch logs (.json or .csv), or null. */
  history: string | null;
  /** --overfit-batch: overfitBatch on one small batch for this many steps instead of fit (null: fit). */
  overfitSteps: number | null;
}

/** Defaults that depend on the data set (the learning rate's are in the optimizer table). */
export const DATASET_DEFAULTS: Record<DatasetName, { epochs: number; hidden: number[]; batchSize: number }> = {
  spiral: { epochs: 30, hidden: [64, 64], batchSize: 32 },
  linreg: { epochs: 20, hidden: [], batchSize: 32 },
  'fashion-mnist': { epochs: 5, hidden: [256, 128], batchSize: 128 },
};

export const DEFAULTS = {
  dataset: 'spiral' as DatasetName,
  activation: 'relu' as Activation,
  norm: 'none' as NormName,
  init: 'default' as InitName,
  optimizer: 'adam' as OptimizerName,
  schedule: 'cosine' as ScheduleName,
  seed: 0,
  backend: 'cpu' as BackendName,
};

/** --overfit-batch: overfitBatch wants fewer than 30 examples; 16 is one small batch. */
export const OVERFIT = { examples: 16, steps: 300 };

/** Where the model goes without --out: <tmpdir>/nn-demo/<dataset>.safetensors. */
export const defaultOut = (dataset: DatasetName): string => join(tmpdir(), 'nn-demo', `${dataset}.safetensors`);

const OPTIONS = {
  dataset: { type: 'string' },
  data: { type: 'string' },
  samples: { type: 'string' },
  model: { type: 'string' },
  hidden: { type: 'string' },
  activation: { type: 'string' },
  norm: { type: 'string' },
  dropout: { type: 'string' },
  residual: { type: 'boolean' },
  init: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  betas: { type: 'string' },
  beta1: { type: 'string' },
  beta2: { type: 'string' },
  eps: { type: 'string' },
  'weight-decay': { type: 'string' },
  alpha: { type: 'string' },
  schedule: { type: 'string' },
  'step-size': { type: 'string' },
  gamma: { type: 'string' },
  'warmup-epochs': { type: 'string' },
  t0: { type: 'string' },
  't-mult': { type: 'string' },
  'eta-min': { type: 'string' },
  'max-lr': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  patience: { type: 'string' },
  'overfit-batch': { type: 'boolean' },
  'overfit-steps': { type: 'string' },
  out: { type: 'string' },
  history: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
type Flag = keyof typeof OPTIONS;

/** Every flag the CLI accepts (for the help test). */
export const FLAGS = Object.keys(OPTIONS).map((k) => `--${k}`);

/** The optimizer flags and the hyperparameter each sets. */
const HYPER_OF: [Flag, HyperName][] = [
  ['momentum', 'momentum'],
  ['nesterov', 'nesterov'],
  ['betas', 'betas'],
  ['beta1', 'betas'],
  ['beta2', 'betas'],
  ['eps', 'eps'],
  ['weight-decay', 'weightDecay'],
  ['alpha', 'alpha'],
];
const HYPER_RANGES: Record<'momentum' | 'eps' | 'weightDecay' | 'alpha', Range> = {
  momentum: UNIT,
  eps: NON_NEGATIVE,
  weightDecay: NON_NEGATIVE,
  alpha: UNIT,
};

/** The schedule flags, the parameter each sets, and its parser. */
const SCHEDULE_OF: [Flag, ScheduleParamName, (flag: string, v: string) => number][] = [
  ['step-size', 'stepSize', positiveInt],
  ['gamma', 'gamma', (f, v) => numberIn(f, v, { min: 0, max: 1, minOpen: true })],
  ['warmup-epochs', 'warmupEpochs', positiveInt],
  ['t0', 't0', positiveInt],
  ['t-mult', 'tMult', positiveInt],
  ['eta-min', 'etaMin', (f, v) => numberIn(f, v, NON_NEGATIVE)],
  ['max-lr', 'maxLr', (f, v) => numberIn(f, v, POSITIVE)],
];

/** Flags that shape the MLP (rejected with --model cnn). */
const MLP_ONLY: Flag[] = ['hidden', 'activation', 'norm', 'residual', 'init'];

/** Flags that only mean something to fit (rejected with --overfit-batch). */
const FIT_ONLY: Flag[] = [
  'epochs',
  'batch-size',
  'schedule',
  ...SCHEDULE_OF.map(([f]) => f),
  'patience',
  'history',
  'out',
  'progress',
  'no-progress',
];

function parseHidden(v: string): number[] {
  const s = v.trim();
  if (s === 'none' || s === '') return [];
  const parts = s.split(',');
  if (parts.some((p) => !/^\s*\d+\s*$/.test(p) || Number(p) < 1)) {
    throw new UsageError(`--hidden must be comma-separated positive integers (e.g. 64,64) or 'none', got '${v}'`);
  }
  return parts.map(Number);
}

/** parseArgs, with its messages made short and one line. */
function parseFlags(argv: readonly string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    // parseArgs' unknown-option message is long-winded ("To specify a positional argument
    // starting with a '-', ..."): keep the flag. Other messages are kept, on one line.
    const code = (e as { code?: string }).code;
    const msg = (e as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(msg)?.[1] ?? msg;
      throw new UsageError(`unknown option '${flag}'`);
    }
    // "Option '--lr' argument is ambiguous. Did you forget ...? To specify ... use '--lr=-XYZ'."
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(msg);
    if (ambiguous) throw new UsageError(`${ambiguous[1]} needs a value; for one starting with '-', write ${ambiguous[1]}=VALUE`);
    throw new UsageError(msg.replace(/\s*\n\s*/g, ' ').replace(/^Option '/, "option '"));
  }
}

export function parseOptions(argv: readonly string[]): DemoOptions | 'help' {
  const { values, positionals } = parseFlags(argv);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (options start with --)`);
  const str = (k: Flag) => values[k] as string | undefined;
  const given = (k: Flag) => values[k] !== undefined;
  const choice = <T extends string>(k: Flag, allowed: readonly T[], fallback: T): T =>
    given(k) ? oneOf(`--${k}`, str(k)!, allowed) : fallback;
  /** ", the default" when the user did not pick it: a message about it then makes sense. */
  const picked = (k: Flag) => (given(k) ? '' : ', the default');

  const dataset = choice('dataset', DATASETS, DEFAULTS.dataset);
  const defaults = DATASET_DEFAULTS[dataset];
  const optimizer = choice('optimizer', OPTIMIZER_NAMES, DEFAULTS.optimizer);
  const schedule = choice('schedule', SCHEDULE_NAMES, DEFAULTS.schedule);
  const backend = choice('backend', BACKENDS, DEFAULTS.backend);
  if (given('data') && dataset !== 'fashion-mnist')
    throw new UsageError(`--data applies to --dataset fashion-mnist only (the ${dataset} data is generated)`);
  if (given('data') && str('data')!.trim() === '') throw new UsageError('--data needs a directory, got an empty string');
  if (values.progress && values['no-progress']) throw new UsageError('--progress and --no-progress contradict each other');
  if (given('out') && str('out')!.trim() === '') throw new UsageError('--out needs a file path, got an empty string');

  const overfit = values['overfit-batch'] === true;
  if (overfit) {
    const fitOnly = FIT_ONLY.find(given);
    if (fitOnly !== undefined) {
      throw new UsageError(
        `--${fitOnly} does not apply to --overfit-batch (it trains one batch of ${OVERFIT.examples} examples for --overfit-steps steps and saves nothing)`,
      );
    }
    // overfitBatch reads the loss with item() after every step.
    if (backend === 'webgpu') throw new UsageError('--overfit-batch needs a backend that reads synchronously: --backend cpu or wasm');
  } else if (given('overfit-steps')) {
    throw new UsageError('--overfit-steps applies to --overfit-batch only');
  }

  const model = choice('model', MODELS, 'mlp');
  if (model === 'cnn') {
    if (dataset !== 'fashion-mnist')
      throw new UsageError(`--model cnn needs image data: --dataset fashion-mnist (${dataset}${picked('dataset')}: points, not images)`);
    const mlpOnly = MLP_ONLY.find(given);
    if (mlpOnly !== undefined)
      throw new UsageError(`--${mlpOnly} applies to --model mlp only (the cnn's layers are fixed; --dropout applies to both)`);
  }
  const hidden = given('hidden') ? parseHidden(str('hidden')!) : [...defaults.hidden];
  const dropout = given('dropout') ? numberIn('--dropout', str('dropout')!, UNIT, 'a probability in [0, 1)') : 0;
  if (hidden.length === 0) {
    const layerFlag = (['norm', 'dropout', 'residual'] as const).find(given);
    if (layerFlag !== undefined) throw new UsageError(`--${layerFlag} needs hidden layers (--hidden none is a linear model)`);
  }

  const lr = given('lr') ? numberIn('--lr', str('lr')!, POSITIVE) : OPTIMIZERS[optimizer].lr[dataset];
  const hyper = resolveHyper(optimizer, givenHyper(optimizer, values, picked('optimizer')));
  if (hyper.nesterov && hyper.momentum === 0)
    throw new UsageError('--nesterov needs --momentum > 0 (Nesterov momentum without momentum is plain SGD; PyTorch refuses it too)');

  const epochs = given('epochs') ? positiveInt('--epochs', str('epochs')!) : model === 'cnn' ? CNN_DEFAULTS.epochs : defaults.epochs;
  const run: RunShape = { epochs, lr };
  const givenSchedule: Partial<ScheduleParams> = {};
  for (const [flag, key, parse] of SCHEDULE_OF) {
    if (!given(flag)) continue;
    if (!scheduleTakes(schedule, key, run)) {
      throw new UsageError(
        `--${flag} does not apply to --schedule ${schedule}${picked('schedule')} (only to ${scheduleTakenBy(key, run).join(', ')})`,
      );
    }
    givenSchedule[key] = parse(`--${flag}`, str(flag)!);
  }
  const scheduleParams = resolveSchedule(schedule, givenSchedule, run);
  const problem = checkSchedule(schedule, scheduleParams, run);
  if (problem !== null) throw new UsageError(problem);

  const history = given('history') ? str('history')! : null;
  if (history !== null) checkHistoryPath(history);

  return {
    dataset,
    data: given('data') ? str('data')! : null,
    samples: given('samples') ? positiveInt('--samples', str('samples')!) : null,
    model,
    hidden,
    activation: choice('activation', ACTIVATION_NAMES, DEFAULTS.activation),
    norm: choice('norm', NORM_NAMES, DEFAULTS.norm),
    dropout,
    residual: values.residual === true,
    init: choice('init', INIT_NAMES, DEFAULTS.init),
    optimizer,
    lr,
    hyper,
    schedule,
    scheduleParams,
    epochs,
    batchSize: given('batch-size')
      ? positiveInt('--batch-size', str('batch-size')!)
      : model === 'cnn'
        ? CNN_DEFAULTS.batchSize
        : defaults.batchSize,
    seed: given('seed') ? nonNegativeInt('--seed', str('seed')!) : DEFAULTS.seed,
    patience: given('patience') ? positiveInt('--patience', str('patience')!) : null,
    out: resolve(given('out') ? str('out')! : defaultOut(dataset)),
    backend,
    progress: values.progress ? true : values['no-progress'] ? false : null,
    history: history === null ? null : resolve(history),
    overfitSteps: overfit ? (given('overfit-steps') ? positiveInt('--overfit-steps', str('overfit-steps')!) : OVERFIT.steps) : null,
  };
}

/** The optimizer flags given, checked against what the optimizer takes. */
function givenHyper(optimizer: OptimizerName, values: Record<string, string | boolean | undefined>, picked: string): Partial<Hyper> {
  const str = (k: Flag) => values[k] as string | undefined;
  const given = (k: Flag) => values[k] !== undefined;
  for (const [flag, key] of HYPER_OF) {
    if (given(flag) && !takes(optimizer, key)) {
      throw new UsageError(`--${flag} does not apply to --optimizer ${optimizer}${picked} (only to ${takenBy(key).join(', ')})`);
    }
  }
  const h: Partial<Hyper> = {};
  for (const key of ['momentum', 'eps', 'weightDecay', 'alpha'] as const) {
    const flag = HYPER_OF.find(([, k]) => k === key)![0];
    if (given(flag)) h[key] = numberIn(`--${flag}`, str(flag)!, HYPER_RANGES[key]);
  }
  if (values.nesterov === true) h.nesterov = true;
  if (given('betas')) {
    if (given('beta1') || given('beta2')) throw new UsageError('give --betas or --beta1/--beta2, not both');
    h.betas = pairIn('--betas', str('betas')!, UNIT, '0.9,0.999');
  } else if (given('beta1') || given('beta2')) {
    const [d1, d2] = OPTIMIZERS[optimizer].defaults.betas!;
    h.betas = [
      given('beta1') ? numberIn('--beta1', str('beta1')!, UNIT) : d1,
      given('beta2') ? numberIn('--beta2', str('beta2')!, UNIT) : d2,
    ];
  }
  return h;
}
