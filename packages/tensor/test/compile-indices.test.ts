/** compile with index arguments: the range checks run at every replay (cpu reads indices to check them; a recording turns that read into a recorded check). */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const idx = (v: number[]) => T.tensor(v, { dtype: 'int32' });

describe('compile and index checks', () => {
  it('indexSelect and gather take new indices at each replay, bit for bit as eager', () => {
    const f = T.compile((x: Tensor, i: Tensor) => ({ rows: T.indexSelect(x, 0, i), picked: T.gather(x, 1, T.unsqueeze(i, 1)) }));
    const x = T.reshape(T.arange(12), [4, 3]);
    for (const i of [idx([0, 2, 1, 0]), idx([2, 2, 0, 1]), idx([1, 0, 2, 2])]) {
      const r = f(x, i);
      expect(Array.from(r.rows.dataSync())).toEqual(Array.from(T.indexSelect(x, 0, i).dataSync()));
      expect(Array.from(r.picked.dataSync())).toEqual(Array.from(T.gather(x, 1, T.unsqueeze(i, 1)).dataSync()));
    }
  });

  it('a replay with an out-of-range index throws the eager error and leaves no buffers behind', () => {
    const x = T.reshape(T.arange(12), [4, 3]);
    const f = T.compile((x: Tensor, i: Tensor) => T.mul(T.indexSelect(x, 0, i), 2));
    f(x, idx([0, 1])).dispose();
    const be = T.getBackend('cpu');
    const bad = idx([1, 4]);
    const before = be.memory();
    let eager = '';
    try {
      T.indexSelect(x, 0, bad);
    } catch (e) {
      eager = (e as Error).message;
    }
    expect(eager).toMatch(/index 4 is out of range/);
    expect(() => f(x, bad)).toThrow(eager);
    expect(be.memory()).toEqual(before);
    // A strided index view (every other element) is checked through its strides.
    const strided = T.slice(idx([0, 9, 5, 9]), 0, 0, 4, 2);
    expect(Array.from(strided.dataSync())).toEqual([0, 5]);
    expect(() => f(x, strided)).toThrow(/index 5 is out of range/);
  });

  it('the checks run through the backend only while recording: cpu has no checkIndices of its own after', () => {
    const f = T.compile((x: Tensor, i: Tensor) => T.indexSelect(x, 0, i));
    f(T.ones([3, 2]), idx([2, 0])).dispose();
    expect(T.getBackend('cpu').checkIndices).toBeUndefined();
  });
});
