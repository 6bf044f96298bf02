import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = T.sum(g, axes, true);
  if (lead === 0) return s;
  const r = T.reshape(s, shape);
  s.dispose();
  return r;
}
