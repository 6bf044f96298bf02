import * as T from '@nn/tensor';
import { philox4x32 } from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';

describe('creation and dtypes', () => {
  it('infers dtypes like TensorFlow.js and jax-js: numbers float32, booleans bool, typed arrays their own', () => {
    expect(T.tensor([1, 2]).dtype).toBe('float32');
    expect(
      T.tensor([
        [1, 2],
        [3, 4],
      ]).requiresGrad_().requiresGrad,
    ).toBe(true);
    expect(T.tensor([1, 2.5]).dtype).toBe('float32');
    expect(T.tensor(3).dtype).toBe('float32');
    expect(T.tensor([]).dtype).toBe('float32');
    expect(T.tensor([true, false]).dtype).toBe('bool');
    expect(T.tensor([true, 1]).dtype).toBe('float32');
    expect(T.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(T.tensor([1, 2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(T.arange(3).dtype).toBe('float32');
    expect(T.arange(3, undefined, undefined, { dtype: 'int32' }).dtype).toBe('int32');
    expect(T.full([2], 3).dtype).toBe('float32');
    expect(T.tensor([1, 2, 3]).argmax().dtype).toBe('int32');
    expect(T.randint(0, 5, [2]).dtype).toBe('int32');
    expect(T.tensor(new Float64Array([1])).dtype).toBe('float64');
    expect(T.tensor(3).shape).toEqual([]);
    expect(
      T.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      ).shape,
    ).toEqual([2, 2]);
  });
  it('promotes int and float operands, and scalars follow the tensor (PyTorch rules)', () => {
    const ints = () => T.tensor([1, 2], { dtype: 'int32' });
    expect(ints().add(T.tensor([0.5])).dtype).toBe('float32');
    expect(ints().add(1).dtype).toBe('int32');
    expect(ints().add(0.5).dtype).toBe('float32');
    expect(ints().div(2).arraySync()).toEqual([0.5, 1]);
    expect(T.tensor([1.5], { dtype: 'float32' }).gt(1).dtype).toBe('bool');
  });
  it('arange, linspace, eye, full', () => {
    expect(T.arange(5).arraySync()).toEqual([0, 1, 2, 3, 4]);
    expect(T.arange(1, 2, 0.25).arraySync()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(T.linspace(0, 1, 5).arraySync()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(T.eye(2, 3).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(T.full([2], 7, { dtype: 'int32' }).arraySync()).toEqual([7, 7]);
  });
  it('reads back with data(), array(), dataSync(), item()', async () => {
    const t = T.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32' },
    );
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    expect(await t.transpose().array()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(t.sum().item()).toBe(10);
    expect(T.tensor([true]).arraySync()).toEqual([true]);
  });
  it('same seed, same numbers; rand in [0, 1), randn ~ N(0, 1), randint in range', () => {
    T.manualSeed(42);
    const a = T.rand([1000]).dataSync();
    T.manualSeed(42);
    const b = T.rand([1000]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const n = T.randn([20000]);
    expect(Math.abs(n.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(n.std().item() - 1)).toBeLessThan(0.03);
    const r = T.randint(3, 7, [1000]).dataSync();
    expect(new Set(r)).toEqual(new Set([3, 4, 5, 6]));
    expect(T.randperm(10).dataSync().slice().sort()).toEqual(Int32Array.from({ length: 10 }, (_, i) => i));
  });
  it('the Philox stream is the published Random123 known-answer vector', () => {
    const out = new Uint32Array(4);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(Array.from(out)).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });
});

describe('views', () => {
  it('transpose, permute, expand, slice and squeeze share storage (no copy)', () => {
    const x = T.arange(6).reshape(2, 3);
    for (const v of [x.transpose(), x.permute(1, 0), x.unsqueeze(0).expand(4, 2, 3), x.slice(1, 0, 3, 2), x.unsqueeze(1).squeeze(1)]) {
      expect(v.storage).toBe(x.storage);
    }
    expect(x.slice(1, 0, 3, 2).arraySync()).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(x.slice(1, -2).arraySync()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(x.transpose().reshape(6).arraySync()).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it('matmul handles 1-D, batched and broadcast batch operands like torch.matmul', () => {
    const v = T.tensor([1, 2], { dtype: 'float32' });
    const m = T.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32' },
    );
    expect(T.matmul(v, v).item()).toBe(5);
    expect(T.matmul(m, v).arraySync()).toEqual([5, 11]);
    expect(T.matmul(v, m).arraySync()).toEqual([7, 10]);
    expect(T.matmul(T.ones([3, 1, 2, 2]), T.ones([4, 2, 5])).shape).toEqual([3, 4, 2, 5]);
  });
});

describe('in-place copy_', () => {
  it('broadcasts and casts the source into the destination, through views', () => {
    const t = T.zeros([2, 3]);
    t.copy_(T.tensor([1, 2, 3]));
    expect(t.arraySync()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    t.transpose().slice(0, 1, 2).copy_(7);
    expect(t.arraySync()).toEqual([
      [1, 7, 3],
      [1, 7, 3],
    ]);
    expect(() => t.copy_(T.zeros([3, 3]))).toThrow(/^copy_: shapes \[3,3\] and \[2,3\] cannot be broadcast/);
  });
});

describe('printing like PyTorch', () => {
  it('formats floats, ints, bools and large tensors', () => {
    expect(
      T.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      ).toString(),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(T.tensor([1.5, -2.25], { dtype: 'float32' }).toString()).toBe('tensor([ 1.5000, -2.2500])');
    expect(T.tensor([1, 20], { dtype: 'int32' }).toString()).toBe('tensor([ 1, 20], dtype=int32)');
    expect(T.tensor([1, 20]).toString()).toBe('tensor([ 1., 20.])');
    expect(T.tensor([true, false]).toString()).toBe('tensor([ True, False])');
    expect(T.tensor(0.5).toString()).toBe('tensor(0.5000)');
    expect(T.zeros([2000]).toString()).toBe('tensor([0., 0., 0.,  ..., 0., 0., 0.])'.replace(',  ...', ', ...'));
    expect(T.ones([1], { requiresGrad: true }).toString()).toBe('tensor([1.], requiresGrad=true)');
  });
});

describe('memory', () => {
  it('tidy frees everything but the returned value (nested values too)', () => {
    const before = T.memory().tensors;
    const kept = T.tidy(() => {
      const a = T.ones([3]);
      const b = a.mul(2).add(1);
      return { b, list: [a.sum()] };
    });
    expect(T.memory().tensors).toBe(before + 2);
    kept.b.dispose();
    kept.list[0].dispose();
    expect(T.memory().tensors).toBe(before);
  });
  it('tidy keeps the tensors of any kind of array it returns (holey, sparse, empty, in a Map)', () => {
    const before = T.memory().tensors;
    const kept = T.tidy(() => {
      const holey = new Array<T.Tensor>(2);
      holey[0] = T.ones([1]);
      holey[1] = T.ones([2]);
      // biome-ignore lint/suspicious/noSparseArray: a hole between two kept tensors
      const sparse = [T.ones([3]), , T.ones([4])];
      T.ones([5]); // not returned: freed
      return { holey, sparse, empty: [], numbers: [1.5, 2], map: new Map([['m', [T.ones([6])]]]) };
    });
    expect(T.memory().tensors).toBe(before + 5);
    const all = [...kept.holey, kept.sparse[0]!, kept.sparse[2]!, kept.map.get('m')![0]];
    expect(all.map((t) => t.size)).toEqual([1, 2, 3, 4, 6]);
    for (const t of all) t.dispose();
    expect(T.memory().tensors).toBe(before);
  });
  it('nested tidy passes kept tensors to the outer scope', () => {
    const before = T.memory().tensors;
    T.tidy(() => {
      const inner = T.tidy(() => T.ones([2]).add(1));
      expect(inner.isDisposed).toBe(false);
    });
    expect(T.memory().tensors).toBe(before);
  });
  it('async scope tracks only its own tensors, even when scopes interleave', async () => {
    const before = T.memory().tensors;
    const tick = () => new Promise((r) => setTimeout(r, 1));
    const job = (n: number) =>
      T.scope(async () => {
        const a = T.full([n], n);
        await tick();
        const b = a.add(1);
        await tick();
        return b.sum();
      });
    const [x, y] = await Promise.all([job(2), job(3)]);
    expect([x.item(), y.item()]).toEqual([6, 12]);
    x.dispose();
    y.dispose();
    expect(T.memory().tensors).toBe(before);
  });
  it('tidy rejects async functions with a pointer to scope', () => {
    expect(() => T.tidy(async () => T.ones([1]))).toThrow(/use `await scope\(async/);
  });
  it('using disposes at the end of the block; views keep storage alive until the last one goes', () => {
    const buffers = () => T.memory().backends.cpu.buffers;
    const before = buffers();
    {
      using a = T.ones([4]);
      const v = a.reshape(2, 2);
      a.dispose();
      expect(v.sum().item()).toBe(4);
      v.dispose();
    }
    expect(buffers()).toBeLessThanOrEqual(before + 1); // the sum's scalar was not disposed
  });
});
