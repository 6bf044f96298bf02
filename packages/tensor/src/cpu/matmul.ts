/**
 * Matrix products. Float products use a packed, register-blocked GEMM (Goto's loop order): B is
 * packed per (K block, N block) into 4-column panels and A per (M block, K block) into 4-row
 * panels, both as float64, so any strides (transposes, broadcast batches) cost only the packing,
 * and a 4x4 micro-kernel keeps its 16 accumulators in locals. Products with fewer than four rows
 * or columns, and int32 (which must wrap exactly), use unpacked loops.
 */
import type { FusedActivation } from '../backend/contract.js';
import { ACTIVATION_TABLE, JS_HELPERS, toJs } from '../backend/elementwise-table.js';
import type { DataArray, DType } from '../dtype.js';
import { type CpuView, dtypeIndex } from './buffer.js';

type Arr = { [i: number]: number };

const MR = 4;
const NR = 4;
const KC = 256; // K block: a 4-wide B panel (8 KiB) and a 4-tall A panel stay in L1
const MC = 64; // M block: the packed A block (128 KiB) stays in L2
const NC = 1024; // N block: bounds the packed B block (2 MiB)

const Ap = new Float64Array(MC * KC);
let Bp = new Float64Array(KC * NR);
const TILE = new Float64Array(MR * NR);

/** Packs rows i0..i0+mc of A, columns p0..p0+kc, as [4-row panel][p][row], zero-padded. */
function packA(A: Arr, ao: number, sam: number, sak: number, i0: number, mc: number, p0: number, kc: number): void {
  let q = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const base = ao + (i0 + ir) * sam + p0 * sak;
    if (rows === MR) {
      for (let p = 0, at = base; p < kc; p++, at += sak, q += MR) {
        Ap[q] = A[at];
        Ap[q + 1] = A[at + sam];
        Ap[q + 2] = A[at + 2 * sam];
        Ap[q + 3] = A[at + 3 * sam];
      }
    } else {
      for (let p = 0, at = base; p < kc; p++, at += sak, q += MR) {
        for (let r = 0; r < MR; r++) Ap[q + r] = r < rows ? A[at + r * sam] : 0;
      }
    }
  }
}

/** Packs rows p0..p0+kc of B, columns j0..j0+nc, as [4-column panel][p][col], zero-padded. */
function packB(B: Arr, bo: number, sbk: number, sbn: number, p0: number, kc: number, j0: number, nc: number): void {
  const need = kc * Math.ceil(nc / NR) * NR;
  if (Bp.length < need) Bp = new Float64Array(need);
  const P = Bp;
  let q = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const base = bo + p0 * sbk + (j0 + jr) * sbn;
    if (cols === NR) {
      for (let p = 0, at = base; p < kc; p++, at += sbk, q += NR) {
        P[q] = B[at];
        P[q + 1] = B[at + sbn];
        P[q + 2] = B[at + 2 * sbn];
        P[q + 3] = B[at + 3 * sbn];
      }
    } else {
      for (let p = 0, at = base; p < kc; p++, at += sbk, q += NR) {
        for (let c = 0; c < NR; c++) P[q + c] = c < cols ? B[at + c * sbn] : 0;
      }
    }
  }
}

/**
 * C[co.., 4x4] (=|+=) Ap panel at ap times Bp panel at bp over kc. Only the top-left mr x nr of
 * the tile is written (edges); `first` stores instead of accumulating (the first K block).
 */
function micro(ap: number, bp: number, kc: number, C: Arr, co: number, ldc: number, mr: number, nr: number, first: boolean): void {
  const A = Ap;
  const B = Bp;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < kc; p++, ap += MR, bp += NR) {
    const a0 = A[ap],
      a1 = A[ap + 1],
      a2 = A[ap + 2],
      a3 = A[ap + 3];
    const b0 = B[bp],
      b1 = B[bp + 1],
      b2 = B[bp + 2],
      b3 = B[bp + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    const r1 = co + ldc,
      r2 = r1 + ldc,
      r3 = r2 + ldc;
    if (first) {
      C[co] = c00;
      C[co + 1] = c01;
      C[co + 2] = c02;
      C[co + 3] = c03;
      C[r1] = c10;
      C[r1 + 1] = c11;
      C[r1 + 2] = c12;
      C[r1 + 3] = c13;
      C[r2] = c20;
      C[r2 + 1] = c21;
      C[r2 + 2] = c22;
      C[r2 + 3] = c23;
      C[r3] = c30;
      C[r3 + 1] = c31;
      C[r3 + 2] = c32;
      C[r3 + 3] = c33;
    } else {
      C[co] += c00;
      C[co + 1] += c01;
      C[co + 2] += c02;
      C[co + 3] += c03;
      C[r1] += c10;
      C[r1 + 1] += c11;
      C[r1 + 2] += c12;
      C[r1 + 3] += c13;
      C[r2] += c20;
      C[r2 + 1] += c21;
      C[r2 + 2] += c22;
      C[r2 + 3] += c23;
      C[r3] += c30;
      C[r3 + 1] += c31;
      C[r3 + 2] += c32;
      C[r3 + 3] += c33;
    }
    return;
  }
  const T = TILE;
  T[0] = c00;
  T[1] = c01;
  T[2] = c02;
  T[3] = c03;
  T[4] = c10;
  T[5] = c11;
  T[6] = c12;
  T[7] = c13;
  T[8] = c20;
  T[9] = c21;
  T[10] = c22;
  T[11] = c23;
  T[12] = c30;
  T[13] = c31;
  T[14] = c32;
  T[15] = c33;
  for (let r = 0; r < mr; r++) {
    for (let c = 0; c < nr; c++) {
      const at = co + r * ldc + c;
      C[at] = first ? T[r * NR + c] : C[at] + T[r * NR + c];
    }
  }
}

/** C[M, N] (row-major at co) = A[M, K] @ B[K, N] with arbitrary strides, via packing. */
function blocked(
  A: Arr,
  ao: number,
  sam: number,
  sak: number,
  B: Arr,
  bo: number,
  sbk: number,
  sbn: number,
  C: Arr,
  co: number,
  M: number,
  N: number,
  K: number,
): void {
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packB(B, bo, sbk, sbn, pc, kc, jc, nc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packA(A, ao, sam, sak, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const at = co + (ic + ir) * N + jc + jr;
            micro(ir * kc, jr * kc, kc, C, at, N, Math.min(MR, mc - ir), nr, pc === 0);
          }
        }
      }
    }
  }
}

type SmallKernel = (
  A: Arr,
  ao: number,
  sam: number,
  sak: number,
  B: Arr,
  bo: number,
  sbk: number,
  sbn: number,
  C: Arr,
  co: number,
  csm: number,
  csn: number,
  M: number,
  N: number,
  K: number,
) => void;

/**
 * Unpacked loops for small or thin products: four outputs of a row at a time share each A load
 * and run four independent accumulation chains. Output strides are parameters so a product with
 * fewer than four columns can run transposed. int32 accumulates with exact 32-bit wrapping.
 */
function compileSmall(int: boolean): SmallKernel {
  const fma = (s: string, b: string) => (int ? `${s} = (${s} + Math.imul(a, ${b})) | 0;` : `${s} += a * ${b};`);
  const source = `'use strict';
return function small(A, ao, sam, sak, B, bo, sbk, sbn, C, co, csm, csn, M, N, K) {
  const sb2 = 2 * sbn, sb3 = 3 * sbn;
  for (let i = 0; i < M; i++) {
    const ar = ao + i * sam, cr = co + i * csm;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0, pa = ar, pb = bo + j * sbn; k < K; k++, pa += sak, pb += sbk) {
        const a = A[pa];
        ${fma('s0', 'B[pb]')} ${fma('s1', 'B[pb + sbn]')}
        ${fma('s2', 'B[pb + sb2]')} ${fma('s3', 'B[pb + sb3]')}
      }
      const c = cr + j * csn;
      C[c] = s0; C[c + csn] = s1; C[c + 2 * csn] = s2; C[c + 3 * csn] = s3;
    }
    for (; j < N; j++) {
      let s0 = 0;
      for (let k = 0, pa = ar, pb = bo + j * sbn; k < K; k++, pa += sak, pb += sbk) {
        const a = A[pa];
        ${fma('s0', 'B[pb]')}
      }
      C[cr + j * csn] = s0;
    }
  }
};`;
  return new Function(source)() as SmallKernel;
}

// One small kernel per (a, b, out) dtype combination keeps each loop's array accesses monomorphic.
const smallCache: (SmallKernel | undefined)[] = [];

function small(a: DType, b: DType, out: DType): SmallKernel {
  const slot = (dtypeIndex(a) * 4 + dtypeIndex(b)) * 4 + dtypeIndex(out);
  let kernel = smallCache[slot];
  if (kernel === undefined) {
    kernel = compileSmall(a === 'int32' && b === 'int32' && out === 'int32');
    smallCache[slot] = kernel;
  }
  return kernel;
}

/** out[M, N] (contiguous at out.offset) = A @ B for one matrix pair given by offsets/strides. */
function gemm(
  A: DataArray,
  ao: number,
  sam: number,
  sak: number,
  aType: DType,
  B: DataArray,
  bo: number,
  sbk: number,
  sbn: number,
  bType: DType,
  C: DataArray,
  co: number,
  cType: DType,
  M: number,
  N: number,
  K: number,
): void {
  if (K === 0) {
    C.fill(0, co, co + M * N);
    return;
  }
  const float = cType === 'float32' || cType === 'float64';
  // Measured: packing pays off even at 16x16x16 (the micro-kernel's independent chains win).
  if (float && M >= MR && N >= NR) {
    blocked(A, ao, sam, sak, B, bo, sbk, sbn, C, co, M, N, K);
  } else if (N >= NR || M < NR) {
    small(aType, bType, cType)(A, ao, sam, sak, B, bo, sbk, sbn, C, co, N, 1, M, N, K);
  } else {
    // Fewer than four columns: C^T = B^T A^T, so the four-wide tiles run along M.
    small(bType, aType, cType)(B, bo, sbn, sbk, A, ao, sak, sam, C, co, 1, N, N, M, K);
  }
}

export function matmul(a: CpuView, b: CpuView, out: CpuView): void {
  const batch = a.shape[0];
  const M = a.shape[1];
  const K = a.shape[2];
  const N = b.shape[2];
  if (batch === 0 || M === 0 || N === 0) return;
  const sab = a.strides[0];
  const sam = a.strides[1];
  const sak = a.strides[2];
  const sbb = b.strides[0];
  const sbk = b.strides[1];
  const sbn = b.strides[2];
  // A shared B with batches that stack into rows of A is one taller product.
  if (batch > 1 && sbb === 0 && sab === M * sam) {
    gemm(a.buffer, a.offset, sam, sak, a.dtype, b.buffer, b.offset, sbk, sbn, b.dtype, out.buffer, out.offset, out.dtype, batch * M, N, K);
    return;
  }
  for (let i = 0; i < batch; i++) {
    gemm(
      a.buffer,
      a.offset + i * sab,
      sam,
      sak,
      a.dtype,
      b.buffer,
      b.offset + i * sbb,
      sbk,
      sbn,
      b.dtype,
      out.buffer,
      out.offset + i * M * N,
      out.dtype,
      M,
      N,
      K,
    );
  }
}

type Epilogue = (C: Arr, co: number, M: number, N: number, bias: Arr, bo: number, bs: number) => void;

/** The fused activations as JavaScript over `a`, printed from the op table's definitions. */
const ACTIVATIONS = Object.fromEntries(Object.entries(ACTIVATION_TABLE).map(([act, e]) => [act, toJs(e, 'float')])) as Readonly<
  Record<FusedActivation, string>
>;

const epilogueCache: Record<string, (Epilogue | undefined)[]> = {};

/** In place over C[M, N]: C = act(C + bias), bias read with stride bs (null bias: none). */
function epilogue(act: FusedActivation, out: DType, bias: DType | null): Epilogue {
  let row = epilogueCache[act];
  if (row === undefined) {
    row = [];
    epilogueCache[act] = row;
  }
  const slot = dtypeIndex(out) * 5 + (bias === null ? 4 : dtypeIndex(bias));
  let kernel = row[slot];
  if (kernel === undefined) {
    const load = bias === null ? 'C[at]' : 'C[at] + bias[bo + j * bs]';
    const source = `'use strict';
return function epilogue(C, co, M, N, bias, bo, bs) {
  for (let i = 0, at = co; i < M; i++) {
    for (let j = 0; j < N; j++, at++) { const a = ${load}; C[at] = (${ACTIVATIONS[act]}); }
  }
};`;
    kernel = new Function('erf', source)(JS_HELPERS.erf) as Epilogue;
    row[slot] = kernel;
  }
  return kernel;
}

/** out[M, N] = act(x[M, K] @ w[N, K]^T + bias[N]): the matmul, then one in-place pass. */
export function linear(x: CpuView, w: CpuView, bias: CpuView | null, act: FusedActivation, out: CpuView): void {
  const M = x.shape[0];
  const K = x.shape[1];
  const N = w.shape[0];
  if (M === 0 || N === 0) return;
  // w^T as a [K, N] operand is w with its strides swapped.
  gemm(
    x.buffer,
    x.offset,
    x.strides[0],
    x.strides[1],
    x.dtype,
    w.buffer,
    w.offset,
    w.strides[1],
    w.strides[0],
    w.dtype,
    out.buffer,
    out.offset,
    out.dtype,
    M,
    N,
    K,
  );
  if (bias === null && act === 'none') return;
  const kernel = epilogue(act, out.dtype, bias === null ? null : bias.dtype);
  if (bias === null) kernel(out.buffer, out.offset, M, N, out.buffer, 0, 0);
  else kernel(out.buffer, out.offset, M, N, bias.buffer, bias.offset, bias.strides[0]);
}
