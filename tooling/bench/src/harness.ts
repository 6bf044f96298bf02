/**
 * Timing and printing helpers shared by the workloads.
 *
 * Methodology: a few warm-up runs (so JIT tiers, kernel caches and allocators settle), then timed
 * runs until a time budget is spent (and at least `minRuns` ran); the median run time is
 * reported, which is robust against GC pauses and other one-off hiccups.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Sample {
  /** Median wall time of one run, in ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Timed runs (warm-up excluded). */
  runs: number;
}

export interface MeasureOptions {
  /** Untimed warm-up runs (default 3). Stops early once `warmupBudgetMs` is spent. */
  warmup?: number;
  warmupBudgetMs?: number;
  /** Keep running until this much time is spent on timed runs (default 1000 ms). */
  budgetMs?: number;
  /** At least this many timed runs, whatever the budget (default 5). */
  minRuns?: number;
  /** At most this many timed runs (default 10,000). */
  maxRuns?: number;
}

/** Times `fn` (which must finish its work synchronously, e.g. by reading the result back). */
export function measure(fn: () => void, options: MeasureOptions = {}): Sample {
  const { warmup = 3, warmupBudgetMs = 1000, budgetMs = 1000, minRuns = 5, maxRuns = 10_000 } = options;
  const w0 = performance.now();
  for (let i = 0; i < warmup; i++) {
    fn();
    if (performance.now() - w0 > warmupBudgetMs) break;
  }
  const times: number[] = [];
  let spent = 0;
  while (times.length < maxRuns && (spent < budgetMs || times.length < minRuns)) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  return summarize(times);
}

export function summarize(times: number[]): Sample {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], maxMs: sorted[sorted.length - 1], runs: sorted.length };
}

/** A small deterministic PRNG (mulberry32), so every library gets identical inputs. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi). */
export function uniformArray(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Formats a number with a fixed count of significant-looking decimals. */
export function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v.toFixed(digits);
}

/** A plain-text table: first row is the header; columns after the first are right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}

/** Where workloads print their progress lines. */
export type Log = (line: string) => void;
export const stdoutLog: Log = (line) => console.log(line);

/** True when this module is the entry point (`node ... src/matmul.ts`). */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === importMetaUrl;
}
