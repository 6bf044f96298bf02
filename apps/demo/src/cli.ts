/**
 * The @nn demo CLI (`pnpm demo`): trains two small models on the cpu backend and reports what
 * they learned.
 *
 *   (a) linear regression, y = 3 x1 - 2 x2 + 0.5 + noise, by full-batch gradient descent
 *   (b) a 2-32-32-3 MLP classifier on a 3-class spiral, minibatch SGD with momentum
 *
 * Flags are parsed with node:util parseArgs; bad flags print a message and exit with code 2.
 * `main` runs in-process (the tests call it) and returns the exit code and the results.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { getBackend, manualSeed, memory } from '@nn/tensor';
import { type LinregResult, coefficientTable, linearRegression } from './linreg.js';
import { type Activation, type SpiralResult, CLASSES, HIDDEN, trainSpiral } from './spiral.js';
import { type Io, Reporter, processIo } from './ui.js';

export const DEFAULTS = {
  epochs: 100,
  lr: 0.1,
  seed: 0,
  batchSize: 32,
  activation: 'tanh' as Activation,
  task: 'all' as Task,
};
const TASKS = ['all', 'linreg', 'spiral'] as const;
type Task = (typeof TASKS)[number];
const MOMENTUM = 0.9;
const LINREG_SAMPLES = 512;
const LINREG_NOISE = 0.1;
const POINTS_PER_CLASS = 200;

export const HELP = `Usage: pnpm demo [-- options]
       node --conditions=@nn/source --import tsx apps/demo/src/cli.ts [options]

Trains two small models with @nn on the cpu backend:
  (a) linear regression on synthetic data y = 3*x1 - 2*x2 + 0.5 + noise
      (${LINREG_SAMPLES} samples, full-batch gradient descent; one epoch = one step), then prints the
      learned coefficients next to the true ones and the exact least-squares fit;
  (b) a 2-${HIDDEN.join('-')}-${CLASSES} MLP classifier on a ${CLASSES}-class spiral (${POINTS_PER_CLASS} points per class),
      softmax cross-entropy, minibatch SGD with momentum ${MOMENTUM}; prints train and test accuracy.

Options:
  --epochs N         epochs for each model (positive integer, default ${DEFAULTS.epochs})
  --lr X             learning rate for both models (positive number, default ${DEFAULTS.lr})
  --seed N           random seed for data, initialization and shuffling via manualSeed
                     (non-negative integer, default ${DEFAULTS.seed}); same seed, same output
  --task T           which model to train: all, linreg or spiral (default ${DEFAULTS.task})
  --batch-size N     minibatch size for the spiral classifier (positive integer, default ${DEFAULTS.batchSize})
  --activation A     hidden activation of the classifier: tanh or relu (default ${DEFAULTS.activation})
  --log-every N      print a progress line every N epochs (default: about 10 lines per model)
  -h, --help         show this help and exit

A live progress bar is drawn when stdout is a terminal. Exit codes: 0 ok, 2 bad flags.`;

export interface DemoOptions {
  epochs: number;
  lr: number;
  seed: number;
  task: Task;
  batchSize: number;
  activation: Activation;
  logEvery: number | null;
}

export interface DemoResult {
  linreg: LinregResult | null;
  spiral: SpiralResult | null;
  /** Live @nn tensors before and after training (equal: nothing leaked). */
  liveTensors: { before: number; after: number };
  seconds: number;
}

export interface DemoOutcome {
  exitCode: number;
  result?: DemoResult;
}

/** Thrown for invalid command lines; main prints it and exits with code 2. */
export class UsageError extends Error {}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

export function parseOptions(argv: readonly string[]): DemoOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        epochs: { type: 'string' },
        lr: { type: 'string' },
        seed: { type: 'string' },
        task: { type: 'string' },
        'batch-size': { type: 'string' },
        activation: { type: 'string' },
        'log-every': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    // parseArgs' unknown-option message is long-winded ("To specify a positional argument
    // starting with a '-', ..."): keep the flag. Other messages are kept, on one line.
    const code = (e as { code?: string }).code;
    const msg = (e as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(msg)?.[1] ?? msg;
      throw new UsageError(`unknown option '${flag}'`);
    }
    throw new UsageError(msg.replace(/\s*\n\s*/g, ' ').replace(/^Option '/, "option '"));
  }
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (options start with --)`);
  const str = (k: string) => values[k] as string | undefined;

  const opts: DemoOptions = { ...DEFAULTS, logEvery: null };
  if (str('epochs') !== undefined) opts.epochs = positiveInt('--epochs', str('epochs')!);
  if (str('lr') !== undefined) {
    const lr = Number(str('lr'));
    if (str('lr')!.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr must be a positive number, got '${str('lr')}'`);
    opts.lr = lr;
  }
  if (str('seed') !== undefined) {
    const s = str('seed')!;
    const n = Number(s);
    if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n)) throw new UsageError(`--seed must be a non-negative integer, got '${s}'`);
    opts.seed = n;
  }
  if (str('task') !== undefined) {
    if (!TASKS.includes(str('task') as Task)) throw new UsageError(`--task must be one of ${TASKS.join(', ')}, got '${str('task')}'`);
    opts.task = str('task') as Task;
  }
  if (str('batch-size') !== undefined) opts.batchSize = positiveInt('--batch-size', str('batch-size')!);
  if (str('activation') !== undefined) {
    const a = str('activation');
    if (a !== 'tanh' && a !== 'relu') throw new UsageError(`--activation must be tanh or relu, got '${a}'`);
    opts.activation = a;
  }
  if (str('log-every') !== undefined) opts.logEvery = positiveInt('--log-every', str('log-every')!);
  return opts;
}

export async function run(o: DemoOptions, io: Io): Promise<DemoResult> {
  const rep = new Reporter(io);
  const t0 = performance.now();
  const logEvery = o.logEvery ?? Math.max(1, Math.round(o.epochs / 10));
  const before = memory().tensors;
  io.out(`@nn demo: backend ${getBackend().name}, seed ${o.seed}, epochs ${o.epochs}, lr ${o.lr}`);

  let linreg: LinregResult | null = null;
  if (o.task === 'all' || o.task === 'linreg') {
    manualSeed(o.seed);
    io.out(`\n(a) linear regression: y = 3*x1 - 2*x2 + 0.5 + N(0, ${LINREG_NOISE}^2), ${LINREG_SAMPLES} samples, full-batch gradient descent`);
    linreg = await linearRegression({ epochs: o.epochs, lr: o.lr, samples: LINREG_SAMPLES, noise: LINREG_NOISE, logEvery }, rep);
    io.out('');
    io.out(coefficientTable(linreg));
    io.out(`  final MSE ${linreg.finalLoss.toFixed(5)} (noise variance ${(LINREG_NOISE ** 2).toFixed(5)})`);
  }

  let spiral: SpiralResult | null = null;
  if (o.task === 'all' || o.task === 'spiral') {
    manualSeed(o.seed + 1);
    io.out(
      `\n(b) spiral classifier: ${CLASSES} classes x ${POINTS_PER_CLASS} points, MLP 2-${HIDDEN.join('-')}-${CLASSES} (${o.activation}), ` +
        `softmax cross-entropy, SGD momentum ${MOMENTUM}, batch ${o.batchSize}`,
    );
    spiral = await trainSpiral(
      { epochs: o.epochs, lr: o.lr, momentum: MOMENTUM, batchSize: o.batchSize, pointsPerClass: POINTS_PER_CLASS, activation: o.activation, logEvery },
      rep,
    );
    io.out(`\n  final train accuracy ${(spiral.trainAccuracy * 100).toFixed(1)}%, test accuracy ${(spiral.testAccuracy * 100).toFixed(1)}% (fresh spiral), loss ${spiral.finalLoss.toFixed(4)}`);
  }

  const after = memory().tensors;
  const seconds = (performance.now() - t0) / 1000;
  io.out(`\nlive tensors: ${before} before, ${after} after${after === before ? ' (no leaks)' : ` (LEAK: ${after - before})`}; done in ${seconds.toFixed(1)} s`);
  return { linreg, spiral, liveTensors: { before, after }, seconds };
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
  return { exitCode: 0, result: await run(opts, io) };
}

const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(resolve(entry)).href === import.meta.url) {
  // `pnpm demo -- --epochs 5` forwards a literal '--' on some setups: drop a leading one.
  const args = process.argv.slice(2);
  if (args[0] === '--') args.shift();
  process.exitCode = (await main(args)).exitCode;
}
