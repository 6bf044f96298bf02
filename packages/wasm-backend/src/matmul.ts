/** matmul and fused linear (forward, and the backward of its activation and bias): the blocked SIMD GEMM, split by batches, rows or columns across threads. */
import { DTypeError } from '@nn/tensor';
import type { FusedActivation, View } from '@nn/tensor/backend';
import { ACT_CODES } from './kernels.js';
import { ptrOf } from './layout.js';
import type { Parts, Runner } from './runner.js';

/** gemm's parts split rows (i0, i1 at 8) or columns (j0, j1 at 10). */
const GEMM_ROWS: Parts = { range: 8, work: 13 };
const GEMM_COLS: Parts = { range: 10, work: 13 };
/** bgemm's parts split batches. */
const BGEMM: Parts = { range: 12, work: 14 };
/** linearGrad's scratch holds one float64 per column. */
const LINEAR_GRAD: Parts = { range: 6, scaled: [9, 8] };

/** Batched products; a [batch, M, K], b [batch, K, N], out [batch, M, N] as in the contract. */
export function matmul(r: Runner, a: View, b: View, out: View): void {
  // Indexing, not destructuring: array destructuring makes iterator objects on every call.
  const batch = a.shape[0];
  const M = a.shape[1];
  const K = a.shape[2];
  const N = b.shape[2];
  if (batch === 0 || M === 0 || N === 0) return;
  let sab = a.strides[0];
  const sam = a.strides[1];
  const sak = a.strides[2];
  const sbb = b.strides[0];
  const sbk = b.strides[1];
  const sbn = b.strides[2];
  const A = ptrOf(a);
  const B = ptrOf(b);
  const C = ptrOf(out);
  if (a.dtype !== 'float32') {
    if (a.dtype !== 'int32') throw new DTypeError(`wasm backend: matmul does not take ${a.dtype} (it takes float32, int32)`);
    r.ex.bgemmI32(A, sab, sam, sak, B, sbb, sbk, sbn, C, M, N, K, 0, batch);
    return;
  }
  // A shared B whose batches stack into rows of A is one taller product.
  let rows = M;
  let nb = batch;
  if (batch > 1 && sbb === 0 && sab === M * sam) {
    rows = batch * M;
    nb = 1;
    sab = 0;
  }
  if (r.pool === null || nb * rows * N * K < r.thresholds.matmul) {
    r.ex.bgemm(A, sab, sam, sak, B, sbb, sbk, sbn, C, rows, N, K, 0, nb, r.workOf(0));
  } else if (nb >= r.threads) {
    r.split('bgemm', nb, 0, 1, BGEMM, A, sab, sam, sak, B, sbb, sbk, sbn, C, rows, N, K, 0, nb, r.workOf(0));
  } else {
    for (let i = 0; i < nb; i++) gemm(r, A + i * sab * 4, sam, sak, B + i * sbb * 4, sbk, sbn, C + i * rows * N * 4, rows, N, K, 0, 0, 0);
  }
}

/** One product C[M, N] = A @ B (then act(. + bias)), split by rows or columns across threads (the longer side). */
function gemm(
  r: Runner,
  A: number,
  sam: number,
  sak: number,
  B: number,
  sbk: number,
  sbn: number,
  C: number,
  M: number,
  N: number,
  K: number,
  bias: number,
  sbias: number,
  act: number,
): void {
  const byRows = M >= N;
  const min = M * N * K < r.thresholds.matmul ? Number.POSITIVE_INFINITY : 0;
  if (byRows) r.split('gemm', M, min, 4, GEMM_ROWS, A, sam, sak, B, sbk, sbn, C, N, 0, M, 0, N, K, r.workOf(0), bias, sbias, act);
  else r.split('gemm', N, min, 8, GEMM_COLS, A, sam, sak, B, sbk, sbn, C, N, 0, M, 0, N, K, r.workOf(0), bias, sbias, act);
}

/** out[M, N] = act(x[M, K] @ w[N, K]^T + bias[N]), bias and activation applied per finished block. */
export function linear(r: Runner, x: View, w: View, bias: View | null, act: FusedActivation, out: View): void {
  const M = x.shape[0];
  const K = x.shape[1];
  const N = w.shape[0];
  if (M === 0 || N === 0) return;
  const code = ACT_CODES[act];
  const bp = bias === null ? 0 : ptrOf(bias);
  const bs = bias === null ? 0 : bias.strides[0];
  // w^T as a [K, N] operand is w with its strides swapped.
  if (x.dtype === 'float32') {
    gemm(r, ptrOf(x), x.strides[0], x.strides[1], ptrOf(w), w.strides[1], w.strides[0], ptrOf(out), M, N, K, bp, bs, code);
    return;
  }
  if (x.dtype !== 'int32') throw new DTypeError(`wasm backend: fused linear does not take ${x.dtype} (it takes float32, int32)`);
  const C = ptrOf(out);
  r.ex.bgemmI32(ptrOf(x), 0, x.strides[0], x.strides[1], ptrOf(w), 0, w.strides[1], w.strides[0], C, M, N, K, 0, 1);
  if (bias !== null || code !== 0) r.ex.epilogueI32(C, M, N, bp, bs, code);
}

/**
 * The contract's linearGrad over contiguous float32 g, y [M, N]: split by columns across threads,
 * each part with its own float64 bias accumulators in the scratch area.
 */
export function linearGrad(r: Runner, g: View, y: View, act: FusedActivation, ga: View, dbias: View | null): void {
  if (g.dtype !== 'float32') throw new DTypeError(`wasm backend: fused linearGrad does not take ${g.dtype} (it takes float32)`);
  const M = g.shape[0];
  const N = g.shape[1];
  if (N === 0) return;
  const pb = dbias === null ? 0 : ptrOf(dbias);
  const s = dbias === null ? 0 : r.scratchOf(N * 8);
  const min = Math.max(1, Math.ceil(r.thresholds.elementwise / Math.max(M, 1)));
  r.split('linearGrad', N, min, 4, LINEAR_GRAD, ptrOf(g), ptrOf(y), ptrOf(ga), pb, M, N, 0, N, ACT_CODES[act], s);
}
