/**
 * The @nn demo CLI (`pnpm demo`): trains an MLP with @nn/data + @nn/layers + @nn/optim + @nn/train
 * on a built-in data set (spiral by default) or on Fashion-MNIST, with a progress bar and per-epoch
 * validation, prints a result table and saves the model as safetensors.
 *
 * Flags are parsed with node:util parseArgs. Exit codes: 0 ok, 1 a run-time problem (data not
 * found, backend unavailable, unreadable data, cannot save), 2 bad flags. `main` runs in-process
 * (the tests call it) and returns the exit code and the results.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { NNError } from '@nn/tensor';
import { BACKENDS, type BackendName } from './backend.js';
import { DATASETS, type DatasetName, LINREG, SPIRAL, VAL_FRACTION, defaultFashionDirs } from './data.js';
import { ACTIVATIONS, type Activation } from './model.js';
import { type DemoOptions, type DemoResult, OPTIMIZERS, type OptimizerName, SCHEDULES, SGD_MOMENTUM, type ScheduleName, run } from './run.js';
import { DemoError, type Io, processIo, thousands } from './ui.js';

/** Defaults that depend on the data set (and, for the learning rate, on the optimizer). */
export const DATASET_DEFAULTS: Record<DatasetName, { epochs: number; hidden: number[]; batchSize: number; lr: Record<OptimizerName, number> }> = {
  spiral: { epochs: 30, hidden: [64, 64], batchSize: 32, lr: { adam: 0.01, sgd: 0.1 } },
  linreg: { epochs: 20, hidden: [], batchSize: 32, lr: { adam: 0.05, sgd: 0.05 } },
  'fashion-mnist': { epochs: 5, hidden: [256, 128], batchSize: 128, lr: { adam: 0.001, sgd: 0.05 } },
};

export const DEFAULTS = {
  dataset: 'spiral' as DatasetName,
  activation: 'relu' as Activation,
  optimizer: 'adam' as OptimizerName,
  schedule: 'cosine' as ScheduleName,
  seed: 0,
  backend: 'cpu' as BackendName,
};

/** Where the model goes without --out: <tmpdir>/nn-demo/<dataset>.safetensors. */
export const defaultOut = (dataset: DatasetName): string => join(tmpdir(), 'nn-demo', `${dataset}.safetensors`);

const hiddenText = (h: number[]) => (h.length === 0 ? 'none' : h.join(','));
const per = (f: (x: (typeof DATASET_DEFAULTS)[DatasetName]) => string) => DATASETS.map((k) => f(DATASET_DEFAULTS[k])).join(' / ');

export const HELP = `Usage: pnpm demo [options]            (from the repository root)
       node --conditions=@nn/source --import tsx apps/demo/src/cli.ts [options]

Trains an MLP with @nn (data, layers, optim, train): a seeded train/val split, a shuffling
DataLoader, fit() with per-epoch validation and a progress bar, then prints the per-epoch results,
the accuracy (or MSE) on a held-out test set, a confusion matrix, and saves the model.

Data:
  --dataset D        spiral (default): 3-class spiral, ${thousands(SPIRAL.samples)} points, noise ${SPIRAL.noise}; test: ${thousands(SPIRAL.testSamples)} fresh points
                     linreg: y = ${LINREG.weights[0]}*x1 - ${-LINREG.weights[1]}*x2 + ${LINREG.bias} + N(0, ${LINREG.noise}^2), ${thousands(LINREG.samples)} samples; test: ${thousands(LINREG.testSamples)} fresh
                     fashion-mnist: Zalando's 28x28 clothing images, 10 classes, 60,000 train
                       and 10,000 test images, read from the IDX files (see --data)
                     Train/val split with randomSplit (seeded): ${VAL_FRACTION.spiral * 100}% val (fashion-mnist: ${VAL_FRACTION['fashion-mnist'] * 100}%).
  --data DIR         fashion-mnist only: directory with train-images-idx3-ubyte,
                     train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
                     (each plain or .gz). Default: the first of
${defaultFashionDirs().map((p) => `                       ${p}`).join('\n')}
                     (Debian: apt-get install dataset-fashion-mnist)
  --samples N        points to generate (spiral, linreg), or training images to use (the first N
                     of 60,000, for quick fashion-mnist runs); default: all / as above

Model and training (defaults per data set: spiral / linreg / fashion-mnist):
  --hidden H         widths of the hidden layers, e.g. 64,64, or 'none' for a linear model
                     (${per((x) => hiddenText(x.hidden))})
  --epochs N         (${per((x) => String(x.epochs))})
  --batch-size N     (${per((x) => String(x.batchSize))})
  --lr X             learning rate (adam: ${per((x) => String(x.lr.adam))}; sgd: ${per((x) => String(x.lr.sgd))})
  --activation A     relu (default) or tanh, after every hidden layer
  --optimizer O      adam (default) or sgd (SGD with momentum ${SGD_MOMENTUM})
  --schedule S       learning-rate schedule per epoch: cosine (default; CosineAnnealingLR from
                     --lr down to 0 over --epochs) or constant
  --patience N       early stopping: stop when the val loss has not improved for N epochs and
                     restore the weights of the best epoch (default: off, train every epoch)
  --seed N           seeds the data, the split, the initialization and the shuffling (default ${DEFAULTS.seed});
                     the same seed gives the same run

Output:
  --out PATH         where to save the trained weights (safetensors, PyTorch's names: 0.weight,
                     0.bias, 2.weight, ...); default <tmpdir>/nn-demo/<dataset>.safetensors,
                     here ${defaultOut('spiral')}
  --progress         draw the progress bar (and per-epoch lines) on stderr even if it is not a terminal
  --no-progress      never draw it (default: drawn when stderr is a terminal)

Backend:
  --backend B        cpu (default, pure TypeScript), wasm (@nn/wasm-backend: WebAssembly SIMD,
                     up to 2 threads) or webgpu (@nn/webgpu-backend via Dawn; needs a Vulkan driver,
                     e.g. SwiftShader: see packages/webgpu-backend)

  -h, --help         show this help and exit

Exit codes: 0 ok; 1 the run failed (data not found or unreadable, backend unavailable, cannot
save); 2 bad flags.`;

/** Thrown for invalid command lines; main prints it and exits with code 2. */
export class UsageError extends Error {}

const OPTIONS = {
  dataset: { type: 'string' },
  data: { type: 'string' },
  samples: { type: 'string' },
  hidden: { type: 'string' },
  activation: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  patience: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every flag the CLI accepts (for the help test). */
export const FLAGS = Object.keys(OPTIONS).map((k) => `--${k}`);

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

function parseHidden(v: string): number[] {
  const s = v.trim();
  if (s === 'none' || s === '') return [];
  const parts = s.split(',');
  if (parts.some((p) => !/^\s*\d+\s*$/.test(p) || Number(p) < 1)) {
    throw new UsageError(`--hidden must be comma-separated positive integers (e.g. 64,64) or 'none', got '${v}'`);
  }
  return parts.map(Number);
}

export function parseOptions(argv: readonly string[]): DemoOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true }));
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
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (options start with --)`);
  const str = (k: keyof typeof OPTIONS) => values[k] as string | undefined;
  const given = (k: keyof typeof OPTIONS) => values[k] !== undefined;

  const dataset = given('dataset') ? oneOf('--dataset', str('dataset')!, DATASETS) : DEFAULTS.dataset;
  const defaults = DATASET_DEFAULTS[dataset];
  const optimizer = given('optimizer') ? oneOf('--optimizer', str('optimizer')!, OPTIMIZERS) : DEFAULTS.optimizer;
  if (given('data') && dataset !== 'fashion-mnist') throw new UsageError(`--data applies to --dataset fashion-mnist only (the ${dataset} data is generated)`);
  if (given('data') && str('data')!.trim() === '') throw new UsageError('--data needs a directory, got an empty string');
  if (values.progress && values['no-progress']) throw new UsageError('--progress and --no-progress contradict each other');

  let lr = defaults.lr[optimizer];
  if (given('lr')) {
    const s = str('lr')!;
    lr = Number(s);
    if (s.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr must be a positive number, got '${s}'`);
  }
  let seed = DEFAULTS.seed;
  if (given('seed')) {
    const s = str('seed')!;
    seed = Number(s);
    if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a non-negative integer, got '${s}'`);
  }
  if (given('out') && str('out')!.trim() === '') throw new UsageError('--out needs a file path, got an empty string');

  return {
    dataset,
    data: given('data') ? str('data')! : null,
    samples: given('samples') ? positiveInt('--samples', str('samples')!) : null,
    hidden: given('hidden') ? parseHidden(str('hidden')!) : [...defaults.hidden],
    activation: given('activation') ? oneOf('--activation', str('activation')!, ACTIVATIONS) : DEFAULTS.activation,
    optimizer,
    lr,
    schedule: given('schedule') ? oneOf('--schedule', str('schedule')!, SCHEDULES) : DEFAULTS.schedule,
    epochs: given('epochs') ? positiveInt('--epochs', str('epochs')!) : defaults.epochs,
    batchSize: given('batch-size') ? positiveInt('--batch-size', str('batch-size')!) : defaults.batchSize,
    seed,
    patience: given('patience') ? positiveInt('--patience', str('patience')!) : null,
    out: resolve(given('out') ? str('out')! : defaultOut(dataset)),
    backend: given('backend') ? oneOf('--backend', str('backend')!, BACKENDS) : DEFAULTS.backend,
    progress: values.progress ? true : values['no-progress'] ? false : null,
  };
}

export interface DemoOutcome {
  exitCode: number;
  result?: DemoResult;
}

/** Parses argv (without node and script), runs, and returns the exit code and results. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<DemoOutcome> {
  let opts: DemoOptions | 'help';
  try {
    opts = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`demo: ${e.message}\nRun with --help to see the options.`);
    return { exitCode: 2 };
  }
  if (opts === 'help') {
    io.out(HELP);
    return { exitCode: 0 };
  }
  try {
    return { exitCode: 0, result: await run(opts, io) };
  } catch (e) {
    // Expected failures get a message; anything else is a bug and keeps its stack trace.
    if (!(e instanceof DemoError) && !(e instanceof NNError)) throw e;
    io.err(`demo: ${e.message}`);
    return { exitCode: 1 };
  }
}

const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(resolve(entry)).href === import.meta.url) {
  // `pnpm demo -- --epochs 5` forwards a literal '--' on some setups: drop a leading one.
  const args = process.argv.slice(2);
  if (args[0] === '--') args.shift();
  process.exitCode = (await main(args)).exitCode;
}
