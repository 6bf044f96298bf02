/**
 * The fused backward of linear's activation and bias for the cpu backend: ga = g * act'(y) with
 * float32 rounding after each op as the composed where/mul/sub do, and the bias gradient summed
 * down each column in row order in float64 (as the cpu `reduce` sums), in one pass.
 */
import type { FusedRoutines } from '../backend/contract.js';
import type { CpuBuffer, CpuView } from './buffer.js';

type Act = Parameters<Required<FusedRoutines<CpuBuffer>>['linearGrad']>[2];
type Round = (v: number) => number;

const GRAD: { [A in Act]: (g: number, y: number, r: Round) => number } = {
  relu: (g, y) => (y > 0 ? g : 0),
  tanh: (g, y, r) => r(g * r(1 - r(y * y))),
  sigmoid: (g, y, r) => r(g * r(y * r(1 - y))),
};

const same: Round = (v) => v;

export function linearGrad(g: CpuView, y: CpuView, act: Act, ga: CpuView, dbias: CpuView | null): void {
  const [M, N] = g.shape;
  const G = g.buffer as Float32Array | Float64Array;
  const Y = y.buffer as Float32Array | Float64Array;
  const A = ga.buffer as Float32Array | Float64Array;
  const round = g.dtype === 'float32' ? Math.fround : same;
  const grad = GRAD[act];
  const sums = dbias === null ? null : new Float64Array(N);
  for (let i = 0; i < M; i++) {
    const gi = g.offset + i * N;
    const yi = y.offset + i * N;
    const ai = ga.offset + i * N;
    for (let j = 0; j < N; j++) {
      const v = grad(G[gi + j], Y[yi + j], round);
      A[ai + j] = v;
      if (sums !== null) sums[j] += v;
    }
  }
  if (dbias === null || sums === null) return;
  const D = dbias.buffer as Float32Array | Float64Array;
  for (let j = 0; j < N; j++) D[dbias.offset + j] = sums[j];
}
