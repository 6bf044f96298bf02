/**
 * The fused cross-entropy routines (assembly/cross-entropy.ts) over contiguous float32 logits
 * [N, C]: split by rows across threads when a call has enough exps to be worth it.
 */
import { DTypeError } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { ptrOf } from './layout.js';
import { type Runner, rangeAt } from './runner.js';

function float32(op: string, x: View): void {
  if (x.dtype !== 'float32') throw new DTypeError(`wasm backend: fused ${op} does not take ${x.dtype} (it takes float32)`);
}

/** Each part's row range [lo, hi) is at these argument slots. */
const ROWS = rangeAt(5);
const GRAD_ROWS = rangeAt(8);

/** Calls with fewer rows than this (about that many exps) stay on one thread. */
const minRows = (r: Runner, C: number): number => Math.ceil(r.thresholds.transcendental / Math.max(C, 1));

export function crossEntropy(
  r: Runner,
  x: View,
  target: View,
  ignore: number,
  reduction: 'mean' | 'sum' | 'none',
  logSum: View,
  loss: View,
): void {
  float32('crossEntropy', x);
  const [N, C] = x.shape;
  const pt = ptrOf(target);
  // Per-row losses: the output itself, or scratch for the total.
  const rows = reduction === 'none' ? ptrOf(loss) : r.scratchOf(N * 4);
  if (N > 0) r.split('crossEntropyRows', N, minRows(r, C), 1, ROWS, ptrOf(x), pt, ptrOf(logSum), rows, C, 0, N, ignore);
  if (reduction !== 'none') r.ex.crossEntropyTotal(pt, rows, N, ignore, reduction === 'mean' ? 1 : 0, ptrOf(loss));
}

export function crossEntropyGrad(r: Runner, x: View, target: View, logSum: View, g: View, ignore: number, mean: boolean, gx: View): void {
  float32('crossEntropyGrad', x);
  const [N, C] = x.shape;
  if (N === 0) return;
  const perRow = g.shape.length === 1 ? 1 : 0;
  const pt = ptrOf(target);
  const pl = ptrOf(logSum);
  r.split(
    'crossEntropyGrad',
    N,
    minRows(r, C),
    1,
    GRAD_ROWS,
    ptrOf(x),
    pt,
    pl,
    ptrOf(g),
    perRow,
    ptrOf(gx),
    N,
    C,
    0,
    N,
    ignore,
    mean ? 1 : 0,
  );
}
