/** Option validation shared by the optimizers and schedulers: one clear error per bad value. */
import { NNError, ValueRangeError } from '@nn/tensor';

/** A rule for one option: a predicate and the words for what is valid. */
export interface Rule {
  ok(v: unknown): boolean;
  valid: string;
}

export type Rules<O> = { readonly [K in keyof O]-?: Rule };

const isNum = (v: unknown): v is number => typeof v === 'number';

export const nonNegative: Rule = { ok: (v) => isNum(v) && v >= 0 && v !== Infinity, valid: 'a finite number >= 0' };
export const positive: Rule = { ok: (v) => isNum(v) && v > 0 && v !== Infinity, valid: 'a finite number > 0' };
export const finite: Rule = { ok: (v) => isNum(v) && Number.isFinite(v), valid: 'a finite number' };
export const unit: Rule = { ok: (v) => isNum(v) && v >= 0 && v < 1, valid: 'a number in [0, 1)' };
export const closedUnit: Rule = { ok: (v) => isNum(v) && v >= 0 && v <= 1, valid: 'a number in [0, 1]' };
export const bool: Rule = { ok: (v) => typeof v === 'boolean', valid: 'true or false' };
export const optionalBool: Rule = { ok: (v) => v === undefined || typeof v === 'boolean', valid: 'true, false or undefined' };
export const positiveInt: Rule = { ok: (v) => Number.isInteger(v) && (v as number) > 0, valid: 'an integer > 0' };
export const nonNegativeInt: Rule = { ok: (v) => Number.isInteger(v) && (v as number) >= 0, valid: 'an integer >= 0' };
/** A [beta1, beta2] pair, each in [0, 1). */
export const betaPair: Rule = {
  ok: (v) => Array.isArray(v) && v.length === 2 && v.every((b) => unit.ok(b)),
  valid: 'a pair [beta1, beta2] with each beta in [0, 1)',
};

export function fmtValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Error for one option: names the owner, the option, the value and what would be valid. */
export function optionError(owner: string, where: string, key: string, value: unknown, valid: string): ValueRangeError {
  return new ValueRangeError(`${owner}: ${where}${key} must be ${valid}, got ${fmtValue(value)}`);
}

/**
 * Checks every option against its rule. For pairs like betas, points at the element at fault.
 * Unknown keys (typos such as `momentun`) are errors that list the known options.
 */
export function checkOptions<O extends object>(
  owner: string, rules: Rules<O>, options: O, where = '', extraKeys: readonly string[] = [],
): void {
  for (const key of Object.keys(options)) {
    if (key === 'params' || extraKeys.includes(key)) continue;
    if (!(key in rules)) {
      throw new NNError(`${owner}: ${where}unknown option '${key}' (valid options: ${Object.keys(rules).join(', ')})`);
    }
  }
  for (const key of Object.keys(rules) as (keyof O & string)[]) {
    const v = options[key];
    const rule = rules[key];
    if (rule.ok(v)) continue;
    if (rule === betaPair && Array.isArray(v) && v.length === 2) {
      const i = unit.ok(v[0]) ? 1 : 0;
      throw optionError(owner, where, `${key}[${i}]`, v[i], 'in [0, 1)');
    }
    throw optionError(owner, where, key, v, rule.valid);
  }
}

/** Drops keys whose value is undefined, so they do not override defaults. */
export function definedOnly<O extends object>(o: O): Partial<O> {
  const out: Partial<O> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
