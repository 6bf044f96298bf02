import {
  DataLoader,
  type Dataset,
  Standardize,
  Subset,
  TensorDataset,
  defaultCollate,
  disposeBatch,
  makeSpiral,
  randomSplit,
} from '@nn/data';
import * as T from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** x[i] = [i, i + 0.5] (float32), y[i] = i (int32): every row says which sample it is. */
function indexed(n: number): { x: T.Tensor; y: T.Tensor; ds: TensorDataset<[T.Tensor, T.Tensor]> } {
  const xs = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    xs[2 * i] = i;
    xs[2 * i + 1] = i + 0.5;
  }
  const x = T.tensor(xs, { shape: [n, 2] });
  const y = T.arange(n, undefined, undefined, { dtype: 'int32' });
  return { x, y, ds: new TensorDataset(x, y) };
}

/** The labels of every batch of one epoch (disposing the batches). */
async function epochLabels(loader: DataLoader<[T.Tensor, T.Tensor], [T.Tensor, T.Tensor]>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const [xb, yb] of loader) {
    out.push(yb.arraySync() as number[]);
    disposeBatch([xb, yb]);
  }
  return out;
}

describe('DataLoader: batching', () => {
  it('yields collated batches of the right shapes; length counts batches', async () => {
    const { ds } = indexed(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const shapes: number[][][] = [];
    for await (const [xb, yb] of loader) {
      shapes.push([xb.shape as number[], yb.shape as number[]]);
      expect(xb.dtype).toBe('float32');
      expect(yb.dtype).toBe('int32');
      disposeBatch([xb, yb]);
    }
    expect(shapes).toEqual([
      [[4, 2], [4]],
      [[4, 2], [4]],
      [[2, 2], [2]],
    ]);
    expect(await epochLabels(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });
  it('dropLast drops the short last batch', async () => {
    const { ds } = indexed(10);
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(await epochLabels(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(new DataLoader(ds).length).toBe(10);
  });
  it('the fast path (one indexSelect per tensor) equals per-sample defaultCollate', async () => {
    const { ds } = indexed(7);
    const fast = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 5 });
    const slow = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 5, collate: (s) => defaultCollate(s) });
    const a: unknown[] = [];
    for await (const b of fast) {
      a.push(b.map((t) => t.arraySync()));
      disposeBatch(b);
    }
    const c: unknown[] = [];
    for await (const b of slow) {
      c.push(b.map((t) => t.arraySync()));
      disposeBatch(b);
    }
    expect(a).toEqual(c);
    expect(a.length).toBe(3);
  });
  it('a Subset of a TensorDataset (randomSplit output) keeps the fast path and the right rows', async () => {
    const { ds } = indexed(10);
    const sub = new Subset(new Subset(ds, [9, 8, 7, 6, 5]), [4, 0, 2]);
    const loader = new DataLoader(sub, { batchSize: 2 });
    const got: unknown[] = [];
    for await (const [xb, yb] of loader) {
      got.push([xb.arraySync(), yb.arraySync()]);
      disposeBatch([xb, yb]);
    }
    expect(got).toEqual([
      [
        [
          [5, 5.5],
          [9, 9.5],
        ],
        [5, 9],
      ],
      [[[7, 7.5]], [7]],
    ]);
  });
  it('validates options', () => {
    const { ds } = indexed(3);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(ds, { prefetch: -1 })).toThrow(/prefetch/);
    expect(() => new DataLoader(ds, { seed: 1.5 })).toThrow('DataLoader: seed must be a non-negative safe integer, got 1.5');
    expect(() => new DataLoader({} as Dataset<number>)).toThrow(/get\(index\)/);
  });
});

describe('DataLoader: shuffling', () => {
  it('visits every index exactly once per epoch, in a different order each epoch', async () => {
    const { ds } = indexed(50);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 123 });
    const e1 = (await epochLabels(loader)).flat();
    const e2 = (await epochLabels(loader)).flat();
    expect([...e1].sort((a, b) => a - b)).toEqual(range(50));
    expect([...e2].sort((a, b) => a - b)).toEqual(range(50));
    expect(e1).not.toEqual(e2);
    expect(e1).not.toEqual(range(50));
    expect(loader.epoch).toBe(2);
  });
  it('is reproducible per seed and independent of the global generator', async () => {
    const { ds } = indexed(30);
    T.manualSeed(0);
    const a = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 9 });
    const a1 = await epochLabels(a);
    const a2 = await epochLabels(a);
    T.manualSeed(99);
    T.rand([3]).dispose();
    const b = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 9 });
    expect(await epochLabels(b)).toEqual(a1);
    expect(await epochLabels(b)).toEqual(a2);
    const c = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 10 });
    expect(await epochLabels(c)).not.toEqual(a1);
    // epoch k of a seeded loader = the k-th randperm after manualSeed(seed)
    T.manualSeed(9);
    const p1 = T.randperm(30).arraySync();
    const p2 = T.randperm(30).arraySync();
    expect(a1.flat()).toEqual(p1);
    expect(a2.flat()).toEqual(p2);
  });
  it('without a seed, draws each epoch from the global generator (manualSeed controls it)', async () => {
    const { ds } = indexed(20);
    const loader = new DataLoader(ds, { batchSize: 20, shuffle: true });
    T.manualSeed(4);
    const a = await epochLabels(loader);
    T.manualSeed(4);
    const b = await epochLabels(loader);
    expect(b).toEqual(a);
    T.manualSeed(4);
    expect(a.flat()).toEqual(T.randperm(20).arraySync());
  });
});

/** A dataset whose get() is async (simulated I/O), logging reads in flight. */
class SlowDataset implements Dataset<{ x: T.Tensor; label: number; name: string }> {
  inFlight = 0;
  maxInFlight = 0;
  reads: number[] = [];
  constructor(
    readonly length: number,
    readonly delay = 2,
  ) {}
  async get(i: number): Promise<{ x: T.Tensor; label: number; name: string }> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.reads.push(i);
    await sleep(this.delay);
    this.inFlight--;
    return { x: T.full([3], i), label: i % 2, name: `s${i}` };
  }
}

describe('DataLoader: async datasets, prefetch, custom collate', () => {
  it('collates async samples (objects of tensor / number / string) with the default collate', async () => {
    const ds = new SlowDataset(5);
    const loader = new DataLoader(ds, { batchSize: 2 });
    const got: unknown[] = [];
    for await (const b of loader) {
      expect(b.x.shape[1]).toBe(3);
      got.push({ x: b.x.arraySync(), label: b.label.arraySync(), name: b.name });
      disposeBatch(b);
    }
    expect(got[0]).toEqual({
      x: [
        [0, 0, 0],
        [1, 1, 1],
      ],
      label: [0, 1],
      name: ['s0', 's1'],
    });
    expect(got[2]).toEqual({ x: [[4, 4, 4]], label: [0], name: ['s4'] });
    expect(ds.maxInFlight).toBe(2); // the reads of one batch overlap
  });
  it('prefetch reads the next batch while the consumer works on the current one', async () => {
    const ds = new SlowDataset(12, 5);
    const loader = new DataLoader(ds, { batchSize: 3, prefetch: 1 });
    const readsWhenConsumed: number[] = [];
    let batches = 0;
    for await (const b of loader) {
      await sleep(20); // the "training step"
      readsWhenConsumed.push(ds.reads.length);
      batches++;
      disposeBatch(b);
    }
    expect(batches).toBe(4);
    // While batch b is processed, batch b + 1 is read.
    expect(readsWhenConsumed).toEqual([6, 9, 12, 12]);
    expect(ds.reads.slice().sort((a, b) => a - b)).toEqual(range(12));
  });
  it('prefetch is faster than reading on demand', async () => {
    const time = async (prefetch: number): Promise<number> => {
      const loader = new DataLoader(new SlowDataset(8, 15), { batchSize: 2, prefetch });
      const t0 = performance.now();
      for await (const b of loader) {
        await sleep(15);
        disposeBatch(b);
      }
      return performance.now() - t0;
    };
    const slow = await time(0);
    const fast = await time(1);
    expect(fast).toBeLessThan(slow * 0.85);
  });
  it('custom collate receives the samples and shapes the batch', async () => {
    const ds: Dataset<[number, number]> = { length: 5, get: (i) => [i, i * i] };
    const loader = new DataLoader(ds, {
      batchSize: 2,
      collate: (samples) => ({ sum: samples.reduce((a, [u, v]) => a + u + v, 0), xs: T.tensor(samples.map(([u]) => u)) }),
    });
    const got: unknown[] = [];
    for await (const b of loader) {
      got.push([b.sum, b.xs.arraySync()]);
      b.xs.dispose();
    }
    expect(got).toEqual([
      [2, [0, 1]],
      [18, [2, 3]],
      [20, [4]],
    ]);
  });
  it('errors from get() and collate reach the consumer', async () => {
    const bad: Dataset<number> = {
      length: 4,
      get: async (i) => {
        if (i === 2) throw new Error('disk on fire');
        return i;
      },
    };
    await expect(async () => {
      for await (const b of new DataLoader(bad, { batchSize: 2, prefetch: 2 })) disposeBatch(b);
    }).rejects.toThrow('disk on fire');
    const ragged: Dataset<T.Tensor> = { length: 2, get: (i) => T.zeros([i + 1]) };
    await expect(async () => {
      for await (const b of new DataLoader(ragged, { batchSize: 2 })) disposeBatch(b);
    }).rejects.toThrow(
      'defaultCollate: cannot stack samples: sample 1 has shape [2] but sample 0 has [1] (pad them, or pass a custom collate)',
    );
  });
});

describe('DataLoader: memory', () => {
  it('leaks nothing over several epochs (fast path, default collate, async, prefetch, early exit)', async () => {
    const { x, y, ds } = indexed(40);
    const slowDs = new SlowDataset(10, 1);
    const rowsDs: Dataset<[T.Tensor, number]> = {
      length: 40,
      get: (i) => [T.tidy(() => x.narrow(0, i, 1).squeeze(0).mul(2)), i], // temporaries inside get are freed too
    };
    const loaders = [
      new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 1 }),
      new DataLoader(ds, { batchSize: 8, shuffle: true }),
      new DataLoader(rowsDs, { batchSize: 6, shuffle: true, seed: 2 }),
      new DataLoader(slowDs, { batchSize: 3, prefetch: 2 }),
    ];
    const run = async (): Promise<void> => {
      for (const loader of loaders) {
        for await (const b of loader) disposeBatch(b);
      }
      // leave early while read-ahead batches are in flight
      for await (const b of loaders[3]) {
        disposeBatch(b);
        break;
      }
    };
    await run(); // warm up
    const before = T.memory();
    for (let epoch = 0; epoch < 3; epoch++) await run();
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.backends.cpu.buffers).toBe(before.backends.cpu.buffers);
    x.dispose();
    y.dispose();
  });
  it('batches belong to the scope the loop runs in', async () => {
    const { ds } = indexed(16);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3, prefetch: 1 });
    const before = T.memory().tensors;
    const kept: T.Tensor[] = [];
    await T.scope(async () => {
      for await (const [xb, yb] of loader) kept.push(xb, yb);
      expect(T.memory().tensors).toBe(before + 8);
    });
    expect(T.memory().tensors).toBe(before);
    expect(kept.every((t) => t.isDisposed)).toBe(true);
  });
});

describe('README example', () => {
  it('spiral -> randomSplit -> Standardize on train -> shuffled loader, without leaks', async () => {
    const { x, y } = makeSpiral({ n: 600, classes: 3, noise: 0.05, seed: 0 });
    const [train, test] = randomSplit(new TensorDataset(x, y), [0.8, 0.2], { seed: 0 });
    expect([train.length, test.length]).toEqual([480, 120]);
    const trainX = x.indexSelect(0, T.tensor(train.indices));
    const s = Standardize.fit(trainX);
    const z = s.apply(x);
    const loader = new DataLoader(new Subset(new TensorDataset(z, y), train.indices), { batchSize: 32, shuffle: true, seed: 0 });
    expect(loader.length).toBe(15);
    const before = T.memory().tensors;
    for (let epoch = 0; epoch < 3; epoch++) {
      let seen = 0;
      for await (const [xb, yb] of loader) {
        expect(xb.shape).toEqual([32, 2]);
        seen += yb.shape[0];
        disposeBatch([xb, yb]);
      }
      expect(seen).toBe(480);
    }
    expect(T.memory().tensors).toBe(before);
    for (const t of [x, y, trainX, z]) t.dispose();
    s.dispose();
  });
});
