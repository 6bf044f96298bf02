/** Every class of bad input gets its own typed error, naming the op and what is valid. */
import * as T from '@nn/tensor';
import { BackendError, DTypeError, DisposedError, NNError, ShapeError, ValueRangeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const f = (data: T.NestedArray) => T.tensor(data, { dtype: 'float32' });

function expectError(fn: () => unknown, type: new (...a: any[]) => Error, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(type);
  expect(caught).toBeInstanceOf(NNError);
  expect((caught as Error).message).toMatch(message);
}

describe('bad input errors', () => {
  it('broadcasting mismatch names the op, both shapes and the dimension', () => {
    expectError(
      () =>
        f([[1, 2, 3]]).add(
          f([
            [1, 2],
            [3, 4],
          ]),
        ),
      ShapeError,
      /^add: shapes \[1,3\] and \[2,2\] cannot be broadcast: dimension -1 is 3 vs 2/,
    );
  });
  it('matmul with misaligned inner dims', () => {
    expectError(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 5])), ShapeError, /^matmul: shapes \[2,3\] and \[4,5\] do not align: 3 != 4/);
  });
  it('reshape to a different element count', () => {
    expectError(
      () => T.zeros([2, 3]).reshape(4, 2),
      ShapeError,
      /^reshape: shape \[4,2\] has 8 elements but the tensor of shape \[2,3\] has 6/,
    );
  });
  it('ragged nested arrays', () => {
    expectError(
      () =>
        T.tensor([
          [1, 2, 3],
          [4, 5],
        ]),
      ShapeError,
      /ragged nested array: element at \[1\] has length 2, expected 3/,
    );
    expectError(() => T.tensor([1, [2]] as any), ShapeError, /ragged nested array/);
  });
  it('a huge shape: a typed error naming op, shape, bytes and the limit, before allocating', () => {
    const before = T.memory();
    expectError(
      () => T.zeros([1e6, 1e6]),
      BackendError,
      /^full: shape \[1000000,1000000\] of float32 needs 4,000,000,000,000 bytes; backend 'cpu' allocates at most 4,294,967,296 bytes per buffer$/,
    );
    expectError(() => T.randn([1e5, 1e5]), BackendError, /^randn: shape \[100000,100000\] of float32 needs 40,000,000,000 bytes/);
    expectError(
      () =>
        T.tidy(() =>
          T.zeros([2 ** 20])
            .expand(2 ** 14, 2 ** 20)
            .contiguous(),
        ),
      BackendError,
      /^clone: shape \[16384,1048576\]/,
    );
    expect(T.memory()).toEqual(before);
  });
  it('non-numeric elements', () => {
    expectError(() => T.tensor([1, 'a'] as any), DTypeError, /element at \[1\] is string; only numbers and booleans/);
  });
  it('an axis out of range', () => {
    expectError(
      () => T.zeros([2, 3]).sum(2),
      ValueRangeError,
      /^sum: dim 2 is out of range for a tensor of 2 dimension\(s\) \(valid: -2 to 1\)/,
    );
    expectError(() => T.zeros([2, 3]).softmax(-3), ValueRangeError, /^softmax: dim -3 is out of range/);
  });
  it('an index out of range', () => {
    expectError(
      () => T.gather(T.zeros([2, 3]), 1, T.tensor([[0, 3]], { dtype: 'int32' })),
      ValueRangeError,
      /^gather: index 3 is out of range for dim 1 of size 3 \(valid: 0 to 2\)/,
    );
    expectError(() => T.oneHot(T.tensor([0, 5], { dtype: 'int32' }), 3), ValueRangeError, /^oneHot: index 5 is out of range for 3 classes/);
  });
  it('a wrong dtype', () => {
    expectError(() => T.where(f([1, 0]), 1, 2), DTypeError, /^where: condition must be bool, got float32/);
    expectError(() => T.gather(T.zeros([2]), 0, f([0])), DTypeError, /^gather: index must be int32, got float32/);
    expectError(() => T.mean(T.tensor([1, 2], { dtype: 'int32' })), DTypeError, /^mean: needs a floating-point tensor, got int32/);
    expectError(
      () =>
        T.tensor([1])
          .cast('float16' as any)
          .add(1),
      DTypeError,
      /unknown dtype|does not support dtype float16/,
    );
  });
  it('a disposed tensor', () => {
    const t = T.ones([2]);
    t.dispose();
    expectError(() => t.add(1), DisposedError, /^add: tensor #\d+ \(shape \[2\]\) was disposed and cannot be used/);
  });
  it('an unknown backend', () => {
    expectError(() => T.setBackend('tpu'), BackendError, /^setBackend: no backend named 'tpu' is registered \(registered: cpu/);
  });
  it('invalid ranges and arguments', () => {
    expectError(() => T.arange(0, 10, 0), ValueRangeError, /^arange: step must be non-zero/);
    expectError(() => T.randint(5, 5, [2]), ValueRangeError, /^randint: needs integers low < high, got low=5, high=5/);
    expectError(() => T.zeros([-1]), ShapeError, /^full: shape \[-1\] must hold non-negative integers/);
    expectError(() => T.ones([3]).item(), NNError, /^item: tensor of shape \[3\] has 3 elements; item\(\) needs exactly 1/);
    expectError(() => T.zeros([2, 3]).expand(4, 3), ShapeError, /^expand: cannot expand \[2,3\] to \[4,3\]: dim 0 has size 2/);
    expectError(
      () => T.concat([T.zeros([2, 3]), T.zeros([2, 4])], 0),
      ShapeError,
      /^concat: tensor 1 has shape \[2,4\], which does not match \[2,3\] outside dim 0/,
    );
    expectError(() => T.linear(T.zeros([4, 3]), T.zeros([2, 5])), ShapeError, /^linear: input's last dim 3 != weight's in_features 5/);
  });
  it('errors leave no allocation behind', () => {
    const before = T.memory();
    for (let i = 0; i < 5; i++) {
      try {
        T.matmul(T.zeros([2, 3]), T.zeros([4, 5]));
      } catch {}
    }
    // The two inputs per iteration are the caller's; the failed op itself allocated nothing.
    expect(T.memory().backends.cpu.buffers - before.backends.cpu.buffers).toBe(10);
  });
});

describe('edge cases that used to throw or crash', () => {
  it('softmax / logSoftmax over an empty dim return an empty tensor; logsumexp over nothing is -inf (PyTorch)', () => {
    for (const shape of [[2, 0], [0, 3], [0]]) {
      const x = T.zeros(shape);
      expect(x.softmax(-1).shape).toEqual(shape);
      expect(x.logSoftmax(-1).shape).toEqual(shape);
      expect(T.softmax(x, 0).shape).toEqual(shape);
    }
    expect(T.zeros([2, 0]).logsumexp(1).arraySync()).toEqual([-Infinity, -Infinity]);
    expect(T.zeros([0, 2]).logsumexp(1).shape).toEqual([0]);
  });

  it('tidy(asyncFn) throws once and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const x = T.ones([2]);
      expectError(
        () =>
          T.tidy(async () => {
            const y = x.mul(2);
            await new Promise((r) => setTimeout(r, 5));
            return y.add(1); // y was disposed when tidy returned: this rejects
          }),
        NNError,
        /^tidy: fn returned a Promise; use `await scope\(async \(\) => \.\.\.\)` for async code/,
      );
      await new Promise((r) => setTimeout(r, 30));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
