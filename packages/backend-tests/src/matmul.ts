/** matmul (1-D, 2-D, batched, broadcast, transposed views, odd sizes, size 0) and fused linear. */
import * as nn from '@nn/tensor';
import type { DType, Tensor } from '@nn/tensor';
import { type FusedActivation, linearGrad } from '@nn/tensor/backend';
import { describe } from 'vitest';
import {
  type Ctx,
  EXACT,
  expectRef,
  fromRef,
  type Layout,
  needs,
  randomRef,
  sumTol,
  test,
  toRef,
  tolFor,
  transcendentalTol,
} from './helpers.js';
import * as R from './reference.js';

/** Tolerance of a product: sums of K terms, scaled by the magnitude of the terms. */
function matmulTol(a: R.Ref, b: R.Ref, dtype: DType) {
  const abs = R.matmulRef(R.map(a, Math.abs, 'float64'), R.map(b, Math.abs, 'float64'));
  return sumTol(dtype, abs, a.shape[a.shape.length - 1]);
}

async function check(ctx: Ctx, a: R.Ref, b: R.Ref, la: Layout = 'contiguous', lb: Layout = 'contiguous'): Promise<void> {
  const got = nn.matmul(fromRef(ctx, a, la), fromRef(ctx, b, lb));
  await expectRef(got, R.matmulRef(a, b), matmulTol(a, b, a.dtype), `[${a.shape}] ${la} @ [${b.shape}] ${lb}`);
}

const ACTIVATIONS: readonly FusedActivation[] = ['none', 'relu', 'tanh', 'sigmoid', 'gelu'];
const ACT_REF: Record<FusedActivation, (a: number) => number> = {
  none: (a) => a,
  relu: R.UNARY_REF.relu,
  tanh: Math.tanh,
  sigmoid: R.UNARY_REF.sigmoid,
  gelu: R.gelu,
};

/** act(x @ w^T + bias) by the reference. */
function linearRef(x: R.Ref, w: R.Ref, bias: R.Ref | null, act: FusedActivation): R.Ref {
  const x64 = R.map(x, (v) => v, 'float64');
  let y = R.matmulRef(
    x64,
    R.transposeRef(
      R.map(w, (v) => v, 'float64'),
      0,
      1,
    ),
  );
  if (bias !== null) y = R.zip(y, bias, (p, q) => p + q, 'float64');
  return R.map(y, ACT_REF[act], x.dtype);
}

export function matmulTests(ctx: Ctx): void {
  describe('matmul', () => {
    test('2-D sizes that are not multiples of 4 or 8, and large enough to block', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const sizes: [number, number, number][] = [
          [1, 1, 1],
          [1, 7, 1],
          [3, 5, 7],
          [4, 4, 4],
          [5, 1, 6],
          [8, 8, 8],
          [17, 33, 9],
          [64, 64, 64],
          [70, 260, 37],
          [3, 300, 129],
          [4, 30, 1030],
        ];
        for (const [i, [m, k, n]] of sizes.entries()) {
          await check(ctx, randomRef([m, k], dtype, i, 'unit'), randomRef([k, n], dtype, 100 + i, 'unit'));
        }
      }
    });

    test('1-D operands: dot, vector-matrix, matrix-vector, batched vector', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const cases: [number[], number[]][] = [
          [[5], [5]],
          [[1], [1]],
          [[3], [3, 4]],
          [[4, 3], [3]],
          [[5], [2, 5, 3]],
          [[2, 3, 5], [5]],
          [[0], [0]],
        ];
        for (const [i, [sa, sb]] of cases.entries()) {
          const a = randomRef(sa, dtype, 10 + i, 'unit');
          const b = randomRef(sb, dtype, 20 + i, 'unit');
          await check(ctx, a, b);
          await check(ctx, a, b, 'strided', 'offset');
        }
      }
    });

    test('transposed, strided and offset operands', async () => {
      for (const dtype of ctx.floatDTypes()) {
        for (const [m, k, n] of [
          [3, 5, 7],
          [17, 33, 9],
          [64, 64, 64],
        ]) {
          const a = randomRef([m, k], dtype, m, 'unit');
          const b = randomRef([k, n], dtype, n, 'unit');
          for (const [la, lb] of [
            ['permuted', 'contiguous'],
            ['contiguous', 'permuted'],
            ['permuted', 'permuted'],
            ['strided', 'permuted-strided'],
            ['offset', 'strided'],
          ] as [Layout, Layout][]) {
            await check(ctx, a, b, la, lb);
          }
          const at = R.transposeRef(a, 0, 1);
          const got = nn.matmul(fromRef(ctx, at).T, fromRef(ctx, b).T.T);
          await expectRef(got, R.matmulRef(a, b), matmulTol(a, b, dtype), `.T of [${k},${m}]`);
        }
      }
    });

    test('batched and broadcast batch dims', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const cases: [number[], number[]][] = [
          [
            [2, 3, 4],
            [2, 4, 5],
          ],
          [
            [2, 1, 3, 4],
            [5, 4, 6],
          ],
          [
            [3, 4],
            [2, 4, 5],
          ],
          [
            [2, 3, 4],
            [4, 5],
          ],
          [
            [1, 3, 4],
            [3, 4, 2],
          ],
          [
            [4, 1, 2, 3],
            [1, 5, 3, 2],
          ],
          [
            [2, 9, 17],
            [17, 33],
          ],
          [
            [3, 65, 20],
            [3, 20, 66],
          ],
        ];
        for (const [i, [sa, sb]] of cases.entries()) {
          const a = randomRef(sa, dtype, 30 + i, 'unit');
          const b = randomRef(sb, dtype, 40 + i, 'unit');
          await check(ctx, a, b);
          await check(ctx, a, b, 'permuted', 'strided');
          await check(ctx, a, b, 'offset', 'permuted-strided');
        }
        // A batch dim expanded from size 1 (stride 0) and a permuted batch.
        const a = randomRef([1, 3, 4], dtype, 50, 'unit');
        const b = randomRef([5, 4, 2], dtype, 51, 'unit');
        const got = nn.matmul(fromRef(ctx, a).expand([5, 3, 4]), fromRef(ctx, b));
        await expectRef(
          got,
          R.matmulRef(R.broadcastTo(a, [5, 3, 4]), b),
          matmulTol(R.broadcastTo(a, [5, 3, 4]), b, dtype),
          'expanded batch',
        );
        const p = randomRef([4, 5, 3], dtype, 52, 'unit');
        const pr = R.permuteRef(p, [1, 2, 0]);
        await expectRef(
          nn.matmul(fromRef(ctx, p).permute([1, 2, 0]), fromRef(ctx, b)),
          R.matmulRef(pr, b),
          matmulTol(pr, b, dtype),
          'permuted batch',
        );
      }
    });

    test('size-0 dimensions give zeros or empty results', async () => {
      for (const dtype of ctx.floatDTypes()) {
        const cases: [number[], number[]][] = [
          [
            [2, 0],
            [0, 3],
          ],
          [
            [0, 3],
            [3, 4],
          ],
          [
            [2, 3],
            [3, 0],
          ],
          [
            [0, 2, 3],
            [0, 3, 4],
          ],
          [
            [2, 2, 0],
            [2, 0, 3],
          ],
          [[0], [0, 2]],
        ];
        for (const [sa, sb] of cases) {
          const a = randomRef(sa, dtype, 1);
          const b = randomRef(sb, dtype, 2);
          await check(ctx, a, b);
          await check(ctx, a, b, 'strided', 'permuted');
        }
      }
    });

    test('int32 products are exact', async (t) => {
      needs(ctx, t, 'int32');
      for (const [m, k, n] of [
        [1, 1, 1],
        [3, 5, 7],
        [17, 33, 9],
        [64, 64, 64],
      ]) {
        const a = randomRef([m, k], 'int32', m);
        const b = randomRef([k, n], 'int32', n);
        for (const [la, lb] of [
          ['contiguous', 'contiguous'],
          ['permuted', 'strided'],
        ] as [Layout, Layout][]) {
          await expectRef(
            nn.matmul(fromRef(ctx, a, la), fromRef(ctx, b, lb)),
            R.matmulRef(a, b),
            EXACT,
            `[${m},${k}]@[${k},${n}] ${la} ${lb}`,
          );
        }
      }
      const a = randomRef([2, 3, 4], 'int32', 3);
      const b = randomRef([4, 5], 'int32', 4);
      await expectRef(nn.matmul(fromRef(ctx, a), fromRef(ctx, b)), R.matmulRef(a, b), EXACT, 'batched');
    });
  });

  describe('linear', () => {
    for (const act of ACTIVATIONS) {
      test(`linear(x, w, b, '${act}') matches x @ w^T + b then ${act}`, async () => {
        for (const dtype of ctx.floatDTypes()) {
          for (const [i, [m, k, n]] of [
            [1, 1, 1],
            [5, 7, 3],
            [17, 33, 9],
            [64, 64, 64],
            [2, 0, 3],
          ].entries()) {
            const x = randomRef([m, k], dtype, 60 + i, 'unit');
            const w = randomRef([n, k], dtype, 70 + i, 'unit');
            const b = randomRef([n], dtype, 80 + i, 'unit');
            const abs = R.matmulRef(R.map(x, Math.abs, 'float64'), R.transposeRef(R.map(w, Math.abs, 'float64'), 0, 1));
            const tol = sumTol(dtype, abs, k);
            const tt = transcendentalTol(dtype);
            const lTol = { atol: Math.max(tol.atol, tt.atol), rtol: Math.max(tol.rtol, tt.rtol), extra: tol.extra };
            const lbl = `${dtype} x[${m},${k}] w[${n},${k}]`;
            await expectRef(
              nn.linear(fromRef(ctx, x), fromRef(ctx, w), fromRef(ctx, b), act),
              linearRef(x, w, b, act),
              lTol,
              `${lbl} with bias`,
            );
            await expectRef(nn.linear(fromRef(ctx, x), fromRef(ctx, w), null, act), linearRef(x, w, null, act), lTol, `${lbl} no bias`);
            await expectRef(
              nn.linear(fromRef(ctx, x, 'strided'), fromRef(ctx, w, 'permuted'), fromRef(ctx, b, 'strided'), act),
              linearRef(x, w, b, act),
              lTol,
              `${lbl} non-contiguous`,
            );
          }
          // Leading batch dims (folded into rows when the backend fuses linear).
          const x3 = randomRef([2, 3, 4], dtype, 90, 'unit');
          const w3 = randomRef([5, 4], dtype, 91, 'unit');
          const b3 = randomRef([5], dtype, 92, 'unit');
          await expectRef(
            nn.linear(fromRef(ctx, x3), fromRef(ctx, w3), fromRef(ctx, b3), act),
            linearRef(x3, w3, b3, act),
            transcendentalTol(dtype),
            `${dtype} 3-D input`,
          );
        }
      });
    }

    test('linear on int32 inputs gives the dtype and values of the composed ops', async (t) => {
      needs(ctx, t, 'int32');
      const x = R.makeRef([2, 2], 'int32', [1, 2, 3, -4]);
      const w = R.makeRef([2, 2], 'int32', [1, 1, 2, -1]);
      const [tx, tw] = [x, w].map((r) => fromRef(ctx, r));
      for (const act of ACTIVATIONS) {
        // A leading batch dim of 1 takes the composed path: matmul, add, then the activation op.
        const composed = nn.linear(tx.unsqueeze(0), tw, null, act).squeeze(0);
        await expectRef(nn.linear(tx, tw, null, act), await toRef(composed), transcendentalTol('float32'), act);
      }
    });

    test('fused linear agrees with the composed ops on the same backend', async () => {
      const x = randomRef([9, 13], 'float32', 5, 'unit');
      const w = randomRef([6, 13], 'float32', 6, 'unit');
      const b = randomRef([6], 'float32', 7, 'unit');
      const [tx, tw, tb] = [x, w, b].map((r) => fromRef(ctx, r));
      for (const act of ACTIVATIONS) {
        const pre: Tensor = nn.add(nn.matmul(tx, tw.T), tb);
        const composed =
          act === 'none' ? pre : act === 'gelu' ? nn.gelu(pre) : { relu: nn.relu, tanh: nn.tanh, sigmoid: nn.sigmoid }[act](pre);
        const want: R.Ref = { shape: [...composed.shape], dtype: composed.dtype, data: Array.from(await composed.data()) };
        await expectRef(nn.linear(tx, tw, tb, act), want, tolFor('float32'), act);
      }
    });

    test("linearGrad (the backward of linear's activation and bias) gives the bits of the composed ops", async () => {
      // 21 columns: SIMD tails, and uneven parts when split across threads.
      const g = fromRef(ctx, randomRef([37, 21], 'float32', 8, 'unit'));
      const pre = fromRef(ctx, randomRef([37, 21], 'float32', 9, 'unit'));
      for (const act of ['relu', 'tanh', 'sigmoid'] as const) {
        const y = { relu: nn.relu, tanh: nn.tanh, sigmoid: nn.sigmoid }[act](pre);
        const composed = {
          relu: () => nn.where(nn.gt(y, 0), g, 0),
          tanh: () => nn.mul(g, nn.sub(1, nn.mul(y, y))),
          sigmoid: () => nn.mul(g, nn.mul(y, nn.sub(1, y))),
        }[act]();
        const [ga, dbias] = linearGrad(g, y, act, true);
        await expectRef(ga, await toRef(composed), EXACT, act);
        await expectRef(dbias!, await toRef(nn.sum(composed, [0])), EXACT, `${act} bias`);
        const [ga2, none] = linearGrad(g, y, act, false);
        await expectRef(ga2, await toRef(composed), EXACT, `${act} without bias`);
        if (none !== null) throw new Error('linearGrad: a bias gradient nobody asked for');
      }
    });
  });
}
