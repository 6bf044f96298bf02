// Philox-4x32-10, bit for bit as @nn/tensor's rng.ts defines it (see there for the definition).
//   kind 0 'uniform': (w >>> 8) * 2^-24;  1 'normal': Box-Muller on block (counter + i / 2);
//   2 'bits': the word as int32. Output types: 0 f32, 1 i32, 2 u8 (value != 0).

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;
const INV_2_24: f64 = 1.0 / 16777216.0;

// The four output words of the last block (wasm globals: private to each instance/thread).
let w0: u32 = 0;
let w1: u32 = 0;
let w2: u32 = 0;
let w3: u32 = 0;

function philox(j: u64, k0: u32, k1: u32): void {
  let c0 = <u32>j;
  let c1 = <u32>(j >> 32);
  let c2: u32 = 0;
  let c3: u32 = 0;
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * <u64>c0;
    const p1 = M1 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += W0;
    k1 += W1;
  }
  w0 = c0;
  w1 = c1;
  w2 = c2;
  w3 = c3;
}

function put(p: usize, i: i32, t: i32, v: f64): void {
  if (t === 0) store<f32>(p + ((<usize>i) << 2), <f32>v);
  else if (t === 1) store<i32>(p + ((<usize>i) << 2), <i32>v);
  else store<u8>(p + <usize>i, v !== 0 ? 1 : 0);
}

function word(k: i32): u32 {
  return k === 0 ? w0 : k === 1 ? w1 : k === 2 ? w2 : w3;
}

/** Elements [lo, hi) of a random primitive of start block `counter` (lo even, and a multiple of 4 unless normal). */
export function random(p: usize, lo: i32, hi: i32, t: i32, kind: i32, k0: u32, k1: u32, counter: f64): void {
  const base = <u64>counter;
  if (kind === 1) {
    for (let i = lo; i < hi; i += 2) {
      philox(base + <u64>(i >> 1), k0, k1);
      const u1 = (<f64>(w0 >>> 8) + 1) * INV_2_24;
      const u2 = <f64>(w1 >>> 8) * INV_2_24;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      put(p, i, t, r * Math.cos(theta));
      if (i + 1 < hi) put(p, i + 1, t, r * Math.sin(theta));
    }
    return;
  }
  for (let i = lo; i < hi; i += 4) {
    philox(base + <u64>(i >> 2), k0, k1);
    for (let k = 0; k < 4 && i + k < hi; k++) {
      const w = word(k);
      put(p, i + k, t, kind === 2 ? <f64>(<i32>w) : <f64>(w >>> 8) * INV_2_24);
    }
  }
}
