/**
 * torch.multinomial over rows of (unnormalized) probabilities, reproducible with manualSeed and
 * identical on every backend: uniforms come from the global Philox stream on the host (as in
 * randperm: no readback), and the device work uses only ops that round alike everywhere
 * (multiply, add, compare, select, reduce, sort).
 *
 * - Without replacement, or one sample: PyTorch's exponential race. Category j gets the key
 *   p_j / q_j with q_j ~ Exp(1) (computed on the host as 1 / -log1p(-u)) and the numSamples
 *   largest keys win: a draw without replacement in proportion to p. Uses rows * categories
 *   uniforms.
 * - With replacement: inverse CDF. t = u * total; the sample is the first category with p > 0
 *   whose running sum exceeds t (categories with p = 0 can never be drawn, even when rounding
 *   makes the running sum dip). Uses rows * numSamples uniforms and compares every sample with
 *   every category (memory rows * numSamples * categories).
 * The streams differ from PyTorch's generator, so samples match PyTorch in distribution only.
 */
import { blocksUsed, fillRandom } from '../rng.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { backendOf, disposeAll } from './core.js';
import { arange, getRngState, readDataSync, setRngState, tensor } from './creation.js';
import { add, eq, ge, gt, lt, minimum, mul, where } from './elementwise.js';
import { reshape, slice, unsqueeze } from './movement.js';
import { max, min, sum } from './reduce.js';
import { cumsum } from './scan.js';
import { sortedPositions } from './sort.js';

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

const FLT_MAX = 3.4028234663852886e38;

/** `count` uniforms in [0, 1) from the global generator, advancing it as rand() would. */
function hostUniforms(count: number): Float32Array {
  const s = getRngState();
  const u = new Float32Array(count);
  fillRandom('uniform', s.key, s.counter, u);
  setRngState({ key: s.key, counter: s.counter + blocksUsed('uniform', count) });
  return u;
}

/**
 * Samples `numSamples` category indices (int32) per row of `probs` ([n] or [rows, n], float,
 * non-negative, not necessarily normalized): shape [numSamples] or [rows, numSamples].
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  const be = backendOf('multinomial', probs);
  const replacement = options.replacement ?? false;
  if (!isFloat(probs.dtype)) throw new DTypeError(`multinomial: probs must be floating point, got ${probs.dtype}`);
  if (probs.ndim !== 1 && probs.ndim !== 2) {
    throw new ShapeError(`multinomial: probs must be 1-D [categories] or 2-D [rows, categories], got shape ${fmtShape(probs.shape)}`);
  }
  if (!Number.isInteger(numSamples) || numSamples < 1) {
    throw new ValueRangeError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  }
  const n = probs.shape[probs.ndim - 1];
  if (n === 0 || n > 2 ** 24) throw new ValueRangeError(`multinomial: the number of categories must be 1 to 2^24, got ${n}`);
  if (!replacement && numSamples > n) {
    throw new ValueRangeError(
      `multinomial: cannot draw ${numSamples} samples without replacement from ${n} categories (pass { replacement: true })`,
    );
  }
  // Sampling is not differentiable: work on a detached view so nothing is recorded.
  const d = probs.detach();
  const p = probs.ndim === 1 ? reshape(d, [1, n]) : d;
  const rows = p.shape[0];
  try {
    checkRows(p, replacement ? 1 : numSamples, probs.ndim === 1);
    if (rows === 0) return tensor(new Int32Array(0), { backend: be.name, shape: probs.ndim === 1 ? [numSamples] : [0, numSamples] });
    const out = !replacement || numSamples === 1 ? race(p, numSamples) : inverseCdf(p, numSamples);
    if (probs.ndim === 2) return out;
    const flat = reshape(out, [numSamples]);
    out.dispose();
    return flat;
  } finally {
    if (p !== d) p.dispose();
    d.dispose();
  }
}

function race(p: Tensor, k: number): Tensor {
  const [rows, n] = p.shape;
  const u = hostUniforms(rows * n);
  const r = new Float32Array(u.length);
  // q = 0 (u = 0) is a valid Exp(1) draw: its category wins; FLT_MAX keeps 0 * r finite.
  for (let i = 0; i < u.length; i++) r[i] = Math.min(1 / -Math.log1p(-u[i]), FLT_MAX);
  const rt = tensor(r, { backend: p.backend.name, shape: [rows, n] });
  const pos = gt(p, 0);
  const raw = mul(p, rt);
  // Zero-probability categories rank below every positive one, even one whose key underflows.
  const keys = where(pos, raw, -1);
  const out = sortedPositions('multinomial', keys, 1, true, k);
  disposeAll([rt, pos, raw, keys]);
  return out;
}

function inverseCdf(p: Tensor, k: number): Tensor {
  const [rows, n] = p.shape;
  const be = p.backend.name;
  const ut = tensor(hostUniforms(rows * k), { backend: be, shape: [rows, k, 1] });
  const cdf = cumsum(p, 1);
  const total = slice(cdf, 1, n - 1, n); // [rows, 1]
  const total3 = unsqueeze(total, 2);
  const t = mul(ut, total3); // [rows, k, 1]
  const cdf3 = unsqueeze(cdf, 1); // [rows, 1, n]
  const pos = gt(p, 0);
  const pos3 = unsqueeze(pos, 1);
  const above = gt(cdf3, t); // [rows, k, n]
  const hit = where(pos3, above, false);
  const iota = arange(0, n, 1, { dtype: 'int32', backend: be });
  const cand = where(hit, iota, n);
  const first = min(cand, 2); // [rows, k]; n when rounding put t at or past the total
  const drawable = where(pos, iota, -1);
  const lastPos = max(drawable, 1, true); // [rows, 1]: the last drawable category
  const out = minimum(first, lastPos);
  disposeAll([ut, cdf, total, total3, t, cdf3, pos, pos3, above, hit, iota, cand, first, drawable, lastPos]);
  return out;
}

/**
 * Rejects rows with negative, infinite or NaN entries, no positive entry, or (without
 * replacement) fewer positive entries than samples. Backends with synchronous reads throw here;
 * others check on the device and throw at the next read, as index checks do.
 */
function checkRows(p: Tensor, needed: number, oneD: boolean): void {
  const n = p.shape[1];
  const nonNeg = ge(p, 0);
  const finite = lt(p, Number.POSITIVE_INFINITY);
  const ok = where(nonNeg, finite, false); // NaN fails ge
  const okCount = sum(ok, 1);
  const bad = lt(okCount, n);
  const posMask = gt(p, 0);
  const posCount = sum(posMask, 1);
  const none = eq(posCount, 0);
  const few = lt(posCount, needed);
  // 0 = fine, 1 = bad entry, 2 = all zero, 3 + count = too few positive entries.
  const countCode = add(posCount, 3);
  const tooFew = where(few, countCode, 0);
  const inner = where(none, 2, tooFew);
  const code = where(bad, 1, inner);
  const toDispose = [nonNeg, finite, ok, okCount, bad, posMask, posCount, none, few, countCode, tooFew, inner];
  const rowName = (i: number): string => (oneD ? 'probs' : `row ${i} of probs`);
  const error = (v: number, i: number): Error => {
    if (v === 1)
      return new ValueRangeError(
        `multinomial: ${rowName(i)} has a negative, infinite or NaN entry (probabilities must be finite and >= 0)`,
      );
    if (v === 2) return new ValueRangeError(`multinomial: ${rowName(i)} has no positive entry (the sum of probabilities must be > 0)`);
    return new ValueRangeError(
      `multinomial: ${rowName(i)} has ${v - 3} nonzero ${v === 4 ? 'probability' : 'probabilities'}, fewer than the ${needed} samples to draw without replacement`,
    );
  };
  disposeAll(toDispose);
  try {
    const be = p.backend;
    if (be.readSync === undefined) {
      be.checkIndices?.(code, 1, null, error);
      return;
    }
    const data = readDataSync(code);
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) throw error(data[i], i);
  } finally {
    code.dispose();
  }
}
