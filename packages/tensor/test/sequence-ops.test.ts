/** Sequence ops on the cpu backend: Tensor methods, typed errors, multinomial's statistics, no leaks. */
import * as T from '@nn/tensor';
import { DTypeError, type NNError, ShapeError, ValueRangeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const arr = (t: T.Tensor) => Array.from(t.dataSync());

describe('Tensor methods', () => {
  it('mirror the functions', () => {
    const x = T.tensor([
      [3, 1, 2],
      [0, 5, 4],
    ]);
    expect(x.cumsum(1).arraySync()).toEqual([
      [3, 4, 6],
      [0, 5, 9],
    ]);
    expect(x.cumprod(0).arraySync()).toEqual([
      [3, 1, 2],
      [0, 5, 8],
    ]);
    expect(x.tril().arraySync()).toEqual([
      [3, 0, 0],
      [0, 5, 0],
    ]);
    expect(x.triu(1).arraySync()).toEqual([
      [0, 1, 2],
      [0, 0, 4],
    ]);
    expect(x.maskedFill(T.tensor([true, false, false]), -1).arraySync()).toEqual([
      [-1, 1, 2],
      [-1, 5, 4],
    ]);
    const s = x.sort({ descending: true });
    expect([s.values.arraySync(), s.indices.arraySync(), s.indices.dtype]).toEqual([
      [
        [3, 2, 1],
        [5, 4, 0],
      ],
      [
        [0, 2, 1],
        [1, 2, 0],
      ],
      'int32',
    ]);
    expect(x.argsort({ dim: 0 }).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    expect(x.topk(1, { largest: false }).values.arraySync()).toEqual([[1], [0]]);
    expect(x.chunk(2, 1).map((c) => c.shape)).toEqual([
      [2, 2],
      [2, 1],
    ]);
    expect(x.repeat(1, 2).shape).toEqual([2, 6]);
    expect(x.repeatInterleave(2).shape).toEqual([12]);
    T.manualSeed(3);
    expect(T.tensor([0, 0, 1]).multinomial(2, { replacement: true }).arraySync()).toEqual([2, 2]);
  });

  it('split and chunk of an empty dim give empty pieces, as PyTorch', () => {
    expect(T.split(T.zeros([0, 2]), 2).map((t) => t.shape)).toEqual([[0, 2]]);
    expect(T.chunk(T.zeros([0]), 3).map((t) => t.shape)).toEqual([[0], [0], [0]]);
  });

  it('results own their storage (in-place ops on them leave the input alone)', () => {
    const x = T.tensor([1, 2]);
    T.repeat(x, 1).add_(10);
    T.repeatInterleave(x, 1).add_(10);
    expect(arr(x)).toEqual([1, 2]);
  });

  it('leave no tensors behind', () => {
    const x = T.rand([3, 40]);
    const mask = T.gt(x, 0.5);
    const before = T.memory().tensors;
    const outs = [
      T.cumsum(x, 1),
      T.cumprod(x, 0),
      T.tril(x),
      T.maskedFill(x, mask, 0),
      ...Object.values(T.sort(x)),
      ...Object.values(T.topk(x, 3)),
      T.argsort(x),
      T.einsum('ij,kj->ik', x, x),
      T.einsum('ij->j', x),
      ...T.chunk(x, 3, 1),
      T.repeat(x, 2, 1),
      T.repeatInterleave(x, [1, 2, 0], 0),
      T.multinomial(x, 4),
      T.multinomial(x, 5, { replacement: true }),
    ];
    expect(T.memory().tensors - before).toBe(outs.length);
    for (const t of outs) t.dispose();
    expect(T.memory().tensors).toBe(before);
  });
});

describe('multinomial', () => {
  it('is reproducible with manualSeed and follows the probabilities', () => {
    const p = T.tensor([0.1, 0, 0.2, 0.7]);
    T.manualSeed(5);
    const a = arr(T.multinomial(p, 20000, { replacement: true }));
    T.manualSeed(5);
    expect(arr(T.multinomial(p, 20000, { replacement: true }))).toEqual(a);
    const freq = [0, 1, 2, 3].map((c) => a.filter((v) => v === c).length / a.length);
    expect(freq[1]).toBe(0);
    [0.1, 0, 0.2, 0.7].forEach((q, i) => expect(Math.abs(freq[i] - q)).toBeLessThan(0.015));
  });

  it('without replacement: distinct categories per row, never a zero, first draws in proportion', () => {
    T.manualSeed(6);
    const rows = T.expand(T.tensor([[1, 0, 2, 5, 2]]), [4000, 5]);
    const s = T.multinomial(rows, 4).arraySync() as number[][];
    for (const r of s) {
      expect(new Set(r).size).toBe(4);
      expect(r).not.toContain(1);
    }
    const first = [0, 2, 3, 4].map((c) => s.filter((r) => r[0] === c).length / s.length);
    [1 / 10, 2 / 10, 5 / 10, 2 / 10].forEach((q, i) => expect(Math.abs(first[i] - q)).toBeLessThan(0.03));
  });
});

describe('typed errors name the op, the values and what is valid', () => {
  const x = T.zeros([2, 3]);
  const cases: [string, () => unknown, typeof NNError, string][] = [
    ['tril 1-D', () => T.tril(T.zeros([3])), ShapeError, 'tril: needs a matrix or a batch of matrices (at least 2 dims), got shape [3]'],
    ['triu diagonal', () => T.triu(x, 0.5), ValueRangeError, 'triu: diagonal must be an integer, got 0.5'],
    ['cumsum dim', () => T.cumsum(x, 2), ValueRangeError, 'cumsum: dim 2 is out of range for a tensor of 2 dimension(s) (valid: -2 to 1)'],
    [
      'maskedFill mask dtype',
      () => T.maskedFill(x, T.zeros([3]), 1),
      DTypeError,
      'maskedFill: mask must be bool, got float32 (compare first, e.g. x.eq(0))',
    ],
    [
      'maskedFill mask shape',
      () => T.maskedFill(x, T.full([4], true), 1),
      ShapeError,
      'maskedFill: shapes [4] and [2,3] cannot be broadcast',
    ],
    [
      'maskedFill value',
      () => T.maskedFill(x, T.full([3], true), T.zeros([2])),
      ShapeError,
      'maskedFill: a tensor value must be 0-d, got shape [2]',
    ],
    ['topk k', () => T.topk(x, 4), ValueRangeError, 'topk: k 4 is out of range for dim -1 of size 3 (valid: 0 to 3)'],
    ['sort dim', () => T.sort(x, { dim: -3 }), ValueRangeError, 'sort: dim -3 is out of range'],
    [
      'multinomial negative',
      () => T.multinomial(T.ones([3]), -1),
      ValueRangeError,
      'multinomial: numSamples must be a positive integer, got -1',
    ],
    [
      'multinomial too many',
      () => T.multinomial(T.ones([3]), 4),
      ValueRangeError,
      'multinomial: cannot draw 4 samples without replacement from 3 categories (pass { replacement: true })',
    ],
    [
      'multinomial few nonzero',
      () => T.multinomial(T.tensor([0, 1, 0]), 2),
      ValueRangeError,
      'multinomial: probs has 1 nonzero probability, fewer than the 2 samples to draw without replacement',
    ],
    [
      'multinomial negative prob',
      () =>
        T.multinomial(
          T.tensor([
            [1, 1],
            [0.5, -0.1],
          ]),
          1,
        ),
      ValueRangeError,
      'multinomial: row 1 of probs has a negative, infinite or NaN entry',
    ],
    [
      'multinomial all zero',
      () => T.multinomial(T.zeros([2]), 1, { replacement: true }),
      ValueRangeError,
      'multinomial: probs has no positive entry (the sum of probabilities must be > 0)',
    ],
    [
      'multinomial int',
      () => T.multinomial(T.ones([2], { dtype: 'int32' }), 1),
      DTypeError,
      'multinomial: probs must be floating point, got int32',
    ],
    [
      'multinomial 3-D',
      () => T.multinomial(T.ones([1, 1, 2]), 1),
      ShapeError,
      'multinomial: probs must be 1-D [categories] or 2-D [rows, categories], got shape [1,1,2]',
    ],
    [
      'einsum operand count',
      () => T.einsum('ij,jk->ik', x),
      ValueRangeError,
      "einsum: 'ij,jk->ik' names 2 operand(s) but 1 tensor(s) were given",
    ],
    ['einsum character', () => T.einsum('i1->i', x), ValueRangeError, "einsum: invalid character '1' in 'i1->i'"],
    ['einsum two ellipses', () => T.einsum('...i...->i', x), ValueRangeError, "einsum: '...i...' in '...i...->i' has more than one '...'"],
    ['einsum arrows', () => T.einsum('ij->i->j', x), ValueRangeError, "einsum: 'ij->i->j' has more than one '->'"],
    ['einsum dims', () => T.einsum('ijk->i', x), ShapeError, "einsum: operand 0 has 2 dims (shape [2,3]) but 'ijk' in 'ijk->i' names 3"],
    [
      'einsum unknown output',
      () => T.einsum('ij->k', x),
      ValueRangeError,
      "einsum: output subscript 'k' of 'ij->k' does not appear in any operand",
    ],
    [
      'einsum repeated output',
      () => T.einsum('ij->jj', x),
      ValueRangeError,
      "einsum: output subscript 'j' appears more than once in 'ij->jj'",
    ],
    [
      'einsum sizes',
      () => T.einsum('ij,jk', x, T.zeros([2, 2])),
      ShapeError,
      "einsum: subscript 'j' has size 2 in operand 1 of 'ij,jk' but 3 in an earlier one (sizes must match or be 1)",
    ],
    [
      'einsum diagonal',
      () => T.einsum('ii->i', x),
      ShapeError,
      "einsum: subscript 'i' repeats in operand 0 of 'ii->i' with sizes 2 and 3; a diagonal needs equal sizes",
    ],
    ['einsum bool', () => T.einsum('i->i', T.full([2], true)), DTypeError, 'einsum: bool operands are not supported; cast them first'],
    ['chunk count', () => T.chunk(x, 0), ValueRangeError, 'chunk: chunks must be a positive integer, got 0'],
    [
      'repeat too few',
      () => T.repeat(x, 2),
      ShapeError,
      'repeat: got 1 repeat counts for a tensor of 2 dims (shape [2,3]); give at least one per dim',
    ],
    ['repeat negative', () => T.repeat(x, 1, -2), ValueRangeError, 'repeat: repeats must be non-negative integers, got [1,-2]'],
    [
      'repeatInterleave counts',
      () => T.repeatInterleave(x, [1, 2], 1),
      ShapeError,
      'repeatInterleave: got 2 repeat counts for dim 1 of size 3; give one count or one per element',
    ],
  ];
  for (const [name, run, type, message] of cases) {
    it(name, () => {
      expect(run).toThrow(type);
      expect(run).toThrow(message);
    });
  }
});

describe('multinomial of probabilities that require grad', () => {
  it('records nothing and leaves no tensors behind', () => {
    const p = T.tensor([0.2, 0.3, 0.5], { requiresGrad: true });
    const before = T.memory();
    const s = T.multinomial(p, 2);
    expect(s.gradFn).toBeNull();
    s.dispose();
    expect(T.memory().tensors).toBe(before.tensors);
    expect(T.memory().saved).toBe(before.saved);
  });
});
