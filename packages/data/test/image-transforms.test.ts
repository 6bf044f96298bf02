import {
  CenterCrop,
  Compose,
  Normalize,
  type PaddingMode,
  RandomCrop,
  RandomHorizontalFlip,
  RandomVerticalFlip,
  Standardize,
} from '@nn/data';
import * as T from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';

// --- naive references: plain loops over Float32Arrays of [C, H, W] images ----------------------

interface Img {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
}

/** Pixel values that say where they are: 10000 c + 100 y + x (+ base), exact in float32. */
function makeImg(c: number, h: number, w: number, base = 0): Img {
  const data = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(k * h + y) * w + x] = base + 10000 * k + 100 * y + x;
  return { data, c, h, w };
}
const toTensor = (im: Img): T.Tensor => T.tensor(im.data, { shape: [im.c, im.h, im.w] });
const fromTensor = (t: T.Tensor): Img => ({
  data: Float32Array.from(t.dataSync() as Float32Array),
  c: t.shape[0],
  h: t.shape[1],
  w: t.shape[2],
});

/** Source coordinate of padded position i in a dim of size n, or -1 for the constant fill. */
function source(i: number, n: number, mode: PaddingMode): number {
  if (mode === 'constant') return i >= 0 && i < n ? i : -1;
  if (mode === 'edge') return Math.min(Math.max(i, 0), n - 1);
  while (i < 0 || i >= n) {
    if (mode === 'reflect') i = i < 0 ? -i : 2 * (n - 1) - i;
    else i = i < 0 ? -i - 1 : 2 * n - 1 - i;
  }
  return i;
}

function refPad(im: Img, [l, t, r, b]: number[], mode: PaddingMode, fill = 0): Img {
  const h = im.h + t + b;
  const w = im.w + l + r;
  const data = new Float32Array(im.c * h * w);
  for (let k = 0; k < im.c; k++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = source(y - t, im.h, mode);
        const sx = source(x - l, im.w, mode);
        data[(k * h + y) * w + x] = sy < 0 || sx < 0 ? fill : im.data[(k * im.h + sy) * im.w + sx];
      }
    }
  }
  return { data, c: im.c, h, w };
}

function refCrop(im: Img, top: number, left: number, h: number, w: number): Img {
  const data = new Float32Array(im.c * h * w);
  for (let k = 0; k < im.c; k++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(k * h + y) * w + x] = im.data[(k * im.h + top + y) * im.w + left + x];
  return { data, c: im.c, h, w };
}

function refFlip(im: Img, horizontal: boolean): Img {
  const data = new Float32Array(im.data.length);
  for (let k = 0; k < im.c; k++) {
    for (let y = 0; y < im.h; y++) {
      for (let x = 0; x < im.w; x++) {
        const [sy, sx] = horizontal ? [y, im.w - 1 - x] : [im.h - 1 - y, x];
        data[(k * im.h + y) * im.w + x] = im.data[(k * im.h + sy) * im.w + sx];
      }
    }
  }
  return { ...im, data };
}

function refNormalize(im: Img, mean: number[], std: number[]): Img {
  const data = new Float32Array(im.data.length);
  const f = Math.fround;
  for (let k = 0; k < im.c; k++) {
    const m = f(mean[mean.length === 1 ? 0 : k]);
    const s = f(std[std.length === 1 ? 0 : k]);
    for (let i = 0; i < im.h * im.w; i++) data[k * im.h * im.w + i] = f(f(im.data[k * im.h * im.w + i] - m) / s);
  }
  return { ...im, data };
}

/** The documented draws: image k of a transform seeded with s uses block k, i.e. `manualSeed(s); rand([4 n])`. */
function draws(seed: number, n: number): Float32Array {
  const state = T.getRngState();
  T.manualSeed(seed);
  const t = T.rand([4 * n]);
  const u = Float32Array.from(t.dataSync() as Float32Array);
  t.dispose();
  T.setRngState(state);
  return u;
}
const offset = (u: number, range: number): number => Math.floor(u * (range + 1));

const disposeAll = (ts: T.Tensor[]): void => {
  for (const t of ts) t.dispose();
};

const expectImg = (t: T.Tensor, ref: Img): void => {
  expect(t.shape).toEqual([ref.c, ref.h, ref.w]);
  expect(Array.from(t.dataSync())).toEqual(Array.from(ref.data));
};

/** Applies `make()`-built transforms once per call, disposing results; returns the images. */
function run(transform: { apply(x: T.Tensor): T.Tensor }, x: T.Tensor, times: number): Img[] {
  return Array.from({ length: times }, () => {
    const y = transform.apply(x);
    const im = fromTensor(y);
    y.dispose();
    return im;
  });
}

// --- RandomCrop ------------------------------------------------------------------------------

describe('RandomCrop', () => {
  it('crops the window drawn from block k of the seeded stream (torchvision semantics: offsets uniform in [0, H + 2p - h])', () => {
    const im = makeImg(2, 6, 7);
    const x = toTensor(im);
    const crop = new RandomCrop([4, 5], { padding: 2, seed: 3 });
    const u = draws(3, 20);
    const padded = refPad(im, [2, 2, 2, 2], 'constant');
    const tops: number[] = [];
    for (let k = 0; k < 20; k++) {
      const top = offset(u[4 * k], 10 - 4);
      const left = offset(u[4 * k + 1], 11 - 5);
      tops.push(top);
      const y = crop.apply(x);
      expectImg(y, refCrop(padded, top, left, 4, 5));
      y.dispose();
    }
    expect(new Set(tops).size).toBeGreaterThan(3); // different calls (samples, epochs) get different windows
    x.dispose();
  });

  it('pins the windows of seed 0 (the draw rule must not change silently)', () => {
    const x = toTensor(makeImg(1, 8, 8));
    const crop = new RandomCrop(4, { padding: 1, seed: 0 });
    const corners = run(crop, x, 5).map((im) => im.data[0]); // pixel 100 y + x of the window's corner (0 = padding)
    const u = draws(0, 5);
    const expected = Array.from({ length: 5 }, (_, k) => {
      const top = offset(u[4 * k], 6) - 1;
      const left = offset(u[4 * k + 1], 6) - 1;
      return top < 0 || left < 0 ? 0 : 100 * top + left;
    });
    expect(corners).toEqual(expected);
    expect(corners).toEqual([105, 501, 0, 401, 503]);
    x.dispose();
  });

  it.each(['constant', 'reflect', 'edge', 'symmetric'] as const)('pads with paddingMode %s as the reference does', (mode) => {
    const im = makeImg(3, 5, 4);
    const x = toTensor(im);
    const padding = [3, 1, 2, 4]; // left, top, right, bottom
    const crop = new RandomCrop([6, 7], { padding, paddingMode: mode, fill: -7, seed: 11 });
    const u = draws(11, 6);
    const padded = refPad(im, padding, mode, -7);
    for (let k = 0; k < 6; k++) {
      const y = crop.apply(x);
      expectImg(y, refCrop(padded, offset(u[4 * k], padded.h - 6), offset(u[4 * k + 1], padded.w - 7), 6, 7));
      y.dispose();
    }
    // The full padded image (crop = padded size) is exactly the reference padding.
    const full = new RandomCrop([padded.h, padded.w], { padding, paddingMode: mode, fill: -7, seed: 0 }).apply(x);
    expectImg(full, padded);
    full.dispose();
    x.dispose();
  });

  it('reflect padding wider than the image folds again (NumPy style)', () => {
    const im = makeImg(1, 3, 2);
    const x = toTensor(im);
    const y = new RandomCrop([3 + 10, 2 + 9], { padding: [4, 5, 5, 5], paddingMode: 'reflect', seed: 0 }).apply(x);
    expectImg(y, refPad(im, [4, 5, 5, 5], 'reflect'));
    y.dispose();
    x.dispose();
  });

  it('accepts [leftRight, topBottom] padding', () => {
    const im = makeImg(1, 3, 3);
    const x = toTensor(im);
    const y = new RandomCrop([3 + 4, 3 + 2], { padding: [1, 2], fill: 9 }).apply(x);
    expectImg(y, refPad(im, [1, 2, 1, 2], 'constant', 9));
    y.dispose();
    x.dispose();
  });

  it('padIfNeeded pads both sides by the shortfall after padding, as torchvision (two pads: a mirror of a mirror)', () => {
    const im = makeImg(2, 4, 3);
    const x = toTensor(im);
    for (const mode of ['constant', 'reflect', 'edge'] as const) {
      const crop = new RandomCrop([7, 6], { padding: 1, paddingMode: mode, padIfNeeded: true, seed: 5 });
      // After padding 1: 6 x 5; torchvision then pads (6 - 5) on the left and right, (7 - 6) on the top and bottom.
      const padded = refPad(refPad(im, [1, 1, 1, 1], mode), [1, 1, 1, 1], mode);
      const u = draws(5, 4);
      for (let k = 0; k < 4; k++) {
        const y = crop.apply(x);
        expectImg(y, refCrop(padded, offset(u[4 * k], padded.h - 7), offset(u[4 * k + 1], padded.w - 6), 7, 6));
        y.dispose();
      }
    }
    x.dispose();
  });

  it('crops every image of a batch [N, C, H, W] with its own window, as one image at a time would', () => {
    const n = 8;
    const ims = Array.from({ length: n }, (_, i) => makeImg(2, 5, 5, 100000 * i));
    const imgs = ims.map(toTensor);
    const batch = T.stack(imgs);
    const options = { padding: 2, paddingMode: 'reflect' as const, seed: 42 };
    const out = new RandomCrop(4, options).apply(batch);
    expect(out.shape).toEqual([n, 2, 4, 4]);
    const one = new RandomCrop(4, options);
    const rows = imgs.map((im) => one.apply(im));
    const expected = T.stack(rows);
    expect(out.dataSync()).toEqual(expected.dataSync());
    // Different images got different windows (corner pixel relative to the image's base).
    const corners = new Set(range(n).map((i) => (out.dataSync()[i * 32] as number) - 100000 * i));
    expect(corners.size).toBeGreaterThan(2);
    disposeAll([out, expected, batch, ...rows, ...imgs]);
  });

  it('same seed, same crops on every run; another seed or the next call, other crops; no seed follows manualSeed', () => {
    const x = toTensor(makeImg(1, 9, 9));
    const a = run(new RandomCrop(5, { padding: 3, seed: 1 }), x, 6);
    const b = run(new RandomCrop(5, { padding: 3, seed: 1 }), x, 6);
    const c = run(new RandomCrop(5, { padding: 3, seed: 2 }), x, 6);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.slice(0, 3)).not.toEqual(a.slice(3)); // later epochs draw again
    T.manualSeed(9);
    const g1 = run(new RandomCrop(5, { padding: 3 }), x, 6);
    T.manualSeed(9);
    const g2 = run(new RandomCrop(5, { padding: 3 }), x, 6);
    expect(g2).toEqual(g1);
    expect(g1).toEqual(run(new RandomCrop(5, { padding: 3, seed: 9 }), x, 6)); // the global stream's draws, from its seed
    x.dispose();
  });

  it('errors: rank, crop larger than the padded image (naming sizes), bad options', () => {
    const x = T.zeros([3, 28, 28]);
    expect(() => new RandomCrop(32).apply(x)).toThrow(T.ShapeError);
    expect(() => new RandomCrop(32, { padding: 1 }).apply(x)).toThrow(
      'RandomCrop: crop size [32,32] is larger than the padded image [30,30] (input [3,28,28], padding [1,1,1,1]); add padding or pass padIfNeeded: true',
    );
    expect(() => new RandomCrop(8).apply(T.zeros([28, 28]))).toThrow(
      'RandomCrop: expected an image [C, H, W] or a batch [N, C, H, W], got shape [28,28]',
    );
    expect(() => new RandomCrop(8).apply(T.zeros([28, 28]))).toThrow(T.ShapeError);
    expect(() => new RandomCrop(0)).toThrow(T.ValueRangeError);
    expect(() => new RandomCrop([4, 4, 4])).toThrow(/size must be a positive integer or \[height, width\]/);
    expect(() => new RandomCrop(4, { padding: -1 })).toThrow(T.ValueRangeError);
    expect(() => new RandomCrop(4, { padding: [1, 2, 3] })).toThrow(/padding must be/);
    expect(() => new RandomCrop(4, { paddingMode: 'wrap' as PaddingMode })).toThrow(/paddingMode must be/);
    expect(() => new RandomCrop(4, { seed: -1 })).toThrow(/seed must be a non-negative safe integer/);
    expect(() => new RandomCrop(1, { padding: 1, paddingMode: 'reflect' }).apply(T.zeros([1, 1, 4]))).toThrow(
      'RandomCrop: cannot reflect-pad a dim of size 1',
    );
    expect(() => new RandomCrop(4).apply('img' as unknown as T.Tensor)).toThrow(T.NNError);
    x.dispose();
  });
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// --- flips -----------------------------------------------------------------------------------

describe('RandomHorizontalFlip / RandomVerticalFlip', () => {
  it('p = 1 always flips, p = 0 never (still a new tensor the caller owns)', () => {
    const im = makeImg(2, 3, 4);
    const x = toTensor(im);
    for (const [Flip, horizontal] of [
      [RandomHorizontalFlip, true],
      [RandomVerticalFlip, false],
    ] as const) {
      const always = new Flip({ p: 1, seed: 0 });
      for (const out of run(always, x, 3)) expect(out).toEqual(refFlip(im, horizontal));
      const never = new Flip({ p: 0, seed: 0 }).apply(x);
      expect(never).not.toBe(x);
      never.dispose();
      expect(x.isDisposed).toBe(false);
      expectImg(x, im);
    }
    x.dispose();
  });

  it('flips image k when u_k < p, u_k from block k of the seeded stream', () => {
    const im = makeImg(1, 2, 5);
    const x = toTensor(im);
    const flip = new RandomHorizontalFlip({ p: 0.3, seed: 8 });
    const u = draws(8, 40);
    const got = run(flip, x, 40);
    got.forEach((out, k) => expect(out).toEqual(u[4 * k] < 0.3 ? refFlip(im, true) : im));
    const flipped = got.filter((out) => out.data[0] !== im.data[0]).length;
    expect(flipped).toBeGreaterThan(3);
    expect(flipped).toBeLessThan(30);
    x.dispose();
  });

  it('flips each image of a batch on its own draw', () => {
    const n = 10;
    const ims = range(n).map((i) => makeImg(2, 3, 3, 100000 * i));
    const batch = T.stack(ims.map(toTensor));
    for (const [Flip, horizontal] of [
      [RandomHorizontalFlip, true],
      [RandomVerticalFlip, false],
    ] as const) {
      const out = new Flip({ seed: 4 }).apply(batch);
      const u = draws(4, n);
      const data = out.dataSync();
      for (let i = 0; i < n; i++) {
        const want = u[4 * i] < 0.5 ? refFlip(ims[i], horizontal) : ims[i];
        expect(Array.from(data.subarray(i * 18, (i + 1) * 18))).toEqual(Array.from(want.data));
      }
      expect(new Set(range(n).map((i) => u[4 * i] < 0.5)).size).toBe(2); // the batch mixes flipped and kept images
      out.dispose();
    }
    batch.dispose();
  });

  it('errors: bad p, wrong rank', () => {
    expect(() => new RandomHorizontalFlip({ p: 1.5 })).toThrow('RandomHorizontalFlip: p must be a probability in [0, 1], got 1.5');
    expect(() => new RandomVerticalFlip({ p: Number.NaN })).toThrow(T.ValueRangeError);
    expect(() => new RandomHorizontalFlip().apply(T.zeros([4]))).toThrow(T.ShapeError);
  });
});

// --- CenterCrop ------------------------------------------------------------------------------

describe('CenterCrop', () => {
  it('takes the central window with Python-rounded (half to even) offsets', () => {
    const im = makeImg(2, 9, 8);
    const x = toTensor(im);
    // (9 - 4) / 2 = 2.5 -> 2, (8 - 5) / 2 = 1.5 -> 2; (9 - 6) / 2 = 1.5 -> 2, (8 - 7) / 2 = 0.5 -> 0
    for (const [h, w, top, left] of [
      [4, 5, 2, 2],
      [6, 7, 2, 0],
      [9, 8, 0, 0],
      [3, 2, 3, 3],
    ]) {
      const y = new CenterCrop([h, w]).apply(x);
      expectImg(y, refCrop(im, top, left, h, w));
      y.dispose();
    }
    x.dispose();
  });
  it('zero-pads an image smaller than the crop, as torchvision; works on batches', () => {
    const im = makeImg(1, 3, 4);
    const x = toTensor(im);
    const y = new CenterCrop([6, 5]).apply(x);
    // padding [left, top, right, bottom] = [(5 - 4) // 2, (6 - 3) // 2, (5 - 4 + 1) // 2, (6 - 3 + 1) // 2]
    expectImg(y, refPad(im, [0, 1, 1, 2], 'constant'));
    const b = T.stack([x, x]);
    const yb = new CenterCrop(2).apply(b);
    expect(yb.shape).toEqual([2, 1, 2, 2]);
    // top = round((3 - 2) / 2) = round(0.5) = 0, left = round((4 - 2) / 2) = 1
    expect(Array.from(yb.dataSync())).toEqual([1, 2, 101, 102, 1, 2, 101, 102]);
    disposeAll([x, y, b, yb]);
  });
});

// --- Normalize -------------------------------------------------------------------------------

describe('Normalize', () => {
  it('computes (x - mean) / std per channel, for images and batches', () => {
    const im = makeImg(3, 4, 4);
    const x = toTensor(im);
    const mean = [0.485, 0.456, 0.406].map((v) => v * 30000);
    const std = [0.229, 0.224, 0.225].map((v) => v * 30000);
    const norm = new Normalize(mean, std);
    const y = norm.apply(x);
    expectImg(y, refNormalize(im, mean, std));
    const b = T.stack([x, x]);
    const yb = norm.apply(b);
    expect(yb.shape).toEqual([2, 3, 4, 4]);
    expect(Array.from(yb.dataSync())).toEqual([...refNormalize(im, mean, std).data, ...refNormalize(im, mean, std).data]);
    const one = new Normalize(0.5, [2]).apply(x);
    expectImg(one, refNormalize(im, [0.5], [2]));
    const d = new Normalize([1, 2, 3], [1, 1, 2]).apply(x.cast('float64'));
    expect(d.dtype).toBe('float64');
    disposeAll([x, y, b, yb, one, d]);
  });
  it('errors: channel count, non-positive std, non-float input, rank', () => {
    const x = T.zeros([3, 2, 2]);
    expect(() => new Normalize([0.5, 0.5], [0.2, 0.2]).apply(x)).toThrow(
      'Normalize: mean has 2 values but the image has 3 channels (shape [3,2,2])',
    );
    expect(() => new Normalize([0.5, 0.5, 0.5], [0.2, 0.2]).apply(x)).toThrow(T.ShapeError);
    expect(() => new Normalize([0, 0], [1, 0])).toThrow(/std must be positive finite numbers/);
    expect(() => new Normalize([0], [-1])).toThrow(T.ValueRangeError);
    expect(() => new Normalize([0, 0], [1, 1, 1])).toThrow('Normalize: mean has 2 values but std has 3; give one value per channel');
    expect(() => new Normalize([Number.NaN], [1])).toThrow(/mean must be/);
    const ints = T.tensor(new Int32Array(12), { shape: [3, 2, 2] });
    expect(() => new Normalize(0, 1).apply(ints)).toThrow(T.DTypeError);
    expect(() => new Normalize(0, 1).apply(ints)).toThrow(
      "Normalize: needs a float image, got int32 (e.g. x.cast('float32').div(255) first)",
    );
    expect(() => new Normalize(0, 1).apply(T.zeros([2, 2]))).toThrow(T.ShapeError);
    disposeAll([x, ints]);
  });
});

// --- Compose, memory, backends ---------------------------------------------------------------

describe('Compose', () => {
  it('applies transforms and functions in order; equals applying them one by one', () => {
    const x = toTensor(makeImg(3, 8, 8));
    const make = () => [
      new RandomCrop(6, { padding: 1, paddingMode: 'reflect', seed: 3 }),
      new RandomHorizontalFlip({ seed: 4 }),
      (t: T.Tensor) => t.div(1000),
      new Normalize([1, 2, 3], [0.5, 1, 2]),
    ];
    const pipeline = new Compose(make());
    const steps = make();
    for (let k = 0; k < 4; k++) {
      const y = pipeline.apply(x);
      let ref = x;
      const temps: T.Tensor[] = [];
      for (const t of steps) temps.push((ref = typeof t === 'function' ? t(ref) : t.apply(ref)));
      expect(y.dataSync()).toEqual(ref.dataSync());
      disposeAll([y, ...temps]);
    }
    const empty = new Compose([]).apply(x);
    expect(empty).not.toBe(x);
    disposeAll([empty, x]);
  });
  it('takes anything with apply (Standardize), and refuses other entries', () => {
    const x = T.tensor([[[1, 3]], [[5, 7]]]); // [2, 1, 2]
    const s = Standardize.fit(x, { dim: [1, 2] });
    const y = new Compose([s, new CenterCrop([1, 1])]).apply(x);
    expect(Array.from(y.dataSync())).toEqual([-1, -1]);
    expect(() => new Compose([42 as unknown as (t: T.Tensor) => T.Tensor])).toThrow(
      'Compose: transforms[0] is neither a function nor an object with apply(x)',
    );
    disposeAll([x, y]);
    s.dispose();
  });
});

describe('memory and backends', () => {
  const all = (): { apply(x: T.Tensor): T.Tensor }[] => [
    new RandomCrop(5, { padding: 2, seed: 1 }),
    new RandomCrop(5, { padding: [1, 2, 3, 1], paddingMode: 'reflect', padIfNeeded: true, seed: 1 }),
    new RandomCrop(9, { paddingMode: 'edge', padIfNeeded: true, seed: 1 }),
    new RandomHorizontalFlip({ seed: 2 }),
    new RandomVerticalFlip({ p: 1, seed: 2 }),
    new CenterCrop(7),
    new Normalize([0.1, 0.2, 0.3], [1, 2, 3]),
    new Compose([new RandomCrop(4, { padding: 1, seed: 1 }), new RandomHorizontalFlip({ seed: 2 }), new Normalize(0.5, 0.25)]),
  ];

  beforeAll(() => T.registerBackend({ ...T.getBackend('cpu'), name: 'no-readback-cpu', readSync: undefined }));

  it('leaves no tensors behind (outputs disposed), also when an apply throws', () => {
    const image = T.randn([3, 6, 6]);
    const batch = T.randn([4, 3, 6, 6]);
    const before = T.memory().tensors;
    for (const t of all()) {
      for (const x of [image, batch]) {
        for (let k = 0; k < 3; k++) t.apply(x).dispose();
      }
    }
    expect(() => new RandomCrop(3, { padding: 9, paddingMode: 'reflect' }).apply(T.zeros([1, 1, 5]))).toThrow(T.ShapeError);
    expect(T.memory().tensors).toBe(before + 1); // the zeros above
    disposeAll([image, batch]);
  });

  it('gives the same results on a backend without synchronous reads (no readbacks inside the transforms)', async () => {
    const xs = [T.randn([3, 6, 6]), T.randn([4, 3, 6, 6])];
    const cpu = all();
    const other = all();
    for (const x of xs) {
      const xo = x.to('no-readback-cpu');
      for (let i = 0; i < cpu.length; i++) {
        const a = cpu[i].apply(x);
        const b = other[i].apply(xo);
        expect(b.backend.name).toBe('no-readback-cpu');
        expect(b.shape).toEqual(a.shape);
        expect(await b.data()).toEqual(a.dataSync());
        disposeAll([a, b]);
      }
      xo.dispose();
    }
    disposeAll(xs);
  });
});
