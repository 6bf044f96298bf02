/** Parsing of single flag values; every error names the flag, the value and what is valid. */
import { UsageError } from './ui.js';

const INTEGER = /^\s*\d+\s*$/;

export function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!INTEGER.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

export function nonNegativeInt(flag: string, v: string): number {
  const n = Number(v);
  if (!INTEGER.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a non-negative integer, got '${v}'`);
  return n;
}

/** A closed or half-open interval; no max means unbounded above. */
export interface Range {
  min: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

export const POSITIVE: Range = { min: 0, minOpen: true };
export const NON_NEGATIVE: Range = { min: 0 };
/** [0, 1): momentum, betas, RMSprop's alpha, dropout. */
export const UNIT: Range = { min: 0, max: 1, maxOpen: true };

export function rangeText(r: Range): string {
  if (r.max === undefined) return r.min === 0 && r.minOpen ? 'a positive number' : `a number ${r.minOpen ? '>' : '>='} ${r.min}`;
  return `a number in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
}

const inRange = (x: number, r: Range): boolean =>
  Number.isFinite(x) && (r.minOpen ? x > r.min : x >= r.min) && (r.max === undefined || (r.maxOpen ? x < r.max : x <= r.max));

export function numberIn(flag: string, v: string, r: Range, what = rangeText(r)): number {
  const x = Number(v);
  if (v.trim() === '' || !inRange(x, r)) throw new UsageError(`${flag} must be ${what}, got '${v}'`);
  return x;
}

/** Two comma-separated numbers, each in the range (--betas 0.9,0.999). */
export function pairIn(flag: string, v: string, r: Range, example: string): [number, number] {
  const parts = v.split(',');
  const xs = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p.trim() === '') || !xs.every((x) => inRange(x, r))) {
    throw new UsageError(
      `${flag} must be two numbers separated by a comma, each ${rangeText(r).replace(/^a number /, '')} (e.g. ${example}), got '${v}'`,
    );
  }
  return [xs[0], xs[1]];
}

export function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/** The keys of a record, typed (for the tables keyed by a union of names). */
export const keysOf = <K extends string>(record: Record<K, unknown>): K[] => Object.keys(record) as K[];
