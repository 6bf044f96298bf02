/**
 * The window routines: max pooling (the optional fused `poolArgmax`, else argmax steps) and
 * foldWindows / fold (the optional fused `addInto`, else add + copyInto per kernel offset). Each
 * is checked against a naive reference, and run twice on backends that have the routine: with
 * it and with it removed, so the composed fallback passes on every backend too.
 */
import * as nn from '@nn/tensor';
import { type FusedRoutines, sliceView } from '@nn/tensor/backend';
import type { Backend, DType, Tensor } from '@nn/tensor';
import { describe } from 'vitest';
import { type Ctx, EXACT, type Layout, expectRef, fromRef, randomRef, rng, test } from './helpers.js';
import * as R from './reference.js';

type Routine = 'poolArgmax' | 'addInto';

/** Runs f with the backend's routine, then (if it has one) without it. */
async function bothPaths(ctx: Ctx, routine: Routine, f: (label: string) => Promise<void>): Promise<void> {
  const fused = ctx.backend!.fused as FusedRoutines<unknown>;
  const saved = fused[routine];
  await f(saved === undefined ? 'composed' : 'fused');
  if (saved === undefined) return;
  delete fused[routine];
  try {
    await f('composed');
  } finally {
    (fused as Record<Routine, unknown>)[routine] = saved;
  }
}

interface PoolCase {
  shape: [number, number, number, number];
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
}

const POOL_CASES: PoolCase[] = [
  { shape: [2, 3, 8, 10], kernel: [2, 2], stride: [2, 2], dilation: [1, 1] },
  { shape: [1, 2, 9, 13], kernel: [2, 2], stride: [2, 2], dilation: [1, 1] }, // odd sizes: a tail of windows
  { shape: [2, 2, 7, 6], kernel: [3, 3], stride: [1, 1], dilation: [1, 1] }, // overlapping windows
  { shape: [1, 3, 9, 8], kernel: [3, 2], stride: [2, 1], dilation: [1, 2] },
];

const windowCount = (n: number, k: number, s: number, d: number): number => Math.floor((n - d * (k - 1) - 1) / s) + 1;

/** h * W + w of each window's first maximum in row-major order, the first NaN winning. */
function argmaxRef(x: R.Ref, c: PoolCase): R.Ref {
  const [n, ch, h, w] = x.shape;
  const oh = windowCount(h, c.kernel[0], c.stride[0], c.dilation[0]);
  const ow = windowCount(w, c.kernel[1], c.stride[1], c.dilation[1]);
  const out: number[] = [];
  for (let p = 0; p < n * ch; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let at = -1;
        for (let a = 0; a < c.kernel[0]; a++) {
          for (let b = 0; b < c.kernel[1]; b++) {
            const pos = (i * c.stride[0] + a * c.dilation[0]) * w + j * c.stride[1] + b * c.dilation[1];
            const v = x.data[p * h * w + pos];
            const best = at < 0 ? Number.NaN : x.data[p * h * w + at];
            if (at < 0 || (!Number.isNaN(best) && (v > best || Number.isNaN(v)))) at = pos;
          }
        }
        out.push(at);
      }
    }
  }
  return R.makeRef([n, ch, oh, ow], 'int32', out);
}

/** Few distinct values (ties), NaN, infinities and -0. */
function poolInput(shape: readonly number[], dtype: DType, seed: number): R.Ref {
  const base = randomRef(shape, dtype, seed, 'ties');
  const r = rng(seed + 1);
  const special = [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -0];
  return R.makeRef(
    shape,
    dtype,
    base.data.map((v) => (r() < 0.08 ? special[Math.floor(r() * special.length)] : v)),
  );
}

const POOL_LAYOUTS: Layout[] = ['contiguous', 'permuted', 'strided'];

/** Sums g's windows back into a tensor of `shape` (last two dims), in window order, rounded per add to dtype. */
function foldRef(g: R.Ref, shape: readonly number[], size: [number, number], step: [number, number], dilation: [number, number]): R.Ref {
  const [oh, ow] = g.shape.slice(-4, -2);
  const lead = R.size(shape.slice(0, -2));
  const [h, w] = shape.slice(-2);
  const out = new Array<number>(R.size(shape)).fill(0);
  const round = (v: number): number => R.toDType(g.dtype, v);
  const hit = new Array<boolean>(out.length).fill(false);
  const disjoint = (oh <= 1 || step[0] >= dilation[0] * (size[0] - 1) + 1) && (ow <= 1 || step[1] >= dilation[1] * (size[1] - 1) + 1);
  for (let a = 0; a < size[0]; a++) {
    for (let b = 0; b < size[1]; b++) {
      for (let p = 0; p < lead; p++) {
        for (let i = 0; i < oh; i++) {
          for (let j = 0; j < ow; j++) {
            const at = p * h * w + (i * step[0] + a * dilation[0]) * w + j * step[1] + b * dilation[1];
            const v = g.data[(((p * oh + i) * ow + j) * size[0] + a) * size[1] + b];
            // Disjoint windows are copied (a -0 stays -0); overlaps are summed from +0.
            out[at] = disjoint && !hit[at] ? v : round(out[at] + v);
            hit[at] = true;
          }
        }
      }
    }
  }
  return R.makeRef(shape, g.dtype, out);
}

export function windowTests(ctx: Ctx): void {
  describe('window routines', () => {
    test('fused poolArgmax (where provided) picks the first maximum, NaN first, through any strides', async (t) => {
      const be = ctx.backend as Backend;
      t.skip(be.fused.poolArgmax === undefined, `backend '${ctx.name}' has no fused poolArgmax (maxPool2d composes it)`);
      for (const dtype of ctx.floatDTypes()) {
        for (const [k, c] of POOL_CASES.entries()) {
          const x = poolInput(c.shape, dtype, 40 + k);
          const want = argmaxRef(x, c);
          for (const layout of POOL_LAYOUTS) {
            const tx = fromRef(ctx, x, layout);
            const out = nn.zeros(want.shape, { dtype: 'int32', backend: ctx.name });
            be.fused.poolArgmax!(tx, c.kernel, c.stride, c.dilation, out);
            await expectRef(out, want, EXACT, `${dtype} case ${k} ${layout}`);
          }
        }
      }
    });

    test("maxPool2d takes each window's first maximum, with the fused routine and composed", async () => {
      await bothPaths(ctx, 'poolArgmax', async (path) => {
        for (const dtype of ctx.floatDTypes()) {
          for (const [k, c] of POOL_CASES.entries()) {
            const x = poolInput(c.shape, dtype, 50 + k);
            const idx = argmaxRef(x, c);
            const plane = c.shape[2] * c.shape[3];
            const want = R.makeRef(
              idx.shape,
              dtype,
              idx.data.map((at, i) => x.data[Math.floor(i / (idx.shape[2] * idx.shape[3])) * plane + at]),
            );
            for (const layout of POOL_LAYOUTS) {
              const y = nn.maxPool2d(fromRef(ctx, x, layout), c.kernel, { stride: c.stride, dilation: c.dilation });
              await expectRef(y, want, EXACT, `${path} ${dtype} case ${k} ${layout}`);
            }
          }
        }
      });
    });

    test("maxPool2d pads with -infinity and keeps ceil mode's last window, both paths", async () => {
      await bothPaths(ctx, 'poolArgmax', async (path) => {
        // 5x5 with kernel 3, stride 2, padding 1, ceil mode: 3x3 windows, the last overhanging.
        const x = nn.tensor(
          Float32Array.from({ length: 50 }, (_, i) => ((i * 7) % 11) - 8),
          { shape: [2, 1, 5, 5], backend: ctx.name },
        );
        const y = nn.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
        const xs = Array.from(await x.data());
        const want: number[] = [];
        for (let p = 0; p < 2; p++) {
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < 3; j++) {
              let m = Number.NEGATIVE_INFINITY;
              for (let a = -1; a < 2; a++) {
                for (let b = -1; b < 2; b++) {
                  const h = 2 * i + a;
                  const w = 2 * j + b;
                  if (h >= 0 && h < 5 && w >= 0 && w < 5) m = Math.max(m, xs[p * 25 + h * 5 + w]);
                }
              }
              want.push(m);
            }
          }
        }
        await expectRef(y, R.makeRef([2, 1, 3, 3], 'float32', want), EXACT, path);
      });
    });

    test('fused addInto (where provided) adds through a strided destination', async (t) => {
      const be = ctx.backend as Backend;
      t.skip(be.fused.addInto === undefined, `backend '${ctx.name}' has no fused addInto (foldWindows composes it)`);
      for (const dtype of [...ctx.floatDTypes(), 'int32' as const]) {
        const base = randomRef([6, 9], dtype, 61, dtype === 'int32' ? 'int' : 'float');
        const src = randomRef([3, 4], dtype, 62, dtype === 'int32' ? 'int' : 'float');
        const dst = fromRef(ctx, base);
        // Every other row and column from (1, 1): a view with strides [18, 2] and an offset.
        const view = sliceView(dst, [1, 1], [2, 2], [3, 4]);
        be.fused.addInto!(view, fromRef(ctx, src, 'permuted'));
        const want = [...base.data];
        src.data.forEach((v, i) => {
          const at = (1 + 2 * Math.floor(i / 4)) * 9 + 1 + 2 * (i % 4);
          want[at] = R.toDType(dtype, want[at] + v);
        });
        await expectRef(dst, R.makeRef([6, 9], dtype, want), EXACT, dtype);
      }
    });

    test('foldWindows and fold sum overlapping windows in window order, with addInto and composed', async () => {
      await bothPaths(ctx, 'addInto', async (path) => {
        for (const dtype of ctx.floatDTypes()) {
          const cases: { shape: number[]; size: [number, number]; step: [number, number]; dilation: [number, number] }[] = [
            { shape: [2, 3, 7, 8], size: [3, 3], step: [1, 1], dilation: [1, 1] },
            { shape: [1, 2, 9, 7], size: [3, 2], step: [2, 1], dilation: [2, 1] },
            { shape: [2, 1, 6, 6], size: [2, 2], step: [2, 2], dilation: [1, 1] }, // disjoint: copies
          ];
          for (const [k, c] of cases.entries()) {
            const oh = windowCount(c.shape[2], c.size[0], c.step[0], c.dilation[0]);
            const ow = windowCount(c.shape[3], c.size[1], c.step[1], c.dilation[1]);
            const g = randomRef([c.shape[0], c.shape[1], oh, ow, ...c.size], dtype, 70 + k, 'float');
            const got: Tensor = nn.foldWindows(fromRef(ctx, g, 'permuted'), c.shape, [2, 3], c.size, {
              step: c.step,
              dilation: c.dilation,
            });
            await expectRef(got, foldRef(g, c.shape, c.size, c.step, c.dilation), EXACT, `${path} ${dtype} case ${k}`);
          }
          // fold (col2im) with padding: the padded fold, cropped.
          const cols = randomRef([2, 2 * 9, 5 * 4], dtype, 80, 'float');
          const y = nn.fold(fromRef(ctx, cols), [5, 4], 3, { padding: 1 });
          const blocks = R.makeRef(
            [2, 2, 5, 4, 3, 3],
            dtype,
            cols.data.map((_, i) => {
              const [n, c, oi, oj, a, b] = R.unravel(i, [2, 2, 5, 4, 3, 3]);
              return cols.data[R.ravel([n, c * 9 + a * 3 + b, oi * 4 + oj], cols.shape)];
            }),
          );
          const padded = foldRef(blocks, [2, 2, 7, 6], [3, 3], [1, 1], [1, 1]);
          const want = R.makeRef(
            [2, 2, 5, 4],
            dtype,
            Array.from({ length: 80 }, (_, i) => {
              const [n, c, h, w] = R.unravel(i, [2, 2, 5, 4]);
              return padded.data[R.ravel([n, c, h + 1, w + 1], [2, 2, 7, 6])];
            }),
          );
          await expectRef(y, want, EXACT, `${path} ${dtype} fold`);
        }
      });
    });
  });
}
