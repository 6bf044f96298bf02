/** Storage and the fill/iota primitives: tensor() round trips, full/zeros/ones, arange, linspace, eye, moving between backends. */
import * as nn from '@nn/tensor';
import type { DType } from '@nn/tensor';
import { describe, expect } from 'vitest';
import { type Ctx, EXACT, expectRef, fromRef, needs, randomRef, test, tolFor, typed } from './helpers.js';
import * as R from './reference.js';

const ALL: readonly DType[] = ['float32', 'int32', 'bool', 'float64'];

const EXTREMES: Record<DType, number[]> = {
  float32: [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    1.4e-45,
    3.4028234663852886e38,
    -1.1754943508222875e-38,
    0.1,
  ],
  float64: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, Number.MAX_VALUE, 1 + 2 ** -52, -1e-300],
  int32: [-2147483648, 2147483647, 0, -1, 1, 16777217, 65536, -65537],
  bool: [0, 1, 1, 0, 0, 0, 1, 1],
};

export function creationTests(ctx: Ctx): void {
  describe('creation', () => {
    test('tensor() round-trips every dtype bit for bit (NaN, infinities, -0, subnormals, int extremes)', async () => {
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const x = R.makeRef([2, 4], dtype, EXTREMES[dtype]);
        await expectRef(fromRef(ctx, x), x, EXACT, dtype);
        const got = await fromRef(ctx, x).data();
        if (dtype === 'float32' || dtype === 'float64') expect(Object.is(got[3], -0), `${dtype}: -0 keeps its sign`).toBe(true);
        const nested = nn.tensor(
          dtype === 'bool'
            ? [
                [true, false],
                [false, true],
              ]
            : [
                [1, -2],
                [3, 4],
              ],
          { backend: ctx.name, dtype },
        );
        await expectRef(nested, R.makeRef([2, 2], dtype, dtype === 'bool' ? [1, 0, 0, 1] : [1, -2, 3, 4]), EXACT, `${dtype} nested arrays`);
      }
      await expectRef(
        nn.tensor(typed('float32', []), { backend: ctx.name, shape: [0, 5] }),
        R.makeRef([0, 5], 'float32', []),
        EXACT,
        'size-0',
      );
      await expectRef(nn.tensor(3.25, { backend: ctx.name }), R.makeRef([], 'float32', [3.25]), EXACT, '0-d');
    });

    test('tensor() with dtype bool stores every nonzero number as true', async (t) => {
      needs(ctx, t, 'bool');
      const want = R.makeRef([5], 'bool', [1, 0, 1, 1, 1]);
      const nested = nn.tensor([2, 0, -1, 0.5, Number.NaN], { backend: ctx.name, dtype: 'bool' });
      await expectRef(nested, want, EXACT, 'from numbers');
      await expectRef(nn.eq(nested, true), want, EXACT, 'eq(t, true) of numbers');
      const fromTyped = nn.tensor(new Float32Array([2, 0, -1, 0.5, Number.NaN]), { backend: ctx.name, dtype: 'bool' });
      await expectRef(fromTyped, want, EXACT, 'from a Float32Array');
    });

    test('full, zeros, ones and *Like for every dtype, 0-d and size-0 shapes', async () => {
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const o = { backend: ctx.name, dtype };
        for (const shape of [[2, 3], [], [0, 4], [1, 1, 7]]) {
          for (const v of [0, 1, -7, 2.5, 0.1, -0.75]) {
            await expectRef(
              nn.full(shape, v, o),
              R.makeRef(shape, dtype, new Array(R.size(shape)).fill(v)),
              EXACT,
              `${dtype} full([${shape}], ${v})`,
            );
          }
          await expectRef(nn.zeros(shape, o), R.makeRef(shape, dtype, new Array(R.size(shape)).fill(0)), EXACT, `${dtype} zeros`);
          await expectRef(nn.ones(shape, o), R.makeRef(shape, dtype, new Array(R.size(shape)).fill(1)), EXACT, `${dtype} ones`);
        }
        const like = fromRef(ctx, randomRef([3, 2], dtype, 1), 'permuted');
        await expectRef(nn.zerosLike(like), R.makeRef([3, 2], dtype, [0, 0, 0, 0, 0, 0]), EXACT, `${dtype} zerosLike`);
        await expectRef(nn.onesLike(like), R.makeRef([3, 2], dtype, [1, 1, 1, 1, 1, 1]), EXACT, `${dtype} onesLike`);
        await expectRef(nn.fullLike(like, 5), R.makeRef([3, 2], dtype, [5, 5, 5, 5, 5, 5]), EXACT, `${dtype} fullLike`);
      }
      await expectRef(nn.full([2], true, { backend: ctx.name }), R.makeRef([2], 'bool', [1, 1]), EXACT, 'full(true) is bool');
      await expectRef(
        nn.full([2], Number.NaN, { backend: ctx.name }),
        R.makeRef([2], 'float32', [Number.NaN, Number.NaN]),
        EXACT,
        'full(NaN)',
      );
      await expectRef(
        nn.full([2], Number.NEGATIVE_INFINITY, { backend: ctx.name }),
        R.makeRef([2], 'float32', [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]),
        EXACT,
        'full(-Inf)',
      );
    });

    test('arange: float32 by default, int32 on request, negative steps, empty ranges', async () => {
      const cases: [number, number | undefined, number | undefined, DType | undefined][] = [
        [5, undefined, undefined, 'int32'],
        [2, 11, 3, 'int32'],
        [5, -1, -2, 'int32'],
        [3, 3, 1, 'int32'],
        [0, 1, 0.25, undefined],
        [0.5, 3, 1, undefined],
        [-1, 1, 0.1, undefined],
        [4, undefined, undefined, undefined],
        [10, 0, -3, 'float32'],
        [0, 100000, 7, 'int32'],
        [2, 11, 3, undefined],
      ];
      for (const [start, end, step, dtype] of cases) {
        const s = end === undefined ? 0 : start;
        const e = end === undefined ? start : end;
        const st = step ?? 1;
        const n = Math.max(Math.ceil((e - s) / st), 0);
        const d: DType = dtype ?? 'float32';
        if (!ctx.supports(d)) continue;
        const want = R.makeRef(
          [n],
          d,
          Array.from({ length: n }, (_, i) => s + i * st),
        );
        const got =
          end === undefined
            ? nn.arange(start, undefined, undefined, { backend: ctx.name, dtype })
            : nn.arange(start, end, step, { backend: ctx.name, dtype });
        await expectRef(got, want, tolFor(d), `arange(${start}, ${end}, ${step}) ${d}`);
      }
    });

    test('linspace and eye', async () => {
      for (const [start, end, steps] of [
        [0, 1, 5],
        [-1, 1, 1],
        [0, 1, 0],
        [2, -3, 6],
        [0, 1, 101],
      ]) {
        const step = steps > 1 ? (end - start) / (steps - 1) : 0;
        const want = R.makeRef(
          [steps],
          'float32',
          Array.from({ length: steps }, (_, i) => start + i * step),
        );
        await expectRef(
          nn.linspace(start, end, steps, { backend: ctx.name }),
          want,
          tolFor('float32'),
          `linspace(${start}, ${end}, ${steps})`,
        );
      }
      for (const [n, m, dtype] of [
        [3, 3, 'float32'],
        [2, 4, 'float32'],
        [3, 2, 'int32'],
        [0, 0, 'float32'],
        [1, 1, 'bool'],
        [4, 4, 'float64'],
      ] as [number, number, DType][]) {
        if (!ctx.supports(dtype)) continue;
        const want = R.makeRef(
          [n, m],
          dtype,
          Array.from({ length: n * m }, (_, i) => (Math.floor(i / m) === i % m ? 1 : 0)),
        );
        await expectRef(nn.eye(n, m, { backend: ctx.name, dtype }), want, EXACT, `eye(${n}, ${m}) ${dtype}`);
      }
    });

    test('setBackend made this backend current: tensors without a backend option land on it', () => {
      const x = nn.zeros([2]);
      if (x.backend !== ctx.backend) throw new Error(`zeros() went to '${x.backend.name}', expected '${ctx.name}'`);
    });

    test('moving tensors between cpu and the backend keeps values, shape and dtype', async () => {
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const x = randomRef([3, 4], dtype, 3);
        const onCpu = nn.tensor(typed(dtype, x.data), { backend: 'cpu', dtype, shape: x.shape });
        const there = await onCpu.toAsync(ctx.name);
        await expectRef(there, x, EXACT, `${dtype} cpu -> ${ctx.name}`);
        const view = fromRef(ctx, x, 'permuted-strided');
        const back = await view.toAsync('cpu');
        await expectRef(back, x, EXACT, `${dtype} ${ctx.name} view -> cpu`);
        if (ctx.backend?.readSync !== undefined) await expectRef(view.to('cpu'), x, EXACT, `${dtype} to() (sync)`);
      }
    });
  });
}
