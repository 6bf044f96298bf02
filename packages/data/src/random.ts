/**
 * A private Philox-4x32-10 stream for seeded data work (shuffles, splits, synthetic sets). It uses
 * the same key derivation and draw rules as @nn/tensor's global generator, so `new PhiloxStream(s)`
 * produces exactly what `manualSeed(s)` followed by the same ops would, but without touching (or
 * depending on) the global generator's state.
 */
import { getRngState, randperm, setRngState, ValueRangeError } from '@nn/tensor';
import { fillRandom, permutationFromBits, seedKey } from '@nn/tensor/backend';

export function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueRangeError(`${op}: seed must be a non-negative safe integer, got ${String(seed)}`);
  }
  return seed;
}

export class PhiloxStream {
  readonly key: [number, number];
  /** The next unused block. */
  counter: number;

  constructor(seed: number, counter = 0) {
    this.key = seedKey(seed);
    this.counter = counter;
  }

  /** n uniform uint32 words (as int32 bits). */
  bits(n: number): Int32Array {
    const out = new Int32Array(n);
    fillRandom('bits', this.key, this.counter, out);
    this.counter += Math.ceil(n / 4);
    return out;
  }

  /** n floats uniform on [0, 1) (24-bit resolution, like `rand`). */
  uniform(n: number): Float64Array {
    const out = new Float64Array(n);
    fillRandom('uniform', this.key, this.counter, out);
    this.counter += Math.ceil(n / 4);
    return out;
  }

  /** n standard normal floats (Box-Muller, like `randn`). */
  normal(n: number): Float64Array {
    const out = new Float64Array(n);
    fillRandom('normal', this.key, this.counter, out);
    this.counter += Math.ceil(n / 2);
    return out;
  }

  /** A random permutation of 0..n-1: the same Fisher-Yates-on-Philox as `randperm`. */
  permutation(n: number): Int32Array {
    return permutationFromBits(this.bits(n));
  }
}

/** A permutation from the global generator (`randperm` on the cpu backend, so `manualSeed` controls it). */
export function globalPermutation(n: number): Int32Array {
  const t = randperm(n, { backend: 'cpu' });
  try {
    return t.dataSync() as Int32Array;
  } finally {
    t.dispose();
  }
}

/** A stream seeded by `seed`, or (without a seed) by a seed drawn from the global generator. */
export function streamFor(op: string, seed: number | undefined): PhiloxStream {
  if (seed !== undefined) return new PhiloxStream(checkSeed(op, seed));
  // Two words from the global stream (advancing it like any random op), so manualSeed controls it.
  const state = getRngState();
  const w = new Int32Array(2);
  fillRandom('bits', state.key, state.counter, w);
  setRngState({ key: state.key, counter: state.counter + 1 });
  const [hi = 0, lo = 0] = w;
  return new PhiloxStream((hi >>> 0) * 2097152 + ((lo >>> 0) >>> 11));
}
