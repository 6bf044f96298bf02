/** What PyTorch users type: in-place ops, numel(), and printing with console.log. */
import { inspect } from 'node:util';
import * as T from '@nn/tensor';
import { DTypeError, ShapeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';

describe('in-place ops', () => {
  it('add_ sub_ mul_ div_ clamp_ fill_ zero_ change the tensor and return it', () => {
    const x = T.tensor([1, 2, 3, 4]);
    expect(x.add_(1)).toBe(x);
    expect(x.arraySync()).toEqual([2, 3, 4, 5]);
    x.sub_(T.tensor([1, 1, 1, 1]))
      .mul_(2)
      .div_(4);
    expect(x.arraySync()).toEqual([0.5, 1, 1.5, 2]);
    x.clamp_(0.75, 1.75);
    expect(x.arraySync()).toEqual([0.75, 1, 1.5, 1.75]);
    x.fill_(7);
    expect(x.arraySync()).toEqual([7, 7, 7, 7]);
    x.zero_();
    expect(x.arraySync()).toEqual([0, 0, 0, 0]);
  });

  it('write through views: other views of the storage see the change; operands broadcast', () => {
    const m = T.zeros([2, 3]);
    m.slice(0, 1, 2).add_(T.tensor([1, 2, 3]));
    expect(m.arraySync()).toEqual([
      [0, 0, 0],
      [1, 2, 3],
    ]);
    m.transpose().mul_(T.tensor([[2, 3]])); // column scale through a transposed view
    expect(m.arraySync()).toEqual([
      [0, 0, 0],
      [3, 6, 9],
    ]);
  });

  it('refuse results that would change dtype or shape, before changing anything', () => {
    const i = T.tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add_(0.5)).toThrow(DTypeError);
    expect(() => i.div_(2)).toThrow(/^div_: the result is float32 but the tensor is int32/);
    expect(i.arraySync()).toEqual([1, 2]);
    const v = T.tensor([1, 2]);
    expect(() => v.add_(T.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => v.add_(T.zeros([3, 2]))).toThrow(/^add_: the result has shape \[3,2\] but the tensor has \[2\]/);
    expect(v.arraySync()).toEqual([1, 2]);
    expect(i.add_(3).arraySync()).toEqual([4, 5]);
  });

  it('leave no temporaries behind', () => {
    const x = T.ones([8]);
    const two = T.full([8], 2);
    const before = T.memory();
    x.add_(1).mul_(two).clamp_(0, 3).zero_();
    expect(T.memory()).toEqual(before);
  });
});

describe('numel and printing', () => {
  it('numel() counts elements', () => {
    expect(T.zeros([2, 3, 4]).numel()).toBe(24);
    expect(T.tensor(5).numel()).toBe(1);
    expect(T.zeros([0, 3]).numel()).toBe(0);
  });

  it('console.log (util.inspect) prints like String(t), not the internals', () => {
    const t = T.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ weight: t })).toContain('tensor([[1., 2.],');
    expect(inspect(t)).not.toMatch(/storage|backend|Storage/);
  });

  it('a tensor on a backend without synchronous reads shows shape, dtype and how to read it', () => {
    const cpu = T.getBackend('cpu');
    T.registerBackend({ ...cpu, name: 'async-cpu', readSync: undefined });
    const t = T.ones([2, 3], { backend: 'async-cpu' });
    expect(inspect(t)).toBe('tensor(<on async-cpu: read with await t.data() or await t.array()>, shape=[2,3], dtype=float32)');
    t.dispose();
  });
});
