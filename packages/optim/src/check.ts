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
/** An integer >= min (a step count, an epoch index). */
export const intAtLeast = (min: number): Rule => ({
  ok: (v) => Number.isInteger(v) && (v as number) >= min,
  valid: `an integer >= ${min}`,
});
/** A number in (0, 1]. */
export const openClosedUnit: Rule = { ok: (v) => isNum(v) && v > 0 && v <= 1, valid: 'a number in (0, 1]' };
/** A finite number >= min. */
export const atLeast = (min: number): Rule => ({
  ok: (v) => isNum(v) && Number.isFinite(v) && v >= min,
  valid: `a finite number >= ${min}`,
});
/** One of a few strings. */
export const oneOf = (...values: readonly string[]): Rule => ({
  ok: (v) => typeof v === 'string' && values.includes(v),
  valid: values.map((x) => `'${x}'`).join(values.length === 2 ? ' or ' : ', '),
});
/** The rule, or undefined (options that are given only in some combinations). */
export const optional = (rule: Rule): Rule => ({ ok: (v) => v === undefined || rule.ok(v), valid: `${rule.valid} (or left out)` });
/** Step indices: an array of integers >= 0. */
export const steps: Rule = {
  ok: (v) => Array.isArray(v) && v.every((m) => Number.isInteger(m) && m >= 0),
  valid: 'an array of integers >= 0',
};
/** One value for every parameter group, or an array with one value per group (checked against the group count later). */
export const perGroupOf = (rule: Rule): Rule => ({
  ok: (v) => rule.ok(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => rule.ok(x))),
  valid: `${rule.valid}, or an array of them (one per parameter group)`,
});
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
  owner: string,
  rules: Rules<O>,
  options: O,
  where = '',
  extraKeys: readonly string[] = [],
): void {
  for (const key of Object.keys(options)) {
    if (key === 'params' || extraKeys.includes(key)) continue;
    if (!(key in rules)) {
      const renamed = camelCaseOf(key, Object.keys(rules));
      if (renamed !== undefined) throw new NNError(`${owner}: ${where}unknown option '${key}'; use '${renamed}' (options are camelCase)`);
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

/** The valid key a PyTorch-style spelling stands for (`T_max` → `tMax`, `T0` → `t0`, `weight_decay` → `weightDecay`). */
function camelCaseOf(key: string, valid: readonly string[]): string | undefined {
  const norm = (k: string) => k.replaceAll('_', '').toLowerCase();
  return valid.find((v) => norm(v) === norm(key));
}

/**
 * Defaults merged under the given options (undefined values keep the default), then every option
 * checked against its rule: the one validation path of the schedulers, as of the optimizers.
 */
export function resolveOptions<O extends object>(owner: string, rules: Rules<O>, defaults: Partial<O>, options: Partial<O> | undefined): O {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new NNError(`${owner}: options must be an object, got ${fmtValue(options)}`);
  }
  const merged = { ...defaults, ...definedOnly(options ?? {}) } as O;
  checkOptions(owner, rules, merged);
  return merged;
}

/** Drops keys whose value is undefined, so they do not override defaults. */
export function definedOnly<O extends object>(o: O): Partial<O> {
  const out: Partial<O> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
