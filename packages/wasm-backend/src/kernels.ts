/** The kernels' exports (assembly/index.ts) as the JS side sees them, and their id tables. */
import { BINARY_OPS, type FusedActivation, type RandomKind, type ReduceOp, UNARY_OPS } from '@nn/tensor/backend';
import { type DType, DTypeError } from '@nn/tensor';
import { MAP1_IDS, MAP2_IDS, MAP3_IDS } from './kernel-ids.gen.js';
import { DTYPES, TYPE_NAMES, typeCode } from './layout.js';

/** Pointers and sizes are numbers (i32 in wasm); pointers are byte addresses. */
export interface Kernels {
  heapBase(): number;
  gemmWorkBytes(): number;
  ew1(fid: number, d: number, lo: number, hi: number): void;
  ew2(fid: number, d: number, lo: number, hi: number): void;
  ew3(fid: number, d: number, lo: number, hi: number): void;
  flat1(fid: number, x: number, sx: number, o: number, so: number, n: number): void;
  flat2(fid: number, a: number, sa: number, b: number, sb: number, o: number, so: number, n: number): void;
  transpose32(x: number, xs: number, o: number, os: number, cols: number, r0: number, r1: number): void;
  reduce(fid: number, d: number, lo: number, hi: number, scratch: number): void;
  gemm(
    A: number,
    sam: number,
    sak: number,
    B: number,
    sbk: number,
    sbn: number,
    C: number,
    ldc: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    K: number,
    work: number,
    bias: number,
    sbias: number,
    act: number,
  ): void;
  bgemm(
    A: number,
    sab: number,
    sam: number,
    sak: number,
    B: number,
    sbb: number,
    sbk: number,
    sbn: number,
    C: number,
    M: number,
    N: number,
    K: number,
    b0: number,
    b1: number,
    work: number,
  ): void;
  bgemmI32(
    A: number,
    sab: number,
    sam: number,
    sak: number,
    B: number,
    sbb: number,
    sbk: number,
    sbn: number,
    C: number,
    M: number,
    N: number,
    K: number,
    b0: number,
    b1: number,
  ): void;
  epilogueI32(C: number, M: number, N: number, bias: number, sbias: number, act: number): void;
  gather(d: number, lo: number, hi: number): void;
  scatterAdd(d: number, r0: number, r1: number): void;
  fill(p: number, n: number, t: number, value: number): void;
  iota(p: number, n: number, t: number, start: number, step: number): void;
  random(p: number, lo: number, hi: number, t: number, kind: number, k0: number, k1: number, counter: number): void;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    vm: number,
    lo: number,
    hi: number,
    flags: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    wd: number,
    dec: number,
    ns: number,
    bc: number,
    eps: number,
  ): void;
  sgd(p: number, g: number, b: number, lo: number, hi: number, flags: number, wd: number, mom: number, damp: number, negLr: number): void;
  linearGrad(
    g: number,
    y: number,
    ga: number,
    dbias: number,
    M: number,
    N: number,
    lo: number,
    hi: number,
    act: number,
    scratch: number,
  ): void;
  crossEntropyRows(x: number, t: number, logSum: number, rows: number, C: number, lo: number, hi: number, ignore: number): void;
  crossEntropyTotal(t: number, rows: number, N: number, ignore: number, mean: number, out: number): void;
  crossEntropyGrad(
    x: number,
    t: number,
    logSum: number,
    g: number,
    perRow: number,
    gx: number,
    N: number,
    C: number,
    lo: number,
    hi: number,
    ignore: number,
    mean: number,
  ): void;
  poolArgmax(
    x: number,
    sn: number,
    sc: number,
    sh: number,
    sw: number,
    C: number,
    W: number,
    OH: number,
    OW: number,
    kh: number,
    kw: number,
    s0: number,
    s1: number,
    d0: number,
    d1: number,
    out: number,
    p0: number,
    p1: number,
  ): void;
}

/** Smallest calls worth splitting across threads (elements, or multiply-adds for matmul). */
export interface SplitThresholds {
  /** Elements from which an elementwise call is split across threads. */
  elementwise: number;
  /** Elements from which an exp/log/tanh-like call is split. */
  transcendental: number;
  /** Multiply-adds from which a matmul is split. */
  matmul: number;
}

export const DEFAULT_THRESHOLDS: SplitThresholds = { elementwise: 1 << 17, transcendental: 1 << 13, matmul: 1 << 22 };

export const ACT_CODES: Readonly<Record<FusedActivation, number>> = { none: 0, relu: 1, tanh: 2, sigmoid: 3, gelu: 4 };
export const REDUCE_CODES: Readonly<Record<ReduceOp, number>> = { sum: 0, prod: 1, max: 2, min: 3, argmax: 4, argmin: 5 };
export const RANDOM_CODES: Readonly<Record<RandomKind, number>> = { uniform: 0, normal: 1, bits: 2 };
/** Unary ops computed with scalar f64 math (worth threads at smaller sizes). */
export const TRANSCENDENTAL = new Set<string>(['exp', 'expm1', 'log', 'log1p', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf']);

/** Kernel ids by op for each element type (f32, i32, u8); undefined where unsupported. */
function idTable(table: Readonly<Record<string, number>>, ops: readonly string[]): Record<string, number | undefined>[] {
  return TYPE_NAMES.map((t) => Object.fromEntries(ops.map((op) => [op, table[`${op}:${t}`]])));
}

export const UNARY_IDS = idTable(MAP1_IDS, UNARY_OPS);
export const BINARY_IDS = idTable(MAP2_IDS, BINARY_OPS);
/** cast ids by source type * 3 + destination type. */
export const CAST_IDS = TYPE_NAMES.flatMap((s) => TYPE_NAMES.map((d) => MAP1_IDS[`cast:${s}:${d}`]));
export const COPY_4 = MAP1_IDS['copy:4'];
export const COPY_1 = MAP1_IDS['copy:1'];
export const WHERE_4 = MAP3_IDS['where:4'];
export const WHERE_1 = MAP3_IDS['where:1'];

/** The kernel id of `kind op` on `dtype` from UNARY_IDS or BINARY_IDS; a DTypeError if there is none. */
export function opId(kind: 'unary' | 'binary', ids: readonly Record<string, number | undefined>[], op: string, dtype: DType): number {
  const id = ids[typeCode(dtype)][op];
  if (id !== undefined) return id;
  const ok = DTYPES.filter((_, t) => ids[t][op] !== undefined);
  throw new DTypeError(`wasm backend: ${kind} ${op} does not take ${dtype} (it takes ${ok.join(', ') || 'no dtype'})`);
}
