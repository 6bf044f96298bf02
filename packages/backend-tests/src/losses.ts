/**
 * Cross-entropy from logits and class indices (softmaxCrossEntropy of the kit): the backend's
 * fused `crossEntropy` / `crossEntropyGrad` when it has them, the composed ops otherwise, against
 * a float64 definition, including ignored rows, huge and infinite logits, one class and no rows.
 */
import * as nn from '@nn/tensor';
import type { DType, Tensor } from '@nn/tensor';
import { type CrossEntropyReduction, softmaxCrossEntropy, softmaxCrossEntropyGrad } from '@nn/tensor/backend';
import { describe } from 'vitest';
import { type Ctx, expectRef, fromRef, randomRef, test, tolFor, values } from './helpers.js';
import * as R from './reference.js';

const REDUCTIONS: CrossEntropyReduction[] = ['mean', 'sum', 'none'];
const IGNORE = -100;

interface Naive {
  /** Per row: log(sum_j exp(x[i,j] - m)) (the contract's logSum), m the row max or 0 if not finite. */
  logSum: number[];
  /** Per row: logSum - (x[t] - m), 0 on ignored rows. */
  rows: number[];
  count: number;
}

/** The definition, in float64 on the (already rounded) inputs. */
function naive(x: R.Ref, target: readonly number[], ignore: number): Naive {
  const [n, c] = x.shape;
  const out: Naive = { logSum: [], rows: [], count: 0 };
  for (let i = 0; i < n; i++) {
    const row = x.data.slice(i * c, i * c + c);
    const max = row.some(Number.isNaN) ? Number.NaN : Math.max(...row);
    const m = Number.isFinite(max) ? max : 0;
    const l = Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    out.logSum.push(l);
    const t = target[i];
    out.rows.push(t === ignore ? 0 : l - (row[t] - m));
    if (t !== ignore) out.count++;
  }
  return out;
}

function reduced(ref: Naive, reduction: CrossEntropyReduction, dtype: DType): R.Ref {
  if (reduction === 'none') return R.makeRef([ref.rows.length], dtype, ref.rows);
  const s = ref.rows.reduce((a, b) => a + b, 0);
  return R.makeRef([], dtype, [reduction === 'sum' ? s : s / ref.count]);
}

/** d(loss)/dx for the cotangent g (one per row for 'none'). */
function naiveGrad(x: R.Ref, target: readonly number[], ignore: number, g: readonly number[], reduction: CrossEntropyReduction): R.Ref {
  const [n, c] = x.shape;
  const ref = naive(x, target, ignore);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = x.data.slice(i * c, i * c + c);
    const max = Math.max(...row);
    const shift = (Number.isFinite(max) ? max : 0) + ref.logSum[i];
    const s = target[i] === ignore ? 0 : (reduction === 'none' ? g[i] : g[0]) / (reduction === 'mean' ? ref.count : 1);
    for (let j = 0; j < c; j++) data.push(s === 0 ? 0 : s * (Math.exp(row[j] - shift) - (j === target[i] ? 1 : 0)));
  }
  return R.makeRef([n, c], x.dtype, data);
}

const int32 = (ctx: Ctx, data: readonly number[]): Tensor => nn.tensor(Int32Array.from(data), { backend: ctx.name, dtype: 'int32' });

export function lossTests(ctx: Ctx): void {
  describe('cross-entropy from logits and class indices', () => {
    // 37 rows, 21 classes: uneven parts when split across threads; every 5th row ignored.
    const N = 37;
    const C = 21;
    const target = values(N, 31, 'float').map((u, i) => (i % 5 === 2 ? IGNORE : Math.floor(((u + 3) / 6) * C)));

    for (const reduction of REDUCTIONS) {
      test(`${reduction}: loss and gradient match a float64 definition`, async () => {
        for (const dtype of ctx.floatDTypes()) {
          const x = R.map(randomRef([N, C], dtype, 30, 'float'), (v) => 2 * v);
          const tx = fromRef(ctx, x);
          const tt = int32(ctx, target);
          const want = naive(x, target, IGNORE);
          await expectRef(softmaxCrossEntropy(tx, tt, { reduction }), reduced(want, reduction, dtype), tolFor(dtype), dtype);
          const g = reduction === 'none' ? values(N, 32, 'positive') : [0.75];
          const tg = fromRef(ctx, R.makeRef(reduction === 'none' ? [N] : [], dtype, g));
          const logSum = fromRef(ctx, R.makeRef([N], dtype, want.logSum));
          const gx = softmaxCrossEntropyGrad(tx, tt, logSum, tg, IGNORE, reduction);
          await expectRef(gx, naiveGrad(x, target, IGNORE, g, reduction), tolFor(dtype), `${dtype} gradient`);
        }
      });
    }

    test('the fused forward writes the per-row logSum the backward takes', async (t) => {
      const fused = ctx.backend?.fused.crossEntropy;
      t.skip(fused === undefined, `backend '${ctx.name}' has no fused crossEntropy`);
      for (const dtype of ctx.floatDTypes()) {
        const x = randomRef([N, C], dtype, 33, 'float');
        const logSum = nn.zeros([N], { backend: ctx.name, dtype });
        const loss = nn.zeros([], { backend: ctx.name, dtype });
        fused!(fromRef(ctx, x), int32(ctx, target), IGNORE, 'mean', logSum, loss);
        await expectRef(logSum, R.makeRef([N], dtype, naive(x, target, IGNORE).logSum), tolFor(dtype), dtype);
      }
    });

    test('huge and infinite logits, ignored rows with infinite logits, ignoreIndex among the classes', async () => {
      const inf = Number.POSITIVE_INFINITY;
      const rows = [
        [1e30, 1, 2, 3], // target the huge logit: 0
        [1e30, 1, 2, 3], // another target: about 1e30
        [-inf, 1, 2, 3], // target -inf: +inf
        [-inf, 1, 2, 3],
        [-inf, -inf, -inf, -inf], // no finite logit: NaN, as PyTorch
        [inf, 0, 0, 0], // ignored: exactly 0
        [5, -4, 0.5, 2], // ignored through ignoreIndex 3 below
      ];
      const x = R.makeRef([7, 4], 'float32', rows.flat());
      const tx = fromRef(ctx, x);
      const tgt = [0, 2, 0, 1, 2, IGNORE, 3];
      await expectRef(softmaxCrossEntropy(tx, int32(ctx, tgt), { reduction: 'none' }), reduced(naive(x, tgt, IGNORE), 'none', 'float32'));
      // ignoreIndex 3 is a class: rows with target 3 are skipped, other rows still use class 3's logit.
      const tgt3 = [0, 2, 3, 1, 3, 0, 3];
      const fine = R.makeRef([7, 4], 'float32', [...rows.slice(0, 2), [0, 1, 2, 3], rows[3], rows[4], [1, 1, 1, 1], rows[6]].flat());
      const want = naive(fine, tgt3, 3);
      for (const reduction of REDUCTIONS) {
        await expectRef(
          softmaxCrossEntropy(fromRef(ctx, fine), int32(ctx, tgt3), { ignoreIndex: 3, reduction }),
          reduced(want, reduction, 'float32'),
        );
      }
      const g = fromRef(ctx, R.makeRef([], 'float32', [1]));
      const gx = softmaxCrossEntropyGrad(
        fromRef(ctx, fine),
        int32(ctx, tgt3),
        fromRef(ctx, R.makeRef([7], 'float32', want.logSum)),
        g,
        3,
        'mean',
      );
      await expectRef(gx, naiveGrad(fine, tgt3, 3, [1], 'mean'), tolFor('float32'), 'gradient');
    });

    test('row lengths around a SIMD vector (2 to 9 classes)', async () => {
      for (let c = 2; c <= 9; c++) {
        const x = R.map(randomRef([5, c], 'float32', 40 + c, 'float'), (v) => 3 * v);
        const tgt = [0, c - 1, IGNORE, 1, c >> 1];
        const want = naive(x, tgt, IGNORE);
        const loss = softmaxCrossEntropy(fromRef(ctx, x), int32(ctx, tgt), { reduction: 'none' });
        await expectRef(loss, reduced(want, 'none', 'float32'), tolFor('float32'), `${c} classes`);
        const g = values(5, 50 + c, 'positive');
        const gx = softmaxCrossEntropyGrad(
          fromRef(ctx, x),
          int32(ctx, tgt),
          fromRef(ctx, R.makeRef([5], 'float32', want.logSum)),
          fromRef(ctx, R.makeRef([5], 'float32', g)),
          IGNORE,
          'none',
        );
        await expectRef(gx, naiveGrad(x, tgt, IGNORE, g, 'none'), tolFor('float32'), `${c} classes, gradient`);
      }
    });

    test('one class, and no rows', async () => {
      const one = R.makeRef([3, 1], 'float32', [2, -7, 1e30]);
      for (const reduction of REDUCTIONS) {
        const want = reduced(naive(one, [0, IGNORE, 0], IGNORE), reduction, 'float32');
        await expectRef(
          softmaxCrossEntropy(fromRef(ctx, one), int32(ctx, [0, IGNORE, 0]), { reduction }),
          want,
          tolFor('float32'),
          reduction,
        );
        const empty = softmaxCrossEntropy(nn.zeros([0, 5], { backend: ctx.name }), int32(ctx, []), { reduction });
        // mean over no rows is 0/0 = NaN; sum is 0 (PyTorch).
        const none = R.makeRef(
          reduction === 'none' ? [0] : [],
          'float32',
          reduction === 'none' ? [] : [reduction === 'sum' ? 0 : Number.NaN],
        );
        await expectRef(empty, none, tolFor('float32'), `${reduction}, no rows`);
      }
    });
  });
}
