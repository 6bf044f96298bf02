/**
 * The fused cross-entropy routines (assembly/cross-entropy.ts) over contiguous float32 logits
 * [N, C]: split by rows across threads when a call has enough exps to be worth it.
 */
import { DTypeError } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { ptrOf } from './layout.js';
import type { Runner } from './runner.js';

function float32(op: string, x: View): void {
  if (x.dtype !== 'float32') throw new DTypeError(`wasm backend: fused ${op} does not take ${x.dtype} (it takes float32)`);
}

/** Rows smaller than this many exps stay on one thread. */
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
  const [px, pt, pl] = [x, target, logSum].map(ptrOf);
  // Per-row losses: the output itself, or scratch for the total.
  const rows = reduction === 'none' ? ptrOf(loss) : r.scratchOf(N * 4);
  if (N > 0) r.split('crossEntropyRows', N, minRows(r, C), 1, (lo, hi) => [px, pt, pl, rows, C, lo, hi, ignore]);
  if (reduction !== 'none') r.ex.crossEntropyTotal(pt, rows, N, ignore, reduction === 'mean' ? 1 : 0, ptrOf(loss));
}

export function crossEntropyGrad(r: Runner, x: View, target: View, logSum: View, g: View, ignore: number, mean: boolean, gx: View): void {
  float32('crossEntropyGrad', x);
  const [N, C] = x.shape;
  if (N === 0) return;
  const [px, pt, pl, pg, po] = [x, target, logSum, g, gx].map(ptrOf);
  const perRow = g.shape.length === 1 ? 1 : 0;
  r.split('crossEntropyGrad', N, minRows(r, C), 1, (lo, hi) => [px, pt, pl, pg, perRow, po, N, C, lo, hi, ignore, mean ? 1 : 0]);
}
