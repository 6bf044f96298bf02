/**
 * Inclusive scans (cumsum, cumprod) as a log-step scan (Hillis-Steele): after step s every element
 * has combined the 2s elements ending at it, so ceil(log2 n) shifted adds (or multiplies) finish
 * the job. Each step is a slice, a pad and an elementwise op, so the scan runs on every backend,
 * gives the same bits on each (elementwise ops round alike), and its gradient comes from those
 * ops' rules: a reversed cumsum for cumsum, the product rule (exact with zeros) for cumprod.
 */
import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf } from './core.js';
import { add, cast, mul } from './elementwise.js';
import { clone, padWindow, slice } from './movement.js';

function scan(op: 'cumsum' | 'cumprod', x: Tensor, dim: number): Tensor {
  backendOf(op, x);
  const d = normAxis(op, dim, x.ndim);
  // bool accumulates in int32, as PyTorch's integer scans do (in int64).
  let y = x.dtype === 'bool' ? cast(x, 'int32') : x;
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (n <= 1) return y === x ? clone(x) : y;
  const combine = op === 'cumsum' ? add : mul;
  const identity = op === 'cumsum' ? 0 : 1;
  const starts = x.shape.map(() => 0);
  const steps = x.shape.map(() => 1);
  for (let s = 1; s < n; s *= 2) {
    starts[d] = s;
    const head = slice(y, d, 0, n - s);
    const shifted = padWindow(head, starts, steps, y.shape, identity);
    const next = combine(y, shifted);
    head.dispose();
    shifted.dispose();
    if (y !== x) y.dispose();
    y = next;
  }
  return y;
}

/** torch.cumsum: running sums along dim (bool and int32 inputs give int32). */
export const cumsum = (x: Tensor, dim: number): Tensor => scan('cumsum', x, dim);
/** torch.cumprod: running products along dim (bool and int32 inputs give int32). */
export const cumprod = (x: Tensor, dim: number): Tensor => scan('cumprod', x, dim);
