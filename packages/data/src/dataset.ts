/** Datasets: the Dataset interface, TensorDataset, Subset, ConcatDataset and randomSplit. */
import { NNError, ShapeError, type Tensor, ValueRangeError, isTensor } from '@nn/tensor';
import { globalPermutation, PhiloxStream, checkSeed } from './random.js';

/**
 * A map-style dataset, like `torch.utils.data.Dataset`: `length` samples, read by index.
 * `get` may be synchronous or return a Promise (files, network).
 *
 * Ownership: tensors inside a returned sample belong to the caller, who disposes them (the
 * DataLoader does so after collating them into a batch). A dataset that keeps its own tensors
 * therefore returns views of them (`t.detach()`, a row of a larger tensor), never the tensor it keeps.
 */
export interface Dataset<T> {
  /** Number of samples. */
  readonly length: number;
  /** The sample at `index` (0..length-1), or a promise of it; its tensors belong to the caller. */
  get(index: number): T | Promise<T>;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

export function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueRangeError(`${op}: index ${index} is out of range for a dataset of length ${length} (valid: 0 to ${length - 1})`);
  }
}

/** Row i of t (dim 0 removed) as a view sharing t's storage. */
function row(t: Tensor, i: number): Tensor {
  const n = t.narrow(0, i, 1);
  const r = n.squeeze(0);
  n.dispose();
  return r;
}

/**
 * Rows of tensors that share their first dimension, like `torch.utils.data.TensorDataset`:
 * `get(i)` returns `[x[i], y[i], ...]` as views (no copy). The dataset does not own the tensors it
 * wraps (dispose them yourself when done); with the default collate, DataLoader builds each batch
 * with one `indexSelect` per tensor.
 */
export class TensorDataset<Ts extends Tensor[] = Tensor[]> implements Dataset<Ts> {
  /** The tensors, sharing dim 0 (not owned: dispose them yourself). */
  readonly tensors: Ts;
  /** Size of dim 0. */
  readonly length: number;

  /** @param tensors tensors with the same size in dim 0 (features, labels, ...) */
  constructor(...tensors: Ts) {
    if (tensors.length === 0) throw new NNError('TensorDataset: needs at least one tensor');
    for (const [i, t] of tensors.entries()) {
      if (!isTensor(t)) throw new NNError(`TensorDataset: argument ${i} is not a Tensor`);
      t._check('TensorDataset');
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${i} is 0-d (shape []); every tensor needs a first (sample) dimension`);
    }
    const n = tensors[0]?.shape[0] ?? 0; // tensors is non-empty and none is 0-d (checked above)
    if (tensors.some((t) => t.shape[0] !== n)) {
      throw new ShapeError(
        `TensorDataset: all tensors must have the same size in dim 0 (the sample dim), got shapes ${tensors.map((t) => fmt(t.shape)).join(', ')}`,
      );
    }
    this.tensors = tensors;
    this.length = n;
  }

  /** Row `index` of every tensor (views, no copy). */
  get(index: number): Ts {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => row(t, index)) as Ts;
  }
}

function toIndexArray(op: string, indices: ArrayLike<number>, bound: number | null): Int32Array {
  const out = new Int32Array(indices.length);
  for (const [i, v] of Array.from(indices).entries()) {
    if (!Number.isInteger(v) || v < 0 || (bound !== null && v >= bound)) {
      throw new ValueRangeError(
        `${op}: indices[${i}] = ${v} is out of range for a dataset of length ${bound} (valid: 0 to ${bound === null ? '...' : bound - 1})`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** The samples of `dataset` at `indices`, in that order (like `torch.utils.data.Subset`). */
export class Subset<T> implements Dataset<T> {
  /** The positions in `dataset` this subset consists of. */
  readonly indices: Int32Array;
  constructor(
    /** The underlying dataset. */
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number> | Tensor,
  ) {
    let idx: ArrayLike<number>;
    if (isTensor(indices)) {
      if (indices.ndim !== 1) throw new ShapeError(`Subset: indices must be 1-D, got shape ${fmt(indices.shape)}`);
      idx = indices.dataSync();
    } else idx = indices;
    this.indices = toIndexArray('Subset', idx, dataset.length);
  }
  /** Number of indices. */
  get length(): number {
    return this.indices.length;
  }
  /** Sample `indices[index]` of the underlying dataset. */
  get(index: number): T | Promise<T> {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]!); // index checked above
  }
}

/** Datasets one after another (like `torch.utils.data.ConcatDataset`). */
export class ConcatDataset<T> implements Dataset<T> {
  /** The datasets, in order. */
  readonly datasets: readonly Dataset<T>[];
  /** Running totals of their lengths (PyTorch's cumulative_sizes). */
  readonly cumulativeSizes: readonly number[];
  /** @param datasets the datasets to chain, in order */
  constructor(datasets: readonly Dataset<T>[]) {
    if (datasets.length === 0) throw new NNError('ConcatDataset: needs at least one dataset');
    this.datasets = [...datasets];
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
  }
  /** Sum of the lengths. */
  get length(): number {
    return this.cumulativeSizes.at(-1) ?? 0; // never empty: the constructor needs a dataset
  }
  /** Sample `index` of the chained datasets. */
  get(index: number): T | Promise<T> {
    checkIndex('ConcatDataset.get', index, this.length);
    // The first dataset whose running total passes index (index < length: checked above).
    const d = this.cumulativeSizes.findIndex((end) => index < end);
    const start = d === 0 ? 0 : this.cumulativeSizes[d - 1]!;
    return this.datasets[d]!.get(index - start);
  }
}

/**
 * Split sizes for `randomSplit`, exactly as PyTorch computes them: fractions (summing to 1 within
 * 1e-6) become floor(n * f) each, and the remainder is added one by one, round-robin from the
 * first split; otherwise the values are lengths that must sum to n.
 */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0)
    throw new ValueRangeError('randomSplit: lengths must be a non-empty array of fractions or lengths');
  for (const [i, v] of lengths.entries()) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ValueRangeError(`randomSplit: lengths[${i}] = ${String(v)} must be a non-negative number`);
    }
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-6 && lengths.every((f) => f <= 1)) {
    const floors = lengths.map((f) => Math.floor(n * f));
    const remainder = n - floors.reduce((a, b) => a + b, 0);
    // The remainder handed out one by one, round-robin from the first split.
    const k = floors.length;
    return floors.map((size, i) => size + Math.floor(remainder / k) + (i < remainder % k ? 1 : 0));
  }
  if (lengths.every(Number.isInteger)) {
    if (total !== n) {
      throw new ValueRangeError(`randomSplit: lengths [${lengths.join(', ')}] sum to ${total}, but the dataset has ${n} samples`);
    }
    return [...lengths];
  }
  throw new ValueRangeError(
    `randomSplit: [${lengths.join(', ')}] are neither fractions summing to 1 (they sum to ${total}) nor integer lengths summing to ${n}`,
  );
}

export interface RandomSplitOptions {
  /** Seeds a private Philox stream: reproducible and independent of the global generator. Without it, the global generator is used (`manualSeed` controls it). */
  seed?: number;
}

/**
 * Randomly splits a dataset into non-overlapping Subsets, like `torch.utils.data.random_split`:
 * `randomSplit(ds, [0.8, 0.2], { seed: 0 })` or `randomSplit(ds, [800, 200], { seed: 0 })`.
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const n = dataset.length;
  const sizes = splitLengths(n, lengths);
  const perm = options.seed === undefined ? globalPermutation(n) : new PhiloxStream(checkSeed('randomSplit', options.seed)).permutation(n);
  const out: Subset<T>[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(new Subset(dataset, perm.subarray(at, at + size)));
    at += size;
  }
  return out;
}
