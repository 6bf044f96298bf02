/**
 * The fused backward of linear's activation and bias for the cpu backend: ga = g * act'(y) with
 * float32 rounding after each op as the composed where/mul/sub do, and the bias gradient summed
 * down each column in row order in float64 (as the cpu `reduce` sums), in one pass. One plain
 * loop per activation and precision (no per-element calls), so it runs as fast as a generated kernel.
 */
import type { FusedRoutines } from '../backend/contract.js';
import type { CpuBuffer, CpuView } from './buffer.js';

type Act = Parameters<Required<FusedRoutines<CpuBuffer>>['linearGrad']>[2];
type F = Float32Array | Float64Array;
/** Writes ga for n elements: A[ai + j] from G[gi + j] and Y[yi + j]. */
type Row = (G: F, gi: number, Y: F, yi: number, A: F, ai: number, n: number) => void;

const fround = Math.fround;

const ROW32: { [A in Act]: Row } = {
  relu: (G, gi, Y, yi, A, ai, n) => {
    for (let j = 0; j < n; j++) A[ai + j] = Y[yi + j] > 0 ? G[gi + j] : 0;
  },
  tanh: (G, gi, Y, yi, A, ai, n) => {
    for (let j = 0; j < n; j++) {
      const y = Y[yi + j];
      A[ai + j] = G[gi + j] * fround(1 - fround(y * y));
    }
  },
  sigmoid: (G, gi, Y, yi, A, ai, n) => {
    for (let j = 0; j < n; j++) {
      const y = Y[yi + j];
      A[ai + j] = G[gi + j] * fround(y * fround(1 - y));
    }
  },
};

const ROW64: { [A in Act]: Row } = {
  relu: ROW32.relu,
  tanh: (G, gi, Y, yi, A, ai, n) => {
    for (let j = 0; j < n; j++) {
      const y = Y[yi + j];
      A[ai + j] = G[gi + j] * (1 - y * y);
    }
  },
  sigmoid: (G, gi, Y, yi, A, ai, n) => {
    for (let j = 0; j < n; j++) {
      const y = Y[yi + j];
      A[ai + j] = G[gi + j] * (y * (1 - y));
    }
  },
};

export function linearGrad(g: CpuView, y: CpuView, act: Act, ga: CpuView, dbias: CpuView | null): void {
  const [M, N] = g.shape;
  const A = ga.buffer as F;
  const row = (g.dtype === 'float32' ? ROW32 : ROW64)[act];
  // Contiguous: one call over all M * N elements.
  row(g.buffer as F, g.offset, y.buffer as F, y.offset, A, ga.offset, M * N);
  if (dbias === null) return;
  const sums = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    const ai = ga.offset + i * N;
    for (let j = 0; j < N; j++) sums[j] += A[ai + j];
  }
  const D = dbias.buffer as F;
  for (let j = 0; j < N; j++) D[dbias.offset + j] = sums[j];
}
