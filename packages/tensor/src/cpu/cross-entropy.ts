/**
 * Fused cross-entropy for the cpu backend (the contract's `crossEntropy` / `crossEntropyGrad`):
 * the forward rounds where the composed logSoftmax, gather and mean round (float32 after each op,
 * sums in float64), so its bits are the composed ones; the backward computes each gradient in
 * float64 and rounds once.
 */
import type { CpuView } from './buffer.js';

type Floats = Float32Array | Float64Array;
type Round = (v: number) => number;

const same: Round = (v) => v;
const roundOf = (v: CpuView): Round => (v.dtype === 'float32' ? Math.fround : same);

/** The composed logSoftmax's shift: the row max, or 0 when it is not finite (NaN wins, as `reduce`). */
function rowShift(X: Floats, at: number, C: number): number {
  let m = X[at];
  for (let j = 1; j < C && m === m; j++) {
    const v = X[at + j];
    if (v > m || v !== v) m = v;
  }
  return Math.abs(m) < Number.POSITIVE_INFINITY ? m : 0;
}

export function crossEntropy(
  x: CpuView,
  target: CpuView,
  ignoreIndex: number,
  reduction: 'mean' | 'sum' | 'none',
  logSum: CpuView,
  loss: CpuView,
): void {
  const [N, C] = x.shape;
  const X = x.buffer as Floats;
  const Tg = target.buffer as Int32Array;
  const L = logSum.buffer as Floats;
  const out = loss.buffer as Floats;
  const r = roundOf(x);
  let total = 0;
  let count = 0;
  for (let i = 0; i < N; i++) {
    const at = x.offset + i * C;
    const m = rowShift(X, at, C);
    let s = 0;
    for (let j = 0; j < C; j++) s += r(Math.exp(r(X[at + j] - m)));
    const l = r(Math.log(r(s)));
    L[logSum.offset + i] = l;
    const t = Tg[target.offset + i];
    const rowLoss = t === ignoreIndex ? 0 : r(l - r(X[at + t] - m));
    if (reduction === 'none') out[loss.offset + i] = rowLoss;
    total += rowLoss;
    if (t !== ignoreIndex) count++;
  }
  if (reduction === 'sum') out[loss.offset] = total;
  else if (reduction === 'mean') out[loss.offset] = r(r(total) / count);
}

export function crossEntropyGrad(
  x: CpuView,
  target: CpuView,
  logSum: CpuView,
  g: CpuView,
  ignoreIndex: number,
  mean: boolean,
  gx: CpuView,
): void {
  const [N, C] = x.shape;
  const X = x.buffer as Floats;
  const Tg = target.buffer as Int32Array;
  const L = logSum.buffer as Floats;
  const G = g.buffer as Floats;
  const out = gx.buffer as Floats;
  const perRow = g.shape.length === 1;
  let count = 0;
  if (mean) for (let i = 0; i < N; i++) if (Tg[target.offset + i] !== ignoreIndex) count++;
  for (let i = 0; i < N; i++) {
    const at = x.offset + i * C;
    const o = gx.offset + i * C;
    const t = Tg[target.offset + i];
    if (t === ignoreIndex) {
      out.fill(0, o, o + C);
      continue;
    }
    const gi = G[g.offset + (perRow ? i : 0)];
    const s = mean ? gi / count : gi;
    const shift = rowShift(X, at, C) + L[logSum.offset + i];
    for (let j = 0; j < C; j++) out[o + j] = s * (Math.exp(X[at + j] - shift) - (j === t ? 1 : 0));
  }
}
