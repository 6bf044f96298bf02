// What every example shares: the --quick switch (small sizes, for tests and a first look), where
// pictures go, and a results record the tests read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `--quick` or NN_EXAMPLES_QUICK=1: a smaller problem that still shows the effect, in seconds. */
export const quick = process.argv.includes('--quick') || process.env.NN_EXAMPLES_QUICK === '1';

/** The full-size value, or the quick one. */
export function size<T>(full: T, small: T): T {
  return quick ? small : full;
}

/** A path in the output folder (examples/out, or NN_EXAMPLES_OUT), created on first use. */
export function outFile(name: string): string {
  const dir = resolve(process.env.NN_EXAMPLES_OUT ?? new URL('../out', import.meta.url).pathname);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * Prints the example's key numbers as a table, and writes them as JSON where NN_EXAMPLES_RESULTS
 * says (examples/test/examples.test.ts checks them).
 */
export function report(results: Record<string, unknown>): void {
  console.log('\nresults:');
  for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(28)} ${format(v)}`);
  const path = process.env.NN_EXAMPLES_RESULTS;
  if (path !== undefined) writeFileSync(path, JSON.stringify(results, null, 2));
}

function format(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return typeof v === 'string'
    ? v
    : JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(4)) : x));
}
