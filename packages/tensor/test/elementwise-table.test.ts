/**
 * The elementwise table holds each op twice: as source (`js`, compiled by the cpu backend and
 * translated to AssemblyScript) and as a function (`fn`, called by the reference backend). Both
 * must be the same formula: every `fn` is compared with its compiled `js` bit for bit (NaN,
 * signed zeros, infinities, subnormals, halves, int32 extremes), and int forms come in pairs.
 */
import { describe, expect, it } from 'vitest';
import { BINARY_OPS, UNARY_OPS } from '../src/backend/contract.js';
import { BINARY_TABLE, JS_HELPERS, UNARY_TABLE } from '../src/backend/elementwise-table.js';

const FLOATS = [
  Number.NaN, 0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, -7, 0.1, 1e-40, -1e-45, 1e300, -1e300,
  Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, 6, -6, 0.75, 20, -20,
];
const INTS = [0, 1, -1, 2, -2, 3, 7, -13, 31, 46341, 2147483647, -2147483648, 65536, -65535];

const compile = (params: string[], js: string) =>
  new Function(...Object.keys(JS_HELPERS), ...params, `return (${js});`).bind(null, ...Object.values(JS_HELPERS)) as (...v: number[]) => number;

/** Object.is, so NaN equals NaN and 0 differs from -0. */
function mismatches(f: (...v: number[]) => number, g: (...v: number[]) => number, args: number[][]): string[] {
  return args.filter((v) => !Object.is(f(...v), g(...v))).map((v) => `(${v.join(', ')}): fn ${f(...v)}, js ${g(...v)}`);
}

describe('elementwise table: fn and js are one formula', () => {
  it.each(UNARY_OPS)('%s', (op) => {
    const e = UNARY_TABLE[op];
    expect(mismatches(e.fn, compile(['a'], e.js), FLOATS.map((a) => [a]))).toEqual([]);
    expect(e.jsInt === undefined).toBe(e.fnInt === undefined);
    if (e.jsInt !== undefined) expect(mismatches(e.fnInt!, compile(['a'], e.jsInt), INTS.map((a) => [a]))).toEqual([]);
  });

  it.each(BINARY_OPS)('%s', (op) => {
    const e = BINARY_TABLE[op];
    const pairs = (xs: number[]) => xs.flatMap((a) => xs.map((b) => [a, b]));
    expect(mismatches(e.fn, compile(['a', 'b'], e.js), pairs(FLOATS))).toEqual([]);
    expect(e.jsInt === undefined).toBe(e.fnInt === undefined);
    if (e.jsInt !== undefined) expect(mismatches(e.fnInt!, compile(['a', 'b'], e.jsInt), pairs(INTS))).toEqual([]);
  });
});
