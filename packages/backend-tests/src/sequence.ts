/** Sequence-model ops composed over the primitives: scans, triangles, maskedFill, einsum, tiling, multinomial. */
import * as nn from '@nn/tensor';
import { type DType, type Tensor, ValueRangeError } from '@nn/tensor';
import { describe, expect } from 'vitest';
import { type Ctx, EXACT, expectRef, fromRef, iotaRef, needs, randomRef, sumTol, test, tolFor } from './helpers.js';
import * as R from './reference.js';

/** Running sums or products along dim, sequentially in float64, rounded to the dtype. */
function scanRef(x: R.Ref, dim: number, op: 'sum' | 'prod'): R.Ref {
  const d = dim < 0 ? dim + x.shape.length : dim;
  const dtype = x.dtype === 'bool' ? 'int32' : x.dtype;
  const data = x.data.map((_, i) => {
    const at = R.unravel(i, x.shape);
    let acc = op === 'sum' ? 0 : 1;
    for (let j = 0; j <= at[d]; j++) {
      const v =
        x.data[
          R.ravel(
            at.map((c, k) => (k === d ? j : c)),
            x.shape,
          )
        ];
      acc = op === 'sum' ? acc + v : acc * v;
    }
    return acc;
  });
  return R.makeRef(x.shape, dtype, data);
}

/** einsum by definition: loop over every assignment of the subscripts (no '...'). */
function einsumRef(eq: string, xs: readonly R.Ref[]): R.Ref {
  const [lhs, out] = eq.split('->');
  const terms = lhs.split(',');
  const size = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((c, d) => size.set(c, Math.max(size.get(c) ?? 1, xs[i].shape[d]))));
  const labels = [...size.keys()];
  const shape = [...out].map((c) => size.get(c)!);
  const data = new Array<number>(R.size(shape)).fill(0);
  const at = (i: number, v: Map<string, number>) =>
    R.ravel(
      [...terms[i]].map((c, d) => (xs[i].shape[d] === 1 ? 0 : v.get(c)!)),
      xs[i].shape,
    );
  for (let a = 0; a < R.size(labels.map((c) => size.get(c)!)); a++) {
    const idx = R.unravel(
      a,
      labels.map((c) => size.get(c)!),
    );
    const v = new Map(labels.map((c, k) => [c, idx[k]]));
    data[
      R.ravel(
        [...out].map((c) => v.get(c)!),
        shape,
      )
    ] += xs.reduce((p, x, i) => p * x.data[at(i, v)], 1);
  }
  return R.makeRef(shape, xs[0].dtype, data);
}

/** A bool mask of `shape`, true where the reference says so. */
function maskOf(ctx: Ctx, shape: number[], keep: (idx: number[]) => boolean): Tensor {
  const data = Array.from({ length: R.size(shape) }, (_, i) => (keep(R.unravel(i, shape)) ? 1 : 0));
  return fromRef(ctx, R.makeRef(shape, 'bool', data));
}

export function sequenceTests(ctx: Ctx): void {
  describe('sequence ops', () => {
    test('cumsum and cumprod along each dim: floats within rounding, int32 and bool exact, long lines', async () => {
      for (const dtype of ([...ctx.floatDTypes(), 'int32', 'bool'] as DType[]).filter((d) => ctx.supports(d))) {
        const x = randomRef([3, 4, 5], dtype, 21, dtype === 'int32' ? 'smallint' : dtype === 'bool' ? 'bool' : 'nearone');
        for (const dim of [0, 1, 2, -1]) {
          const tx = fromRef(ctx, x, 'permuted-strided');
          const n = x.shape[dim < 0 ? dim + 3 : dim];
          const abs = scanRef(R.map(x, Math.abs), dim, 'sum');
          await expectRef(
            nn.cumsum(tx, dim),
            scanRef(x, dim, 'sum'),
            dtype === 'int32' || dtype === 'bool' ? EXACT : sumTol(dtype, abs, n),
            `${dtype} cumsum ${dim}`,
          );
          await expectRef(
            nn.cumprod(tx, dim),
            scanRef(x, dim, 'prod'),
            dtype === 'float32' ? { atol: 1e-6, rtol: 1e-5 } : tolFor(dtype),
            `${dtype} cumprod ${dim}`,
          );
        }
      }
      const long = randomRef([2, 1000], 'float32', 22);
      await expectRef(
        nn.cumsum(fromRef(ctx, long), 1),
        scanRef(long, 1, 'sum'),
        sumTol('float32', scanRef(R.map(long, Math.abs), 1, 'sum'), 1000),
        'n = 1000',
      );
      const zeros = R.makeRef([5], 'float32', [2, 3, 0, 4, 5]);
      await expectRef(nn.cumprod(fromRef(ctx, zeros), 0), R.makeRef([5], 'float32', [2, 6, 0, 0, 0]), EXACT, 'cumprod through a zero');
      await expectRef(nn.cumsum(fromRef(ctx, R.makeRef([2, 0], 'float32', [])), 1), R.makeRef([2, 0], 'float32', []), EXACT, 'empty');
      await expectRef(nn.cumsum(fromRef(ctx, R.makeRef([], 'float32', [3])), 0), R.makeRef([], 'float32', [3]), EXACT, '0-d');
    });

    test('tril and triu for every diagonal of batched, wide and tall matrices', async () => {
      for (const dtype of (['float32', 'int32', 'bool'] as const).filter((d) => ctx.supports(d))) {
        for (const shape of [
          [2, 3, 4],
          [4, 3],
          [1, 5],
        ]) {
          const x = randomRef(shape, dtype, 31);
          const tx = fromRef(ctx, x, 'permuted');
          for (const k of [-10, -2, -1, 0, 1, 3, 10]) {
            const keep = (lower: boolean) =>
              R.makeRef(
                shape,
                dtype,
                x.data.map((v, i) => {
                  const at = R.unravel(i, shape);
                  const off = at[at.length - 1] - at[at.length - 2];
                  return (lower ? off <= k : off >= k) ? v : 0;
                }),
              );
            await expectRef(nn.tril(tx, k), keep(true), EXACT, `${dtype} [${shape}] tril ${k}`);
            await expectRef(nn.triu(tx, k), keep(false), EXACT, `${dtype} [${shape}] triu ${k}`);
          }
        }
      }
    });

    test('maskedFill broadcasts the mask, keeps the dtype and fills -inf, scalars and 0-d tensors', async () => {
      const x = randomRef([2, 3, 4], 'float32', 41);
      const causal = (idx: number[]) => idx[1] > idx[0];
      const m = maskOf(ctx, [3, 4], causal);
      const want = R.makeRef(
        x.shape,
        'float32',
        x.data.map((v, i) => (causal(R.unravel(i, x.shape).slice(1)) ? Number.NEGATIVE_INFINITY : v)),
      );
      await expectRef(nn.maskedFill(fromRef(ctx, x, 'permuted'), m, Number.NEGATIVE_INFINITY), want, EXACT, '-inf causal mask');
      await expectRef(
        nn.maskedFill(fromRef(ctx, x), m, fromRef(ctx, R.makeRef([], 'float32', [Number.NEGATIVE_INFINITY]))),
        want,
        EXACT,
        '0-d tensor value',
      );
      const xi = randomRef([2, 3], 'int32', 42);
      const row = maskOf(ctx, [3], (idx) => idx[0] !== 1);
      const wantI = R.makeRef(
        [2, 3],
        'int32',
        xi.data.map((v, i) => (i % 3 !== 1 ? 1 : v)),
      );
      await expectRef(nn.maskedFill(fromRef(ctx, xi), row, 1.5), wantI, EXACT, 'int32 keeps its dtype (1.5 -> 1)');
      const wider = maskOf(ctx, [2, 1, 3], (idx) => idx[0] === 0);
      const want3 = R.makeRef(
        [2, 2, 3],
        'int32',
        Array.from({ length: 12 }, (_, i) => (i < 6 ? 7 : xi.data[i % 6])),
      );
      await expectRef(nn.maskedFill(fromRef(ctx, xi), wider, 7), want3, EXACT, 'mask with more dims broadcasts the output');
    });

    test('einsum: matmul, batched and attention products, transpose, sums, outer, trace and diagonal', async () => {
      const r = (shape: number[], seed: number) => randomRef(shape, 'float32', seed, 'unit');
      const cases: [string, R.Ref[], string?][] = [
        ['ij,jk->ik', [r([3, 4], 1), r([4, 5], 2)]],
        ['bij,bjk->bik', [r([2, 3, 4], 3), r([2, 4, 2], 4)]],
        ['bhqd,bhkd->bhqk', [r([2, 2, 3, 4], 5), r([2, 2, 5, 4], 6)]],
        ['ij->ji', [r([3, 4], 7)]],
        ['ij->', [r([3, 4], 8)]],
        ['ij->j', [r([3, 4], 9)]],
        ['i,j->ij', [r([3], 10), r([4], 11)]],
        ['ij,ij->ij', [r([3, 4], 12), r([3, 4], 13)]],
        ['i,i->', [r([5], 14), r([5], 15)]],
        ['ii->i', [r([4, 4], 16)]],
        ['ii->', [r([4, 4], 17)]],
        ['ij,jk,kl->il', [r([2, 3], 18), r([3, 4], 19), r([4, 2], 20)]],
        ['bij,jk', [r([2, 3, 4], 21), r([4, 2], 22)], 'bij,jk->bik'],
        ['...ij,...jk->...ik', [r([2, 3, 4], 23), r([4, 5], 24)], 'bij,jk->bik'],
        ['ij,jk->ik', [r([3, 1], 25), r([4, 2], 26)]],
      ];
      for (const [eq, refs, refEq] of cases) {
        const got = nn.einsum(eq, ...refs.map((x, i) => fromRef(ctx, x, i % 2 === 0 ? 'permuted-strided' : 'contiguous')));
        await expectRef(got, einsumRef(refEq ?? eq, refs), { atol: 1e-5, rtol: 1e-5 }, eq);
      }
      const ai = randomRef([2, 3], 'int32', 27);
      const bi = randomRef([3, 2], 'int32', 28);
      await expectRef(nn.einsum('ij,jk->ik', fromRef(ctx, ai), fromRef(ctx, bi)), einsumRef('ij,jk->ik', [ai, bi]), EXACT, 'int32');
    });

    test('repeat, repeatInterleave and chunk', async () => {
      const x = iotaRef([2, 3]);
      const tx = fromRef(ctx, x, 'permuted');
      const tile = (reps: number[]) => {
        const shape = reps.map((r, i) => r * ([1, ...x.shape].slice(-reps.length)[i] ?? 1));
        const base = R.reshapeRef(x, [...new Array(reps.length - 2).fill(1), ...x.shape]);
        return R.makeRef(
          shape,
          'float32',
          Array.from(
            { length: R.size(shape) },
            (_, i) =>
              base.data[
                R.ravel(
                  R.unravel(i, shape).map((c, d) => c % base.shape[d]),
                  base.shape,
                )
              ],
          ),
        );
      };
      await expectRef(nn.repeat(tx, 2, 3), tile([2, 3]), EXACT, 'repeat(2,3)');
      await expectRef(nn.repeat(tx, [2, 1, 2]), tile([2, 1, 2]), EXACT, 'repeat([2,1,2]) adds a dim');
      await expectRef(nn.repeat(tx, 0, 1), R.makeRef([0, 3], 'float32', []), EXACT, 'repeat 0 times');
      await expectRef(nn.repeatInterleave(tx, 2, 1), R.selectRef(x, 1, [0, 0, 1, 1, 2, 2]), EXACT, 'repeatInterleave 2 along 1');
      await expectRef(nn.repeatInterleave(tx, [1, 0, 3], -1), R.selectRef(x, 1, [0, 2, 2, 2]), EXACT, 'per-element counts');
      await expectRef(nn.repeatInterleave(tx, 2), R.makeRef([12], 'float32', [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]), EXACT, 'flattened');
      const parts = nn.chunk(fromRef(ctx, iotaRef([7, 2])), 3);
      expect(parts.map((p) => p.shape)).toEqual([
        [3, 2],
        [3, 2],
        [1, 2],
      ]);
      await expectRef(parts[2], R.sliceRef(iotaRef([7, 2]), 0, 6), EXACT, 'last chunk');
      expect(nn.chunk(fromRef(ctx, iotaRef([5])), 4).map((p) => p.shape[0])).toEqual([2, 2, 1]);
      expect(nn.chunk(fromRef(ctx, R.makeRef([0, 2], 'float32', [])), 3).map((p) => p.shape)).toEqual([
        [0, 2],
        [0, 2],
        [0, 2],
      ]);
    });

    test('multinomial: the same samples as the Philox reference, both algorithms; bad rows raise (async backends: at the read)', async (t) => {
      needs(ctx, t, 'int32');
      // Dyadic probabilities make every running sum exact, whatever order the scan adds in.
      const probs = R.makeRef([2, 6], 'float32', [0.25, 0, 0.5, 0.125, 0.125, 0, 0, 0.75, 0.25, 0, 0.5, 0.5]);
      const rows = [probs.data.slice(0, 6), probs.data.slice(6)];
      const FLT_MAX = 3.4028234663852886e38;
      nn.manualSeed(99);
      const race = nn.multinomial(fromRef(ctx, probs), 3);
      const drawn = nn.multinomial(fromRef(ctx, probs), 8, { replacement: true });
      const u = R.randomRef('uniform', [99, 0], 0, 12);
      const wantRace = rows.flatMap((p, i) => {
        const keys = p.map((v, j) => (v > 0 ? Math.fround(v * Math.fround(Math.min(1 / -Math.log1p(-u[6 * i + j]), FLT_MAX))) : -1));
        return keys
          .map((_, j) => j)
          .sort((a, b) => keys[b] - keys[a] || a - b)
          .slice(0, 3);
      });
      await expectRef(race, R.makeRef([2, 3], 'int32', wantRace), EXACT, 'without replacement');
      const u2 = R.randomRef('uniform', [99, 0], 3, 16);
      const wantDrawn = rows.flatMap((p, i) =>
        Array.from({ length: 8 }, (_, s) => {
          const total = p.reduce((a, b) => a + b, 0);
          const tt = Math.fround(u2[8 * i + s] * total);
          let acc = 0;
          return p.findIndex((v) => (acc += v) > tt && v > 0);
        }),
      );
      await expectRef(drawn, R.makeRef([2, 8], 'int32', wantDrawn), EXACT, 'with replacement');
      const failure = async (run: () => Tensor): Promise<string> => {
        const err = await (async () => run().data())().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ValueRangeError);
        return (err as Error).message;
      };
      const bad = (data: number[]) => fromRef(ctx, R.makeRef([2, 3], 'float32', data));
      expect(await failure(() => nn.multinomial(bad([1, 1, 1, 0.5, 0, 0]), 2))).toBe(
        'multinomial: row 1 of probs has 1 nonzero probability, fewer than the 2 samples to draw without replacement',
      );
      expect(await failure(() => nn.multinomial(bad([1, 1, 1, 0, 0, 0]), 1))).toBe(
        'multinomial: row 1 of probs has no positive entry (the sum of probabilities must be > 0)',
      );
      expect(await failure(() => nn.multinomial(bad([1, Number.NaN, 1, 1, 1, 1]), 5, { replacement: true }))).toBe(
        'multinomial: row 0 of probs has a negative, infinite or NaN entry (probabilities must be finite and >= 0)',
      );
      await expectRef(nn.multinomial(bad([0, 0, 1, 0, 1, 0]), 1), R.makeRef([2, 1], 'int32', [2, 1]), EXACT, 'after the errors');
    });
  });
}
