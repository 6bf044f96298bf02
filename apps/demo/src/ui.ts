/**
 * Output of the demo: result lines go to `out` (stdout), errors to `err`, and the live progress
 * bar (@nn/train's ProgressBar) to the `stderr` stream. Tests pass their own Io to capture all of it.
 */

/** A problem at run time (data not found, backend unavailable, bad data file): exit code 1. */
export class DemoError extends Error {}

/** An invalid command line (unknown flag, bad value, contradictory flags): exit code 2. */
export class UsageError extends Error {}

/** Where the demo writes. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The stream the progress bar and its per-epoch summary lines are drawn on. */
  stderr: NodeJS.WritableStream;
  /** Whether `stderr` is a terminal: the progress bar is shown by default only then. */
  stderrIsTTY: boolean;
}

export const processIo: Io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
};

/** A plain-text table: the first row is the header; `align` per column ('l' or 'r', default r but the first). */
export function table(rows: string[][], { indent = '  ', align }: { indent?: string; align?: ('l' | 'r')[] } = {}): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const side = (c: number) => align?.[c] ?? (c === 0 ? 'l' : 'r');
  const fmt = (r: string[]) =>
    (indent + r.map((cell = '', c) => (side(c) === 'l' ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ')).trimEnd();
  return [fmt(rows[0]), indent + widths.map((w) => '-'.repeat(w)).join('   '), ...rows.slice(1).map(fmt)].join('\n');
}

export const pct = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(digits)}%`;

/** A loss or error value: 4 decimals, or 3 significant digits in exponent form when tiny. */
export const num = (v: number | undefined): string => {
  if (v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
};

/** A learning rate: 3 significant digits, in exponent form below 0.001. */
export const lrText = (v: number | undefined): string => {
  if (v === undefined) return '-';
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
};

/** 1,234,567 */
export const thousands = (n: number): string => n.toLocaleString('en-US');
