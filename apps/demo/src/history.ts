/**
 * `--history FILE`: fit's per-epoch logs as JSON or CSV, chosen by the file's extension, written
 * atomically (a temp file in the same directory, then a rename), so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { EpochLogs } from '@nn/train';
import { keysOf } from './flags.js';
import { DemoError, UsageError } from './ui.js';

/** The run's settings, stored next to the epochs in JSON. */
export type RunInfo = Record<string, string | number | boolean | number[] | null>;

/** The columns in a fixed order (fit's names), then any others (e.g. valAccuracy added by a callback). */
const ORDER = ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', 'seconds'];

export function columns(epochs: readonly EpochLogs[]): string[] {
  const seen = new Set(epochs.flatMap((e) => Object.keys(e)));
  return [...ORDER.filter((k) => seen.has(k)), ...[...seen].filter((k) => !ORDER.includes(k))];
}

type HistoryExt = '.json' | '.csv';

const FORMATS: Record<HistoryExt, (epochs: readonly EpochLogs[], run: RunInfo) => string> = {
  // JSON has no NaN or Infinity: such values become null (JSON.stringify's rule).
  '.json': (epochs, run) => `${JSON.stringify({ run, epochs }, null, 2)}\n`,
  // Full precision numbers, an empty cell where an epoch lacks a value.
  '.csv': (epochs) => {
    const cols = columns(epochs);
    return [cols.join(','), ...epochs.map((e) => cols.map((c) => (e[c] === undefined ? '' : String(e[c]))).join(','))].join('\n') + '\n';
  },
};
export const HISTORY_EXTENSIONS = keysOf(FORMATS);

/** Checks --history's extension (before training, so a typo does not cost a run). */
export function checkHistoryPath(path: string): void {
  const ext = extname(path).toLowerCase();
  if (path.trim() === '') throw new UsageError('--history needs a file path, got an empty string');
  if (!(HISTORY_EXTENSIONS as string[]).includes(ext)) {
    throw new UsageError(`--history must name a ${HISTORY_EXTENSIONS.join(' or ')} file (the extension picks the format), got '${path}'`);
  }
}

export async function writeHistory(path: string, epochs: readonly EpochLogs[], run: RunInfo): Promise<void> {
  const text = FORMATS[extname(path).toLowerCase() as HistoryExt](epochs, run);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {}); // best effort: the write's error is the one to report
    throw new DemoError(`cannot write the history to ${path}: ${(e as Error).message}`);
  }
}
