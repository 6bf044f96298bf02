// Matrix products. float32 uses Goto's blocked GEMM: B is packed per (K block, N block) into
// 8-column panels, A per (M block, K block) into 4-row panels, and a 4x8 register-blocked
// micro-kernel keeps eight f32x4 accumulators. Packing reads any strides (transposed or
// broadcast operands cost nothing extra); 4x4 lane transposes keep packing SIMD when an operand
// is contiguous along K. The relaxed-SIMD builds accumulate with f32x4.relaxed_madd (a fused
// multiply-add where the hardware has one: half the instructions, one rounding per step instead
// of two). int32 uses a plain loop with exact wrapping.
import { erf, tanh, toInt32 } from './math';

export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 96;
export const NC = 2048;
/** Scratch bytes one thread needs for gemm: packed A block, packed B block, an edge tile. */
export const WORK_BYTES = (MC * KC + KC * NC + MR * NR) * 4;

/** c + a * b: fused (one rounding) in the relaxed-SIMD builds, a multiply then an add otherwise. */
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** 4x4 transpose of rows r0..r3 (lanes) written as 4 vectors at dst + k * step, offset `at`. */
function transpose4(v0: v128, v1: v128, v2: v128, v3: v128, dst: usize, step: usize): void {
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/** Packs mc rows x kc cols of A (at a, byte strides sm, sk) as [4-row panel][k][4], zero-padded. */
function packA(a: usize, sm: isize, sk: isize, mc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const base = a + <usize>(<isize>ir * sm);
    let k = 0;
    if (rows === MR && sm === 4) {
      for (; k < kc; k++) {
        v128.store(dst, v128.load(base + <usize>(<isize>k * sk)));
        dst += 16;
      }
    } else if (rows === MR && sk === 4) {
      for (; k + 4 <= kc; k += 4) {
        const p = base + ((<usize>k) << 2);
        transpose4(v128.load(p), v128.load(p + sm), v128.load(p + 2 * sm), v128.load(p + 3 * sm), dst, 16);
        dst += 64;
      }
    }
    for (; k < kc; k++) {
      const p = base + <usize>(<isize>k * sk);
      for (let r = 0; r < MR; r++) store<f32>(dst + ((<usize>r) << 2), r < rows ? load<f32>(p + <usize>(<isize>r * sm)) : 0);
      dst += 16;
    }
  }
}

/** Packs kc rows x nc cols of B (at b, byte strides sk, sn) as [8-col panel][k][8], zero-padded. */
function packB(b: usize, sk: isize, sn: isize, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const base = b + <usize>(<isize>jr * sn);
    let k = 0;
    if (cols === NR && sn === 4) {
      for (; k < kc; k++) {
        const p = base + <usize>(<isize>k * sk);
        v128.store(dst, v128.load(p));
        v128.store(dst, v128.load(p, 16), 16);
        dst += 32;
      }
    } else if (cols === NR && sk === 4) {
      for (; k + 4 <= kc; k += 4) {
        const p = base + ((<usize>k) << 2);
        transpose4(v128.load(p), v128.load(p + sn), v128.load(p + 2 * sn), v128.load(p + 3 * sn), dst, 32);
        const q = p + 4 * sn;
        transpose4(v128.load(q), v128.load(q + sn), v128.load(q + 2 * sn), v128.load(q + 3 * sn), dst + 16, 32);
        dst += 128;
      }
    }
    for (; k < kc; k++) {
      const p = base + <usize>(<isize>k * sk);
      for (let c = 0; c < NR; c++) store<f32>(dst + ((<usize>c) << 2), c < cols ? load<f32>(p + <usize>(<isize>c * sn)) : 0);
      dst += 32;
    }
  }
}

/**
 * C[4x8 tile at c, row stride ldc bytes] (=|+=) packed A panel x packed B panel over kc. A partial
 * tile (mr x nr) goes through the scratch tile at `tile`.
 */
function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, mr: i32, nr: i32, first: bool, tile: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const full = mr === MR && nr === NR;
  const t = full ? c : tile;
  const lt: usize = full ? ldc : 32;
  if (full && !first) {
    v128.store(t, f32x4.add(v128.load(t), c00));
    v128.store(t, f32x4.add(v128.load(t, 16), c01), 16);
    v128.store(t + lt, f32x4.add(v128.load(t + lt), c10));
    v128.store(t + lt, f32x4.add(v128.load(t + lt, 16), c11), 16);
    v128.store(t + 2 * lt, f32x4.add(v128.load(t + 2 * lt), c20));
    v128.store(t + 2 * lt, f32x4.add(v128.load(t + 2 * lt, 16), c21), 16);
    v128.store(t + 3 * lt, f32x4.add(v128.load(t + 3 * lt), c30));
    v128.store(t + 3 * lt, f32x4.add(v128.load(t + 3 * lt, 16), c31), 16);
    return;
  }
  v128.store(t, c00);
  v128.store(t, c01, 16);
  v128.store(t + lt, c10);
  v128.store(t + lt, c11, 16);
  v128.store(t + 2 * lt, c20);
  v128.store(t + 2 * lt, c21, 16);
  v128.store(t + 3 * lt, c30);
  v128.store(t + 3 * lt, c31, 16);
  if (full) return;
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(tile + ((<usize>(r * NR + j)) << 2));
      const at = c + <usize>r * ldc + ((<usize>j) << 2);
      store<f32>(at, first ? v : load<f32>(at) + v);
    }
  }
}

/**
 * In place over an mc x nc block of C: C = act(C + bias[j]); act 0 none, 1 relu, 2 tanh, 3 sigmoid,
 * 4 gelu; sbias in bytes. Computed in f64, rounded once; without an activation or with relu, an
 * f32 SIMD pass gives the same bits (a sum of two f32 rounded via f64 is the f32 sum, and relu
 * commutes with rounding).
 */
function epilogue(c: usize, ldc: usize, mc: i32, nc: i32, bias: usize, sbias: isize, act: i32): void {
  const simd = act <= 1 && (bias === 0 || sbias === 4);
  const zero = f32x4.splat(0);
  for (let i = 0; i < mc; i++) {
    const row = c + <usize>i * ldc;
    let j = 0;
    if (simd) {
      for (; j + 4 <= nc; j += 4) {
        const at = row + ((<usize>j) << 2);
        let v = v128.load(at);
        if (bias !== 0) v = f32x4.add(v, v128.load(bias + ((<usize>j) << 2)));
        if (act === 1) v = v128.bitselect(v, zero, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)));
        v128.store(at, v);
      }
    }
    for (; j < nc; j++) {
      const at = row + ((<usize>j) << 2);
      let a = <f64>load<f32>(at);
      if (bias !== 0) a += <f64>load<f32>(bias + <usize>(<isize>j * sbias));
      if (act === 1) a = a > 0 || a !== a ? a : 0;
      else if (act === 2) a = tanh(a);
      else if (act === 3) a = 1 / (1 + Math.exp(-a));
      else if (act === 4) a = 0.5 * a * (1 + erf(a * Math.SQRT1_2));
      store<f32>(at, <f32>a);
    }
  }
}

/**
 * C[i0:i1, j0:j1] = A[i0:i1, :] @ B[:, j0:j1] (then act(. + bias) when bias or act is given).
 * Strides in elements; C has row stride ldc. work: WORK_BYTES of this thread's scratch.
 */
export function gemm(
  A: usize,
  sam: i32,
  sak: i32,
  B: usize,
  sbk: i32,
  sbn: i32,
  C: usize,
  ldc: i32,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  K: i32,
  work: usize,
  bias: usize,
  sbias: i32,
  act: i32,
): void {
  const sm: isize = (<isize>sam) << 2;
  const sk: isize = (<isize>sak) << 2;
  const bk: isize = (<isize>sbk) << 2;
  const bn: isize = (<isize>sbn) << 2;
  const lc: usize = (<usize>ldc) << 2;
  const bs: isize = (<isize>sbias) << 2;
  const pa = work;
  const pb = work + MC * KC * 4;
  const tile = pb + KC * NC * 4;
  const epi = bias !== 0 || act !== 0;
  if (K === 0) {
    for (let i = i0; i < i1; i++) memory.fill(C + <usize>i * lc + ((<usize>j0) << 2), 0, (<usize>(j1 - j0)) << 2);
    if (epi)
      epilogue(C + <usize>i0 * lc + ((<usize>j0) << 2), lc, i1 - i0, j1 - j0, bias === 0 ? 0 : bias + <usize>(<isize>j0 * bs), bs, act);
    return;
  }
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB(B + <usize>(<isize>pc * bk + <isize>jc * bn), bk, bn, kc, nc, pb);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA(A + <usize>(<isize>ic * sm + <isize>pc * sk), sm, sk, mc, kc, pa);
        const cb = C + <usize>ic * lc + ((<usize>jc) << 2);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = pb + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            micro(pa + <usize>(ir * kc) * 4, bp, kc, cb + <usize>ir * lc + ((<usize>jr) << 2), lc, min(MR, mc - ir), nr, pc === 0, tile);
          }
        }
        if (epi && pc + kc >= K) epilogue(cb, lc, mc, nc, bias === 0 ? 0 : bias + <usize>(<isize>jc * bs), bs, act);
      }
    }
  }
}

/** Batches [b0, b1) of out[b] = a[b] @ b[b] (M x N each, contiguous out); strides in elements. */
export function bgemm(
  A: usize,
  sab: i32,
  sam: i32,
  sak: i32,
  B: usize,
  sbb: i32,
  sbk: i32,
  sbn: i32,
  C: usize,
  M: i32,
  N: i32,
  K: i32,
  b0: i32,
  b1: i32,
  work: usize,
): void {
  for (let b = b0; b < b1; b++) {
    const a = A + <usize>(<isize>b * sab * 4);
    const bb = B + <usize>(<isize>b * sbb * 4);
    gemm(a, sam, sak, bb, sbk, sbn, C + <usize>(b * M * N) * 4, N, 0, M, 0, N, K, work, 0, 0, 0);
  }
}

/** int32 products with exact wrapping: batches [b0, b1), out contiguous. */
export function bgemmI32(
  A: usize,
  sab: i32,
  sam: i32,
  sak: i32,
  B: usize,
  sbb: i32,
  sbk: i32,
  sbn: i32,
  C: usize,
  M: i32,
  N: i32,
  K: i32,
  b0: i32,
  b1: i32,
): void {
  for (let b = b0; b < b1; b++) {
    const a = A + <usize>(<isize>b * sab * 4);
    const bb = B + <usize>(<isize>b * sbb * 4);
    let o = C + <usize>(b * M * N) * 4;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s: i32 = 0;
        let pa = a + <usize>(<isize>i * sam * 4);
        let pb = bb + <usize>(<isize>j * sbn * 4);
        for (let k = 0; k < K; k++) {
          s += load<i32>(pa) * load<i32>(pb);
          pa += <usize>(<isize>sak * 4);
          pb += <usize>(<isize>sbk * 4);
        }
        store<i32>(o, s);
        o += 4;
      }
    }
  }
}

/** int32 fused linear's epilogue over C[M x N] (contiguous): act(C + bias) in f64, wrapped to int32. */
export function epilogueI32(C: usize, M: i32, N: i32, bias: usize, sbias: i32, act: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const at = C + ((<usize>(i * N + j)) << 2);
      let a = <f64>load<i32>(at);
      if (bias !== 0) a += <f64>load<i32>(bias + <usize>(<isize>j * sbias * 4));
      if (act === 1) a = a > 0 || a !== a ? a : 0;
      else if (act === 2) a = tanh(a);
      else if (act === 3) a = 1 / (1 + Math.exp(-a));
      else if (act === 4) a = 0.5 * a * (1 + erf(a * Math.SQRT1_2));
      store<i32>(at, toInt32(a));
    }
  }
}
