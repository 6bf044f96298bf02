/** Reductions: the sum/prod/max/min/argmax/argmin primitives, and mean/var/std/logsumexp/softmax composed from them. */
import * as nn from '@nn/tensor';
import { DTypeError, ShapeError, type Tensor } from '@nn/tensor';
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
  sumTol,
  test,
  tolFor,
} from './helpers.js';
import * as R from './reference.js';

type Dims = number | number[] | null;
const REDUCE_FNS: Record<R.ReduceKind, (x: Tensor, dim?: Dims, keepdim?: boolean) => Tensor> = {
  sum: nn.sum,
  prod: nn.prod,
  max: nn.max,
  min: nn.min,
};

/** Axis selections over a rank-3 tensor: all, each single axis (also negative), pairs, the full list. */
const DIMS_3D: Dims[] = [null, 0, 1, 2, -1, [0, 2], [1, 2], [0, 1], [0, 1, 2], [2, 0]];

function countOf(shape: readonly number[], dims: Dims): number {
  return R.normAxes(dims, shape.length).reduce((n, a) => n * shape[a], 1);
}

/** Tolerance of a reduction of x over dims (sums scale with the size and magnitude of their terms). */
function reduceTol(op: R.ReduceKind, x: R.Ref, dims: Dims, keepdim: boolean) {
  if (op === 'sum') return sumTol(x.dtype, R.absSumRef(x, dims, keepdim), countOf(x.shape, dims));
  if (op === 'prod') {
    const n = countOf(x.shape, dims);
    return { atol: tolFor(x.dtype).atol, rtol: (x.dtype === 'float32' ? 2 ** -24 : 2 ** -53) * 4 * (n + 1) + tolFor(x.dtype).rtol };
  }
  return EXACT;
}

export function reduceTests(ctx: Ctx): void {
  describe('reductions', () => {
    for (const op of ['sum', 'prod', 'max', 'min'] as const) {
      test(`${op}: single and multiple axes, keepdim, size-1 dims, layouts`, async () => {
        const kind: Kind = op === 'prod' ? 'nearone' : 'float';
        for (const dtype of ctx.floatDTypes()) {
          for (const [si, shape] of [
            [3, 4, 5],
            [1, 4, 1],
          ].entries()) {
            const x = R.makeRef(shape, dtype, randomRef(shape, dtype, 20 + si, kind).data);
            for (const layout of LAYOUTS) {
              const tx = fromRef(ctx, x, layout);
              for (const dims of DIMS_3D) {
                for (const keepdim of [false, true]) {
                  const got = REDUCE_FNS[op](tx, dims, keepdim);
                  await expectRef(
                    got,
                    R.reduceRef(x, op, dims, keepdim),
                    reduceTol(op, x, dims, keepdim),
                    `${dtype} [${shape}] ${layout} dims=${JSON.stringify(dims)} keepdim=${keepdim}`,
                  );
                }
              }
            }
          }
          const base = randomRef([3, 1], dtype, 5, kind);
          const ex = R.broadcastTo(base, [2, 3, 4]);
          for (const dims of [null, 0, 2, [0, 2]] as Dims[]) {
            await expectRef(
              REDUCE_FNS[op](expandedFromRef(ctx, base, [2, 3, 4]), dims),
              R.reduceRef(ex, op, dims),
              reduceTol(op, ex, dims, false),
              `${dtype} expanded dims=${JSON.stringify(dims)}`,
            );
          }
        }
      });
    }

    test('int32 and bool inputs reduce in int32', async (t) => {
      needs(ctx, t, 'int32', 'bool');
      for (const dtype of ['int32', 'bool'] as const) {
        const x = randomRef([3, 4, 5], dtype, 31, dtype === 'bool' ? 'bool' : 'smallint');
        for (const op of ['sum', 'prod', 'max', 'min'] as const) {
          for (const dims of [null, 1, [0, 2]] as Dims[]) {
            for (const layout of ['contiguous', 'permuted-strided'] as const) {
              await expectRef(
                REDUCE_FNS[op](fromRef(ctx, x, layout), dims),
                R.reduceRef(x, op, dims),
                EXACT,
                `${dtype} ${op} dims=${JSON.stringify(dims)} ${layout}`,
              );
            }
          }
        }
      }
      const big = R.makeRef([3], 'int32', [2147483647, 1, 5]);
      await expectRef(nn.sum(fromRef(ctx, big)), R.makeRef([], 'int32', [-2147483643]), EXACT, 'int32 sum wraps');
    });

    test('size-0 dims: sum is 0, prod is 1, max over an empty dim throws', async () => {
      const e = R.makeRef([0, 3], 'float32', []);
      const te = fromRef(ctx, e);
      await expectRef(nn.sum(te, 0), R.makeRef([3], 'float32', [0, 0, 0]), EXACT, 'sum dim 0');
      await expectRef(nn.sum(te, 0, true), R.makeRef([1, 3], 'float32', [0, 0, 0]), EXACT, 'sum dim 0 keepdim');
      await expectRef(nn.sum(te, 1), R.makeRef([0], 'float32', []), EXACT, 'sum dim 1');
      await expectRef(nn.sum(te), R.makeRef([], 'float32', [0]), EXACT, 'sum all');
      await expectRef(nn.prod(te, 0), R.makeRef([3], 'float32', [1, 1, 1]), EXACT, 'prod dim 0');
      await expectRef(nn.max(te, 1), R.makeRef([0], 'float32', []), EXACT, 'max over the non-empty dim');
      await expectRef(nn.mean(te, 0), R.makeRef([3], 'float32', [Number.NaN, Number.NaN, Number.NaN]), EXACT, 'mean of nothing');
      expect(() => nn.max(te, 0)).toThrow(ShapeError);
      expect(() => nn.argmin(te, 0)).toThrow(ShapeError);
      const sliced = fromRef(ctx, randomRef([4, 3], 'float32', 1)).slice(0, 2, 2);
      await expectRef(nn.sum(sliced, 0), R.makeRef([3], 'float32', [0, 0, 0]), EXACT, 'sum of an empty slice');
    });

    test('0-d tensors', async () => {
      const s = R.makeRef([], 'float32', [2.5]);
      for (const layout of ['contiguous', 'offset'] as const) {
        const ts = fromRef(ctx, s, layout);
        for (const op of ['sum', 'prod', 'max', 'min'] as const) {
          await expectRef(REDUCE_FNS[op](ts), s, EXACT, `${op}() ${layout}`);
          await expectRef(REDUCE_FNS[op](ts, 0), s, EXACT, `${op}(0) ${layout}`);
          await expectRef(REDUCE_FNS[op](ts, -1, true), s, EXACT, `${op}(-1, keepdim) ${layout}`);
        }
        await expectRef(nn.argmax(ts), R.makeRef([], 'int32', [0]), EXACT, 'argmax');
        await expectRef(nn.argmin(ts, 0), R.makeRef([], 'int32', [0]), EXACT, 'argmin(0)');
        await expectRef(nn.mean(ts), s, EXACT, 'mean');
        await expectRef(nn.logsumexp(ts), s, EXACT, 'logsumexp');
        await expectRef(nn.softmax(ts, 0), R.makeRef([], 'float32', [1]), EXACT, 'softmax');
      }
    });

    test('long reductions (4099 elements; rows and columns)', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const x = randomRef([4099], dtype, 41, 'unit');
        const tx = fromRef(ctx, x);
        await expectRef(nn.sum(tx), R.reduceRef(x, 'sum'), reduceTol('sum', x, null, false), `${dtype} sum`);
        await expectRef(nn.max(tx), R.reduceRef(x, 'max'), EXACT, `${dtype} max`);
        await expectRef(nn.argmin(tx), R.argRef(x, 'argmin', null), EXACT, `${dtype} argmin`);
        const m = randomRef([257, 33], dtype, 42, 'unit');
        for (const dim of [0, 1]) {
          for (const layout of ['contiguous', 'permuted'] as const) {
            await expectRef(
              nn.sum(fromRef(ctx, m, layout), dim),
              R.reduceRef(m, 'sum', dim),
              reduceTol('sum', m, dim, false),
              `${dtype} [257,33] sum(${dim}) ${layout}`,
            );
          }
        }
      }
    });

    test('NaN wins in max/min/argmax/argmin; ties pick the first index', async () => {
      const x = R.makeRef([3, 4], 'float32', [
        1,
        Number.NaN,
        3,
        Number.NaN,
        2,
        2,
        1,
        2,
        Number.NEGATIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -5,
        -5,
      ]);
      const tx = fromRef(ctx, x, 'permuted');
      for (const dims of [null, 0, 1] as const) {
        await expectRef(nn.max(tx, dims), R.reduceRef(x, 'max', dims), EXACT, `max ${dims}`);
        await expectRef(nn.min(tx, dims), R.reduceRef(x, 'min', dims), EXACT, `min ${dims}`);
        await expectRef(nn.argmax(tx, dims), R.argRef(x, 'argmax', dims), EXACT, `argmax ${dims}`);
        await expectRef(nn.argmin(tx, dims), R.argRef(x, 'argmin', dims), EXACT, `argmin ${dims}`);
      }
    });

    test('argmax/argmin over each axis, keepdim, flattened, layouts and dtypes', async () => {
      const dtypes = [...ctx.floatDTypes(), ...(ctx.supports('int32') ? (['int32'] as const) : [])];
      for (const dtype of dtypes) {
        const x = randomRef([3, 4, 5], dtype, 51, dtype === 'int32' ? 'smallint' : 'ties');
        for (const layout of LAYOUTS) {
          const tx = fromRef(ctx, x, layout);
          for (const dim of [null, 0, 1, 2, -1]) {
            for (const keepdim of [false, true]) {
              for (const op of ['argmax', 'argmin'] as const) {
                const got = op === 'argmax' ? nn.argmax(tx, dim, keepdim) : nn.argmin(tx, dim, keepdim);
                await expectRef(got, R.argRef(x, op, dim, keepdim), EXACT, `${dtype} ${layout} ${op}(${dim}, ${keepdim})`);
              }
            }
          }
        }
        const base = randomRef([3, 1], dtype, 52, dtype === 'int32' ? 'smallint' : 'ties');
        await expectRef(
          nn.argmax(expandedFromRef(ctx, base, [3, 4]), 1),
          R.argRef(R.broadcastTo(base, [3, 4]), 'argmax', 1),
          EXACT,
          `${dtype} expanded`,
        );
      }
    });

    test('mean, var and std (correction 0 and 1) over axes with keepdim', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const x = randomRef([3, 4, 5], dtype, 61);
        for (const layout of ['contiguous', 'permuted', 'strided'] as const) {
          const tx = fromRef(ctx, x, layout);
          for (const dims of [null, 0, 2, [0, 1], [1, 2]] as Dims[]) {
            for (const keepdim of [false, true]) {
              const lbl = `${dtype} ${layout} dims=${JSON.stringify(dims)} keepdim=${keepdim}`;
              await expectRef(nn.mean(tx, dims, keepdim), R.meanRef(x, dims, keepdim), tolFor(dtype), `mean ${lbl}`);
              for (const correction of [0, 1]) {
                await expectRef(
                  nn.variance(tx, dims, { correction, keepdim }),
                  R.varRef(x, dims, correction, keepdim),
                  tolFor(dtype),
                  `var c=${correction} ${lbl}`,
                );
                await expectRef(
                  nn.std(tx, dims, { correction, keepdim }),
                  R.stdRef(x, dims, correction, keepdim),
                  tolFor(dtype),
                  `std c=${correction} ${lbl}`,
                );
              }
            }
          }
        }
        const one = R.makeRef([2, 1], dtype, [3, 4]);
        await expectRef(nn.variance(fromRef(ctx, one), 1), R.varRef(one, 1), EXACT, 'var of one element (n - 1 = 0) is NaN');
      }
      if (ctx.supports('int32')) expect(() => nn.mean(fromRef(ctx, randomRef([3], 'int32', 1)))).toThrow(DTypeError);
    });

    test('logsumexp: axes, keepdim, large and infinite inputs', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const x = randomRef([3, 4, 5], dtype, 71);
        for (const layout of ['contiguous', 'permuted-strided'] as const) {
          for (const dims of [null, 0, -1, [0, 2]] as Dims[]) {
            for (const keepdim of [false, true]) {
              await expectRef(
                nn.logsumexp(fromRef(ctx, x, layout), dims, keepdim),
                R.logsumexpRef(x, dims, keepdim),
                tolFor(dtype),
                `${dtype} ${layout} ${JSON.stringify(dims)} ${keepdim}`,
              );
            }
          }
        }
        const inf = Number.POSITIVE_INFINITY;
        const y = R.makeRef([4, 3], dtype, [1000, 1000, 999, -1000, -1001, -999.5, -inf, -inf, -inf, -inf, 0, 1, inf, 0, 1].slice(0, 12));
        await expectRef(nn.logsumexp(fromRef(ctx, y), 1), R.logsumexpRef(y, 1), tolFor(dtype), `${dtype} extremes`);
      }
    });

    test('softmax and logSoftmax over every axis', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const x = randomRef([3, 4, 5], dtype, 81, 'float');
        for (const layout of ['contiguous', 'permuted', 'strided'] as const) {
          const tx = fromRef(ctx, x, layout);
          for (const dim of [0, 1, 2, -1]) {
            await expectRef(nn.softmax(tx, dim), R.softmaxRef(x, dim), tolFor(dtype), `${dtype} ${layout} softmax(${dim})`);
            await expectRef(nn.logSoftmax(tx, dim), R.softmaxRef(x, dim, true), tolFor(dtype), `${dtype} ${layout} logSoftmax(${dim})`);
          }
        }
        const big = R.makeRef([2, 3], dtype, [1000, 1001, 1002, -1e4, 0, -Number.POSITIVE_INFINITY]);
        await expectRef(nn.softmax(fromRef(ctx, big), 1), R.softmaxRef(big, 1), tolFor(dtype), `${dtype} softmax extremes`);
        await expectRef(nn.logSoftmax(fromRef(ctx, big), 1), R.softmaxRef(big, 1, true), tolFor(dtype), `${dtype} logSoftmax extremes`);
        const e = R.makeRef([0, 4], dtype, []);
        await expectRef(nn.softmax(fromRef(ctx, e), 1), e, EXACT, `${dtype} softmax of size-0`);
      }
    });
  });
}
