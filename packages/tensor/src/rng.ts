/**
 * Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
 * counter-based generator every backend implements identically. Bit-exact definition:
 *
 *   block(key = [k0, k1], j) = philox4x32_10(counter = [j mod 2^32, floor(j / 2^32), 0, 0], key)
 *   round: (lo0, hi0) = mulhilo(0xD2511F53, c0); (lo1, hi1) = mulhilo(0xCD9E8D57, c2)
 *          c = [hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0]; then k0 += 0x9E3779B9, k1 += 0xBB67AE85
 *   (ten rounds, the key bumped between rounds, not after the last)
 *
 * A random primitive with start counter `counter` fills element i as:
 *   'bits':    word (i mod 4) of block(counter + floor(i / 4)), as int32 (two's complement)
 *   'uniform': the same word w as float in [0, 1): (w >>> 8) * 2^-24 (exact in float32)
 *   'normal':  Box-Muller on block(counter + floor(i / 2)) with words w0, w1:
 *              u1 = ((w0 >>> 8) + 1) * 2^-24 in (0, 1], u2 = (w1 >>> 8) * 2^-24,
 *              r = sqrt(-2 ln u1); even i -> r cos(2 pi u2), odd i -> r sin(2 pi u2)
 * and the generator then advances its counter by the number of blocks used:
 * ceil(n / 4) for bits and uniform, ceil(n / 2) for normal.
 */
import type { RandomKind } from './backend/contract.js';
import type { DataArray } from './dtype.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** (hi, lo) of the 64-bit product of two uint32, written into `res` as uint32. */
function mulhilo(a: number, b: number, res: Uint32Array, at: number): void {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const hh = aHi * bHi;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  res[at] = (ll & 0xffff) | (mid << 16); // lo
  res[at + 1] = hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16); // hi (wraps mod 2^32 on store)
}

const scratch = new Uint32Array(4);

/** One Philox-4x32-10 block, written into out[0..3] as uint32. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    mulhilo(M0, c0 >>> 0, scratch, 0);
    mulhilo(M1, c2 >>> 0, scratch, 2);
    const lo0 = scratch[0];
    const hi0 = scratch[1];
    const lo1 = scratch[2];
    const hi1 = scratch[3];
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

const TWO_POW_32 = 4294967296;
const INV_2_24 = 1 / 16777216;

/** Reference implementation of the `random` primitive over a typed array. */
export function fillRandom(kind: RandomKind, key: readonly [number, number], counter: number, out: DataArray): void {
  const block = new Uint32Array(4);
  const n = out.length;
  const [k0, k1] = key;
  if (kind === 'normal') {
    for (let i = 0; i < n; i += 2) {
      const j = counter + i / 2;
      philox4x32(j % TWO_POW_32, Math.floor(j / TWO_POW_32), 0, 0, k0, k1, block);
      const u1 = ((block[0] >>> 8) + 1) * INV_2_24;
      const u2 = (block[1] >>> 8) * INV_2_24;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      out[i] = r * Math.cos(theta);
      if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
    }
    return;
  }
  for (let i = 0; i < n; i += 4) {
    const j = counter + i / 4;
    philox4x32(j % TWO_POW_32, Math.floor(j / TWO_POW_32), 0, 0, k0, k1, block);
    for (let w = 0; w < 4 && i + w < n; w++) {
      out[i + w] = kind === 'bits' ? block[w] | 0 : (block[w] >>> 8) * INV_2_24;
    }
  }
}

/** Blocks a random primitive of n elements consumes. */
export function blocksUsed(kind: RandomKind, n: number): number {
  return kind === 'normal' ? Math.ceil(n / 2) : Math.ceil(n / 4);
}

/** The Philox key for a seed, as manualSeed uses it: [low 32 bits, high 32 bits]. */
export function seedKey(seed: number): [number, number] {
  return [(seed % TWO_POW_32) >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

/** A permutation of 0..n-1 by Fisher-Yates driven by n random words (randperm's definition). */
export function permutationFromBits(bits: ArrayLike<number>): Int32Array {
  const n = bits.length;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = (bits[i] >>> 0) % (i + 1);
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}
