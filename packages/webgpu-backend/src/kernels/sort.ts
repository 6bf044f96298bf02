/**
 * argsort: a bitonic sort per line of (key, position) pairs, padded to a power of two P.
 *
 * Keys become u32 whose unsigned order is the contract's order (floats by their bits, so no
 * denormal flushing or NaN comparison rules get in the way: -0 maps to +0, NaN above +inf), and
 * ties break by position, so the order is total and the result equals a stable sort. Padding
 * positions (>= n) sort after everything.
 *
 * Lines of up to 512 pairs sort in one dispatch in workgroup memory (load from x, sort, write
 * out), one segment of 512 pairs per workgroup, holding as many whole lines as fit. Longer lines
 * pre-sort segments of 512 that way into scratch buffers, then for each merge
 * size k2 > 512 run one dispatch per compare distance >= 512 over global memory, and finish
 * distances below 512 in workgroup memory again (the last one writing out): about
 * (log2(P / 512))^2 / 2 dispatches, 37 for P = 65536.
 */
import type { Runtime } from '../runtime.js';
import { ENTRY_ARGS, GROUP_INDEX, type GView, paramBlock, pw, sizeOf, storageType, vec4sFor } from './common.js';

const WG = 256;
/** Pairs per workgroup block: 512 keys and positions take 4 KiB of workgroup memory. */
const BLOCK = 512;

/** WGSL: the ordered u32 key of a value of the storage type. */
function orderedKey(t: 'f32' | 'i32' | 'u32'): string {
  if (t === 'u32') return 'fn okey(x: u32) -> u32 { return x; }';
  if (t === 'i32') return 'fn okey(x: i32) -> u32 { return bitcast<u32>(x) ^ 0x80000000u; }';
  return `fn okey(x: f32) -> u32 {
  var b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }
  if (b == 0x80000000u) { b = 0u; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}`;
}

/**
 * WGSL: whether pair a sorts before pair b (n and the descending flag from the parameters).
 * The comparisons are parenthesized: WGSL parses `a < b, c > d` as a template list.
 */
const BEFORE = `fn before(ka: u32, ia: u32, kb: u32, ib: u32) -> bool {
  if (ia >= ${pw(3)} || ib >= ${pw(3)}) { return ia < ib; }
  if (ka == kb) { return ia < ib; }
  return select((ka < kb), (ka > kb), ${pw(12)} == 1u);
}`;

/** WGSL statements setting xb/ob: the offsets of line `line` in x and out (dims other than the axis). */
function lineBase(rank: number): string {
  const lines = ['var rem = line;', `var xb = ${pw(8)};`, `var ob = ${pw(10)};`];
  for (let d = rank - 1; d >= 0; d--) {
    const at = HEAD + d;
    lines.push(`{ let c = rem % ${pw(at)}; rem = rem / ${pw(at)}; xb = xb + c * ${pw(at + rank)}; ob = ob + c * ${pw(at + 2 * rank)}; }`);
  }
  return lines.join('\n      ');
}

interface Plan {
  x: GView;
  out: GView;
  axis: number;
  descending: boolean;
  n: number;
  k: number;
  lines: number;
  P: number;
  /** Shape of the dims other than the axis, x's and out's strides over them. */
  rest: number[];
  xs: number[];
  os: number[];
}

// Parameter words: 0 segments or pairs, 1 P, 2 lines * P, 3 n, 4 kLo, 5 kHi (k2 for a global
// stage), 6 j2, 7 k, 8 x offset, 9 x axis stride, 10 out offset, 11 out axis stride,
// 12 descending, then the rest shape, x strides and out strides.
const HEAD = 13;

function words(p: Plan, first: number, kLo: number, kHi: number, j2: number): number[] {
  const { x, out, axis } = p;
  return [
    first,
    p.P,
    p.lines * p.P,
    p.n,
    kLo,
    kHi,
    j2,
    p.k,
    x.offset,
    x.strides[axis],
    out.offset,
    out.strides[axis],
    p.descending ? 1 : 0,
    ...p.rest,
    ...p.xs,
    ...p.os,
  ];
}

type Buffer = GView['buffer'];

/**
 * Sorts segments of BLOCK pairs in workgroup memory (several whole lines when P < BLOCK, part of
 * one otherwise): merge sizes kLo..kHi, compare distances below BLOCK. Reads x or the scratch
 * pairs, writes out or the scratch pairs.
 */
function local(rt: Runtime, p: Plan, scratch: [Buffer, Buffer] | null, fromX: boolean, toOut: boolean, kLo: number, kHi: number): void {
  const r = p.rest.length;
  const t = storageType(p.x.dtype);
  const segments = Math.ceil((p.lines * p.P) / BLOCK);
  const w = words(p, segments, kLo, kHi, 0);
  const decls: string[] = [];
  const buffers: Buffer[] = [];
  const bind = (name: string, access: string, type: string, buffer: Buffer): void => {
    decls.push(`@group(0) @binding(${buffers.length + 1}) var<storage, ${access}> ${name}: array<${type}>;`);
    buffers.push(buffer);
  };
  if (fromX) bind('X', 'read', t, p.x.buffer);
  if (!fromX || !toOut) {
    bind('K', 'read_write', 'u32', scratch![0]);
    bind('I', 'read_write', 'u32', scratch![1]);
  }
  if (toOut) bind('O', 'read_write', 'i32', p.out.buffer);
  const load = fromX
    ? `SI[t] = pos; if (pos < ${pw(3)}) { SK[t] = okey(X[xb + pos * ${pw(9)}]); } else { SK[t] = 0u; }`
    : 'SK[t] = K[g]; SI[t] = I[g];';
  const store = toOut ? `if (pos < ${pw(7)}) { O[ob + pos * ${pw(11)}] = i32(SI[t]); }` : 'K[g] = SK[t]; I[g] = SI[t];';
  const key = `argsort|local|${r}|${t}|${fromX}|${toOut}`;
  const kernel = rt.kernel(
    key,
    vec4sFor(w.length),
    () => `${paramBlock(w.length)}
${decls.join('\n')}
var<workgroup> SK: array<u32, ${BLOCK}>;
var<workgroup> SI: array<u32, ${BLOCK}>;
${fromX ? orderedKey(t) : ''}
${BEFORE}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let seg = ${GROUP_INDEX};
  if (seg >= ${pw(0)}) { return; }
  let len = ${pw(1)};
  for (var t = lid; t < ${BLOCK}u; t = t + ${WG}u) {
    let g = seg * ${BLOCK}u + t;
    if (g < ${pw(2)}) {
      let line = g / len;
      let pos = g % len;
      ${lineBase(r)}
      ${load}
    } else {
      SK[t] = 0xffffffffu;
      SI[t] = 0xffffffffu;
    }
  }
  workgroupBarrier();
  let span = min(len, ${BLOCK}u);
  for (var k2 = ${pw(4)}; k2 <= ${pw(5)}; k2 = k2 * 2u) {
    for (var j2 = min(k2 / 2u, span / 2u); j2 > 0u; j2 = j2 / 2u) {
      let i = 2u * j2 * (lid / j2) + lid % j2;
      let l = i + j2;
      let ka = SK[i]; let ia = SI[i]; let kb = SK[l]; let ib = SI[l];
      let up = (((seg * ${BLOCK}u + i) % len) & k2) == 0u;
      if (select(before(ka, ia, kb, ib), before(kb, ib, ka, ia), up)) {
        SK[i] = kb; SI[i] = ib; SK[l] = ka; SI[l] = ia;
      }
      workgroupBarrier();
    }
  }
  for (var t = lid; t < ${BLOCK}u; t = t + ${WG}u) {
    let g = seg * ${BLOCK}u + t;
    if (g < ${pw(2)}) {
      let line = g / len;
      let pos = g % len;
      ${lineBase(r)}
      ${store}
    }
  }
}`,
  );
  rt.dispatch(kernel, buffers, w, segments);
}

/** One compare-exchange stage (merge size k2, distance j2) over the scratch pairs in global memory. */
function stage(rt: Runtime, p: Plan, scratch: [Buffer, Buffer], k2: number, j2: number): void {
  const pairs = (p.lines * p.P) / 2;
  const w = words(p, pairs, 0, k2, j2);
  const kernel = rt.kernel(
    `argsort|stage|${p.rest.length}`,
    vec4sFor(w.length),
    () => `${paramBlock(w.length)}
@group(0) @binding(1) var<storage, read_write> K: array<u32>;
@group(0) @binding(2) var<storage, read_write> I: array<u32>;
${BEFORE}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let g = ${GROUP_INDEX} * ${WG}u + lid;
  if (g >= ${pw(0)}) { return; }
  let half = ${pw(1)} / 2u;
  let k2 = ${pw(5)};
  let j2 = ${pw(6)};
  let q = g % half;
  let i = 2u * j2 * (q / j2) + q % j2;
  let a = (g / half) * ${pw(1)} + i;
  let b = a + j2;
  let ka = K[a]; let ia = I[a]; let kb = K[b]; let ib = I[b];
  if (select(before(ka, ia, kb, ib), before(kb, ib, ka, ia), (i & k2) == 0u)) {
    K[a] = kb; I[a] = ib; K[b] = ka; I[b] = ia;
  }
}`,
  );
  rt.dispatch(kernel, scratch, w, Math.ceil(pairs / WG));
}

/** Backend.argsort: out (int32) gets the first out.shape[axis] positions of each sorted line. */
export function argsort(rt: Runtime, x: GView, axis: number, descending: boolean, out: GView): void {
  if (sizeOf(out.shape) === 0) return;
  const n = x.shape[axis];
  const others = x.shape.map((_, d) => d).filter((d) => d !== axis);
  let P = 1;
  while (P < n) P *= 2;
  const p: Plan = {
    x,
    out,
    axis,
    descending,
    n,
    k: out.shape[axis],
    lines: sizeOf(others.map((d) => x.shape[d])),
    P,
    rest: others.map((d) => x.shape[d]),
    xs: others.map((d) => x.strides[d]),
    os: others.map((d) => out.strides[d]),
  };
  if (P <= BLOCK) {
    local(rt, p, null, true, true, 2, P);
    return;
  }
  const bytes = p.lines * P * 4;
  const scratch: [Buffer, Buffer] = [rt.alloc(bytes), rt.alloc(bytes)];
  local(rt, p, scratch, true, false, 2, BLOCK);
  for (let k2 = 2 * BLOCK; k2 <= P; k2 *= 2) {
    for (let j2 = k2 / 2; j2 >= BLOCK; j2 /= 2) stage(rt, p, scratch, k2, j2);
    local(rt, p, scratch, false, k2 === P, k2, k2);
  }
  rt.free(scratch[0]);
  rt.free(scratch[1]);
}
