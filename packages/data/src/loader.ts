/** DataLoader: batches of a Dataset, shuffled per epoch, collated, optionally prefetched. */
import { NNError, type Tensor, ValueRangeError, indexSelect, keep, tensor, tidy } from '@nn/tensor';
import { type Collated, defaultCollate, disposeBatch, forEachTensor, mapTensors } from './collate.js';
import { type Dataset, Subset, TensorDataset } from './dataset.js';
import { PhiloxStream, checkSeed, globalPermutation } from './random.js';

/** Options of {@link DataLoader} (torch.utils.data.DataLoader's, in camelCase). */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the sample order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Turns an array of samples into a batch (default: `defaultCollate`). Return tensors, arrays or plain objects. */
  collate?: (samples: T[]) => B;
  /**
   * Gives the loader its own Philox stream: epoch k's order depends only on the seed and k. Without
   * it, each epoch's order is drawn from the global generator with `randperm` (`manualSeed` controls it).
   */
  seed?: number;
  /**
   * Batches to read ahead while the consumer works on the current one (default 0; `true` = 1). This
   * overlaps the reads of an async dataset (files, network) with the training step; a synchronous
   * dataset gains nothing from it.
   */
  prefetch?: number | boolean;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

/** A TensorDataset under zero or more Subsets: the fast path indexes its tensors directly. */
function tensorSource(dataset: Dataset<unknown>): { base: TensorDataset; map: ((i: number) => number) | null } | null {
  const chain: Int32Array[] = [];
  let d: Dataset<unknown> = dataset;
  while (d instanceof Subset) {
    chain.push(d.indices);
    d = d.dataset;
  }
  if (!(d instanceof TensorDataset)) return null;
  if (chain.length === 0) return { base: d, map: null };
  return {
    base: d,
    map: (i: number) => {
      for (const idx of chain) i = idx[i]!; // each Subset's indices were checked against its dataset
      return i;
    },
  };
}

/**
 * Iterates a dataset in batches, like `torch.utils.data.DataLoader`:
 *
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for await (const [xb, yb] of loader) {
 *     // ... train on xb, yb ...
 *     xb.dispose(); yb.dispose(); // or disposeBatch(batch)
 *   }
 * }
 * ```
 *
 * Memory: every batch is made of fresh tensors owned by the consumer. They belong to the scope
 * (`scope` / `tidy`) that is active where the loop asks for the next batch, if any, and are freed
 * with it; otherwise dispose them (`disposeBatch(batch)`, `dispose()`, `using`). The loader frees
 * everything else it creates (sample tensors, indices), including read-ahead batches left over when
 * a loop exits early.
 */
export class DataLoader<T, B = Collated<T>> implements AsyncIterable<B> {
  /** The dataset batches are drawn from. */
  readonly dataset: Dataset<T>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** Whether a last incomplete batch is dropped. */
  readonly dropLast: boolean;
  /** Batches read ahead while you work on the current one. */
  readonly prefetch: number;
  /** Epochs started so far (each `for await` over the loader is one epoch). */
  epoch = 0;
  private readonly collateFn: ((samples: T[]) => B) | null;
  private readonly stream: PhiloxStream | null;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function') {
      throw new NNError('DataLoader: dataset must have a `length` and a `get(index)` method');
    }
    if (!Number.isInteger(dataset.length) || dataset.length < 0) {
      throw new ValueRangeError(`DataLoader: dataset.length must be a non-negative integer, got ${String(dataset.length)}`);
    }
    const { batchSize = 1, shuffle = false, dropLast = false, collate, seed, prefetch = 0 } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValueRangeError(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    const ahead = prefetch === true ? 1 : prefetch === false ? 0 : prefetch;
    if (!Number.isInteger(ahead) || ahead < 0)
      throw new ValueRangeError(`DataLoader: prefetch must be a non-negative integer or a boolean, got ${String(prefetch)}`);
    if (collate !== undefined && typeof collate !== 'function')
      throw new NNError('DataLoader: collate must be a function (samples) => batch');
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.prefetch = ahead;
    this.collateFn = collate ?? null;
    this.stream = seed === undefined ? null : new PhiloxStream(checkSeed('DataLoader', seed));
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of the next epoch (advances the generator when shuffling). */
  private order(): Int32Array | null {
    const n = this.dataset.length;
    if (!this.shuffle) return null;
    return this.stream !== null ? this.stream.permutation(n) : globalPermutation(n);
  }

  /** One epoch: `for await (const batch of loader)`. Each batch is fresh tensors you own. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    const order = this.order();
    this.epoch++;
    const total = this.length;
    const n = this.dataset.length;
    const bs = this.batchSize;
    const indicesOf = (b: number): Int32Array => {
      const start = b * bs;
      const end = Math.min(start + bs, n);
      if (order !== null) return order.subarray(start, end);
      const out = new Int32Array(end - start);
      for (let i = 0; i < out.length; i++) out[i] = start + i;
      return out;
    };
    const pending: Promise<B>[] = [];
    let started = 0;
    const start = (): void => {
      const p = this.build(indicesOf(started++));
      p.catch(() => {}); // surfaced when awaited; never an unhandled rejection after an early exit
      pending.push(p);
    };
    try {
      for (let b = 0; b < total; b++) {
        if (started <= b) start();
        const batch = await pending.shift()!;
        // Read ahead while the consumer works on this batch.
        while (started < total && started <= b + this.prefetch) start();
        yield adopt(batch);
      }
    } finally {
      for (const p of pending.splice(0)) {
        try {
          disposeBatch(await p);
        } catch {
          // the consumer already left; a failed read-ahead has nothing to free
        }
      }
    }
  }

  /** Builds one batch, as tensors outside every scope (adopted by the consumer's scope on yield). */
  private async build(indices: Int32Array): Promise<B> {
    const fast = this.collateFn === null ? tensorSource(this.dataset as Dataset<unknown>) : null;
    if (fast !== null) return keepAll(tidy(() => fastBatch(fast.base, fast.map, indices)) as B);
    const collate = this.collateFn ?? (defaultCollate as unknown as (s: T[]) => B);
    const first = tidy((): { batch: B } | { raw: (T | Promise<T>)[] } => {
      const raw = Array.from(indices, (i) => this.dataset.get(i));
      // Synchronous datasets: collate here, so tidy frees the samples and any temporaries of get().
      return raw.some(isThenable) ? { raw } : { batch: collate(raw as T[]) };
    });
    if ('batch' in first) return keepAll(first.batch);
    const raw = first.raw;
    // Asynchronous datasets: samples are owned by the loader once read; free them after collating.
    const settled = await Promise.allSettled(raw);
    const failed = settled.find((r) => r.status === 'rejected');
    const samples = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as T[];
    if (failed !== undefined) {
      disposeBatch(samples);
      throw (failed as PromiseRejectedResult).reason;
    }
    let out: B;
    try {
      out = tidy(() => collate(samples));
    } catch (e) {
      disposeBatch(samples);
      throw e;
    }
    const inBatch = new Set<Tensor>();
    forEachTensor(out, (t) => inBatch.add(t));
    forEachTensor(samples, (t) => {
      if (!inBatch.has(t)) t.dispose();
    });
    return keepAll(out);
  }
}

/** One indexSelect per tensor: the batch equals defaultCollate of the rows, without per-row work. */
function fastBatch(base: TensorDataset, map: ((i: number) => number) | null, indices: Int32Array): Tensor[] {
  const idx = map === null ? indices : Int32Array.from(indices, map);
  const byBackend = new Map<string, Tensor>();
  return base.tensors.map((t) => {
    const name = t.backend.name;
    let it = byBackend.get(name);
    if (it === undefined) byBackend.set(name, (it = tensor(idx, { backend: name })));
    return indexSelect(t, 0, it);
  });
}

function keepAll<V>(batch: V): V {
  forEachTensor(batch, (t) => keep(t));
  return batch;
}

/** Moves a batch into the scope active here (a view per tensor; the originals are released). */
function adopt<V>(batch: V): V {
  return mapTensors(batch, (t) => {
    const v = t.detach();
    t.dispose();
    return v;
  });
}
