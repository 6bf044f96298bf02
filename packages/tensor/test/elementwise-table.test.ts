/**
 * The elementwise table defines each op once, as expression trees; the JavaScript forms are
 * derived from them. Checked here: the interpreter (`fn`, the reference backend's) equals the
 * compiled source (`js`, the cpu backend's) bit for bit (NaN, signed zeros, infinities,
 * subnormals, halves, int32 extremes); every int32 form equals exact integer arithmetic (BigInt)
 * wrapped to 32 bits; and the frontend keeps int32 for exactly the ops that have an int32 form.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { BINARY_OPS, type BinaryOp, UNARY_OPS } from '../src/backend/contract.js';
import { type Expr, a, b, call, check, div, mul } from '../src/backend/expr.js';
import {
  BINARY_TABLE,
  type BinaryFn,
  definitionOf,
  FLOAT_ONLY,
  type IntBinaryOp,
  type IntUnaryOp,
  JS_HELPERS,
  UNARY_TABLE,
} from '../src/backend/elementwise-table.js';

const FLOATS = [
  Number.NaN,
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  3,
  -7,
  0.1,
  1e-40,
  -1e-45,
  1e300,
  -1e300,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  3.4e38,
  6,
  -6,
  0.75,
  20,
  -20,
];
const INTS = [0, 1, -1, 2, -2, 3, 7, -13, 31, 46341, 2147483647, -2147483648, 65536, -65535];
const pairs = (xs: number[]) => xs.flatMap((x) => xs.map((y) => [x, y]));

const compile = (params: string[], js: string) =>
  new Function(...Object.keys(JS_HELPERS), ...params, `return (${js});`).bind(null, ...Object.values(JS_HELPERS)) as (
    ...v: number[]
  ) => number;

/** Object.is, so NaN equals NaN and 0 differs from -0. */
function mismatches(f: (...v: number[]) => number, g: (...v: number[]) => number, args: number[][]): string[] {
  return args.filter((v) => !Object.is(f(...v), g(...v))).map((v) => `(${v.join(', ')}): ${f(...v)} vs ${g(...v)}`);
}

describe('elementwise table: the interpreter and the printed JavaScript are one formula', () => {
  it.each(UNARY_OPS)('%s', (op) => {
    const e = UNARY_TABLE[op];
    expect(
      mismatches(
        e.fn,
        compile(['a'], e.js),
        FLOATS.map((x) => [x]),
      ),
    ).toEqual([]);
    expect(e.jsInt === undefined).toBe(e.int === FLOAT_ONLY);
    if (e.jsInt !== undefined)
      expect(
        mismatches(
          e.fnInt!,
          compile(['a'], e.jsInt),
          INTS.map((x) => [x]),
        ),
      ).toEqual([]);
  });

  it.each(BINARY_OPS)('%s', (op) => {
    const e = BINARY_TABLE[op];
    expect(mismatches(e.fn, compile(['a', 'b'], e.js), pairs(FLOATS))).toEqual([]);
    expect(e.jsInt === undefined).toBe(e.int === FLOAT_ONLY);
    if (e.jsInt !== undefined) expect(mismatches(e.fnInt!, compile(['a', 'b'], e.jsInt), pairs(INTS))).toEqual([]);
  });
});

// --- int32 forms against exact integer arithmetic ---

const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));
const bool = (c: boolean): bigint => (c ? 1n : 0n);
const INT_UNARY_ORACLE: Record<IntUnaryOp, (x: bigint) => bigint> = {
  neg: (x) => -x,
  abs: (x) => (x < 0n ? -x : x),
  sign: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n),
  floor: (x) => x,
  ceil: (x) => x,
  round: (x) => x,
};
const INT_BINARY_ORACLE: Record<IntBinaryOp, (x: bigint, y: bigint) => bigint> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  // Negative exponents: the integer part of 1 / x^|y|; 0^negative is treated like 1/0 -> 0.
  pow: (x, y) => (y >= 0n ? BigInt.asIntN(32, x ** y) : x === 1n ? 1n : x === -1n ? (y % 2n === 0n ? 1n : -1n) : 0n),
  // biome-ignore lint/complexity/useMathMinMax: Math.max does not take BigInt
  maximum: (x, y) => (x > y ? x : y),
  // biome-ignore lint/complexity/useMathMinMax: Math.min does not take BigInt
  minimum: (x, y) => (x < y ? x : y),
  eq: (x, y) => bool(x === y),
  ne: (x, y) => bool(x !== y),
  lt: (x, y) => bool(x < y),
  le: (x, y) => bool(x <= y),
  gt: (x, y) => bool(x > y),
  ge: (x, y) => bool(x >= y),
};
const SMALL = [0, 1, -1, 2, -2, 3, -3, 7, 31, 32, 33, -5];

describe('elementwise table: int32 forms are exact wrapped integer arithmetic', () => {
  it.each(Object.keys(INT_UNARY_ORACLE) as IntUnaryOp[])('%s', (op) => {
    const f = UNARY_TABLE[op].fnInt!;
    const bad = INTS.filter((x) => !Object.is(f(x), wrap(INT_UNARY_ORACLE[op](BigInt(x)))));
    expect(bad).toEqual([]);
  });

  it.each(Object.keys(INT_BINARY_ORACLE) as IntBinaryOp[])('%s', (op) => {
    const f = (BINARY_TABLE[op] as { fnInt: BinaryFn }).fnInt;
    const args = op === 'pow' ? [...pairs(SMALL), ...INTS.map((x) => [x, 3]), [46341, 2], [3, 40]] : pairs(INTS);
    const bad = args.filter(([x, y]) => !Object.is(f(x, y), wrap(INT_BINARY_ORACLE[op](BigInt(x), BigInt(y)))));
    expect(bad).toEqual([]);
  });
});

describe('elementwise table: the frontend keeps int32 for exactly the ops with an int32 form', () => {
  const BINARY_FNS: Record<BinaryOp, (x: nn.Tensor, y: nn.Tensor) => nn.Tensor> = {
    add: nn.add,
    sub: nn.sub,
    mul: nn.mul,
    div: nn.div,
    pow: nn.pow,
    maximum: nn.maximum,
    minimum: nn.minimum,
    eq: nn.eq,
    ne: nn.ne,
    lt: nn.lt,
    le: nn.le,
    gt: nn.gt,
    ge: nn.ge,
  };
  const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

  it('unary ops', () => {
    const x = nn.tensor(new Int32Array([-3, 0, 4]));
    const kept = UNARY_OPS.filter((op) => nn.unary(op, x).dtype === 'int32');
    expect(kept).toEqual(UNARY_OPS.filter((op) => UNARY_TABLE[op].int !== FLOAT_ONLY));
  });

  it('arithmetic binary ops (comparisons give bool)', () => {
    const x = nn.tensor(new Int32Array([-3, 0, 4]));
    const kept = BINARY_OPS.filter((op) => !COMPARE.has(op) && BINARY_FNS[op](x, x).dtype === 'int32');
    expect(kept).toEqual(BINARY_OPS.filter((op) => !COMPARE.has(op) && BINARY_TABLE[op].int !== FLOAT_ONLY));
  });
});

describe('expression trees are checked for their domain', () => {
  it('every tree of the table is well formed in its domain', () => {
    for (const op of [...UNARY_OPS, ...BINARY_OPS]) {
      const e = definitionOf(op);
      expect(() => check(e.float, 'float'), op).not.toThrow();
      if (e.int !== FLOAT_ONLY) expect(() => check(e.int as Expr, 'int'), op).not.toThrow();
    }
  });

  it('int32 trees have no division and no float-only functions; arities match', () => {
    expect(() => check(div(a, b), 'int')).toThrow('`/` in an int32 expression');
    expect(() => check(call('exp', a), 'int')).toThrow('exp is not defined in the int domain');
    expect(() => check(call('ipow', a, b), 'float')).toThrow('ipow is not defined in the float domain');
    expect(() => check(call('pow', a), 'float')).toThrow('pow takes 2 argument(s), got 1');
    expect(() => check(mul(a, call('max', a, b)), 'int')).not.toThrow();
  });
});
