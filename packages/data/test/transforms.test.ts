import { MinMaxScale, Standardize, normalize, oneHot, randomSplit, standardize, TensorDataset } from '@nn/data';
import * as T from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const close = (a: unknown, b: unknown, digits = 5): void => {
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const fa = flat(a);
  const fb = flat(b);
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i], digits));
};

describe('Standardize', () => {
  it('fits per-feature mean and population std; a constant feature gets std 1', () => {
    const x = T.tensor(
      [
        [1, 10, 5],
        [3, 20, 5],
        [5, 30, 5],
      ],
      { dtype: 'float32' },
    );
    const s = Standardize.fit(x);
    close(s.mean.arraySync(), [[3, 20, 5]]);
    close(s.std.arraySync(), [[Math.sqrt(8 / 3), Math.sqrt(200 / 3), 1]]);
    const z = s.apply(x);
    close(z.arraySync(), [
      [-1.2247449, -1.2247449, 0],
      [0, 0, 0],
      [1.2247449, 1.2247449, 0],
    ]);
    close(s.inverse(z).arraySync(), x.arraySync());
    s.dispose();
  });
  it('uses the training split only: test data is scaled with the training statistics', () => {
    const train = T.tensor([[0], [2]], { dtype: 'float32' });
    const test = T.tensor([[4], [6]], { dtype: 'float32' });
    const s = Standardize.fit(train);
    close(s.apply(test).arraySync(), [[3], [5]]); // (4 - 1) / 1, (6 - 1) / 1
    close(standardize(test).arraySync(), [[-1], [1]]); // fitting on test would give this instead
    close(standardize(test, s).arraySync(), [[3], [5]]);
    s.dispose();
  });
  it('fits on the rows a randomSplit Subset picked', () => {
    const x = T.arange(10, undefined, undefined, { dtype: 'float32' }).reshape(10, 1);
    const [train] = randomSplit(new TensorDataset(x), [0.5, 0.5], { seed: 0 });
    const trainX = x.indexSelect(0, T.tensor(train.indices));
    const s = Standardize.fit(trainX);
    const ids = [...train.indices];
    close(s.mean.arraySync(), [[ids.reduce((a, b) => a + b, 0) / ids.length]]);
    s.dispose();
  });
  it('casts int inputs, supports other dims, checks shapes, survives tidy', () => {
    const imgs = T.tensor([
      [
        [0, 2],
        [4, 6],
      ],
      [
        [2, 4],
        [6, 8],
      ],
    ]); // int32 [2, 2, 2]
    const s = T.tidy(() => Standardize.fit(imgs, { dim: [0, 2] }));
    expect(s.mean.isDisposed).toBe(false);
    expect(s.mean.shape).toEqual([1, 2, 1]);
    close(s.mean.arraySync(), [[[2], [6]]]);
    expect(s.apply(imgs).dtype).toBe('float32');
    expect(() => s.apply(T.zeros([2, 3, 2]))).toThrow(
      'Standardize.apply: input of shape [2,3,2] does not match the features the statistics were fitted on (shape [2,2,2]; statistics [1,2,1])',
    );
    expect(() => Standardize.fit(T.zeros([0, 3]))).toThrow(/empty/);
    expect(() => Standardize.fit(T.zeros([2, 3]), { dim: 2 })).toThrow(/dim 2 is out of range/);
    s.dispose();
  });
  it('frees its temporaries', () => {
    const x = T.randn([20, 4]);
    const before = T.memory().tensors;
    const s = Standardize.fit(x);
    const z = s.apply(x);
    z.dispose();
    s.dispose();
    expect(T.memory().tensors).toBe(before);
  });
});

describe('MinMaxScale / normalize', () => {
  it('scales each feature to [0, 1] with training min and max; constant features map to 0', () => {
    const train = T.tensor(
      [
        [0, -1, 7],
        [10, 1, 7],
        [5, 0, 7],
      ],
      { dtype: 'float32' },
    );
    const m = MinMaxScale.fit(train);
    close(m.apply(train).arraySync(), [
      [0, 0, 0],
      [1, 1, 0],
      [0.5, 0.5, 0],
    ]);
    close(m.apply(T.tensor([[20, 3, 8]], { dtype: 'float32' })).arraySync(), [[2, 2, 1]]); // not clipped
    close(m.inverse(m.apply(train)).arraySync(), train.arraySync());
    close(normalize(T.tensor([[2], [4], [3]], { dtype: 'float32' })).arraySync(), [[0], [1], [0.5]]);
    const r = MinMaxScale.fit(train, { range: [-1, 1] });
    close(r.apply(train).arraySync(), [
      [-1, -1, -1],
      [1, 1, -1],
      [0, 0, -1],
    ]);
    expect(() => MinMaxScale.fit(train, { range: [1, 1] })).toThrow(/low < high/);
    m.dispose();
    r.dispose();
  });
});

describe('oneHot', () => {
  it('encodes int32 labels, int32 by default or float32 on request', () => {
    const y = T.tensor([2, 0, 1], { dtype: 'int32' });
    const h = oneHot(y, 3);
    expect(h.dtype).toBe('int32');
    expect(h.arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const f = oneHot(y, 4, { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(f.shape).toEqual([3, 4]);
    expect(oneHot(y).shape).toEqual([3, 3]);
  });
});
