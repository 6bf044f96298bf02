/** The argsort primitive through sort, argsort and topk: stable order, NaN largest, -0 ties, every dtype, long lines. */
import * as nn from '@nn/tensor';
import { type DType, type Tensor, ValueRangeError } from '@nn/tensor';
import { describe, expect } from 'vitest';
import { type Ctx, EXACT, expectRef, fromRef, randomRef, rng, test } from './helpers.js';
import * as R from './reference.js';

/** Positions of a line in stable sorted order: NaN is the largest value, equal values keep their order. */
function lineOrder(vals: readonly number[], descending: boolean): number[] {
  return vals
    .map((_, i) => i)
    .sort((a, b) => {
      const x = vals[a];
      const y = vals[b];
      const nx = Number.isNaN(x);
      const ny = Number.isNaN(y);
      const c = nx || ny ? Number(nx) - Number(ny) : x < y ? -1 : x > y ? 1 : 0;
      return (descending ? -c : c) || a - b;
    });
}

/** The first k (default all) sorted values and positions of every line along dim. */
export function sortRef(x: R.Ref, dim: number, descending: boolean, k?: number): { values: R.Ref; indices: R.Ref } {
  const d = dim < 0 ? dim + x.shape.length : dim;
  const n = x.shape[d];
  const shape = [...x.shape];
  shape[d] = k ?? n;
  const values = new Array<number>(R.size(shape));
  const indices = new Array<number>(R.size(shape));
  const lines = [...x.shape];
  lines[d] = 1;
  for (let l = 0; l < R.size(lines); l++) {
    const at = R.unravel(l, lines);
    const pos = (j: number, s: readonly number[]): number =>
      R.ravel(
        at.map((c, i) => (i === d ? j : c)),
        s,
      );
    const vals = Array.from({ length: n }, (_, j) => x.data[pos(j, x.shape)]);
    lineOrder(vals, descending)
      .slice(0, shape[d])
      .forEach((src, j) => {
        values[pos(j, shape)] = vals[src];
        indices[pos(j, shape)] = src;
      });
  }
  return { values: R.makeRef(shape, x.dtype, values), indices: R.makeRef(shape, 'int32', indices) };
}

/** Values with ties, NaN, -0 and infinities for floats; few distinct values for int32 and bool. */
function sortInput(shape: number[], dtype: DType, seed: number): R.Ref {
  const base = randomRef(shape, dtype, seed, dtype === 'int32' ? 'smallint' : dtype === 'bool' ? 'bool' : 'ties');
  if (dtype !== 'float32' && dtype !== 'float64') return base;
  const r = rng(seed + 1);
  const special = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40];
  return R.makeRef(
    shape,
    dtype,
    base.data.map((v) => (r() < 0.25 ? special[Math.floor(r() * special.length)] : v)),
  );
}

async function expectSorted(
  got: { values: Tensor; indices: Tensor },
  want: { values: R.Ref; indices: R.Ref },
  label: string,
): Promise<void> {
  await expectRef(got.indices, want.indices, EXACT, `${label} indices`);
  await expectRef(got.values, want.values, EXACT, `${label} values`);
}

export function sortTests(ctx: Ctx): void {
  describe('sort', () => {
    test('sort, argsort and topk along each dim of every dtype, both directions, strided inputs', async () => {
      for (const dtype of (['float32', 'int32', 'bool', 'float64'] as const).filter((d) => ctx.supports(d))) {
        const x = sortInput([3, 4, 6], dtype, 7);
        for (const layout of ['contiguous', 'permuted-strided'] as const) {
          const tx = fromRef(ctx, x, layout);
          for (const dim of [0, 1, 2, -1]) {
            for (const descending of [false, true]) {
              const lbl = `${dtype} ${layout} dim ${dim}${descending ? ' descending' : ''}`;
              const want = sortRef(x, dim, descending);
              await expectSorted(nn.sort(tx, { dim, descending }), want, `${lbl} sort`);
              await expectRef(nn.argsort(tx, { dim, descending }), want.indices, EXACT, `${lbl} argsort`);
              const k = Math.min(3, x.shape[dim < 0 ? dim + 3 : dim]);
              await expectSorted(nn.topk(tx, k, { dim, largest: descending }), sortRef(x, dim, descending, k), `${lbl} topk ${k}`);
            }
          }
        }
      }
    });

    test('long lines (past one workgroup block) and heavy ties stay in stable order', async () => {
      const cases: [number[], number, number][] = [
        [[2, 1000], -1, 11],
        [[1, 3000], 1, 12],
        [[600, 3], 0, 13],
      ];
      for (const [shape, dim, seed] of cases) {
        const x = sortInput(shape, 'float32', seed);
        for (const descending of [false, true]) {
          const tx = fromRef(ctx, x, 'permuted-strided');
          await expectSorted(nn.sort(tx, { dim, descending }), sortRef(x, dim, descending), `[${shape}] dim ${dim} ${descending}`);
        }
      }
      const ties = randomRef([2, 1500], 'int32', 14, 'smallint');
      await expectSorted(nn.sort(fromRef(ctx, ties), { descending: true }), sortRef(ties, -1, true), 'int32 ties');
      const wide = randomRef([2, 2100], 'float32', 15);
      await expectSorted(nn.topk(fromRef(ctx, wide), 5), sortRef(wide, -1, true, 5), 'topk 5 of 2100');
      await expectSorted(nn.topk(fromRef(ctx, wide), 300, { largest: false }), sortRef(wide, -1, false, 300), 'topk 300 smallest of 2100');
    });

    test('size-0 and size-1 lines, 0-d tensors, k = 0 and k = n', async () => {
      const empty = R.makeRef([3, 0], 'float32', []);
      await expectSorted(nn.sort(fromRef(ctx, empty)), sortRef(empty, -1, false), 'lines of 0');
      await expectSorted(nn.sort(fromRef(ctx, empty), { dim: 0 }), sortRef(empty, 0, false), 'no lines');
      const one = randomRef([4, 1], 'float32', 3);
      await expectSorted(nn.sort(fromRef(ctx, one), { descending: true }), sortRef(one, -1, true), 'lines of 1');
      const s = nn.sort(fromRef(ctx, R.makeRef([], 'float32', [2.5])));
      await expectSorted(s, { values: R.makeRef([], 'float32', [2.5]), indices: R.makeRef([], 'int32', [0]) }, '0-d');
      await expectRef(nn.argsort(fromRef(ctx, R.makeRef([], 'float32', [2.5]))), R.makeRef([], 'int32', [0]), EXACT, '0-d argsort');
      const x = randomRef([2, 5], 'float32', 4);
      await expectSorted(nn.topk(fromRef(ctx, x), 0), sortRef(x, -1, true, 0), 'k = 0');
      await expectSorted(nn.topk(fromRef(ctx, x), 5, { largest: false }), sortRef(x, -1, false, 5), 'k = n');
      expect(() => nn.topk(fromRef(ctx, x), 6)).toThrow(
        new ValueRangeError('topk: k 6 is out of range for dim -1 of size 5 (valid: 0 to 5)'),
      );
      expect(() => nn.topk(fromRef(ctx, x), -1, { dim: 0 })).toThrow('topk: k -1 is out of range for dim 0 of size 2 (valid: 0 to 2)');
      expect(() => nn.sort(fromRef(ctx, x), { dim: 2 })).toThrow(ValueRangeError);
    });
  });
}
