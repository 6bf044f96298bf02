import { ConcatDataset, type Dataset, Subset, TensorDataset, randomSplit, splitLengths } from '@nn/data';
import * as T from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A plain dataset of numbers 0..n-1. */
const numbers = (n: number): Dataset<number> => ({ length: n, get: (i) => i });

describe('TensorDataset', () => {
  it('returns the i-th row of each tensor, as views', () => {
    const x = T.arange(12).reshape(4, 3);
    const y = T.tensor([10, 11, 12, 13]);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [xr, yr] = ds.get(2);
    expect(xr.shape).toEqual([3]);
    expect(xr.arraySync()).toEqual([6, 7, 8]);
    expect(yr.shape).toEqual([]);
    expect(yr.item()).toBe(12);
    expect(xr.storage).toBe(x.storage); // no copy
    xr.dispose();
    yr.dispose();
    expect(x.isDisposed).toBe(false);
  });
  it('rejects tensors with different first dims, naming the shapes', () => {
    expect(() => new TensorDataset(T.zeros([100, 4]), T.zeros([99]))).toThrow(
      'TensorDataset: all tensors must have the same size in dim 0 (the sample dim), got shapes [100,4], [99]',
    );
    expect(() => new TensorDataset(T.zeros([100, 4]), T.zeros([100]))).not.toThrow();
    expect(() => new TensorDataset(T.tensor(1))).toThrow(/0-d/);
    expect(() => new TensorDataset()).toThrow(/at least one tensor/);
  });
  it('checks indices', () => {
    const ds = new TensorDataset(T.zeros([3, 2]));
    expect(() => ds.get(3)).toThrow('TensorDataset.get: index 3 is out of range for a dataset of length 3 (valid: 0 to 2)');
    expect(() => ds.get(-1)).toThrow(T.ValueRangeError);
    expect(() => ds.get(1.5)).toThrow(T.ValueRangeError);
  });
});

describe('Subset and ConcatDataset', () => {
  it('Subset maps indices and validates them', async () => {
    const s = new Subset(numbers(10), [9, 3, 3]);
    expect(s.length).toBe(3);
    expect([await s.get(0), await s.get(1), await s.get(2)]).toEqual([9, 3, 3]);
    expect(() => new Subset(numbers(10), [10])).toThrow(
      'Subset: indices[0] = 10 is out of range for a dataset of length 10 (valid: 0 to 9)',
    );
    expect(() => s.get(3)).toThrow(/out of range/);
    expect(new Subset(numbers(5), T.tensor([4, 0])).indices).toEqual(Int32Array.from([4, 0]));
  });
  it('ConcatDataset chains datasets', async () => {
    const c = new ConcatDataset([numbers(2), numbers(3)]);
    expect(c.length).toBe(5);
    expect(await Promise.all(range(5).map((i) => c.get(i)))).toEqual([0, 1, 0, 1, 2]);
  });
});

describe('randomSplit', () => {
  it('computes sizes from fractions like PyTorch (remainder round-robin) or takes lengths', () => {
    expect(splitLengths(10, [0.8, 0.2])).toEqual([8, 2]);
    expect(splitLengths(11, [0.5, 0.5])).toEqual([6, 5]);
    // floor(10/3) = 3 each, remainder 1 goes to the first split
    expect(splitLengths(10, [1 / 3, 1 / 3, 1 / 3])).toEqual([4, 3, 3]);
    // 7 * [0.3,0.3,0.4] = floor 2,2,2 (sum 6): remainder 1 to split 0
    expect(splitLengths(7, [0.3, 0.3, 0.4])).toEqual([3, 2, 2]);
    // 5 * 0.1 = 0.5 x 10 -> all 0, remainder 5 round-robin over the first five
    expect(splitLengths(5, new Array(10).fill(0.1))).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(splitLengths(1000, [800, 200])).toEqual([800, 200]);
    expect(splitLengths(10, [0.7, 0.3000004])).toEqual([7, 3]); // within 1e-6 of 1
    expect(() => splitLengths(10, [0.7, 0.31])).toThrow(
      'randomSplit: [0.7, 0.31] are neither fractions summing to 1 (they sum to 1.01) nor integer lengths summing to 10',
    );
    expect(() => splitLengths(10, [8, 3])).toThrow('randomSplit: lengths [8, 3] sum to 11, but the dataset has 10 samples');
    expect(() => splitLengths(10, [-1, 11])).toThrow(/non-negative/);
  });
  it('splits into disjoint subsets covering every index, reproducibly per seed', () => {
    const ds = numbers(100);
    const [a, b] = randomSplit(ds, [0.8, 0.2], { seed: 42 });
    expect([a.length, b.length]).toEqual([80, 20]);
    const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
    expect(all).toEqual(range(100));
    const [a2, b2] = randomSplit(ds, [80, 20], { seed: 42 });
    expect(a2.indices).toEqual(a.indices);
    expect(b2.indices).toEqual(b.indices);
    const [a3] = randomSplit(ds, [0.8, 0.2], { seed: 43 });
    expect(a3.indices).not.toEqual(a.indices);
    expect([...a.indices]).not.toEqual(range(80)); // actually shuffled
  });
  it('is independent of the global generator with a seed, and uses it (via randperm) without one', () => {
    const ds = numbers(50);
    T.manualSeed(1);
    const [s1] = randomSplit(ds, [0.5, 0.5], { seed: 7 });
    T.manualSeed(2);
    T.rand([5]).dispose();
    const [s2] = randomSplit(ds, [0.5, 0.5], { seed: 7 });
    expect(s2.indices).toEqual(s1.indices);
    // The seeded stream is the global generator's algorithm keyed by the seed: same as manualSeed + randperm.
    T.manualSeed(7);
    const perm = T.randperm(50);
    expect([...s1.indices]).toEqual((perm.arraySync() as number[]).slice(0, 25));
    T.manualSeed(3);
    const [g1] = randomSplit(ds, [0.5, 0.5]);
    T.manualSeed(3);
    const [g2] = randomSplit(ds, [0.5, 0.5]);
    expect(g2.indices).toEqual(g1.indices);
  });
  it('rejects bad seeds', () => {
    expect(() => randomSplit(numbers(4), [2, 2], { seed: -1 })).toThrow('randomSplit: seed must be a non-negative safe integer, got -1');
  });
});
