/**
 * Convolutions as im2col + one matmul: the windows of the padded input (a view) are copied into a
 * column buffer [groups, C/groups * K, N * L] and multiplied by the weight [groups, O/groups,
 * C/groups * K]. Gradients come from the rules of the views, the copy and the matmul; the
 * transposed convolution is the adjoint (matmul, then foldWindows).
 */
import { bytesPerElement } from '../dtype.js';
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf } from './core.js';
import { add } from './elementwise.js';
import { matmul } from './linalg.js';
import { concat, contiguous, pad, permute, reshape, slice, squeeze, transpose, unsqueeze } from './movement.js';
import { type IntArg, checkKnownOptions, checkSpatialInput, dimNames, intTuple, windowCounts } from './window-args.js';
import { type Geometry, foldWindows, paddedWindows } from './window.js';

/**
 * Upper bound on one column buffer. Larger batches run in chunks of samples, so inference never
 * holds more; in training each chunk's buffer is kept for the weight gradient.
 */
export const convLimits = {
  /** Largest column buffer (im2col) an inference convolution allocates, in bytes (default 64 MiB). */
  columnBytes: 64 * 2 ** 20,
};

/** Options of {@link conv1d} and {@link conv2d} (torch.nn.functional's, in camelCase). */
export interface ConvOptions {
  /** Step between windows, one value or one per spatial dim (default 1). */
  stride?: IntArg;
  /** Zeros added on both sides of each spatial dim; 'same' keeps the size (stride 1 only), 'valid' is 0. */
  padding?: IntArg | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: IntArg;
  /** Independent channel groups; must divide both channel counts (default 1). */
  groups?: number;
}
const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups'] as const;

/** Options of {@link convTranspose1d} and {@link convTranspose2d}. */
export interface ConvTransposeOptions {
  /** Stride of the convolution this transposes (default 1). */
  stride?: IntArg;
  /** Removed from both sides of the output (dilation * (kernel - 1) - padding is padded on the input). */
  padding?: IntArg;
  /** Added to one side of the output, to pick among the sizes a strided convolution maps to one input size. */
  outputPadding?: IntArg;
  /** Independent channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel elements (default 1). */
  dilation?: IntArg;
}
const CONV_TRANSPOSE_OPTIONS = ['stride', 'padding', 'outputPadding', 'groups', 'dilation'] as const;

const layoutOf = (n: number): string => (n === 1 ? '[N, C, L]' : '[N, C, H, W]');
const kernelLayout = (n: number): string => (n === 1 ? 'kL' : 'kH, kW');

/** Weight rank, groups, channel counts, dtypes and bias: the checks every convolution shares. */
function checkConvArgs(op: string, x: Tensor, w: Tensor, bias: Tensor | null, n: number, groups: unknown, transposed: boolean): number {
  const batched = checkSpatialInput(op, x, n, layoutOf(n));
  const wLayout = transposed
    ? `[in_channels, out_channels/groups, ${kernelLayout(n)}]`
    : `[out_channels, in_channels/groups, ${kernelLayout(n)}]`;
  if (w.ndim !== n + 2) throw new ShapeError(`${op}: weight must be ${n + 2}-D ${wLayout}, got shape ${fmtShape(w.shape)}`);
  if (w.dtype !== x.dtype) throw new DTypeError(`${op}: input (${x.dtype}) and weight (${w.dtype}) must have the same dtype`);
  if (!Number.isInteger(groups) || (groups as number) < 1)
    throw new ValueRangeError(`${op}: groups must be a positive integer, got ${String(groups)}`);
  const g = groups as number;
  const c = x.shape[batched ? 1 : 0];
  const expected = transposed ? w.shape[0] : w.shape[1] * g;
  if (c !== expected) {
    const why = transposed ? `weight.shape[0] = ${w.shape[0]}` : `weight.shape[1] * groups = ${w.shape[1]} * ${g}`;
    throw new ShapeError(
      `${op}: expected input with ${expected} channels (${why}, weight ${fmtShape(w.shape)}), got ${c} channels in input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (c % g !== 0 || (transposed ? false : w.shape[0] % g !== 0)) {
    throw new ValueRangeError(
      `${op}: groups=${g} must divide in_channels (${c}) and out_channels (${transposed ? w.shape[1] * g : w.shape[0]})`,
    );
  }
  const outChannels = transposed ? w.shape[1] * g : w.shape[0];
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(`${op}: bias must be 1-D [out_channels] = [${outChannels}], got shape ${fmtShape(bias.shape)}`);
  }
  if (bias !== null && bias.dtype !== x.dtype) throw new DTypeError(`${op}: bias (${bias.dtype}) must have the input's dtype ${x.dtype}`);
  return g;
}

function convGeometry(op: string, x: Tensor, w: Tensor, n: number, o: ConvOptions): Geometry {
  const kernel = w.shape.slice(2);
  const stride = intTuple(op, 'stride', o.stride ?? 1, n, 1);
  const dilation = intTuple(op, 'dilation', o.dilation ?? 1, n, 1);
  const padding = o.padding ?? 0;
  let padBefore: number[];
  let padAfter: number[];
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new ValueRangeError(`${op}: padding='same' needs stride 1, got stride [${stride.join(', ')}]`);
    // PyTorch puts the odd element of an even total on the end side.
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    padBefore = total.map((t) => Math.floor(t / 2));
    padAfter = total.map((t, i) => t - padBefore[i]);
  } else if (padding === 'valid') {
    padBefore = padAfter = kernel.map(() => 0);
  } else {
    if (typeof padding === 'string')
      throw new ValueRangeError(`${op}: padding must be 'same', 'valid' or non-negative integers, got '${padding}'`);
    padBefore = padAfter = intTuple(op, 'padding', padding, n, 0);
  }
  const out = windowCounts(op, x.shape.slice(-n), kernel, stride, dilation, padBefore, padAfter);
  return { kernel, stride, dilation, padBefore, padAfter, out };
}

/** Samples per chunk so that one column buffer stays under convLimits.columnBytes. */
function chunkSize(batch: number, perSample: number): number {
  return Math.max(1, Math.min(batch, Math.floor(convLimits.columnBytes / Math.max(perSample, 1))));
}

/** Runs f over batch chunks and joins the outputs along dim 0; each chunk's temporaries are freed before the next. */
function chunked(x: Tensor, per: number, f: (xc: Tensor) => Tensor): Tensor {
  const n = x.shape[0];
  if (per >= n) return f(x);
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i += per) parts.push(tidy(() => f(slice(x, 0, i, i + per))));
  return concat(parts, 0);
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Adds the per-channel bias (dim 1), or makes the result contiguous like PyTorch's. */
function finish(y: Tensor, bias: Tensor | null, n: number): Tensor {
  return bias === null ? contiguous(y) : add(y, reshape(bias, [bias.shape[0], ...range(0, n).map(() => 1)]));
}

/** The n-d convolution behind conv1d and conv2d. */
function convNd(op: string, n: number, x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions): Tensor {
  backendOf(op, x, weight, bias ?? undefined);
  checkKnownOptions(op, options, CONV_OPTIONS);
  const g = checkConvArgs(op, x, weight, bias, n, options.groups ?? 1, false);
  const geo = convGeometry(op, x, weight, n, options);
  const batched = x.ndim === n + 2;
  return tidy(() => {
    const xb = batched ? x : unsqueeze(x, 0);
    const [, c] = xb.shape;
    const o = weight.shape[0];
    const k = geo.kernel.reduce((a, b) => a * b, 1);
    const l = geo.out.reduce((a, b) => a * b, 1);
    const wm = reshape(weight, [g, o / g, (c / g) * k]);
    const y = chunked(xb, chunkSize(xb.shape[0], c * k * l * bytesPerElement(x.dtype)), (xc) => {
      // [Nc, C, *out, *k] -> [C, *k, Nc, *out]: channels and kernel offsets become matmul rows.
      const w = paddedWindows(xc, geo);
      const cols = reshape(permute(w, [1, ...range(2 + n, n), 0, ...range(2, n)]), [g, (c / g) * k, xc.shape[0] * l]);
      const out = reshape(matmul(wm, cols), [o, xc.shape[0], ...geo.out]);
      return permute(out, [1, 0, ...range(2, n)]);
    });
    const r = finish(y, bias, n);
    return batched ? r : squeeze(r, 0);
  });
}

/**
 * 2-D convolution (cross-correlation, as PyTorch): x [N, C, H, W] (or unbatched [C, H, W]),
 * weight [O, C/groups, kH, kW], bias [O] or null -> [N, O, OH, OW].
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return convNd('conv2d', 2, x, weight, bias, options);
}

/** 1-D convolution: x [N, C, L] (or [C, L]), weight [O, C/groups, kL], bias [O] or null -> [N, O, OL]. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return convNd('conv1d', 1, x, weight, bias, options);
}

/** Output sizes of a transposed convolution, or an error naming the dim. */
function transposeGeometry(op: string, x: Tensor, w: Tensor, n: number, o: ConvTransposeOptions) {
  const kernel = w.shape.slice(2);
  const stride = intTuple(op, 'stride', o.stride ?? 1, n, 1);
  const dilation = intTuple(op, 'dilation', o.dilation ?? 1, n, 1);
  const padding = intTuple(op, 'padding', o.padding ?? 0, n, 0);
  const outputPadding = intTuple(op, 'outputPadding', o.outputPadding ?? 0, n, 0);
  const names = dimNames(n);
  const input = x.shape.slice(-n);
  const out = input.map((s, i) => {
    if (outputPadding[i] >= stride[i] && outputPadding[i] >= dilation[i]) {
      throw new ValueRangeError(
        `${op}: outputPadding ${outputPadding[i]} (${names[i]}) must be smaller than either stride (${stride[i]}) or dilation (${dilation[i]})`,
      );
    }
    const size = (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1;
    if (size < 1) {
      throw new ShapeError(
        `${op}: output ${names[i]} would be ${size} = (${s} - 1) * stride ${stride[i]} - 2 * padding ${padding[i]} + dilation ${dilation[i]} * (kernel ${kernel[i]} - 1) + outputPadding ${outputPadding[i]} + 1; it must be >= 1 (reduce padding)`,
      );
    }
    return size;
  });
  return { kernel, stride, dilation, padding, outputPadding, out };
}

/** The n-d transposed convolution: the adjoint of convNd with respect to its input. */
function convTransposeNd(op: string, n: number, x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvTransposeOptions): Tensor {
  backendOf(op, x, weight, bias ?? undefined);
  checkKnownOptions(op, options, CONV_TRANSPOSE_OPTIONS);
  const g = checkConvArgs(op, x, weight, bias, n, options.groups ?? 1, true);
  const geo = transposeGeometry(op, x, weight, n, options);
  const batched = x.ndim === n + 2;
  return tidy(() => {
    const xb = batched ? x : unsqueeze(x, 0);
    const c = xb.shape[1];
    const input = xb.shape.slice(2);
    const o = weight.shape[1] * g;
    const k = geo.kernel.reduce((a, b) => a * b, 1);
    const l = input.reduce((a, b) => a * b, 1);
    const wt = transpose(reshape(weight, [g, c / g, (o / g) * k]), 1, 2);
    const y = chunked(xb, chunkSize(xb.shape[0], o * k * l * bytesPerElement(x.dtype)), (xc) => {
      const nc = xc.shape[0];
      const xcols = reshape(permute(xc, [1, 0, ...range(2, n)]), [g, c / g, nc * l]);
      // [O, *k, Nc, *in] -> [Nc, O, *in, *k]: the windows layout, summed back by foldWindows.
      const cols = reshape(matmul(wt, xcols), [o, ...geo.kernel, nc, ...input]);
      const w = permute(cols, [1 + n, 0, ...range(2 + n, n), ...range(1, n)]);
      const full = input.map((s, i) => (s - 1) * geo.stride[i] + geo.dilation[i] * (geo.kernel[i] - 1) + 1);
      const folded = foldWindows(w, [nc, o, ...full], range(2, n), geo.kernel, { step: geo.stride, dilation: geo.dilation });
      // padding crops both sides; outputPadding grows the end side (pad crops where negative).
      const spec: number[] = [];
      for (let i = n - 1; i >= 0; i--) spec.push(-geo.padding[i], geo.outputPadding[i] - geo.padding[i]);
      return spec.every((v) => v === 0) ? folded : pad(folded, spec);
    });
    const r = finish(y, bias, n);
    return batched ? r : squeeze(r, 0);
  });
}

/**
 * 2-D transposed convolution (the gradient of conv2d w.r.t. its input): x [N, Cin, H, W],
 * weight [Cin, Cout/groups, kH, kW] (PyTorch's layout), bias [Cout] -> [N, Cout, OH, OW] with
 * OH = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + outputPadding + 1.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose2d', 2, x, weight, bias, options);
}

/** 1-D transposed convolution: x [N, Cin, L], weight [Cin, Cout/groups, kL] -> [N, Cout, OL]. */
export function convTranspose1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose1d', 1, x, weight, bias, options);
}
