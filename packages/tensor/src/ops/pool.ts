/**
 * Pooling as reductions over a windows view of the padded input (no copy). Max pooling picks
 * PyTorch's element, the first maximum of each window in row-major order: its flat index in the
 * padded plane comes from the backend's `poolArgmax` routine or from two argmax steps over the
 * windows view, and one gather along the flattened plane takes the values, so the gradient is a
 * scatterAdd of whole planes into that element only (not shared among ties as amax's).
 */
import { ShapeError, ValueRangeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { backendOf, empty } from './core.js';
import { add, div, mul } from './elementwise.js';
import { matmul } from './linalg.js';
import { gatherChecked, reshape, squeeze, transpose, unsqueeze } from './movement.js';
import { argmax, sum } from './reduce.js';
import { type IntArg, checkKnownOptions, checkSpatialInput, dimNames, intTuple } from './window-args.js';
import { type Geometry, padSpatial, paddedWindows, slidingWindows } from './window.js';

/** Options of {@link maxPool2d}. */
export interface MaxPoolOptions {
  /** Default: kernelSize. */
  stride?: IntArg;
  /** Implicit -infinity on both sides, at most half the (dilated) kernel. */
  padding?: IntArg;
  /** Spacing between window elements (default 1). */
  dilation?: IntArg;
  /** Round the output size up, so a last partial window is pooled too. */
  ceilMode?: boolean;
}

/** Options of {@link avgPool2d}. */
export interface AvgPoolOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntArg;
  /** Implicit zeros on both sides, at most half the kernel. */
  padding?: IntArg;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number;
}

/** Pooling geometry with PyTorch's output size rule (including ceil mode's last-window rule). */
function poolGeometry(op: string, x: Tensor, kernelSize: IntArg, o: MaxPoolOptions, maxPadFactor: 'dilated' | 'kernel'): Geometry {
  const kernel = intTuple(op, 'kernelSize', kernelSize, 2, 1);
  const stride = intTuple(op, 'stride', o.stride ?? kernel, 2, 1);
  const dilation = intTuple(op, 'dilation', o.dilation ?? 1, 2, 1);
  const padding = intTuple(op, 'padding', o.padding ?? 0, 2, 0);
  const ceil = o.ceilMode ?? false;
  if (typeof ceil !== 'boolean') throw new ValueRangeError(`${op}: ceilMode must be true or false, got ${String(ceil)}`);
  const names = dimNames(2);
  const sizes = x.shape.slice(-2);
  const out = sizes.map((n, i) => {
    const extent = dilation[i] * (kernel[i] - 1) + 1;
    const half = (maxPadFactor === 'dilated' ? extent : kernel[i]) / 2;
    if (padding[i] > half) {
      throw new ValueRangeError(
        `${op}: padding ${padding[i]} (${names[i]}) must be at most half of the ${maxPadFactor === 'dilated' ? 'dilated ' : ''}kernel size ${maxPadFactor === 'dilated' ? extent : kernel[i]}`,
      );
    }
    let size = Math.floor((n + 2 * padding[i] - extent + (ceil ? stride[i] - 1 : 0)) / stride[i]) + 1;
    // PyTorch: the last window must start inside the input or its left padding.
    if (ceil && (size - 1) * stride[i] >= n + padding[i]) size--;
    if (size < 1) {
      throw new ShapeError(
        `${op}: output ${names[i]} would be ${size}: the input ${names[i]} ${n} + 2 * padding ${padding[i]} is smaller than the kernel extent ${extent}`,
      );
    }
    return size;
  });
  // The last window may overhang the padding (ceil mode) or leave input unused: pad or crop to fit.
  const padAfter = out.map((s, i) => (s - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - sizes[i] - padding[i]);
  return { kernel, stride, dilation, padBefore: padding, padAfter, out };
}

function checkPoolInput(op: string, x: Tensor): void {
  backendOf(op, x);
  checkSpatialInput(op, x, 2, '[N, C, H, W]');
}

/** 2-D max pooling of [N, C, H, W] (or [C, H, W]); the gradient goes to each window's first maximum. */
export function maxPool2d(x: Tensor, kernelSize: IntArg, options: MaxPoolOptions = {}): Tensor {
  checkPoolInput('maxPool2d', x);
  checkKnownOptions('maxPool2d', options, ['stride', 'padding', 'dilation', 'ceilMode']);
  const geo = poolGeometry('maxPool2d', x, kernelSize, options, 'dilated');
  return tidy(() => {
    const xb = x.ndim === 3 ? unsqueeze(x, 0) : x;
    const xp = padSpatial(xb, geo, Number.NEGATIVE_INFINITY);
    const [n, c, h, w] = xp.shape;
    const l = geo.out[0] * geo.out[1];
    const idx = reshape(windowArgmax(xp, geo), [n, c, l]);
    const y = reshape(gatherChecked(reshape(xp, [n, c, h * w]), 2, idx), [n, c, ...geo.out]);
    return x.ndim === 3 ? squeeze(y, 0) : y;
  });
}

/**
 * int32 [N, C, OH, OW]: h * W + w in x's [H, W] plane of each window's first maximum (NaN wins),
 * from the backend's fused routine, or composed: argmax along kernel columns, then along rows.
 */
function windowArgmax(x: Tensor, geo: Geometry): Tensor {
  const be = x.storage.backend;
  const fused = be.fused.poolArgmax;
  if (fused !== undefined && isFloat(x.dtype)) {
    const out = empty(be, [x.shape[0], x.shape[1], ...geo.out], 'int32', 'maxPool2d');
    fused(x, geo.kernel, geo.stride, geo.dilation, out);
    return out;
  }
  return tidy(() => {
    const win = slidingWindows(x.detach(), [2, 3], geo.kernel, { step: geo.stride, dilation: geo.dilation });
    const col = argmax(win, 5, true);
    const row = argmax(gatherChecked(win, 5, col), 4, true);
    const colAt = gatherChecked(col, 4, row);
    const wd = x.shape[3];
    const [oh, ow] = geo.out;
    const origin = Int32Array.from({ length: oh * ow }, (_, k) => Math.floor(k / ow) * geo.stride[0] * wd + (k % ow) * geo.stride[1]);
    const flat = add(add(mul(row, geo.dilation[0] * wd), mul(colAt, geo.dilation[1])), hostTensor(x, [oh, ow, 1, 1], origin));
    return reshape(flat, [x.shape[0], x.shape[1], oh, ow]);
  });
}

/** PyTorch's avg_pool2d divisor of each output position along one dim. */
function windowCounts1d(n: number, out: number, k: number, s: number, p: number, includePad: boolean): number[] {
  return Array.from({ length: out }, (_, i) => {
    const start = i * s - p;
    const end = Math.min(start + k, n + p);
    return includePad ? end - start : Math.min(end, n) - Math.max(start, 0);
  });
}

/** 2-D average pooling of [N, C, H, W] (or [C, H, W]). */
export function avgPool2d(x: Tensor, kernelSize: IntArg, options: AvgPoolOptions = {}): Tensor {
  const op = 'avgPool2d';
  checkPoolInput(op, x);
  checkKnownOptions(op, options, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
  const { countIncludePad = true, divisorOverride } = options;
  if (typeof countIncludePad !== 'boolean')
    throw new ValueRangeError(`${op}: countIncludePad must be true or false, got ${String(countIncludePad)}`);
  if (divisorOverride !== undefined && (!Number.isInteger(divisorOverride) || divisorOverride === 0)) {
    throw new ValueRangeError(`${op}: divisorOverride must be a non-zero integer, got ${String(divisorOverride)}`);
  }
  const geo = poolGeometry(op, x, kernelSize, { stride: options.stride, padding: options.padding, ceilMode: options.ceilMode }, 'kernel');
  return tidy(() => {
    const w = paddedWindows(x, geo, 0);
    const sums = sum(w, [w.ndim - 2, w.ndim - 1]);
    if (divisorOverride !== undefined) return div(sums, divisorOverride);
    const [h, wd] = x.shape.slice(-2);
    const rows = windowCounts1d(h, geo.out[0], geo.kernel[0], geo.stride[0], geo.padBefore[0], countIncludePad);
    const cols = windowCounts1d(wd, geo.out[1], geo.kernel[1], geo.stride[1], geo.padBefore[1], countIncludePad);
    const counts = rows.flatMap((r) => cols.map((c) => r * c));
    if (counts.every((c) => c === counts[0])) return div(sums, counts[0]);
    return div(sums, hostTensor(x, geo.out, counts));
  });
}

/** A small constant tensor on x's backend, from host values: x's dtype, or int32 for an Int32Array. */
function hostTensor(like: Tensor, shape: number[], values: number[] | Int32Array): Tensor {
  const be = like.storage.backend;
  const dtype = values instanceof Int32Array ? 'int32' : like.dtype;
  const t = empty(be, shape, dtype, 'pool');
  be.write(t.buffer, values instanceof Int32Array ? values : dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values));
  return t;
}

/**
 * 2-D adaptive average pooling to `outputSize` ([h, w], a number for both, null keeps a dim):
 * output cell i averages input rows floor(i*H/h) to ceil((i+1)*H/h), as PyTorch.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkPoolInput(op, x);
  const sizes = x.shape.slice(-2);
  const given =
    typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) ? outputSize.map((s, i) => s ?? sizes[i]) : null;
  const out = intTuple(op, 'outputSize', given ?? outputSize, 2, 1);
  if (sizes.some((s) => s === 0))
    throw new ShapeError(`${op}: input ${dimNames(2)[sizes.indexOf(0)]} is 0 (input shape [${x.shape.join(',')}])`);
  // Even splits are plain average pooling; uneven ones are one averaging matrix per dim.
  if (sizes.every((s, i) => s % out[i] === 0))
    return avgPool2d(
      x,
      sizes.map((s, i) => s / out[i]),
    );
  return tidy(() => {
    const rows = hostTensor(x, [out[0], sizes[0]], averagingMatrix(sizes[0], out[0]));
    const cols = hostTensor(x, [out[1], sizes[1]], averagingMatrix(sizes[1], out[1]));
    return matmul(matmul(rows, x), transpose(cols, 0, 1));
  });
}

/** [out, n] row-major: row i holds 1/len over input positions floor(i*n/out) .. ceil((i+1)*n/out). */
function averagingMatrix(n: number, out: number): number[] {
  const m = new Array<number>(out * n).fill(0);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return m;
}
