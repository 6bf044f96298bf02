/**
 * Seeded synthetic datasets (for the Playground, examples and tests). Each returns `{ x, y }` with
 * x float32 [n, d] and y int32 [n] class labels (float32 targets for regression); wrap them with
 * `new TensorDataset(x, y)`. The same seed gives the same data on every backend and run; without a
 * seed the data is drawn from the global generator (`manualSeed` controls it). Samples are shuffled
 * (classes interleaved) unless `shuffle: false`.
 */
import { type Tensor, ValueRangeError, tensor } from '@nn/tensor';
import { type PhiloxStream, streamFor } from './random.js';

/** Options every synthetic dataset takes. */
export interface SyntheticOptions {
  /** Number of samples. */
  n: number;
  /** Std of the Gaussian noise (each generator documents where it is added). */
  noise?: number;
  /** Seed of a private Philox stream (default: drawn from the global generator). */
  seed?: number;
  /** Shuffle the samples (default true); false keeps them grouped by class. */
  shuffle?: boolean;
}

/** A synthetic dataset: features and targets. */
export interface SyntheticData {
  /** Features, float32 `[n, d]`. */
  x: Tensor;
  /** Targets: int32 class labels `[n]`, or float32 values for regression. */
  y: Tensor;
}

/** Array.isArray without narrowing readonly arrays to any[]. */
const isList = (v: unknown): boolean => Array.isArray(v);

function checkN(op: string, n: unknown, min = 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min)
    throw new ValueRangeError(`${op}: n must be an integer >= ${min}, got ${String(n)}`);
  return n;
}

function checkNonNeg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ValueRangeError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
  return v;
}

/** Size of class c for n samples over k classes: floor(n / k) each, the first n mod k one more. */
function classSize(n: number, k: number, c: number): number {
  return Math.floor(n / k) + (c < n % k ? 1 : 0);
}

/**
 * Writes point i of a 2-D set: (x, y) plus `noise` times the point's two normal draws, rounded to
 * float32 once. xs and eps hold two numbers per point, and i is below the number of points.
 */
function setPoint(xs: Float32Array, eps: Float64Array, noise: number, i: number, x: number, y: number): void {
  xs[2 * i] = x + noise * eps[2 * i]!;
  xs[2 * i + 1] = y + noise * eps[2 * i + 1]!;
}

/** Packs [n, d] points and labels into tensors, optionally shuffling rows with the stream. */
function finish(xs: Float32Array, ys: Int32Array, d: number, rng: PhiloxStream, shuffle: boolean): SyntheticData {
  const n = ys.length;
  if (shuffle) {
    const perm = rng.permutation(n);
    const px = new Float32Array(xs.length);
    const py = new Int32Array(n);
    // perm is a permutation of 0..n-1 (indexed loops: typed arrays' entries() iterate slowly).
    for (let i = 0; i < n; i++) {
      const j = perm[i]!;
      py[i] = ys[j]!;
      for (let k = 0; k < d; k++) px[i * d + k] = xs[j * d + k]!;
    }
    xs = px;
    ys = py;
  }
  return { x: tensor(xs, { shape: [n, d] }), y: tensor(ys) };
}

/** Options of {@link makeRegression}. */
export interface RegressionOptions {
  /** Number of samples. */
  n: number;
  /** True weights: [d] (y has shape [n, 1]) or [d][k] (y has shape [n, k]). */
  weights: readonly number[] | readonly (readonly number[])[];
  /** Added to every output (a number, or one per output). Default 0. */
  bias?: number | readonly number[];
  /** Std of Gaussian noise added to y (default 0). */
  noise?: number;
  /** Seed of a private generator (default: the global one). */
  seed?: number;
  /** Draw x uniformly from [low, high] instead of the standard normal. */
  xRange?: readonly [number, number];
}

/**
 * Linear regression data: x [n, d] ~ N(0, 1) (or uniform on xRange), y = x W + bias + noise * N(0, 1),
 * float32, y of shape [n, 1] for 1-D weights (so it matches a Linear(d, 1) output) or [n, k].
 */
export function makeRegression(options: RegressionOptions): SyntheticData {
  const op = 'makeRegression';
  const n = checkN(op, options.n);
  const w = options.weights;
  if (!Array.isArray(w) || w.length === 0) throw new ValueRangeError(`${op}: weights must be a non-empty array ([d] or [d][k])`);
  const matrix = Array.isArray(w[0]);
  const d = w.length;
  const k = matrix ? (w[0] as readonly number[]).length : 1;
  const W = new Float64Array(d * k);
  for (let i = 0; i < d; i++) {
    const row = matrix ? w[i] : [w[i]];
    if (!Array.isArray(row) || row.length !== k)
      throw new ValueRangeError(
        `${op}: weights must be rectangular; row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${k}`,
      );
    for (let j = 0; j < k; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ValueRangeError(`${op}: weights must be finite numbers, got ${String(v)}`);
      W[i * k + j] = v;
    }
  }
  const bias = options.bias ?? 0;
  const b = typeof bias === 'number' ? new Array<number>(k).fill(bias) : [...bias];
  if (b.length !== k || b.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new ValueRangeError(`${op}: bias must be a finite number or an array of ${k} finite numbers`);
  }
  const noise = checkNonNeg(op, 'noise', options.noise ?? 0);
  const rng = streamFor(op, options.seed);
  let xs: Float32Array;
  if (options.xRange !== undefined) {
    const [lo, hi] = options.xRange;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi))
      throw new ValueRangeError(`${op}: xRange must be [low, high] with low <= high`);
    xs = Float32Array.from(rng.uniform(n * d), (u) => lo + (hi - lo) * u);
  } else xs = Float32Array.from(rng.normal(n * d));
  const eps = rng.normal(n * k);
  const ys = new Float32Array(n * k);
  // xs is [n, d], W [d, k], eps and ys [n, k], all row-major.
  for (let i = 0; i < n; i++) {
    for (const [j, bj] of b.entries()) {
      let acc = bj;
      for (let f = 0; f < d; f++) acc += xs[i * d + f]! * W[f * k + j]!;
      ys[i * k + j] = acc + noise * eps[i * k + j]!;
    }
  }
  return { x: tensor(xs, { shape: [n, d] }), y: tensor(ys, { shape: [n, k] }) };
}

/** Options of {@link makeGaussians}. */
export interface GaussiansOptions extends SyntheticOptions {
  /** One Gaussian blob per class (default two, at (-1,-1) and (1,1): a binary task). */
  centers?: readonly (readonly number[])[];
}

/** Gaussian blobs, class c around centers[c] with std `noise` (default 0.5): binary labels by default. */
export function makeGaussians(options: GaussiansOptions): SyntheticData {
  const op = 'makeGaussians';
  const centers: readonly (readonly number[])[] = options.centers ?? [
    [-1, -1],
    [1, 1],
  ];
  if (!isList(centers) || centers.length === 0) throw new ValueRangeError(`${op}: centers must be a non-empty array of points`);
  const d = centers[0]!.length; // centers is not empty (checked above)
  if (d === 0 || centers.some((c) => c.length !== d || c.some((v) => !Number.isFinite(v)))) {
    throw new ValueRangeError(`${op}: centers must all be finite points of the same dimension`);
  }
  const n = checkN(op, options.n, centers.length);
  const noise = checkNonNeg(op, 'noise', options.noise ?? 0.5);
  const rng = streamFor(op, options.seed);
  const eps = rng.normal(n * d);
  const xs = new Float32Array(n * d);
  const ys = new Int32Array(n);
  let i = 0;
  // Every center has d coordinates (checked above), and eps holds d draws per point.
  for (const [c, center] of centers.entries()) {
    const size = classSize(n, centers.length, c);
    for (let s = 0; s < size; s++, i++) {
      ys[i] = c;
      for (let k = 0; k < d; k++) xs[i * d + k] = center[k]! + noise * eps[i * d + k]!;
    }
  }
  return finish(xs, ys, d, rng, options.shuffle ?? true);
}

/**
 * XOR: four Gaussian clusters (std `noise`, default 0.2) at (1,1) and (-1,-1) (label 0) and
 * (1,-1) and (-1,1) (label 1): not linearly separable.
 */
export function makeXor(options: SyntheticOptions): SyntheticData {
  const op = 'makeXor';
  const n = checkN(op, options.n, 4);
  const noise = checkNonNeg(op, 'noise', options.noise ?? 0.2);
  const corners = [
    [1, 1, 0],
    [-1, -1, 0],
    [1, -1, 1],
    [-1, 1, 1],
  ] as const;
  const rng = streamFor(op, options.seed);
  const eps = rng.normal(n * 2);
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  let i = 0;
  for (const [c, [cx, cy, label]] of corners.entries()) {
    const size = classSize(n, corners.length, c);
    for (let s = 0; s < size; s++, i++) {
      setPoint(xs, eps, noise, i, cx, cy);
      ys[i] = label;
    }
  }
  return finish(xs, ys, 2, rng, options.shuffle ?? true);
}

/** Options of {@link makeCircles}. */
export interface CirclesOptions extends SyntheticOptions {
  /** Inner radius relative to the outer (radius 1) circle, in (0, 1); default 0.5. */
  factor?: number;
}

/**
 * Two concentric circles, like scikit-learn's make_circles: outer (radius 1, label 0, floor(n/2)
 * points) and inner (radius `factor`, label 1), uniform random angles, Gaussian noise of std `noise`
 * (default 0.05) on each coordinate.
 */
export function makeCircles(options: CirclesOptions): SyntheticData {
  const op = 'makeCircles';
  const n = checkN(op, options.n, 2);
  const noise = checkNonNeg(op, 'noise', options.noise ?? 0.05);
  const factor = options.factor ?? 0.5;
  if (!(factor > 0 && factor < 1)) throw new ValueRangeError(`${op}: factor must be in (0, 1), got ${factor}`);
  const rng = streamFor(op, options.seed);
  const angle = rng.uniform(n);
  const eps = rng.normal(n * 2);
  const nOut = Math.floor(n / 2);
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOut;
    const r = inner ? factor : 1;
    const t = 2 * Math.PI * angle[i]!; // one angle per point
    setPoint(xs, eps, noise, i, r * Math.cos(t), r * Math.sin(t));
    ys[i] = inner ? 1 : 0;
  }
  return finish(xs, ys, 2, rng, options.shuffle ?? true);
}

/** Options of {@link makeSpiral}. */
export interface SpiralOptions extends SyntheticOptions {
  /** Number of classes, one spiral arm each (default 2). */
  classes?: number;
  /** Revolutions each arm makes from the center to radius 1 (default 1). */
  turns?: number;
}

/**
 * Interleaved spirals: arm c (label c) starts at the center at angle 2 pi c / classes and winds
 * `turns` revolutions out to radius 1, points evenly spaced in radius, plus Gaussian noise of std
 * `noise` (default 0.1) on each coordinate.
 */
export function makeSpiral(options: SpiralOptions): SyntheticData {
  const op = 'makeSpiral';
  const classes = options.classes ?? 2;
  if (!Number.isInteger(classes) || classes < 1)
    throw new ValueRangeError(`${op}: classes must be a positive integer, got ${String(classes)}`);
  const n = checkN(op, options.n, classes);
  const noise = checkNonNeg(op, 'noise', options.noise ?? 0.1);
  const turns = checkNonNeg(op, 'turns', options.turns ?? 1);
  const rng = streamFor(op, options.seed);
  const eps = rng.normal(n * 2);
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < classes; c++) {
    const size = classSize(n, classes, c);
    for (let s = 0; s < size; s++, i++) {
      const r = size > 1 ? s / (size - 1) : 0;
      const t = (2 * Math.PI * c) / classes + 2 * Math.PI * turns * r;
      setPoint(xs, eps, noise, i, r * Math.cos(t), r * Math.sin(t));
      ys[i] = c;
    }
  }
  return finish(xs, ys, 2, rng, options.shuffle ?? true);
}

/** Two interleaving half circles, like scikit-learn's make_moons (noise default 0.1). */
export function makeMoons(options: SyntheticOptions): SyntheticData {
  const op = 'makeMoons';
  const n = checkN(op, options.n, 2);
  const noise = checkNonNeg(op, 'noise', options.noise ?? 0.1);
  const rng = streamFor(op, options.seed);
  const eps = rng.normal(n * 2);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOut;
    const m = inner ? nIn : nOut;
    const s = inner ? i - nOut : i;
    const t = m > 1 ? (Math.PI * s) / (m - 1) : 0;
    setPoint(xs, eps, noise, i, inner ? 1 - Math.cos(t) : Math.cos(t), inner ? 0.5 - Math.sin(t) : Math.sin(t));
    ys[i] = inner ? 1 : 0;
  }
  return finish(xs, ys, 2, rng, options.shuffle ?? true);
}
