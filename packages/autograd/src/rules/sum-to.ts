import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  // Only leading dims summed away (a bias's gradient): the plain sum already has `shape`, one op
  // instead of a keepdim sum and a reshape.
  if (axes.length === lead) return T.sum(g, axes);
  const s = T.sum(g, axes, true);
  if (lead === 0) return s;
  const r = T.reshape(s, shape);
  s.dispose();
  return r;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
