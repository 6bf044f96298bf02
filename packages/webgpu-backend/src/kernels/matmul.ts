/**
 * Batched matrix products with shared-memory tiling, and the fused linear routine.
 *
 * A workgroup of 16x16 threads computes a 64x64 tile of out; each thread a 4x4 register block
 * (rows ty*4.., columns tx*4..), accumulating with vec4 FMAs over K in steps of 16. Tiles of A
 * (64x16) and B (16x64) go through workgroup memory, stored as vec4 along M and N so the inner
 * loop reads one vec4 of A and one of B per k.
 *
 * Operands are strided views (transposes, broadcast batches with stride 0, offsets) read in place:
 * the load of each tile is generated per layout class, using vec4 loads along the operand's
 * contiguous dimension when it is aligned (stride 1, extent and other strides multiples of 4),
 * scalar loads otherwise. out is stored with vec4 stores when N is a multiple of 4. Batches run
 * on the z dimension of the grid. The fused variant adds a bias and applies an activation before
 * the store (linear: x @ w^T reads w transposed through its strides, no copy).
 */
import { BackendError } from '@nn/tensor';
import type { FusedActivation } from '@nn/tensor/backend';
import type { Runtime } from '../runtime.js';
import { MAX_GROUPS } from '../runtime.js';
import { mathPrelude } from '../wgsl/math.js';
import { WGSL_ACTIVATION } from '../wgsl/ops.js';
import { ENTRY_ARGS, GROUP_INDEX, type GView, paramBlock, pw, storageType } from './common.js';
import type { CompiledChain } from './fused.js';

type AMode = 'k4' | 'm4' | 's';
type BMode = 'n4' | 'k4' | 's';

interface Variant {
  t: 'f32' | 'i32';
  a: AMode;
  b: BMode;
  o4: boolean;
  act: FusedActivation;
  epi: Epilogue | null;
}

/**
 * Elementwise ops fused after the bias and activation (../fusion.ts): `chain` (compiled with its
 * words from EPILOGUE_WORD_BASE and bindings from EPILOGUE_BINDING_BASE) runs on each output
 * element, given the element's flat index m * N + n and value; only for products of one batch.
 */
export interface Epilogue {
  readonly chain: CompiledChain;
  /** Whether the product itself is stored (false when only the chain reads it). */
  readonly storeOut: boolean;
}
export const EPILOGUE_WORD_BASE = 16;
export const EPILOGUE_BINDING_BASE = 5;

/** When to use the tiled kernel: 'auto' (large products), 'always' or 'never' (tests, benchmarks). */
export type Tiling = 'auto' | 'always' | 'never';

// Parameter words: M N K z0 | aoff sab sam sak | boff sbb sbk sbn | ooff biasOff biasStride flags
// flags: bit 0 bias present, bit 1 A's scalar tile load walks k fastest, bit 2 the same for B.
const WORDS = 16;

function aligned(...v: number[]): boolean {
  return v.every((x) => x % 4 === 0);
}

const PARAMS = `let M = ${pw(0)}; let N = ${pw(1)}; let K = ${pw(2)};
  let sam = ${pw(6)}; let sak = ${pw(7)}; let sbk = ${pw(10)}; let sbn = ${pw(11)};
  let flags = ${pw(15)};`;

/** The epilogue function nn_epi(value, column): bias (when flag bit 0) and activation. */
function epilogue(T: 'f32' | 'i32', act: FusedActivation): string {
  // int32 activations compute in float32 and truncate back, as the cpu backend's stores do.
  const fn = act === 'none' ? 'a' : T === 'f32' ? WGSL_ACTIVATION[act] : act === 'relu' ? 'max(a, 0)' : `nn_f2i(nn_act_f(f32(a)))`;
  const helper = T === 'i32' && act !== 'none' && act !== 'relu' ? `fn nn_act_f(a: f32) -> f32 { return ${WGSL_ACTIVATION[act]}; }\n` : '';
  return `${helper}fn nn_epi(v: ${T}, n: u32) -> ${T} {
  var a = v;
  if ((${pw(15)} & 1u) != 0u) { a = a + Bias[${pw(13)} + n * ${pw(14)}]; }
  return ${fn};
}`;
}

function bindings(T: string, aElem: string, bElem: string, oElem: string, epi: Epilogue | null): string {
  return [
    paramBlock(WORDS + (epi?.chain.words.length ?? 0)),
    `@group(0) @binding(1) var<storage, read> A: array<${aElem}>;`,
    `@group(0) @binding(2) var<storage, read> B: array<${bElem}>;`,
    `@group(0) @binding(3) var<storage, read> Bias: array<${T}>;`,
    `@group(0) @binding(4) var<storage, read_write> O: array<${oElem}>;`,
    ...(epi !== null ? [epi.chain.code()] : []),
  ].join('\n');
}

/** Statements that finish element (m, n) (flat index `i`) of value `r`: the epilogue chain, then the store. */
function finish(epi: Epilogue | null, i: string, r: string, store: string): string {
  if (epi === null) return store;
  return `nn_chain(${i}, bitcast<u32>(${r}));${epi.storeOut ? ` ${store}` : ''}`;
}

/** One thread per output element, any strides: compiles in milliseconds (small products). */
function simpleSource(T: 'f32' | 'i32', act: FusedActivation, epi: Epilogue | null): string {
  const zero = T === 'f32' ? '0.0' : '0';
  const main = `${epilogue(T, act)}
@compute @workgroup_size(64)
fn main(${ENTRY_ARGS}) {
  ${PARAMS}
  let i = ${GROUP_INDEX} * 64u + lid;
  let mn = M * N;
  let total = mn * ${pw(3)};
  if (i >= total) { return; }
  let bi = i / mn;
  let m = (i % mn) / N;
  let n = i % N;
  var pa = ${pw(4)} + bi * ${pw(5)} + m * sam;
  var pb = ${pw(8)} + bi * ${pw(9)} + n * sbn;
  var acc: ${T} = ${zero};
  for (var k = 0u; k < K; k = k + 1u) {
    acc = acc + A[pa] * B[pb];
    pa = pa + sak;
    pb = pb + sbk;
  }
  let r = nn_epi(acc, n);
  ${finish(epi, 'i', 'r', `O[${pw(12)} + i] = r;`)}
}`;
  const code = `${bindings(T, T, T, T, epi)}\n${main}`;
  return `${code}\n${mathPrelude(code)}`;
}

function source(v: Variant): string {
  const T = v.t;
  const V = `vec4<${T}>`;
  const zero = T === 'f32' ? '0.0' : '0';
  const aElem = v.a === 's' ? T : V;
  const bElem = v.b === 's' ? T : V;
  // Component writes into the vec4-along-M / vec4-along-N shared tiles.
  const setA = (kk: string, row: string, val: string) => `As[(${kk}) * 16u + ((${row}) >> 2u)][(${row}) & 3u] = ${val};`;
  const setB = (kk: string, col: string, val: string) => `Bs[(${kk}) * 16u + ((${col}) >> 2u)][(${col}) & 3u] = ${val};`;
  let loadA: string;
  switch (v.a) {
    case 'k4':
      loadA = `{ let row = t >> 2u; let kq = (t & 3u) * 4u; let m = m0 + row; let k = k0 + kq;
      var a = ${V}();
      if (m < M && k < K) { a = A[(abase + m * sam + k) >> 2u]; }
      ${[0, 1, 2, 3].map((j) => setA(`kq + ${j}u`, 'row', `a[${j}]`)).join(' ')} }`;
      break;
    case 'm4':
      loadA = `{ let kk = t >> 4u; let m = m0 + (t & 15u) * 4u; let k = k0 + kk;
      var a = ${V}();
      if (m < M && k < K) { a = A[(abase + m + k * sak) >> 2u]; }
      As[kk * 16u + (t & 15u)] = a; }`;
      break;
    case 's':
      // Consecutive threads walk A's contiguous dim (k or m, chosen by flag bit 1).
      loadA = `for (var j = 0u; j < 4u; j = j + 1u) { let e = t + j * 256u;
      let kFast = (flags & 2u) != 0u;
      let row = select(e & 63u, e >> 4u, kFast); let kk = select(e >> 6u, e & 15u, kFast);
      let m = m0 + row; let k = k0 + kk;
      var a: ${T} = ${zero};
      if (m < M && k < K) { a = A[abase + m * sam + k * sak]; }
      ${setA('kk', 'row', 'a')} }`;
  }
  let loadB: string;
  switch (v.b) {
    case 'n4':
      loadB = `{ let kk = t >> 4u; let n = n0 + (t & 15u) * 4u; let k = k0 + kk;
      var b = ${V}();
      if (n < N && k < K) { b = B[(bbase + k * sbk + n) >> 2u]; }
      Bs[kk * 16u + (t & 15u)] = b; }`;
      break;
    case 'k4':
      loadB = `{ let col = t >> 2u; let kq = (t & 3u) * 4u; let n = n0 + col; let k = k0 + kq;
      var b = ${V}();
      if (n < N && k < K) { b = B[(bbase + n * sbn + k) >> 2u]; }
      ${[0, 1, 2, 3].map((j) => setB(`kq + ${j}u`, 'col', `b[${j}]`)).join(' ')} }`;
      break;
    case 's':
      loadB = `for (var j = 0u; j < 4u; j = j + 1u) { let e = t + j * 256u;
      let kFast = (flags & 4u) != 0u;
      let col = select(e & 63u, e >> 4u, kFast); let kk = select(e >> 6u, e & 15u, kFast);
      let n = n0 + col; let k = k0 + kk;
      var b: ${T} = ${zero};
      if (n < N && k < K) { b = B[bbase + k * sbk + n * sbn]; }
      ${setB('kk', 'col', 'b')} }`;
  }
  const chainCalls = v.epi === null ? '' : [0, 1, 2, 3].map((c) => `nn_chain(m * N + n + ${c}u, bitcast<u32>(r[${c}]));`).join(' ');
  const store = v.o4
    ? `if (n < N) {
        var r = acc[i];
        r[0] = nn_epi(r[0], n); r[1] = nn_epi(r[1], n + 1u); r[2] = nn_epi(r[2], n + 2u); r[3] = nn_epi(r[3], n + 3u);
        ${chainCalls}
        ${v.epi === null || v.epi.storeOut ? 'O[(obase + m * N + n) >> 2u] = r;' : ''}
      }`
    : `for (var c = 0u; c < 4u; c = c + 1u) {
        if (n + c < N) { let r = nn_epi(acc[i][c], n + c); ${finish(v.epi, 'm * N + n + c', 'r', 'O[obase + m * N + n + c] = r;')} }
      }`;
  const main = `var<workgroup> As: array<${V}, 256>;
var<workgroup> Bs: array<${V}, 256>;
${epilogue(T, v.act)}
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  ${PARAMS}
  let bi = wid.z + ${pw(3)};
  let abase = ${pw(4)} + bi * ${pw(5)};
  let bbase = ${pw(8)} + bi * ${pw(9)};
  let obase = ${pw(12)} + bi * M * N;
  let m0 = wid.y * 64u; let n0 = wid.x * 64u;
  let tx = l.x; let ty = l.y;
  var acc: array<${V}, 4>;
  for (var k0 = 0u; k0 < K; k0 = k0 + 16u) {
    ${loadA}
    ${loadB}
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk = kk + 1u) {
      let a = As[kk * 16u + ty];
      let b = Bs[kk * 16u + tx];
      acc[0] = acc[0] + a.x * b;
      acc[1] = acc[1] + a.y * b;
      acc[2] = acc[2] + a.z * b;
      acc[3] = acc[3] + a.w * b;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let m = m0 + ty * 4u + i;
    let n = n0 + tx * 4u;
    if (m < M) {
      ${store}
    }
  }
}`;
  const code = `${bindings(T, aElem, bElem, v.o4 ? V : T, v.epi)}\n${main}`;
  return `${code}\n${mathPrelude(code)}`;
}

/**
 * out[bi] = act(a[bi] @ b[bi] + bias) for a [batch, M, K], b [batch, K, N] (any strides) and a
 * contiguous out [batch, M, N] (at out.offset).
 */
function run(
  rt: Runtime,
  a: GView,
  b: GView,
  out: GView,
  bias: GView | null,
  act: FusedActivation,
  tiling: Tiling,
  epi: Epilogue | null,
): void {
  let batch = a.shape[0];
  let M = a.shape[1];
  const K = a.shape[2];
  const N = b.shape[2];
  if (batch === 0 || M === 0 || N === 0) return;
  let [sab, sam, sak] = a.strides;
  const [sbb, sbk, sbn] = b.strides;
  // A shared B with batches that stack into rows of A is one taller product.
  if (batch > 1 && sbb === 0 && sab === M * sam) {
    M *= batch;
    batch = 1;
  }
  if (batch === 1) sab = 0;
  else if (epi !== null) throw new BackendError('webgpu matmul: an epilogue needs a product of one batch (a bug in fusion.ts)');
  const sbb2 = batch === 1 ? 0 : sbb;
  const t = storageType(out.dtype);
  if (t === 'u32') throw new BackendError('webgpu matmul: bool operands are not supported');
  const flags = (bias !== null ? 1 : 0) | (sak === 1 ? 2 : 0) | (sbk === 1 ? 4 : 0);
  const biasBuf = bias?.buffer ?? rt.dummy;
  // Tiled for products big enough to fill 64x64 tiles; one thread per output below that (and a
  // pipeline that compiles ~100x faster on software Vulkan).
  const tiled = tiling === 'always' || (tiling === 'auto' && M >= 16 && N >= 16 && M * N * K > 64 * 64 * 64);
  const buffers = [a.buffer, b.buffer, biasBuf, out.buffer, ...(epi?.chain.buffers ?? [])];
  const epiWords = epi?.chain.words ?? [];
  const epiKey = epi === null ? '' : `|${epi.storeOut ? 'o' : '-'}|${epi.chain.key}`;
  const vec4s = Math.ceil((WORDS + epiWords.length) / 4);
  if (!tiled) {
    const kernel = rt.kernel(`matmul-simple|${t}|${act}${epiKey}`, vec4s, () => simpleSource(t, act, epi));
    const words = [
      M,
      N,
      K,
      batch,
      a.offset,
      sab,
      sam,
      sak,
      b.offset,
      sbb2,
      sbk,
      sbn,
      out.offset,
      bias?.offset ?? 0,
      bias?.strides[0] ?? 0,
      flags,
      ...epiWords,
    ];
    rt.dispatch(kernel, buffers, words, Math.ceil((batch * M * N) / 64));
    return;
  }
  const aMode: AMode =
    sak === 1 && K % 4 === 0 && aligned(a.offset, sam, sab) ? 'k4' : sam === 1 && M % 4 === 0 && aligned(a.offset, sak, sab) ? 'm4' : 's';
  const bMode: BMode =
    sbn === 1 && N % 4 === 0 && aligned(b.offset, sbk, sbb2) ? 'n4' : sbk === 1 && K % 4 === 0 && aligned(b.offset, sbn, sbb2) ? 'k4' : 's';
  const v: Variant = { t, a: aMode, b: bMode, o4: N % 4 === 0 && out.offset % 4 === 0, act, epi };
  const key = `matmul|${t}|${v.a}|${v.b}|${v.o4 ? 4 : 1}|${act}${epiKey}`;
  const kernel = rt.kernel(key, vec4s, () => source(v));
  const tilesN = Math.ceil(N / 64);
  const tilesM = Math.ceil(M / 64);
  if (tilesN > MAX_GROUPS || tilesM > MAX_GROUPS)
    throw new BackendError(`webgpu matmul: [${M}, ${K}] @ [${K}, ${N}] exceeds the grid limits`);
  for (let z0 = 0; z0 < batch; z0 += MAX_GROUPS) {
    const words = [
      M,
      N,
      K,
      z0,
      a.offset,
      sab,
      sam,
      sak,
      b.offset,
      sbb2,
      sbk,
      sbn,
      out.offset,
      bias?.offset ?? 0,
      bias?.strides[0] ?? 0,
      flags,
      ...epiWords,
    ];
    rt.dispatch(kernel, buffers, words, tilesN, tilesM, Math.min(MAX_GROUPS, batch - z0));
  }
}

export function matmul(rt: Runtime, a: GView, b: GView, out: GView, tiling: Tiling = 'auto', epi: Epilogue | null = null): void {
  run(rt, a, b, out, null, 'none', tiling, epi);
}

/** dst [N, M] (contiguous at dst.offset) = (a @ b)^T = b^T @ a^T for a [1, M, K], b [1, K, N]: strides swapped, no copy. */
export function matmulTransposed(rt: Runtime, a: GView, b: GView, dst: GView, tiling: Tiling = 'auto'): void {
  const [, M, K] = a.shape;
  const N = b.shape[2];
  const bt: GView = { buffer: b.buffer, dtype: b.dtype, offset: b.offset, shape: [1, N, K], strides: [0, b.strides[2], b.strides[1]] };
  const at: GView = { buffer: a.buffer, dtype: a.dtype, offset: a.offset, shape: [1, K, M], strides: [0, a.strides[2], a.strides[1]] };
  const o: GView = { buffer: dst.buffer, dtype: a.dtype, offset: dst.offset, shape: [1, N, M], strides: [N * M, M, 1] };
  run(rt, bt, at, o, null, 'none', tiling, null);
}

/** The errors a product would raise when recorded, raised now (fusion.ts records it later). */
export function checkMatmul(out: GView, M: number, N: number): void {
  if (storageType(out.dtype) === 'u32') throw new BackendError('webgpu matmul: bool operands are not supported');
  if (Math.ceil(N / 64) > MAX_GROUPS || Math.ceil(M / 64) > MAX_GROUPS)
    throw new BackendError(`webgpu matmul: an output of ${M} x ${N} exceeds the grid limits`);
}

/** out[M, N] = act(x[M, K] @ w[N, K]^T + bias[N]): w^T is w with its strides swapped. */
export function linear(
  rt: Runtime,
  x: GView,
  w: GView,
  bias: GView | null,
  act: FusedActivation,
  out: GView,
  tiling: Tiling = 'auto',
  epi: Epilogue | null = null,
): void {
  const [M, K] = x.shape;
  const N = w.shape[0];
  // Views are built field by field: the frontend passes Tensors, whose `buffer` is a getter.
  const a: GView = { buffer: x.buffer, dtype: x.dtype, offset: x.offset, shape: [1, M, K], strides: [0, x.strides[0], x.strides[1]] };
  const b: GView = { buffer: w.buffer, dtype: w.dtype, offset: w.offset, shape: [1, K, N], strides: [0, w.strides[1], w.strides[0]] };
  const o: GView = { buffer: out.buffer, dtype: out.dtype, offset: out.offset, shape: [1, M, N], strides: [M * N, N, 1] };
  run(rt, a, b, o, bias, act, tiling, epi);
}
