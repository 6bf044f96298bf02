/** Convolutional modules: PyTorch's init, names and state-dict keys, errors, Dropout2d, a small CNN. */
import * as T from '@nn/tensor';
import { NNError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { noGrad } from '@nn/autograd';

const maxAbs = (t: Tensor) => Math.max(...Array.from(t.dataSync(), Math.abs));

describe('parameters, init and state dicts as PyTorch', () => {
  it('Conv2d: weight [out, in/groups, kH, kW], bias [out], kaiming_uniform(a=sqrt 5) bounds 1/sqrt(fan_in)', () => {
    T.manualSeed(1);
    const conv = new L.Conv2d(4, 8, [3, 2], { groups: 2 });
    expect(Object.keys(conv.stateDict())).toEqual(['weight', 'bias']);
    expect(conv.weight.shape).toEqual([8, 2, 3, 2]);
    expect(conv.bias!.shape).toEqual([8]);
    const bound = 1 / Math.sqrt(2 * 3 * 2); // gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    expect(maxAbs(conv.weight)).toBeLessThanOrEqual(bound);
    expect(maxAbs(conv.weight)).toBeGreaterThan(0.8 * bound);
    expect(maxAbs(conv.bias!)).toBeLessThanOrEqual(bound);
  });

  it('ConvTranspose2d: weight [in, out/groups, kH, kW]; fan_in is out/groups * kH * kW, as torch computes it', () => {
    T.manualSeed(2);
    const ct = new L.ConvTranspose2d(6, 4, 3, { groups: 2, bias: false });
    expect(ct.weight.shape).toEqual([6, 2, 3, 3]);
    expect(ct.bias).toBeNull();
    expect(Object.keys(ct.stateDict())).toEqual(['weight']);
    expect(maxAbs(ct.weight)).toBeLessThanOrEqual(1 / Math.sqrt(2 * 9));
  });

  it('BatchNorm2d and GroupNorm keep PyTorch keys', () => {
    expect(Object.keys(new L.BatchNorm2d(3).stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new L.GroupNorm(2, 4).stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new L.GroupNorm(2, 4, { affine: false }).stateDict())).toEqual([]);
  });

  it('prints like PyTorch', () => {
    const model = new L.Sequential(
      new L.Conv2d(1, 32, 3, { padding: 1 }),
      new L.BatchNorm2d(32),
      new L.ReLU(),
      new L.MaxPool2d(2),
      new L.Conv2d(32, 64, [3, 5], { stride: [1, 2], dilation: 2, groups: 2, bias: false, paddingMode: 'reflect' }),
      new L.ConvTranspose2d(64, 8, 3, { stride: 2, padding: 1, outputPadding: 1 }),
      new L.Conv1d(8, 8, 3, { padding: 'same' }),
      new L.AvgPool2d(3, { stride: 2, padding: 1 }),
      new L.AdaptiveAvgPool2d([null, 1]),
      new L.Flatten(),
      new L.Unflatten(1, [8, -1]),
      new L.Dropout2d(0.1),
      new L.GroupNorm(4, 8),
    );
    const lines = String(model).split('\n');
    expect(lines.slice(1, 14)).toEqual([
      '  (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
      '  (1): BatchNorm2d(32, eps=0.00001, momentum=0.1, affine=True, track_running_stats=True)',
      '  (2): ReLU()',
      '  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)',
      '  (4): Conv2d(32, 64, kernel_size=(3, 5), stride=(1, 2), dilation=(2, 2), groups=2, bias=False, padding_mode=reflect)',
      '  (5): ConvTranspose2d(64, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))',
      '  (6): Conv1d(8, 8, kernel_size=(3,), stride=(1,), padding=same)',
      '  (7): AvgPool2d(kernel_size=3, stride=2, padding=1)',
      '  (8): AdaptiveAvgPool2d(output_size=(None, 1))',
      '  (9): Flatten(start_dim=1, end_dim=-1)',
      '  (10): Unflatten(dim=1, unflattened_size=(8, -1))',
      '  (11): Dropout2d(p=0.1)',
      '  (12): GroupNorm(4, 8, eps=0.00001, affine=True)',
    ]);
  });
});

describe('module behaviour', () => {
  it('ConvTranspose2d(x, outputSize) picks the outputPadding that reaches the size', () => {
    const ct = new L.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = T.randn([1, 2, 4, 5]);
    expect((ct(x) as Tensor).shape).toEqual([1, 3, 7, 9]);
    expect((ct(x, [8, 10]) as Tensor).shape).toEqual([1, 3, 8, 10]);
    expect((ct(x, [1, 3, 8, 9]) as Tensor).shape).toEqual([1, 3, 8, 9]);
    expect(() => ct(x, [9, 9])).toThrow(/requested output size \(9, 9\) is not reachable: size 0 must be in \[7, 8\]/);
  });

  it('Conv2d with padding "same" keeps the size, for odd and even kernels', () => {
    for (const k of [3, 4, [2, 5]] as const) {
      const y = new L.Conv2d(2, 3, k as never, { padding: 'same', dilation: 2 })(T.randn([2, 2, 7, 6])) as Tensor;
      expect(y.shape).toEqual([2, 3, 7, 6]);
    }
  });

  it('Dropout2d zeros whole channels, scales the rest by 1 / (1 - p), is seeded, and is the identity in eval', () => {
    const d = new L.Dropout2d(0.5);
    const x = T.ones([8, 16, 3, 3]);
    T.manualSeed(9);
    const y = (d(x) as Tensor).dataSync();
    T.manualSeed(9);
    expect(Array.from((d(x) as Tensor).dataSync())).toEqual(Array.from(y));
    let dropped = 0;
    for (let c = 0; c < 8 * 16; c++) {
      const ch = Array.from(y.slice(c * 9, c * 9 + 9));
      expect(new Set(ch).size, 'one value per channel').toBe(1);
      expect([0, 2]).toContain(ch[0]);
      if (ch[0] === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(88);
    d.eval();
    expect(Array.from((d(x) as Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('BatchNorm2d normalizes each channel over N, H, W in training', () => {
    const bn = new L.BatchNorm2d(2);
    const x = T.add(T.mul(T.randn([4, 2, 3, 3]), 3), 5);
    const y = bn(x) as Tensor;
    const m = T.mean(y, [0, 2, 3]).dataSync();
    const v = T.variance(y, [0, 2, 3], { correction: 0 }).dataSync();
    m.forEach((a) => expect(Math.abs(a)).toBeLessThan(1e-5));
    v.forEach((a) => expect(a).toBeCloseTo(1, 3));
  });

  it('a small CNN (Conv2d, BatchNorm2d, MaxPool2d, GroupNorm, AdaptiveAvgPool2d) learns to tell two patterns apart', () => {
    T.manualSeed(4);
    const model = new L.Sequential(
      new L.Conv2d(1, 4, 3, { padding: 1 }),
      new L.BatchNorm2d(4),
      new L.ReLU(),
      new L.MaxPool2d(2),
      new L.Conv2d(4, 8, 3, { padding: 'same' }),
      new L.GroupNorm(2, 8),
      new L.ReLU(),
      new L.AdaptiveAvgPool2d(1),
      new L.Flatten(),
      new L.Linear(8, 2),
    );
    // Class 0: a horizontal bar; class 1: a vertical bar; plus noise.
    const img = T.zeros([16, 1, 8, 8]).dataSync().slice();
    const labels = new Int32Array(16);
    for (let n = 0; n < 16; n++) {
      labels[n] = n % 2;
      for (let i = 0; i < 8; i++) img[n * 64 + (labels[n] === 0 ? 3 * 8 + i : i * 8 + 4)] = 1;
    }
    const x = T.add(T.tensor(img, { shape: [16, 1, 8, 8] }), T.mul(T.randn([16, 1, 8, 8]), 0.1));
    const y = T.tensor(labels);
    const params = model.parameters();
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      model.zeroGrad();
      losses.push(
        T.tidy(() => {
          const loss = L.crossEntropy(model(x) as Tensor, y);
          loss.backward();
          return loss.item();
        }),
      );
      noGrad(() =>
        T.tidy(() => {
          for (const p of params) p.copy_(T.sub(p, T.mul(p.grad!, 0.1)));
        }),
      );
    }
    expect(losses[29]).toBeLessThan(0.5 * losses[0]);
  });
});

describe('module errors name the module, the value and what is valid', () => {
  const cases: [string, () => unknown, typeof NNError, RegExp][] = [
    [
      'groups',
      () => new L.Conv2d(4, 6, 3, { groups: 4 }),
      ValueRangeError,
      /Conv2d: groups=4 must divide inChannels \(4\) and outChannels \(6\)/,
    ],
    [
      'kernel',
      () => new L.Conv2d(1, 2, [3, 0]),
      ValueRangeError,
      /Conv2d: kernelSize must be a positive integer or a list of 2 of them, got \[3, 0\]/,
    ],
    [
      'channels',
      () => new L.Conv2d(3, 2, 3)(T.randn([1, 2, 5, 5])),
      ShapeError,
      /Conv2d\(3, 2\): expected input with channels = 3 \(dim 1\), got input of shape \[1,2,5,5\]/,
    ],
    [
      'rank',
      () => new L.Conv1d(3, 2, 3)(T.randn([3])),
      ShapeError,
      /Conv1d: expected a 3-D \[N, C, L\] or 2-D unbatched input, got shape \[3\]/,
    ],
    ['same stride', () => new L.Conv2d(1, 1, 3, { padding: 'same', stride: 2 }), ValueRangeError, /padding='same' needs stride 1/],
    [
      'padding mode',
      () => new L.Conv2d(1, 1, 3, { paddingMode: 'mirror' as never }),
      ValueRangeError,
      /paddingMode must be one of zeros, reflect, replicate, circular, got 'mirror'/,
    ],
    ['unknown option', () => new L.Conv2d(1, 1, 3, { bais: false } as never), NNError, /Conv2d: unknown option 'bais'/],
    [
      'transpose padding mode',
      () => new L.ConvTranspose2d(1, 1, 3, { paddingMode: 'zeros' } as never),
      NNError,
      /ConvTranspose2d: unknown option 'paddingMode'/,
    ],
    [
      'outputPadding',
      () => new L.ConvTranspose2d(1, 1, 3, { outputPadding: 2, stride: 2 }),
      ValueRangeError,
      /outputPadding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)/,
    ],
    [
      'pool kernel',
      () => new L.MaxPool2d(0),
      ValueRangeError,
      /MaxPool2d: kernelSize must be a positive integer or a list of 2 of them, got 0/,
    ],
    ['pool option', () => new L.MaxPool2d(2, { returnIndices: true } as never), NNError, /MaxPool2d: unknown option 'returnIndices'/],
    ['ceilMode', () => new L.AvgPool2d(2, { ceilMode: 1 as never }), ValueRangeError, /AvgPool2d: ceilMode must be true or false, got 1/],
    [
      'adaptive',
      () => new L.AdaptiveAvgPool2d([2, 0]),
      ValueRangeError,
      /AdaptiveAvgPool2d: outputSize must be a positive integer or a list of 2/,
    ],
    [
      'bn2d rank',
      () => new L.BatchNorm2d(3)(T.randn([2, 3, 4])),
      ShapeError,
      /BatchNorm2d\(3\): expected 4-D \[N, C, H, W\] input, got shape \[2,3,4\]/,
    ],
    ['bn2d channels', () => new L.BatchNorm2d(3)(T.randn([2, 4, 2, 2])), ShapeError, /BatchNorm2d\(3\): expected input with channels = 3/],
    ['groupnorm groups', () => new L.GroupNorm(3, 4), ValueRangeError, /GroupNorm: numChannels \(4\) must be divisible by numGroups \(3\)/],
    [
      'groupnorm channels',
      () => new L.GroupNorm(2, 4)(T.randn([2, 6, 3])),
      ShapeError,
      /GroupNorm\(2, 4\): expected input with channels = 4/,
    ],
    [
      'dropout2d rank',
      () => new L.Dropout2d()(T.randn([3, 4, 4])),
      ShapeError,
      /Dropout2d: expected a 4-D \[N, C, H, W\] input, got shape \[3,4,4\]; add a batch dim/,
    ],
    [
      'unflatten',
      () => new L.Unflatten(1, [3, 4])(T.randn([2, 10])),
      ShapeError,
      /Unflatten: dim 1 of size 10 cannot be split into \[3, 4\]/,
    ],
  ];
  for (const [name, f, type, message] of cases) {
    it(name, () => {
      expect(f).toThrow(type);
      expect(f).toThrow(message);
    });
  }
});
