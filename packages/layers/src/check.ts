import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';

export function checkPositiveInt(layer: string, name: string, v: unknown): asserts v is number {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new ValueRangeError(`${layer}: ${name} must be a positive integer, got ${String(v)}`);
}

/** Checks the size of one input dim, naming the layer and both sizes. */
export function checkFeatures(layer: string, x: Tensor, dim: number, expected: number, what: string): void {
  const d = dim < 0 ? x.ndim + dim : dim;
  if (x.ndim === 0 || d < 0 || d >= x.ndim || x.shape[d] !== expected) {
    throw new ShapeError(`${layer}: expected input with ${what} = ${expected} (dim ${dim}), got input of shape [${x.shape.join(',')}]`);
  }
}

export function checkBool(layer: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueRangeError(`${layer}: ${name} must be true or false, got ${String(v)}`);
  return v;
}

/** A rule for one constructor option: a predicate and the words for what is valid. */
export interface Rule {
  ok(v: unknown): boolean;
  valid: string;
}

export type Rules<O> = { readonly [K in keyof O]-?: Rule };

export const rule = {
  positiveInt: { ok: (v) => Number.isInteger(v) && (v as number) > 0, valid: 'an integer > 0' },
  nonNegativeInt: { ok: (v) => Number.isInteger(v) && (v as number) >= 0, valid: 'an integer >= 0' },
  bool: { ok: (v) => typeof v === 'boolean', valid: 'true or false' },
  /** A probability that leaves something to keep: [0, 1). */
  dropout: { ok: (v) => typeof v === 'number' && v >= 0 && v < 1, valid: 'a number in [0, 1)' },
  any: { ok: () => true, valid: 'anything' },
  oneOf: (...values: readonly string[]): Rule => ({
    ok: (v) => values.includes(v as string),
    valid: `one of ${values.map((s) => `'${s}'`).join(', ')}`,
  }),
} satisfies Record<string, Rule | ((...a: never[]) => Rule)>;

const fmtValue = (v: unknown): string =>
  typeof v === 'string' ? `'${v}'` : v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));

/**
 * Checks a layer's options object (with its defaults filled in) against a rule per option. Unknown
 * keys (typos like `numLayer`) are errors listing the valid options.
 */
export function checkOptions<O extends object>(layer: string, rules: Rules<O>, given: object, options: O): void {
  for (const key of Object.keys(given)) {
    if (!(key in rules)) throw new ValueRangeError(`${layer}: unknown option '${key}' (valid options: ${Object.keys(rules).join(', ')})`);
  }
  for (const key of Object.keys(rules) as (keyof O & string)[]) {
    if (!rules[key].ok(options[key]))
      throw new ValueRangeError(`${layer}: ${key} must be ${rules[key].valid}, got ${fmtValue(options[key])}`);
  }
}

/**
 * Options with defaults filled in; an option given as undefined takes its default (so a caller
 * can forward `{ attnMask: maybeMask }`). Refuses a non-object, naming the caller.
 */
export function withDefaults<O extends object>(where: string, defaults: Required<O>, given: O): Required<O> {
  if (given === null || typeof given !== 'object') throw new ValueRangeError(`${where}: options must be an object, got ${String(given)}`);
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Sizes of the given dims (negative counts from the end), for shapes whose rank the caller has
 * checked: `const [l, e] = dims(query.shape, -2, -1)`. A missing dim is a ShapeError naming it.
 */
export function dims(shape: readonly number[], a: number): [number];
export function dims(shape: readonly number[], a: number, b: number): [number, number];
export function dims(shape: readonly number[], a: number, b: number, c: number): [number, number, number];
export function dims(shape: readonly number[], a: number, b: number, c: number, d: number): [number, number, number, number];
export function dims(shape: readonly number[], ...axes: number[]): number[] {
  return axes.map((axis) => {
    const size = shape.at(axis);
    if (size === undefined) throw new ShapeError(`dim ${axis} of shape [${shape.join(', ')}] was read before its rank was checked`);
    return size;
  });
}
