/** The functional convolution and pooling ops: checkGrad (float64), chunking, typed errors. */
import * as T from '@nn/tensor';
import { DTypeError, NNError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkGrad, grad } from '@nn/autograd';
import * as L from '@nn/layers';
import { describe, expect, it } from 'vitest';

T.manualSeed(5);
const f64 = (...shape: number[]) => T.cast(T.randn(shape), 'float64');

describe('checkGrad (float64 central differences, reverse and forward mode)', () => {
  const cases: Record<string, [(...xs: Tensor[]) => Tensor, Tensor[]]> = {
    conv2d: [(x, w, b) => T.conv2d(x, w, b, { stride: [2, 1], padding: 1 }), [f64(2, 2, 5, 4), f64(3, 2, 3, 2), f64(3)]],
    conv2dGroupsDilation: [(x, w) => T.conv2d(x, w, null, { groups: 2, dilation: 2, padding: 'same' }), [f64(1, 4, 5, 5), f64(4, 2, 2, 3)]],
    conv1d: [(x, w, b) => T.conv1d(x, w, b, { stride: 2, padding: 2 }), [f64(2, 3, 7), f64(2, 3, 3), f64(2)]],
    convTranspose2d: [
      (x, w, b) => T.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
      [f64(2, 4, 3, 2), f64(4, 1, 3, 3), f64(2)],
    ],
    convTranspose1d: [(x, w) => T.convTranspose1d(x, w, null, { stride: 3, dilation: 2 }), [f64(1, 2, 4), f64(2, 3, 2)]],
    maxPool2d: [(x) => T.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [f64(2, 2, 6, 5)]],
    maxPool2dDilation: [(x) => T.maxPool2d(x, [2, 3], { stride: 1, dilation: [2, 1] }), [f64(1, 1, 5, 5)]],
    avgPool2d: [(x) => T.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [f64(1, 2, 6, 5)]],
    adaptiveAvgPool2dEven: [(x) => T.adaptiveAvgPool2d(x, [2, 3]), [f64(1, 2, 4, 6)]],
    adaptiveAvgPool2dUneven: [(x) => T.adaptiveAvgPool2d(x, [3, 2]), [f64(1, 2, 5, 5)]],
    unfold: [(x) => T.unfold(x, [2, 3], { padding: 1, stride: [2, 1], dilation: [1, 2] }), [f64(1, 2, 4, 5)]],
    fold: [(x) => T.fold(x, [4, 5], [2, 2], { padding: 1 }), [f64(1, 8, 30)]],
    padReflect: [(x) => T.pad(x, [2, 1, 1, 2], { mode: 'reflect' }), [f64(1, 2, 3, 4)]],
    padReplicate: [(x) => T.pad(x, [3, 0, 0, 2], { mode: 'replicate' }), [f64(2, 3, 2)]],
    padCircular: [(x) => T.pad(x, [1, 2], { mode: 'circular' }), [f64(2, 3)]],
  };
  for (const [name, [f, xs]] of Object.entries(cases)) it(name, () => expect(checkGrad(f, xs).ok).toBe(true));

  it('modules: BatchNorm2d (training) and GroupNorm', () => {
    expect(checkGrad((x) => new L.BatchNorm2d(2, { affine: false })(x) as Tensor, [f64(3, 2, 2, 3)]).ok).toBe(true);
    expect(checkGrad((x) => new L.GroupNorm(2, 4, { affine: false })(x) as Tensor, [f64(2, 4, 3)]).ok).toBe(true);
  });

  it('gradients of gradients: the rules are differentiable (second derivatives through conv, pooling, convTranspose)', () => {
    const w = f64(2, 2, 3, 3);
    const loss = (x: Tensor) => {
      const h = T.maxPool2d(T.tanh(T.conv2d(x, w, null, { padding: 1 })), 2);
      return T.sum(T.tanh(T.convTranspose2d(T.avgPool2d(h, 1), T.transpose(w, 0, 1), null, { stride: 2 })));
    };
    const dLdx = grad(loss) as (x: Tensor) => Tensor;
    const v = f64(1, 2, 6, 6);
    expect(checkGrad((x) => T.sum(T.mul(dLdx(x), v)), [f64(1, 2, 6, 6)], { modes: ['reverse'] }).ok).toBe(true);
  });
});

describe('the column buffer is bounded', () => {
  it('without gradients, peak memory stays far below one whole-batch column buffer', () => {
    // The cpu backend, with live-byte accounting on every alloc and free.
    const base = T.createCpuBackend();
    type Buffer = ReturnType<typeof base.alloc>;
    const sizes = new Map<Buffer, number>();
    let live = 0;
    let peak = 0;
    const counting: T.Backend<Buffer> = {
      ...base,
      name: 'peak-counting',
      alloc(size, dtype) {
        const b = base.alloc(size, dtype);
        sizes.set(b, size * 4);
        live += size * 4;
        peak = Math.max(peak, live);
        return b;
      },
      free(b: Buffer) {
        live -= sizes.get(b) ?? 0;
        base.free(b);
      },
    };
    T.registerBackend(counting as T.Backend);
    const x = T.randn([16, 3, 16, 16]).to('peak-counting');
    const w = T.randn([4, 3, 3, 3]).to('peak-counting');
    const columns = 16 * 3 * 9 * 256 * 4;
    const saved = T.convLimits.columnBytes;
    T.convLimits.columnBytes = columns / 8; // two samples per chunk
    try {
      const before = live;
      peak = live;
      const y = T.conv2d(x, w, null, { padding: 1 });
      expect(y.shape).toEqual([16, 4, 16, 16]);
      // Chunk outputs + the joined output + one chunk's padded input and columns.
      expect(peak - before).toBeLessThan(columns / 2);
    } finally {
      T.convLimits.columnBytes = saved;
    }
  });

  it('chunks the batch when the columns would exceed convLimits.columnBytes, with the same result and gradients', () => {
    const x = T.randn([5, 3, 6, 6], { requiresGrad: true });
    const w = T.randn([4, 3, 3, 3], { requiresGrad: true });
    const run = () => {
      const y = T.conv2d(x, w, null, { padding: 1 });
      T.sum(T.mul(y, y)).backward();
      const out = [y.dataSync(), x.grad!.dataSync(), w.grad!.dataSync()].map((a) => Array.from(a));
      x.grad = null;
      w.grad = null;
      return out;
    };
    const whole = run();
    const saved = T.convLimits.columnBytes;
    T.convLimits.columnBytes = 3 * 27 * 36 * 4 * 2; // two samples per chunk
    try {
      const chunked = run();
      chunked.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(whole[i][j], 4)));
    } finally {
      T.convLimits.columnBytes = saved;
    }
  });
});

describe('bad arguments get typed errors naming the op, the values and what is valid, before any work', () => {
  const x = T.randn([1, 3, 5, 5]);
  const w = T.randn([4, 3, 3, 3]);
  const r = (...shape: number[]) => T.randn(shape);
  // [name, inputs, call, error type, message]
  const cases: [string, Tensor[], (...a: Tensor[]) => unknown, typeof NNError, RegExp][] = [
    [
      'rank',
      [r(3, 5)],
      (a) => T.conv2d(a, w),
      ShapeError,
      /conv2d: expected a 4-D \[N, C, H, W\] or 3-D unbatched \[C, H, W\] input, got shape \[3,5\]/,
    ],
    [
      'weight rank',
      [r(4, 3, 3)],
      (a) => T.conv2d(x, a),
      ShapeError,
      /conv2d: weight must be 4-D \[out_channels, in_channels\/groups, kH, kW\]/,
    ],
    [
      'channels',
      [r(1, 2, 5, 5)],
      (a) => T.conv2d(a, w),
      ShapeError,
      /expected input with 3 channels .*got 2 channels in input of shape \[1,2,5,5\]/,
    ],
    [
      'groups',
      [r(1, 6, 5, 5), r(4, 2, 3, 3)],
      (a, b) => T.conv2d(a, b, null, { groups: 3 }),
      ValueRangeError,
      /groups=3 must divide in_channels \(6\) and out_channels \(4\)/,
    ],
    ['groups value', [], () => T.conv2d(x, w, null, { groups: 0 }), ValueRangeError, /groups must be a positive integer, got 0/],
    [
      'kernel too large',
      [r(1, 3, 2, 5)],
      (a) => T.conv2d(a, w),
      ShapeError,
      /kernel size 3 is larger than the padded input height 2 \(input 2 \+ padding 0 \+ 0\)/,
    ],
    [
      'dilated kernel',
      [],
      () => T.conv2d(x, w, null, { dilation: [1, 3] }),
      ShapeError,
      /dilated by 3 to an extent of 7 is larger than the padded input width 5/,
    ],
    [
      'stride',
      [],
      () => T.conv2d(x, w, null, { stride: 0 }),
      ValueRangeError,
      /conv2d: stride must be a positive integer or a list of 2 of them, got 0/,
    ],
    [
      'padding',
      [],
      () => T.conv2d(x, w, null, { padding: [1, -1] }),
      ValueRangeError,
      /padding must be a non-negative integer or a list of 2 of them, got \[1, -1\]/,
    ],
    ['same with stride', [], () => T.conv2d(x, w, null, { padding: 'same', stride: 2 }), ValueRangeError, /padding='same' needs stride 1/],
    [
      'unknown option',
      [],
      () => T.conv2d(x, w, null, { strides: 2 } as never),
      NNError,
      /unknown option 'strides' \(valid options: stride, padding, dilation, groups\)/,
    ],
    ['bias shape', [r(3)], (b) => T.conv2d(x, w, b), ShapeError, /bias must be 1-D \[out_channels\] = \[4\], got shape \[3\]/],
    [
      'conv1d kernel',
      [r(1, 3, 2), r(2, 3, 4)],
      (a, b) => T.conv1d(a, b),
      ShapeError,
      /conv1d: kernel size 4 is larger than the padded input length 2/,
    ],
    [
      'transpose output',
      [r(1, 3, 2, 2), r(3, 2, 2, 2)],
      (a, b) => T.convTranspose2d(a, b, null, { padding: 2 }),
      ShapeError,
      /output height would be -1 /,
    ],
    [
      'transpose outputPadding',
      [r(3, 2, 3, 3)],
      (b) => T.convTranspose2d(x, b, null, { outputPadding: 1 }),
      ValueRangeError,
      /outputPadding 1 \(height\) must be smaller than either stride \(1\) or dilation \(1\)/,
    ],
    [
      'transpose channels',
      [r(4, 2, 3, 3)],
      (b) => T.convTranspose2d(x, b),
      ShapeError,
      /expected input with 4 channels \(weight.shape\[0\] = 4/,
    ],
    [
      'pool padding',
      [],
      () => T.maxPool2d(x, 3, { padding: 2 }),
      ValueRangeError,
      /maxPool2d: padding 2 \(height\) must be at most half of the dilated kernel size 3/,
    ],
    [
      'pool output',
      [r(1, 1, 1, 4)],
      (a) => T.maxPool2d(a, 2),
      ShapeError,
      /maxPool2d: output height would be 0: the input height 1 \+ 2 \* padding 0 is smaller than the kernel extent 2/,
    ],
    [
      'avg divisor',
      [],
      () => T.avgPool2d(x, 2, { divisorOverride: 0 }),
      ValueRangeError,
      /divisorOverride must be a non-zero integer, got 0/,
    ],
    [
      'adaptive size',
      [],
      () => T.adaptiveAvgPool2d(x, [0, 2]),
      ValueRangeError,
      /outputSize must be a positive integer or a list of 2 of them, got \[0, 2\]/,
    ],
    [
      'fold blocks',
      [r(1, 12, 19)],
      (a) => T.fold(a, [5, 6], 2),
      ShapeError,
      /fold: input's last dim 19 must equal the number of windows 4\*5 = 20/,
    ],
    ['fold channels', [r(1, 10, 20)], (a) => T.fold(a, [5, 6], 2), ShapeError, /must be divisible by the kernel's 2\*2 = 4 elements/],
    [
      'reflect too wide',
      [],
      () => T.pad(x, [5, 0], { mode: 'reflect' }),
      ValueRangeError,
      /pad: reflect padding \[5, 0\] of dim 3 \(size 5\) must be non-negative and at most 4/,
    ],
    [
      'int input',
      [T.zeros([1, 3, 5, 5], { dtype: 'int32' })],
      (a) => T.conv2d(a, w),
      DTypeError,
      /expected a floating-point input, got int32/,
    ],
  ];
  for (const [name, inputs, f, type, message] of cases) {
    it(name, () => {
      const before = T.memory().tensors;
      expect(() => f(...inputs)).toThrow(type);
      expect(() => f(...inputs)).toThrow(message);
      expect(T.memory().tensors, 'nothing allocated').toBe(before);
    });
  }
});
