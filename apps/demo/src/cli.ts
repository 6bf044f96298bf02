/**
 * The @nn demo CLI (`pnpm demo`): trains an MLP with @nn/data + @nn/layers + @nn/optim + @nn/train
 * on a built-in data set (spiral by default) or on Fashion-MNIST, with a progress bar and per-epoch
 * validation, prints a result table and saves the model as safetensors; or, with --overfit-batch,
 * runs overfitBatch's sanity check.
 *
 * Flags are parsed with node:util parseArgs (options.ts). Exit codes: 0 ok, 1 a run-time problem
 * (data not found, backend unavailable, unreadable data, cannot save, the overfit check failed),
 * 2 bad flags. `main` runs in-process (the tests call it) and returns the exit code and the results.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NNError } from '@nn/tensor';
import { HELP } from './help.js';
import { LM_HELP, type LmResult, parseLmOptions, runLm } from './lm/cli.js';
import { type DemoOptions, parseOptions } from './options.js';
import type { OverfitResult } from './overfit.js';
import { type DemoResult, run } from './run.js';
import { DemoError, type Io, UsageError, processIo } from './ui.js';

export { HELP } from './help.js';
export { DATASET_DEFAULTS, DEFAULTS, FLAGS, OVERFIT, defaultOut, parseOptions, type DemoOptions } from './options.js';
export { UsageError } from './ui.js';

export interface DemoOutcome {
  exitCode: number;
  /** A training run's results. */
  result?: DemoResult;
  /** --overfit-batch: overfitBatch's report. */
  overfit?: OverfitResult;
  /** --task char-lm: the language models' logs and samples. */
  lm?: LmResult;
}

export const TASKS = ['mlp', 'char-lm'] as const;

/** `--task T` / `--task=T` and the other arguments (null: not given, the MLP trainer). */
function splitTask(argv: readonly string[]): { task: string | null; rest: string[] } {
  const rest = [...argv];
  const i = rest.findIndex((a) => a === '--task' || a.startsWith('--task='));
  if (i < 0) return { task: null, rest };
  const [flag] = rest.splice(i, 1);
  const task = flag === '--task' ? (rest.splice(i, 1)[0] ?? '') : flag.slice('--task='.length);
  return { task, rest };
}

/** Parses argv (without node and script), runs, and returns the exit code and results. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<DemoOutcome> {
  const { task, rest } = splitTask(argv);
  if (task !== null && !(TASKS as readonly string[]).includes(task)) {
    io.err(`demo: --task must be one of ${TASKS.join(', ')}, got '${task}'\nRun with --help to see the options.`);
    return { exitCode: 2 };
  }
  if (task === 'char-lm') return charLm(rest, io);
  let opts: DemoOptions | 'help';
  try {
    opts = parseOptions(rest);
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
    const r = await run(opts, io);
    if (r.mode === 'fit') return { exitCode: 0, result: r };
    if (!r.report.ok) io.err('demo: --overfit-batch: the check failed (the problems are listed above)');
    return { exitCode: r.report.ok ? 0 : 1, overfit: r };
  } catch (e) {
    // Expected failures get a message; anything else is a bug and keeps its stack trace.
    if (!(e instanceof DemoError) && !(e instanceof NNError)) throw e;
    io.err(`demo: ${e.message}`);
    return { exitCode: 1 };
  }
}

/** --task char-lm: its own flags (lm/cli.ts), the same exit codes. */
async function charLm(argv: readonly string[], io: Io): Promise<DemoOutcome> {
  let opts: ReturnType<typeof parseLmOptions>;
  try {
    opts = parseLmOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`demo: ${e.message}\nRun with --task char-lm --help to see the options.`);
    return { exitCode: 2 };
  }
  if (opts === 'help') {
    io.out(LM_HELP);
    return { exitCode: 0 };
  }
  try {
    return { exitCode: 0, lm: await runLm(opts, io) };
  } catch (e) {
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
