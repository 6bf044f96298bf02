/** Movement and indexing: copy/contiguous of views, reshape family, slice, concat/stack/split, pad, gather/indexSelect/scatterAdd/oneHot. */
import * as nn from '@nn/tensor';
import { type DType, DTypeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { describe, expect } from 'vitest';
import { type Ctx, EXACT, expectRef, fromRef, iotaRef, LAYOUTS, needs, randomRef, rng, test, tolFor } from './helpers.js';
import * as R from './reference.js';

const ALL: readonly DType[] = ['float32', 'int32', 'bool', 'float64'];

/** A view built by the library and the same view built by the reference. */
type ViewCase = [string, (t: Tensor) => Tensor, (r: R.Ref) => R.Ref];

const VIEWS: ViewCase[] = [
  ['permute(2,0,1)', (t) => t.permute(2, 0, 1), (r) => R.permuteRef(r, [2, 0, 1])],
  ['transpose(0,2)', (t) => t.transpose(0, 2), (r) => R.transposeRef(r, 0, 2)],
  ['slice(1,1,4,2)', (t) => t.slice(1, 1, 4, 2), (r) => R.sliceRef(r, 1, 1, 4, 2)],
  ['slice(2,-4,-1,3)', (t) => t.slice(2, -4, -1, 3), (r) => R.sliceRef(r, 2, -4, -1, 3)],
  ['narrow(0,1,2)', (t) => t.narrow(0, 1, 2), (r) => R.sliceRef(r, 0, 1, 3)],
  ['slice(2,0,5,2).permute(1,2,0)', (t) => t.slice(2, 0, 5, 2).permute(1, 2, 0), (r) => R.permuteRef(R.sliceRef(r, 2, 0, 5, 2), [1, 2, 0])],
  [
    'narrow(1,1,1).expand(2,3,4,5)',
    (t) => t.narrow(1, 1, 1).expand(2, 3, 4, 5),
    (r) => R.broadcastTo(R.sliceRef(r, 1, 1, 2), [2, 3, 4, 5]),
  ],
  ['transpose().unsqueeze(1)', (t) => t.transpose().unsqueeze(1), (r) => R.reshapeRef(R.transposeRef(r, 1, 2), [3, 1, 5, 4])],
  ['slice(0,2,3).squeeze(0)', (t) => t.slice(0, 2, 3).squeeze(0), (r) => R.reshapeRef(R.sliceRef(r, 0, 2, 3), [4, 5])],
  ['slice(1,9)', (t) => t.slice(1, 9), (r) => R.sliceRef(r, 1, 9)],
  ['narrow(2,-3,2)', (t) => t.narrow(2, -3, 2), (r) => R.sliceRef(r, 2, 2, 4)],
];

export function movementTests(ctx: Ctx): void {
  describe('movement', () => {
    test('copy/contiguous/clone materialize permuted, sliced and expanded views of every dtype', async () => {
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const x = iotaRef([3, 4, 5], dtype);
        for (const layout of ['contiguous', 'permuted-strided'] as const) {
          const tx = fromRef(ctx, x, layout);
          for (const [label, view, ref] of VIEWS) {
            const want = ref(x);
            const v = view(tx);
            const lbl = `${dtype} ${layout} ${label}`;
            await expectRef(v, want, EXACT, `${lbl} read`);
            await expectRef(v.contiguous(), want, EXACT, `${lbl} contiguous`);
            await expectRef(v.clone(), want, EXACT, `${lbl} clone`);
            await expectRef(nn.cast(v, dtype), want, EXACT, `${lbl} same-dtype cast`);
          }
        }
      }
    });

    test('reshape, flatten, squeeze and unsqueeze of contiguous and non-contiguous tensors', async () => {
      const x = iotaRef([2, 3, 4]);
      for (const layout of LAYOUTS) {
        const tx = fromRef(ctx, x, layout);
        await expectRef(tx.reshape(4, -1), R.reshapeRef(x, [4, 6]), EXACT, `${layout} reshape(4,-1)`);
        await expectRef(tx.reshape([24]), R.reshapeRef(x, [24]), EXACT, `${layout} reshape([24])`);
        await expectRef(tx.flatten(1), R.reshapeRef(x, [2, 12]), EXACT, `${layout} flatten(1)`);
        await expectRef(tx.unsqueeze(-1).unsqueeze(0), R.reshapeRef(x, [1, 2, 3, 4, 1]), EXACT, `${layout} unsqueeze`);
        await expectRef(tx.unsqueeze(1).squeeze(), R.reshapeRef(x, [2, 3, 4]), EXACT, `${layout} squeeze`);
        const t2 = tx.transpose(0, 2);
        await expectRef(t2.reshape(-1, 2), R.reshapeRef(R.transposeRef(x, 0, 2), [12, 2]), EXACT, `${layout} transpose then reshape`);
      }
      const s = R.makeRef([], 'float32', [4.5]);
      await expectRef(fromRef(ctx, s).reshape([1, 1]), R.makeRef([1, 1], 'float32', [4.5]), EXACT, '0-d to [1,1]');
      await expectRef(fromRef(ctx, R.makeRef([1], 'float32', [4.5])).reshape([]), s, EXACT, '[1] to 0-d');
      await expectRef(
        fromRef(ctx, R.makeRef([0, 3], 'float32', [])).reshape(3, 0),
        R.makeRef([3, 0], 'float32', []),
        EXACT,
        'size-0 reshape',
      );
    });

    test('concat along each axis: uneven and size-0 pieces, views, mixed dtypes', async () => {
      for (const dtype of ctx.floatDTypes()) {
        for (const dim of [0, 1, 2, -1]) {
          const shapes = [
            [2, 3, 4],
            [2, 3, 4],
            [2, 3, 4],
          ].map((s, i) => {
            const c = [...s];
            c[dim < 0 ? dim + 3 : dim] = [1, 0, 3][i];
            return c;
          });
          const parts = shapes.map((s, i) => randomRef(s, dtype, 90 + i));
          const want = R.concatRef(parts, dim);
          await expectRef(
            nn.concat(
              parts.map((p) => fromRef(ctx, p)),
              dim,
            ),
            want,
            EXACT,
            `${dtype} dim ${dim}`,
          );
          await expectRef(
            nn.concat(
              parts.map((p, i) => fromRef(ctx, p, LAYOUTS[(i + 1) % LAYOUTS.length])),
              dim,
            ),
            want,
            EXACT,
            `${dtype} dim ${dim} views`,
          );
        }
      }
      const one = R.makeRef([1], 'float32', [3]);
      await expectRef(nn.concat([fromRef(ctx, one)]), one, EXACT, 'single piece');
      if (ctx.supports('int32') && ctx.supports('bool')) {
        const a = randomRef([2, 2], 'int32', 1);
        const b = randomRef([1, 2], 'float32', 2);
        const c = randomRef([3, 2], 'bool', 3);
        await expectRef(
          nn.concat([fromRef(ctx, a), fromRef(ctx, b), fromRef(ctx, c)]),
          R.concatRef([a, b, c], 0),
          EXACT,
          'int32 + float32 + bool',
        );
        await expectRef(nn.concat([fromRef(ctx, c), fromRef(ctx, c, 'permuted')], 1), R.concatRef([c, c], 1), EXACT, 'bool');
      }
    });

    test('stack and split (sizes, sections, size-0 sections)', async () => {
      const parts = [0, 1, 2].map((i) => randomRef([3, 4], 'float32', i));
      for (const dim of [0, 1, 2, -1]) {
        await expectRef(
          nn.stack(
            parts.map((p, i) => fromRef(ctx, p, LAYOUTS[i])),
            dim,
          ),
          R.stackRef(parts, dim),
          EXACT,
          `stack dim ${dim}`,
        );
      }
      const scalars = [R.makeRef([], 'float32', [1.5]), R.makeRef([], 'float32', [-2])];
      await expectRef(
        nn.stack(scalars.map((s, i) => fromRef(ctx, s, i === 0 ? 'contiguous' : 'offset'))),
        R.makeRef([2], 'float32', [1.5, -2]),
        EXACT,
        'stack of 0-d',
      );
      const x = iotaRef([5, 7]);
      for (const layout of ['contiguous', 'permuted', 'strided'] as const) {
        const tx = fromRef(ctx, x, layout);
        const cases: [number | number[], number, number[]][] = [
          [2, 0, [2, 2, 1]],
          [3, 1, [3, 3, 1]],
          [[1, 0, 4], 0, [1, 0, 4]],
          [[7], 1, [7]],
          [[2, 5], -1, [2, 5]],
        ];
        for (const [spec, dim, sizes] of cases) {
          const got = nn.split(tx, spec, dim);
          const want = R.splitRef(x, sizes, dim);
          expect(got.length).toBe(want.length);
          for (let i = 0; i < got.length; i++) {
            await expectRef(got[i], want[i], EXACT, `${layout} split(${JSON.stringify(spec)}, ${dim})[${i}]`);
            await expectRef(
              nn.add(got[i], 1),
              R.map(want[i], (v) => v + 1),
              EXACT,
              `${layout} split piece used as an op input`,
            );
          }
        }
      }
    });

    test('pad: per-dim pads, fill value, negative pads crop, views and dtypes', async () => {
      const cases: number[][] = [
        [1, 2],
        [0, 0],
        [1, 1, 2, 0],
        [-1, 2],
        [-1, -1, -2, 1],
        [2, -3, 0, 0, 1, 1],
        [-2, -2],
      ];
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const x = randomRef([2, 3, 4], dtype, 7);
        const value = dtype === 'bool' ? 1 : dtype === 'int32' ? -3 : 3.5;
        for (const pads of cases) {
          for (const layout of ['contiguous', 'permuted-strided'] as const) {
            await expectRef(
              nn.pad(fromRef(ctx, x, layout), pads, value),
              R.padRef(x, pads, value),
              EXACT,
              `${dtype} ${layout} pad ${JSON.stringify(pads)}`,
            );
          }
        }
        await expectRef(nn.pad(fromRef(ctx, x), [1, 1]), R.padRef(x, [1, 1], 0), EXACT, `${dtype} default value 0`);
      }
      const e = R.makeRef([0, 2], 'float32', []);
      await expectRef(nn.pad(fromRef(ctx, e), [1, 0, 1, 1], 2), R.padRef(e, [1, 0, 1, 1], 2), EXACT, 'pad a size-0 tensor');
    });

    test('gather along each axis, every dtype, non-contiguous inputs and indices', async () => {
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const x = randomRef([3, 4, 5], dtype, 11);
        for (const axis of [0, 1, 2]) {
          const ishape = [2, 3, 4];
          ishape[axis] = 6; // more picks than the axis has: repeats
          const r = rng(axis + 1);
          const idx = R.makeRef(
            ishape,
            'int32',
            Array.from({ length: R.size(ishape) }, () => Math.floor(r() * x.shape[axis])),
          );
          const want = R.gatherRef(x, axis, idx);
          for (const [lx, li] of [
            ['contiguous', 'contiguous'],
            ['permuted', 'strided'],
            ['offset', 'permuted-strided'],
          ] as const) {
            await expectRef(nn.gather(fromRef(ctx, x, lx), axis, fromRef(ctx, idx, li)), want, EXACT, `${dtype} axis ${axis} ${lx}/${li}`);
          }
        }
      }
      const x = randomRef([3, 4], 'float32', 12);
      await expectRef(
        nn.gather(fromRef(ctx, x), 1, fromRef(ctx, R.makeRef([3, 0], 'int32', []))),
        R.makeRef([3, 0], 'float32', []),
        EXACT,
        'empty index',
      );
      await expectRef(
        nn.gather(fromRef(ctx, R.makeRef([], 'float32', [2])), 0, fromRef(ctx, R.makeRef([], 'int32', [0]))),
        R.makeRef([], 'float32', [2]),
        EXACT,
        '0-d',
      );
      if (ctx.backend?.readSync !== undefined) {
        expect(() => nn.gather(fromRef(ctx, x), 1, fromRef(ctx, R.makeRef([1, 1], 'int32', [4])))).toThrow(ValueRangeError);
      }
    });

    test('out-of-range indices raise a ValueRangeError naming op, value and valid range (async backends: at the next read)', async (t) => {
      needs(ctx, t, 'int32');
      const x = fromRef(ctx, randomRef([3, 4], 'float32', 50));
      const idx = (values: number[], shape = [values.length], layout: 'contiguous' | 'permuted-strided' = 'contiguous'): Tensor =>
        fromRef(ctx, R.makeRef(shape, 'int32', values), layout);
      // Sync backends throw at the call, the others at the read of the result.
      const failure = async (run: () => Tensor): Promise<string> => {
        const err = await (async () => run().data())().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ValueRangeError);
        return (err as Error).message;
      };
      expect(await failure(() => nn.indexSelect(x, 0, idx([0, 3, 1])))).toBe(
        'indexSelect: index 3 is out of range for dim 0 of size 3 (valid: 0 to 2)',
      );
      expect(await failure(() => nn.indexSelect(x, -1, idx([-1])))).toBe(
        'indexSelect: index -1 is out of range for dim -1 of size 4 (valid: 0 to 3)',
      );
      // The first bad index in row-major order of a strided view (the reference's layout puts 7777 around it).
      expect(await failure(() => nn.gather(x, 1, idx([0, 5, 1, -2, 3, 4], [3, 2], 'permuted-strided')))).toBe(
        'gather: index 5 is out of range for dim 1 of size 4 (valid: 0 to 3)',
      );
      expect(await failure(() => nn.scatterAdd(x, 0, idx([1, 3], [1, 2]), x))).toBe(
        'scatterAdd: index 3 is out of range for dim 0 of size 3 (valid: 0 to 2)',
      );
      expect(await failure(() => nn.oneHot(idx([2, 0, 6]), 4))).toBe('oneHot: index 6 is out of range for 4 classes (valid: 0 to 3)');
      // Nothing is left pending: the next read succeeds.
      await expectRef(
        nn.indexSelect(x, 1, idx([3, 0], [2], 'permuted-strided')),
        R.selectRef(randomRef([3, 4], 'float32', 50), 1, [3, 0]),
        EXACT,
        'after the errors',
      );
    });

    test('indexSelect with repeated, reordered and empty indices', async () => {
      for (const dtype of ALL.filter((d) => ctx.supports(d))) {
        const x = randomRef([4, 5, 3], dtype, 13);
        for (const [dim, picks] of [
          [0, [3, 0, 0, 2]],
          [1, [4]],
          [2, [2, 1, 0, 1, 2]],
          [-1, []],
          [1, [1, 3]],
        ] as [number, number[]][]) {
          const idx = R.makeRef([picks.length], 'int32', picks);
          const want = R.selectRef(x, dim < 0 ? dim + 3 : dim, picks);
          await expectRef(nn.indexSelect(fromRef(ctx, x), dim, fromRef(ctx, idx)), want, EXACT, `${dtype} dim ${dim}`);
          await expectRef(
            nn.indexSelect(fromRef(ctx, x, 'permuted'), dim, fromRef(ctx, idx, 'strided')),
            want,
            EXACT,
            `${dtype} dim ${dim} views`,
          );
        }
      }
    });

    test('scatterAdd along each axis with duplicate indices and a larger src', async () => {
      const dtypes = [...ctx.floatDTypes(), ...(ctx.supports('int32') ? (['int32'] as const) : [])];
      for (const dtype of dtypes) {
        const x = randomRef([3, 4, 5], dtype, 21);
        for (const axis of [0, 1, 2]) {
          const ishape = [2, 3, 4];
          ishape[axis] = 7;
          const r = rng(axis + 10);
          const idx = R.makeRef(
            ishape,
            'int32',
            Array.from({ length: R.size(ishape) }, () => Math.floor(r() * x.shape[axis])),
          );
          const srcShape = [Math.max(ishape[0], 3), Math.max(ishape[1], 4), 8];
          const src2 = randomRef(srcShape, dtype, 30 + axis);
          const want = R.scatterAddRef(x, axis, idx, src2);
          for (const [lx, li, ls] of [
            ['contiguous', 'contiguous', 'contiguous'],
            ['permuted', 'strided', 'permuted-strided'],
          ] as const) {
            await expectRef(
              nn.scatterAdd(fromRef(ctx, x, lx), axis, fromRef(ctx, idx, li), fromRef(ctx, src2, ls)),
              want,
              tolFor(dtype),
              `${dtype} axis ${axis} ${lx}/${li}/${ls}`,
            );
          }
        }
        const e = R.makeRef([3, 0], 'int32', []);
        const x2 = randomRef([3, 4], dtype, 40);
        await expectRef(
          nn.scatterAdd(fromRef(ctx, x2), 1, fromRef(ctx, e), fromRef(ctx, randomRef([3, 2], dtype, 41))),
          x2,
          EXACT,
          `${dtype} empty index`,
        );
      }
    });

    test('scatterAdd on bool tensors keeps values 0/1 (logical or), or rejects bool', async (t) => {
      needs(ctx, t, 'bool', 'int32');
      const x = R.makeRef([3], 'bool', [0, 0, 1]);
      const idx = R.makeRef([3], 'int32', [1, 1, 2]);
      const src = R.makeRef([3], 'bool', [1, 1, 1]);
      let got: Tensor;
      try {
        got = nn.scatterAdd(fromRef(ctx, x), 0, fromRef(ctx, idx), fromRef(ctx, src));
      } catch (e) {
        expect(e).toBeInstanceOf(DTypeError);
        return;
      }
      await expectRef(got, R.makeRef([3], 'bool', [0, 1, 1]), EXACT, 'scatterAdd bool');
      await expectRef(nn.eq(got, true), R.makeRef([3], 'bool', [0, 1, 1]), EXACT, 'eq(result, true)');
    });

    test('oneHot with and without numClasses', async (t) => {
      needs(ctx, t, 'int32');
      const x = R.makeRef([2, 3], 'int32', [0, 2, 1, 4, 0, 2]);
      await expectRef(nn.oneHot(fromRef(ctx, x, 'permuted'), 6), R.oneHotRef(x, 6), EXACT, 'numClasses 6');
      if (ctx.backend?.readSync !== undefined) await expectRef(nn.oneHot(fromRef(ctx, x)), R.oneHotRef(x, 5), EXACT, 'inferred');
      const e = R.makeRef([0], 'int32', []);
      await expectRef(nn.oneHot(fromRef(ctx, e), 3), R.oneHotRef(e, 3), EXACT, 'size-0');
    });
  });
}
