/** fill, iota and random (Philox-4x32-10, bit-exact with packages/tensor/src/rng.ts). */
import type { RandomKind } from '@nn/tensor/backend';
import type { Runtime } from '../runtime.js';
import { mathPrelude } from '../wgsl/math.js';
import { convert, dtypeBits, ENTRY_ARGS, f32bits, GROUP_INDEX, type GView, paramBlock, pw, sizeOf, storageType } from './common.js';

const WG = 256;
const SMALL_FILL = 1024;

/** Sets every element of the contiguous out to the dtype's word for value. */
export function fill(rt: Runtime, out: GView, value: number): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  // Small fills of buffers no recorded work uses (the scalars of `x + 2`) are uploads, not dispatches.
  if (n <= SMALL_FILL && !rt.pending(out.buffer)) {
    const words = new Uint32Array(n).fill(dtypeBits(out.dtype, value));
    rt.write(out.buffer, words, n * 4, out.offset * 4);
    return;
  }
  const kernel = rt.kernel(
    'fill',
    1,
    () => `${paramBlock(3)}
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  O[${pw(1)} + i] = ${pw(2)};
}`,
  );
  rt.dispatch(kernel, [out.buffer], [n, out.offset, dtypeBits(out.dtype, value)], Math.ceil(n / WG));
}

/**
 * out[i] = start + i * step. int32 (and integer-valued float32 runs that stay below 2^24)
 * compute exactly in i32; other float32 runs compute start + f32(i) * step in float32.
 */
export function iota(rt: Runtime, out: GView, start: number, step: number): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const last = start + (n - 1) * step;
  const exactInt =
    Number.isInteger(start) &&
    Number.isInteger(step) &&
    (out.dtype !== 'float32' || (Math.abs(start) <= 2 ** 24 && Math.abs(last) <= 2 ** 24));
  const t = exactInt ? 'i32' : 'f32';
  const outT = storageType(out.dtype);
  const value =
    t === 'i32' ? `bitcast<i32>(${pw(2)}) + i32(i) * bitcast<i32>(${pw(3)})` : `bitcast<f32>(${pw(2)}) + f32(i) * bitcast<f32>(${pw(3)})`;
  const kernel = rt.kernel(
    `iota|${t}|${outT}`,
    1,
    () => `${paramBlock(4)}
@group(0) @binding(1) var<storage, read_write> O: array<${outT}>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  O[${pw(1)} + i] = ${convert(value, t, outT)};
}`,
  );
  const words = t === 'i32' ? [n, out.offset, start | 0, step | 0] : [n, out.offset, f32bits(start), f32bits(step)];
  rt.dispatch(kernel, [out.buffer], words, Math.ceil(n / WG));
}

// mulhilo via 16-bit halves (WGSL has no 64-bit integers); then the ten Philox rounds.
const PHILOX = `fn nn_mulhilo(a: u32, b: u32) -> vec2<u32> {
  let aL = a & 0xffffu; let aH = a >> 16u; let bL = b & 0xffffu; let bH = b >> 16u;
  let ll = aL * bL; let lh = aL * bH; let hl = aH * bL; let hh = aH * bH;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>((ll & 0xffffu) | (mid << 16u), hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u));
}
fn nn_philox(c: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var x = c;
  var k = key;
  for (var r = 0; r < 10; r = r + 1) {
    let p0 = nn_mulhilo(0xd2511f53u, x.x);
    let p1 = nn_mulhilo(0xcd9e8d57u, x.z);
    x = vec4<u32>(p1.y ^ x.y ^ k.x, p1.x, p0.y ^ x.w ^ k.y, p0.x);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return x;
}`;

/**
 * One thread per Philox block: element i uses block counter + floor(i / 4) (bits, uniform) or
 * counter + floor(i / 2) (normal, Box-Muller on words 0 and 1), as the reference does.
 */
export function random(rt: Runtime, kind: RandomKind, key: readonly [number, number], counter: number, out: GView): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const per = kind === 'normal' ? 2 : 4;
  const blocks = Math.ceil(n / per);
  const outT = storageType(out.dtype);
  let values: string;
  let valueT: 'f32' | 'i32';
  if (kind === 'bits') {
    valueT = 'i32';
    values = 'let v = array<i32, 4>(bitcast<i32>(w.x), bitcast<i32>(w.y), bitcast<i32>(w.z), bitcast<i32>(w.w));';
  } else if (kind === 'uniform') {
    valueT = 'f32';
    values = 'let v = array<f32, 4>(f32(w.x >> 8u), f32(w.y >> 8u), f32(w.z >> 8u), f32(w.w >> 8u));';
  } else {
    valueT = 'f32';
    // u1 in (0, 1], u2 in [0, 1); the angle is reduced to [-pi, pi) exactly before cos/sin.
    values = `let u1 = f32((w.x >> 8u) + 1u) * 5.9604644775390625e-8;
  let u2 = f32(w.y >> 8u) * 5.9604644775390625e-8;
  let r = sqrt(-2.0 * nn_log(u1));
  let th = 6.283185307179586 * (u2 - select(0.0, 1.0, u2 >= 0.5));
  let v = array<f32, 2>(r * nn_cos(th), r * nn_sin(th));`;
  }
  const scale = kind === 'uniform' ? ' * 5.9604644775390625e-8' : '';
  const stores = Array.from(
    { length: per },
    (_, j) => `if (e + ${j}u < n) { O[${pw(1)} + e + ${j}u] = ${convert(`v[${j}]${scale}`, valueT, outT)}; }`,
  ).join('\n  ');
  const main = `@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let blk = ${GROUP_INDEX} * ${WG}u + lid;
  let n = ${pw(0)};
  let e = blk * ${per}u;
  if (e >= n) { return; }
  let lo = ${pw(2)} + blk;
  let hi = ${pw(3)} + select(0u, 1u, lo < blk);
  let w = nn_philox(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>(${pw(4)}, ${pw(5)}));
  ${values}
  ${stores}
}`;
  const kernel = rt.kernel(
    `random|${kind}|${outT}`,
    2,
    () => `${paramBlock(6)}
@group(0) @binding(1) var<storage, read_write> O: array<${outT}>;
${PHILOX}
${kind === 'normal' ? mathPrelude(main) : ''}
${main}`,
  );
  const lo = counter % 4294967296;
  const hi = Math.floor(counter / 4294967296);
  rt.dispatch(kernel, [out.buffer], [n, out.offset, lo >>> 0, hi >>> 0, key[0] >>> 0, key[1] >>> 0], Math.ceil(blocks / WG));
}
