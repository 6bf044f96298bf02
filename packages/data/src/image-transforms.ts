/**
 * Image transforms with torchvision's names (RandomCrop, RandomHorizontalFlip, RandomVerticalFlip,
 * CenterCrop, Normalize, Compose) for images [C, H, W] and batches [N, C, H, W]. They are made of
 * tensor ops (pad, narrow views, indexSelect, where), so they run on any backend without reading
 * data back; only the random draws happen on the host, from a Philox stream.
 */
import {
  DTypeError,
  NNError,
  ShapeError,
  type Tensor,
  ValueRangeError,
  concat,
  getRngState,
  indexSelect,
  isTensor,
  pad,
  setRngState,
  tensor,
  tidy,
  where,
} from '@nn/tensor';
import { fillRandom } from '@nn/tensor/backend';
import { PhiloxStream, checkSeed } from './random.js';

/** Anything with `apply(x)`: the image transforms here, and also Standardize / MinMaxScale. */
export interface Transform {
  /** The transformed copy of `x` (the input is left alone). */
  apply(x: Tensor): Tensor;
}
/** A transform object or a plain function, as {@link Compose} takes. */
export type TransformLike = Transform | ((x: Tensor) => Tensor);

/** Options every random transform takes. */
export interface RandomTransformOptions {
  /**
   * Seeds a private Philox stream: the k-th image the transform sees (counting every image of a
   * batch) uses block k of the stream, so the same seed and call order give the same draws on every
   * run and backend. Without it, draws come from the global generator (`manualSeed` controls them).
   */
  seed?: number;
}

/**
 * How {@link RandomCrop} pads: 'constant' (fill), 'reflect' (mirror without the edge), 'symmetric' (with it) or 'edge' (repeat it).
 */
export type PaddingMode = 'constant' | 'reflect' | 'edge' | 'symmetric';

/** Options of {@link RandomCrop}. */
export interface RandomCropOptions extends RandomTransformOptions {
  /** n (all sides), [leftRight, topBottom] or [left, top, right, bottom]; default 0. */
  padding?: number | readonly number[];
  /** How padding is filled (default 'constant'): `fill`, a mirror without / with the edge pixel, or the edge pixel. */
  paddingMode?: PaddingMode;
  /** Value of constant padding (default 0). */
  fill?: number;
  /** Pad (both sides) a dim smaller than the crop, after `padding`, as torchvision does. */
  padIfNeeded?: boolean;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** The sizes of an image [C, H, W] (n = 1) or a batch [N, C, H, W]. */
interface ImageDims {
  /** Images: N for a batch, 1 for a single image. */
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Checks that x is an image or a batch of them and gives its sizes. */
function checkImage(op: string, x: Tensor): ImageDims {
  if (!isTensor(x)) throw new NNError(`${op}: expected a Tensor`);
  x._check(op);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(`${op}: expected an image [C, H, W] or a batch [N, C, H, W], got shape ${fmt(x.shape)}`);
  }
  const [c, h, w] = x.shape.slice(-3) as [number, number, number]; // rank 3 or 4
  return { n: x.ndim === 4 ? x.shape[0]! : 1, c, h, w };
}

/** A size given as n or [h, w] (or [n]) as [h, w] of positive integers. */
function sizePair(op: string, size: unknown): [number, number] {
  const s = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 1 ? [size[0], size[0]] : size;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ValueRangeError(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return [s[0], s[1]];
}

/** torchvision's padding forms as [left, top, right, bottom]. */
function paddingLTRB(op: string, padding: unknown): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : padding;
  const ok = Array.isArray(p) && [1, 2, 4].includes(p.length) && p.every((v) => Number.isInteger(v) && v >= 0);
  if (!ok) {
    throw new ValueRangeError(
      `${op}: padding must be a non-negative integer, [leftRight, topBottom] or [left, top, right, bottom], got ${JSON.stringify(padding)}`,
    );
  }
  const [a, b = a, c = a, d = b] = p as [number, ...number[]]; // 1, 2 or 4 entries
  return [a, b, c, d];
}

/** Source index of every position of a dim of size n padded by (before, after); mirrors fold again past the far edge, like NumPy. */
function padIndex(op: string, n: number, before: number, after: number, mode: Exclude<PaddingMode, 'constant'>): Int32Array {
  if (n < (mode === 'reflect' ? 2 : 1)) throw new ShapeError(`${op}: cannot ${mode}-pad a dim of size ${n}`);
  const period = mode === 'reflect' ? 2 * (n - 1) : 2 * n;
  return Int32Array.from({ length: before + n + after }, (_, k) => {
    const i = k - before;
    if (mode === 'edge') return Math.min(Math.max(i, 0), n - 1);
    const m = ((i % period) + period) % period;
    return m < n ? m : mode === 'reflect' ? period - m : period - 1 - m;
  });
}

/**
 * x (of height h and width w) padded in its last two dims by [left, top, right, bottom], then once
 * more by `extra` [x, y] on both sides (torchvision pads twice for padIfNeeded; a mirror of a mirror
 * differs from one mirror).
 */
function padImage(
  op: string,
  x: Tensor,
  { h, w }: ImageDims,
  [l, t, r, b]: readonly [number, number, number, number],
  extra: readonly [number, number],
  mode: PaddingMode,
  fill: number,
): Tensor {
  const [ex, ey] = extra;
  if (mode === 'constant') return pad(x, [l + ex, r + ex, t + ey, b + ey], fill);
  let out = x;
  for (const [dim, n, before, after, more] of [
    [-2, h, t, b, ey],
    [-1, w, l, r, ex],
  ] as const) {
    if (before + after + more === 0) continue;
    let idx = padIndex(op, n, before, after, mode);
    if (more > 0) {
      const inner = idx;
      // outer holds positions of the once-padded dim, which has idx.length entries.
      idx = padIndex(op, idx.length, more, more, mode).map((k) => inner[k]!);
    }
    out = indexSelect(out, dim, tensor(idx, { backend: x.backend.name }));
  }
  return out;
}

/** A new handle on x's data (a view): transforms always return a tensor the caller owns. */
const view = (x: Tensor): Tensor => (x.ndim === 0 ? x.reshape([]) : x.narrow(0, 0, x.shape[0]!));

/** Random draws: 4 uniforms on [0, 1) (one Philox block) per image, so `u[4 * i + k]` (k < 4) exists for image i. */
class Draws {
  private readonly stream: PhiloxStream | null;
  constructor(op: string, seed: number | undefined) {
    this.stream = seed === undefined ? null : new PhiloxStream(checkSeed(op, seed));
  }
  /** Image i's uniforms are [4i, 4i + 4). */
  next(images: number): Float64Array {
    if (this.stream !== null) return this.stream.uniform(4 * images);
    // The global generator, advanced as `rand([4 * images])` would advance it.
    const state = getRngState();
    const out = new Float64Array(4 * images);
    fillRandom('uniform', state.key, state.counter, out);
    setRngState({ key: state.key, counter: state.counter + images });
    return out;
  }
}

/**
 * Pads, then crops a random `size` window, like `torchvision.transforms.RandomCrop`: the window's
 * top and left are uniform in [0, H' - h] and [0, W' - w] of the padded image H' x W'.
 * `new RandomCrop(32, { padding: 4, seed: 0 }).apply(img)`. In a batch every image gets its own window.
 */
export class RandomCrop implements Transform {
  /** Crop size [h, w]. */
  readonly size: readonly [number, number];
  /** Padding [left, top, right, bottom] applied first. */
  readonly padding: readonly [number, number, number, number];
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;
  /** The value of 'constant' padding. */
  readonly fill: number;
  /** Pad dims still smaller than the crop. */
  readonly padIfNeeded: boolean;
  private readonly draws: Draws;

  /**
   * @param size crop size `n` or `[h, w]`
   * @param options padding, paddingMode, fill, padIfNeeded, seed
   */
  constructor(size: number | readonly number[], options: RandomCropOptions = {}) {
    const op = 'RandomCrop';
    const { padding = 0, paddingMode = 'constant', fill = 0, padIfNeeded = false, seed } = options;
    this.size = sizePair(op, size);
    this.padding = paddingLTRB(op, padding);
    if (!['constant', 'reflect', 'edge', 'symmetric'].includes(paddingMode)) {
      throw new ValueRangeError(
        `${op}: paddingMode must be 'constant', 'reflect', 'edge' or 'symmetric', got ${JSON.stringify(paddingMode)}`,
      );
    }
    if (typeof fill !== 'number' || Number.isNaN(fill)) throw new ValueRangeError(`${op}: fill must be a number, got ${String(fill)}`);
    this.paddingMode = paddingMode;
    this.fill = fill;
    this.padIfNeeded = padIfNeeded;
    this.draws = new Draws(op, seed);
  }

  /** A random crop of each image of `x` (`[C, H, W]` or `[N, C, H, W]`). */
  apply(x: Tensor): Tensor {
    const op = 'RandomCrop';
    const dims = checkImage(op, x);
    const [h, w] = this.size;
    const [l, t, r, b] = this.padding;
    const H = dims.h + t + b;
    const W = dims.w + l + r;
    const ex = this.padIfNeeded && W < w ? w - W : 0;
    const ey = this.padIfNeeded && H < h ? h - H : 0;
    const [Hp, Wp] = [H + 2 * ey, W + 2 * ex];
    if (Hp < h || Wp < w) {
      throw new ShapeError(
        `${op}: crop size [${h},${w}] is larger than the padded image [${Hp},${Wp}] (input ${fmt(x.shape)}, padding [${this.padding.join(',')}]); add padding or pass padIfNeeded: true`,
      );
    }
    return tidy(() => {
      const padded = padImage(op, x, dims, this.padding, [ex, ey], this.paddingMode, this.fill);
      const { n } = dims;
      const u = this.draws.next(n); // after padding, so a refused padding draws nothing
      const crop = (img: Tensor, i: number): Tensor =>
        img.narrow(-2, Math.floor(u[4 * i]! * (Hp - h + 1)), h).narrow(-1, Math.floor(u[4 * i + 1]! * (Wp - w + 1)), w);
      if (x.ndim === 3) return crop(padded, 0);
      if (n === 0) return padded.narrow(-2, 0, h).narrow(-1, 0, w);
      return concat(
        Array.from({ length: n }, (_, i) => crop(padded.narrow(0, i, 1), i)),
        0,
      );
    });
  }
}

function checkP(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueRangeError(`${op}: p must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/** Flips images along `dim` with probability p each (u < p, as torchvision draws it). */
class RandomFlip implements Transform {
  /** Probability of flipping an image. */
  readonly p: number;
  private readonly draws: Draws;
  constructor(
    private readonly op: string,
    private readonly dim: -1 | -2,
    options: { p?: number } & RandomTransformOptions,
  ) {
    this.p = checkP(op, options.p ?? 0.5);
    this.draws = new Draws(op, options.seed);
  }

  /** Each image of `x` flipped with probability `p`. */
  apply(x: Tensor): Tensor {
    const { n, h, w } = checkImage(this.op, x);
    const u = this.draws.next(n);
    const flips = Array.from({ length: n }, (_, i) => u[4 * i]! < this.p);
    return tidy(() => {
      if (!flips.includes(true)) return view(x);
      const size = this.dim === -1 ? w : h;
      const reversed = tensor(
        Int32Array.from({ length: size }, (_, i) => size - 1 - i),
        { backend: x.backend.name },
      );
      const flipped = indexSelect(x, this.dim, reversed);
      if (!flips.includes(false)) return flipped;
      // A batch with some images flipped: pick per image with a [N, 1, 1, 1] mask.
      const mask = tensor(Uint8Array.from(flips, Number), { shape: [n, 1, 1, 1], dtype: 'bool', backend: x.backend.name });
      return where(mask, flipped, x);
    });
  }
}

/** Mirrors images left-right with probability p (default 0.5), like `torchvision.transforms.RandomHorizontalFlip`. */
export class RandomHorizontalFlip extends RandomFlip {
  /** @param options p (default 0.5), seed */
  constructor(options: { p?: number } & RandomTransformOptions = {}) {
    super('RandomHorizontalFlip', -1, options);
  }
}

/** Mirrors images top-bottom with probability p (default 0.5), like `torchvision.transforms.RandomVerticalFlip`. */
export class RandomVerticalFlip extends RandomFlip {
  /** @param options p (default 0.5), seed */
  constructor(options: { p?: number } & RandomTransformOptions = {}) {
    super('RandomVerticalFlip', -2, options);
  }
}

/** Python's round() (half to even), which torchvision's center_crop uses for the offsets. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  return v - f !== 0.5 ? Math.round(v) : f % 2 === 0 ? f : f + 1;
}

/**
 * The central `size` window, like `torchvision.transforms.CenterCrop`: offsets round((H - h) / 2)
 * (half to even, as Python rounds); an image smaller than the crop is first zero-padded to fit.
 */
export class CenterCrop implements Transform {
  /** Crop size [h, w]. */
  readonly size: readonly [number, number];
  /** @param size crop size `n` or `[h, w]` */
  constructor(size: number | readonly number[]) {
    this.size = sizePair('CenterCrop', size);
  }

  /** The central crop of each image of `x`. */
  apply(x: Tensor): Tensor {
    const { h: H, w: W } = checkImage('CenterCrop', x);
    const [h, w] = this.size;
    return tidy(() => {
      // torchvision's padding: [(w - W) // 2, (h - H) // 2, (w - W + 1) // 2, (h - H + 1) // 2], where the crop is larger.
      const px = Math.max(w - W, 0);
      const py = Math.max(h - H, 0);
      const img = px + py > 0 ? pad(x, [px >> 1, (px + 1) >> 1, py >> 1, (py + 1) >> 1]) : x;
      // img is (H + py) x (W + px): the two halves of each padding add up to it.
      const top = roundHalfEven((H + py - h) / 2);
      const left = roundHalfEven((W + px - w) / 2);
      return img.narrow(-2, top, h).narrow(-1, left, w);
    });
  }
}

/**
 * (x - mean) / std per channel, like `torchvision.transforms.Normalize`, for float images [C, H, W]
 * or batches [N, C, H, W]; mean and std hold one value per channel (or one for all). Not the
 * min-max `normalize` function above it in this package.
 */
export class Normalize implements Transform {
  /** Per-channel means (or one for all). */
  readonly mean: readonly number[];
  /** Per-channel standard deviations (or one for all). */
  readonly std: readonly number[];

  /**
   * @param mean one value per channel, or one for all
   * @param std one value per channel, or one for all (each > 0)
   */
  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    const op = 'Normalize';
    const m = typeof mean === 'number' ? [mean] : mean;
    const s = typeof std === 'number' ? [std] : std;
    if (!Array.isArray(m) || m.length === 0 || !m.every(Number.isFinite)) {
      throw new ValueRangeError(`${op}: mean must be a finite number or a non-empty array of them, got ${JSON.stringify(mean)}`);
    }
    if (!Array.isArray(s) || s.length === 0 || !s.every((v) => Number.isFinite(v) && v > 0)) {
      throw new ValueRangeError(`${op}: std must be positive finite numbers (one per channel), got ${JSON.stringify(std)}`);
    }
    if (m.length !== s.length && m.length !== 1 && s.length !== 1) {
      throw new ShapeError(`${op}: mean has ${m.length} values but std has ${s.length}; give one value per channel`);
    }
    this.mean = [...m];
    this.std = [...s];
  }

  /** `(x − mean) / std` per channel. */
  apply(x: Tensor): Tensor {
    const op = 'Normalize';
    const { c } = checkImage(op, x);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new DTypeError(`${op}: needs a float image, got ${x.dtype} (e.g. x.cast('float32').div(255) first)`);
    }
    for (const [name, v] of [
      ['mean', this.mean],
      ['std', this.std],
    ] as const) {
      if (v.length !== 1 && v.length !== c) {
        throw new ShapeError(`${op}: ${name} has ${v.length} values but the image has ${c} channels (shape ${fmt(x.shape)})`);
      }
    }
    return tidy(() => {
      const stat = (v: readonly number[]): Tensor => tensor([...v], { shape: [v.length, 1, 1], dtype: x.dtype, backend: x.backend.name });
      return x.sub(stat(this.mean)).div(stat(this.std));
    });
  }
}

/**
 * Transforms applied in order, like `torchvision.transforms.Compose`: each entry is a Transform
 * (anything with `apply`) or a function. Intermediate results are freed; the result is the caller's.
 */
export class Compose implements Transform {
  /** The transforms, applied first to last. */
  readonly transforms: readonly TransformLike[];
  /** @param transforms transforms or functions, applied in order */
  constructor(transforms: readonly TransformLike[]) {
    if (!Array.isArray(transforms)) throw new NNError('Compose: expected an array of transforms');
    for (const [i, t] of transforms.entries()) {
      if (typeof t !== 'function' && typeof (t as Transform | null)?.apply !== 'function') {
        throw new NNError(`Compose: transforms[${i}] is neither a function nor an object with apply(x)`);
      }
    }
    this.transforms = [...transforms];
  }

  /** Every transform in order (intermediate results freed). */
  apply(x: Tensor): Tensor {
    if (!isTensor(x)) throw new NNError('Compose: expected a Tensor');
    return tidy(() => {
      const y = this.transforms.reduce((acc: Tensor, t) => (typeof t === 'function' ? t(acc) : t.apply(acc)), x);
      return y === x ? view(x) : y;
    });
  }
}
