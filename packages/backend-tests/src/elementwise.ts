/** Elementwise primitives through the frontend: unary, binary (broadcasting), where, cast, composed activations. */
import * as nn from '@nn/tensor';
import { type DType, DTypeError, type Tensor, type UnaryOp } from '@nn/tensor';
import { ARITH_OPS, type BinaryOp, COMPARE_OPS, UNARY_OPS } from '@nn/tensor/backend';
import { describe, expect } from 'vitest';
import {
  type Ctx,
  EXACT,
  expandedFromRef,
  expectRef,
  fromRef,
  LAYOUTS,
  type Kind,
  needs,
  randomRef,
  test,
  tolFor,
  transcendentalTol,
} from './helpers.js';
import * as R from './reference.js';

export const UNARY_FNS: Record<UnaryOp, (x: Tensor) => Tensor> = {
  neg: nn.neg,
  abs: nn.abs,
  sign: nn.sign,
  exp: nn.exp,
  expm1: nn.expm1,
  log: nn.log,
  log1p: nn.log1p,
  sqrt: nn.sqrt,
  rsqrt: nn.rsqrt,
  reciprocal: nn.reciprocal,
  sin: nn.sin,
  cos: nn.cos,
  tanh: nn.tanh,
  sigmoid: nn.sigmoid,
  relu: nn.relu,
  erf: nn.erf,
  floor: nn.floor,
  ceil: nn.ceil,
  round: nn.round,
};

type BinaryFn = (a: nn.TensorLike, b: nn.TensorLike) => Tensor;
export const BINARY_FNS: Record<BinaryOp, BinaryFn> = {
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

/** Ops whose results are exact in any correct implementation. */
const EXACT_UNARY = new Set<UnaryOp>(['neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round']);
const TRANSCENDENTAL = new Set<string>(['exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'pow', 'sqrt', 'rsqrt']);
/** Ops defined only for positive inputs get positive data. */
const POSITIVE_DOMAIN = new Set<UnaryOp>(['log', 'log1p', 'sqrt', 'rsqrt']);

const ALL_DTYPES: readonly DType[] = ['float32', 'int32', 'bool', 'float64'];

const isCompare = (op: BinaryOp): boolean => (COMPARE_OPS as readonly string[]).includes(op);

function unaryTol(op: UnaryOp, dtype: DType) {
  return EXACT_UNARY.has(op) ? EXACT : TRANSCENDENTAL.has(op) ? transcendentalTol(dtype) : tolFor(dtype);
}

/** Shape pairs covering equal shapes, trailing broadcast, both-sided broadcast, 0-d and size-0. */
const BROADCAST_CASES: [number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [[3], [2, 3]],
  [
    [4, 1],
    [1, 5],
  ],
  [[], [2, 3]],
  [[2, 3], []],
  [[], []],
  [[0, 3], [3]],
  [[1], [0]],
  [[1, 1, 5], [5]],
];

function binaryKinds(op: BinaryOp): [Kind, Kind] {
  if (op === 'pow') return ['positive', 'float'];
  if (isCompare(op) || op === 'maximum' || op === 'minimum') return ['ties', 'ties'];
  return ['float', 'float'];
}

export function elementwiseTests(ctx: Ctx): void {
  describe('unary', () => {
    for (const op of UNARY_OPS) {
      test(`${op}: float layouts, 0-d, size-0, size-1 and expanded inputs`, async () => {
        const kind: Kind = POSITIVE_DOMAIN.has(op) ? 'positive' : 'float';
        const f = R.UNARY_REF[op];
        for (const dtype of ctx.floatDTypes()) {
          const tol = unaryTol(op, dtype);
          for (const [i, shape] of [[3, 4, 5], [], [0, 3], [1, 1, 5], [7]].entries()) {
            for (const layout of LAYOUTS) {
              const x = randomRef(shape, dtype, 100 + i, kind);
              await expectRef(UNARY_FNS[op](fromRef(ctx, x, layout)), R.map(x, f), tol, `${dtype} [${shape}] ${layout}`);
            }
          }
          const base = randomRef([3, 1], dtype, 7, kind);
          await expectRef(
            UNARY_FNS[op](expandedFromRef(ctx, base, [2, 3, 4])),
            R.map(R.broadcastTo(base, [2, 3, 4]), f),
            tol,
            `${dtype} expanded`,
          );
        }
      });
    }

    test('NaN, +-Infinity and +-0 follow the IEEE / PyTorch definitions', async () => {
      const x = R.makeRef([7], 'float32', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-30, -1]);
      for (const op of UNARY_OPS) {
        await expectRef(UNARY_FNS[op](fromRef(ctx, x)), R.map(x, R.UNARY_REF[op]), transcendentalTol('float32'), op);
      }
    });

    test('round is half to even', async () => {
      const input = [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 0.49999997, -0.49999997, 2.4999998, 8388607.5, 1e9, -0.7, 0.7];
      const want = [-4, -2, -2, -0, 0, 2, 2, 4, 4, 0, -0, 2, 8388608, 1e9, -1, 1];
      for (const dtype of ctx.floatDTypes()) {
        await expectRef(nn.round(fromRef(ctx, R.makeRef([16], dtype, input))), R.makeRef([16], dtype, want), EXACT, dtype);
      }
    });

    test('erf over its whole range', async () => {
      const input = [0, 1e-6, -1e-4, 0.01, 0.1, 0.3, 0.49, 0.5, 0.51, -0.8, 1, -1.5, 2, 2.9, 3, 3.3, -4, 5, 6, 10, -27];
      for (const dtype of ctx.floatDTypes()) {
        const x = R.makeRef([input.length], dtype, input);
        await expectRef(nn.erf(fromRef(ctx, x)), R.map(x, R.erf), transcendentalTol(dtype), dtype);
      }
    });

    test('int32: neg/abs/sign keep int32; floor/ceil/round are identities; float ops compute in float32', async (t) => {
      needs(ctx, t, 'int32');
      const x = R.makeRef([2, 5], 'int32', [-7, -1, 0, 1, 9, 2147483647, -2147483647, -2147483648, -3, 100]);
      for (const op of ['neg', 'abs', 'sign', 'floor', 'ceil', 'round'] as const) {
        await expectRef(UNARY_FNS[op](fromRef(ctx, x, 'strided')), R.map(x, R.UNARY_REF[op]), EXACT, op);
      }
      const small = R.makeRef([5], 'int32', [-2, -1, 0, 1, 2]);
      for (const op of ['exp', 'sin', 'sigmoid', 'tanh', 'erf', 'relu', 'reciprocal'] as const) {
        await expectRef(UNARY_FNS[op](fromRef(ctx, small)), R.map(small, R.UNARY_REF[op], 'float32'), transcendentalTol('float32'), op);
      }
    });

    test('unary ops reject bool tensors', async (t) => {
      needs(ctx, t, 'bool');
      const b = fromRef(ctx, R.makeRef([2], 'bool', [0, 1]));
      expect(() => nn.exp(b)).toThrow(DTypeError);
      expect(() => nn.neg(b)).toThrow(DTypeError);
    });

    test('activations composed from primitives', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const x = R.makeRef([2, 8], dtype, [-30, -5, -2, -1, -0.5, -0.01, 0, 0.01, 0.5, 1, 2, 5, 9.5, 10.5, 25, 40]);
        const tx = fromRef(ctx, x, 'permuted');
        const tol = transcendentalTol(dtype);
        const softplus = (beta: number, th: number) => (a: number) => (beta * a > th ? a : Math.log1p(Math.exp(beta * a)) / beta);
        const cases: [string, Tensor, (a: number) => number][] = [
          ['leakyRelu', nn.leakyRelu(tx, 0.1), (a) => (a > 0 ? a : 0.1 * a)],
          ['elu', nn.elu(tx, 1.5), (a) => (a > 0 ? a : 1.5 * Math.expm1(a))],
          ['gelu', nn.gelu(tx), R.gelu],
          ['gelu tanh', nn.gelu(tx, 'tanh'), R.geluTanh],
          ['softplus', nn.softplus(tx), softplus(1, 20)],
          ['softplus beta=2 threshold=10', nn.softplus(tx, 2, 10), softplus(2, 10)],
          ['silu', nn.silu(tx), (a) => a * R.UNARY_REF.sigmoid(a)],
          ['square', nn.square(tx), (a) => a * a],
          ['clamp', nn.clamp(tx, -1, 2), (a) => Math.min(Math.max(a, -1), 2)],
          ['clamp min', nn.clamp(tx, 0.5), (a) => Math.max(a, 0.5)],
          ['clamp max', nn.clamp(tx, null, 0.5), (a) => Math.min(a, 0.5)],
          ['clamp min > max', nn.clamp(tx, 3, 1), () => 1],
        ];
        for (const [label, got, f] of cases) await expectRef(got, R.map(x, f), tol, `${dtype} ${label}`);
      }
    });
  });

  describe('binary', () => {
    for (const op of [...ARITH_OPS, ...COMPARE_OPS]) {
      test(`${op}: broadcasting, layouts and scalar operands`, async () => {
        const [ka, kb] = binaryKinds(op);
        const f = R.BINARY_REF[op];
        for (const dtype of ctx.floatDTypes()) {
          const outDType: DType = isCompare(op) ? 'bool' : dtype;
          const tol = TRANSCENDENTAL.has(op) ? transcendentalTol(dtype) : tolFor(dtype);
          for (const [i, [sa, sb]] of BROADCAST_CASES.entries()) {
            const a = randomRef(sa, dtype, 10 + i, ka);
            const b = randomRef(sb, dtype, 50 + i, kb);
            const want = R.zip(a, b, f, outDType);
            const la = LAYOUTS[i % LAYOUTS.length];
            const lb = LAYOUTS[(i + 2) % LAYOUTS.length];
            await expectRef(BINARY_FNS[op](fromRef(ctx, a), fromRef(ctx, b)), want, tol, `${dtype} [${sa}] ${op} [${sb}]`);
            await expectRef(
              BINARY_FNS[op](fromRef(ctx, a, la), fromRef(ctx, b, lb)),
              want,
              tol,
              `${dtype} [${sa}] ${la} ${op} [${sb}] ${lb}`,
            );
          }
          const a = randomRef([3, 4], dtype, 3, ka);
          const s = op === 'pow' ? 1.5 : 0.5;
          const sRef = R.makeRef([], dtype, [s]);
          await expectRef(BINARY_FNS[op](fromRef(ctx, a, 'permuted'), s), R.zip(a, sRef, f, outDType), tol, `${dtype} tensor ${op} ${s}`);
          await expectRef(BINARY_FNS[op](s, fromRef(ctx, a, 'strided')), R.zip(sRef, a, f, outDType), tol, `${dtype} ${s} ${op} tensor`);
          const base = randomRef([1, 4], dtype, 4, ka);
          const full = randomRef([3, 4], dtype, 5, kb);
          await expectRef(
            BINARY_FNS[op](expandedFromRef(ctx, base, [3, 4]), fromRef(ctx, full, 'permuted')),
            R.zip(R.broadcastTo(base, [3, 4]), full, f, outDType),
            tol,
            `${dtype} expanded ${op} permuted`,
          );
        }
      });
    }

    test('int32 operands stay int32 (div gives float32)', async (t) => {
      needs(ctx, t, 'int32');
      for (const op of [...ARITH_OPS, ...COMPARE_OPS]) {
        const a = randomRef([3, 4], 'int32', 1, op === 'pow' ? 'smallint' : 'int');
        const b = op === 'pow' ? R.makeRef([4], 'int32', [0, 1, 2, 3]) : randomRef([4], 'int32', 2);
        const outDType: DType = isCompare(op) ? 'bool' : op === 'div' ? 'float32' : 'int32';
        const f = op === 'div' ? R.BINARY_REF.div : R.INT_BINARY_REF[op];
        await expectRef(
          BINARY_FNS[op](fromRef(ctx, a, 'permuted'), fromRef(ctx, b, 'strided')),
          R.zip(a, b, f, outDType),
          tolFor('float32'),
          op,
        );
      }
    });

    test('int32 add/sub/mul wrap around at 32 bits', async (t) => {
      needs(ctx, t, 'int32');
      const a = R.makeRef([4], 'int32', [2147483647, -2147483648, 65536, 123456789]);
      const b = R.makeRef([4], 'int32', [1, 1, 65536, 987654321]);
      for (const op of ['add', 'sub', 'mul'] as const) {
        await expectRef(BINARY_FNS[op](fromRef(ctx, a), fromRef(ctx, b)), R.zip(a, b, R.INT_BINARY_REF[op], 'int32'), EXACT, op);
      }
    });

    test('int32 pow wraps exactly like repeated multiplication', async (t) => {
      needs(ctx, t, 'int32');
      const a = R.makeRef([4], 'int32', [3, -3, 7, 2]);
      const b = R.makeRef([4], 'int32', [40, 41, 13, 33]);
      await expectRef(nn.pow(fromRef(ctx, a), fromRef(ctx, b)), R.zip(a, b, R.INT_BINARY_REF.pow, 'int32'), EXACT, 'pow');
    });

    test('type promotion: bool, int32 and float32 operands and JS scalars', async (t) => {
      needs(ctx, t, 'int32', 'bool');
      const bo = R.makeRef([2, 2], 'bool', [0, 1, 1, 1]);
      const bo2 = R.makeRef([2], 'bool', [1, 0]);
      const i = R.makeRef([2, 2], 'int32', [-3, 0, 5, 7]);
      const fl = R.makeRef([2], 'float32', [0.5, -1.25]);
      const [tb, tb2, ti, tf] = [bo, bo2, i, fl].map((r) => fromRef(ctx, r));
      await expectRef(nn.add(tb, tb2), R.zip(bo, bo2, R.BINARY_REF.add, 'int32'), EXACT, 'bool + bool');
      await expectRef(nn.mul(tb, tb2), R.zip(bo, bo2, R.BINARY_REF.mul, 'int32'), EXACT, 'bool * bool');
      await expectRef(nn.eq(tb, tb2), R.zip(bo, bo2, R.BINARY_REF.eq, 'bool'), EXACT, 'bool == bool');
      await expectRef(nn.gt(tb, tb2), R.zip(bo, bo2, R.BINARY_REF.gt, 'bool'), EXACT, 'bool > bool');
      await expectRef(nn.add(tb, ti), R.zip(bo, i, R.BINARY_REF.add, 'int32'), EXACT, 'bool + int32');
      await expectRef(nn.mul(ti, tf), R.zip(i, fl, R.BINARY_REF.mul, 'float32'), tolFor('float32'), 'int32 * float32');
      await expectRef(nn.add(tb, tf), R.zip(bo, fl, R.BINARY_REF.add, 'float32'), tolFor('float32'), 'bool + float32');
      await expectRef(
        nn.add(ti, 2.5),
        R.map(i, (v) => v + 2.5, 'float32'),
        EXACT,
        'int32 + 2.5',
      );
      await expectRef(
        nn.mul(ti, 3),
        R.map(i, (v) => v * 3, 'int32'),
        EXACT,
        'int32 * 3',
      );
      await expectRef(
        nn.add(tb, 2),
        R.map(bo, (v) => v + 2, 'int32'),
        EXACT,
        'bool + 2',
      );
      await expectRef(
        nn.lt(ti, 1.5),
        R.map(i, (v) => (v < 1.5 ? 1 : 0), 'bool'),
        EXACT,
        'int32 < 1.5',
      );
      await expectRef(
        nn.div(ti, 2),
        R.map(i, (v) => v / 2, 'float32'),
        EXACT,
        'int32 / 2',
      );
    });

    test('NaN, infinities and division by zero', async () => {
      for (const dtype of ctx.floatDTypes()) {
        // pow(1, NaN) is left out: IEEE/PyTorch say 1, JavaScript says NaN.
        const a = R.makeRef([8], dtype, [Number.NaN, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, -1]);
        const b = R.makeRef([8], dtype, [1, Number.NaN, Number.POSITIVE_INFINITY, 0, -0, 0, 0, 0]);
        for (const op of [...ARITH_OPS, ...COMPARE_OPS]) {
          const outDType: DType = isCompare(op) ? 'bool' : dtype;
          await expectRef(
            BINARY_FNS[op](fromRef(ctx, a), fromRef(ctx, b)),
            R.zip(a, b, R.BINARY_REF[op], outDType),
            transcendentalTol(dtype),
            `${dtype} ${op}`,
          );
        }
      }
    });
  });

  describe('where', () => {
    test('broadcasts condition and operands, over layouts', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const c = randomRef([2, 1, 4], 'bool', 1);
        const a = randomRef([3, 1], dtype, 2);
        const b = randomRef([4], dtype, 3);
        const want = R.whereRef(c, a, b);
        for (const layout of LAYOUTS) {
          await expectRef(
            nn.where(fromRef(ctx, c, layout), fromRef(ctx, a, layout), fromRef(ctx, b, layout)),
            want,
            EXACT,
            `${dtype} ${layout}`,
          );
        }
        const c2 = randomRef([3, 4], 'bool', 4);
        const x = randomRef([3, 4], dtype, 5);
        await expectRef(
          nn.where(fromRef(ctx, c2, 'permuted'), fromRef(ctx, x), -1),
          R.whereRef(c2, x, R.makeRef([], dtype, [-1])),
          EXACT,
          `${dtype} scalar b`,
        );
        await expectRef(
          nn.where(fromRef(ctx, c2), 2, fromRef(ctx, x, 'strided')),
          R.whereRef(c2, R.makeRef([], dtype, [2]), x),
          EXACT,
          `${dtype} scalar a`,
        );
        const nan = R.makeRef([3], dtype, [Number.NaN, Number.POSITIVE_INFINITY, 1]);
        const c3 = R.makeRef([3], 'bool', [1, 1, 0]);
        await expectRef(
          nn.where(fromRef(ctx, c3), fromRef(ctx, nan), 0),
          R.whereRef(c3, nan, R.makeRef([], dtype, [0])),
          EXACT,
          `${dtype} NaN passes`,
        );
        const e = R.makeRef([0, 3], dtype, []);
        await expectRef(nn.where(fromRef(ctx, R.makeRef([3], 'bool', [1, 0, 1])), fromRef(ctx, e), 1), e, EXACT, `${dtype} size-0`);
      }
    });

    test('int32 and bool operands, promotion, 0-d condition', async (t) => {
      needs(ctx, t, 'int32', 'bool');
      const c = randomRef([2, 3], 'bool', 9);
      const i = randomRef([2, 3], 'int32', 10);
      const bo = randomRef([3], 'bool', 11);
      const fl = randomRef([2, 3], 'float32', 12);
      await expectRef(
        nn.where(fromRef(ctx, c), fromRef(ctx, i, 'permuted'), fromRef(ctx, bo)),
        R.whereRef(c, i, bo),
        EXACT,
        'int32 / bool',
      );
      await expectRef(
        nn.where(fromRef(ctx, c), fromRef(ctx, bo), fromRef(ctx, bo, 'strided')),
        R.whereRef(c, bo, bo),
        EXACT,
        'bool / bool',
      );
      await expectRef(
        nn.where(fromRef(ctx, c, 'strided'), fromRef(ctx, i), fromRef(ctx, fl)),
        R.whereRef(c, i, fl),
        EXACT,
        'int32 / float32',
      );
      const c0 = R.makeRef([], 'bool', [1]);
      await expectRef(
        nn.where(fromRef(ctx, c0, 'offset'), fromRef(ctx, i), 0),
        R.whereRef(c0, i, R.makeRef([], 'int32', [0])),
        EXACT,
        '0-d cond',
      );
      expect(() => nn.where(fromRef(ctx, i), fromRef(ctx, i), 0)).toThrow(DTypeError);
    });
  });

  describe('cast', () => {
    const SOURCE: Record<DType, number[]> = {
      float32: [-2.7, -1.5, -0.5, -0, 0, 0.3, 1, 2.5, 3.99, -7.9999, 1e6 + 0.5, 16777216],
      float64: [-2.7, -1.5, -0.5, -0, 0, 0.1, 1, 2.5, 3.99, 1 + 2 ** -30, 16777217, -1e9 - 0.75],
      int32: [-5, -1, 0, 1, 2, 16777217, 2147483647, -2147483648, 7, -100, 3, 0],
      bool: [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0],
    };
    for (const from of ALL_DTYPES) {
      test(`from ${from} to every dtype (truncation toward zero, x != 0 for bool)`, async (t) => {
        needs(ctx, t, from);
        const x = R.makeRef([3, 4], from, SOURCE[from]);
        for (const to of ALL_DTYPES) {
          if (!ctx.supports(to)) continue;
          for (const layout of ['contiguous', 'permuted-strided'] as const) {
            await expectRef(nn.cast(fromRef(ctx, x, layout), to), R.castRef(x, to), EXACT, `${from} -> ${to} ${layout}`);
          }
        }
        if (from === 'float32' || from === 'float64') {
          const special = R.makeRef([3], from, [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
          if (ctx.supports('bool'))
            await expectRef(nn.cast(fromRef(ctx, special), 'bool'), R.makeRef([3], 'bool', [1, 1, 1]), EXACT, `${from} NaN/Inf -> bool`);
          const other: DType = from === 'float32' ? 'float64' : 'float32';
          if (ctx.supports(other))
            await expectRef(nn.cast(fromRef(ctx, special), other), R.castRef(special, other), EXACT, `${from} NaN/Inf -> ${other}`);
        }
        await expectRef(nn.cast(fromRef(ctx, R.makeRef([0, 2], from, [])), 'float32'), R.makeRef([0, 2], 'float32', []), EXACT, 'size-0');
        await expectRef(nn.cast(fromRef(ctx, R.makeRef([], from, [1]), 'offset'), 'float32'), R.makeRef([], 'float32', [1]), EXACT, '0-d');
      });
    }
  });
}
