/**
 * Sliding windows, the basis of convolution and pooling: `slidingWindows` is a strided view (no
 * copy) and `foldWindows` its adjoint (col2im), each the other's gradient. unfold/fold are
 * torch.nn.functional's im2col/col2im built from them.
 */
import { ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import { normAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, makeView, needsRecord, rawView, record } from './core.js';
import { clone, pad, permute, reshape, sliceView } from './movement.js';
import type { WindowParams } from './op-types.js';
import { type IntArg, checkKnownOptions, checkSpatialInput, intTuple, windowCounts } from './window-args.js';

/** Options of {@link slidingWindows}. */
export interface WindowOptions {
  /** Distance between the starts of neighbouring windows, per axis (default 1). */
  step?: readonly number[];
  /** Distance between the elements of one window, per axis (default 1). */
  dilation?: readonly number[];
}

function windowParams(
  op: string,
  shape: readonly number[],
  axes: readonly number[],
  size: readonly number[],
  o: WindowOptions,
): WindowParams {
  const n = axes.length;
  const p: WindowParams = {
    axes: axes.map((a) => normAxis(op, a, shape.length)),
    size: intTuple(op, 'size', size, n, 1),
    step: intTuple(op, 'step', o.step ?? 1, n, 1),
    dilation: intTuple(op, 'dilation', o.dilation ?? 1, n, 1),
  };
  if (new Set(p.axes).size !== n) throw new ValueRangeError(`${op}: axes ${JSON.stringify(axes)} repeat an axis`);
  return p;
}

/** The windows view's shape: each axis becomes its window count; the window sizes are appended. */
function windowShape(op: string, shape: readonly number[], p: WindowParams): number[] {
  const out = [...shape];
  p.axes.forEach((a, i) => {
    const extent = p.dilation[i] * (p.size[i] - 1) + 1;
    if (shape[a] < extent)
      throw new ShapeError(`${op}: window extent ${extent} along dim ${a} exceeds its size ${shape[a]} (shape ${fmtShape(shape)})`);
    out[a] = Math.floor((shape[a] - extent) / p.step[i]) + 1;
  });
  return [...out, ...p.size];
}

/**
 * A view of x's sliding windows: for axes [2, 3] of [N, C, H, W] it is [N, C, OH, OW, KH, KW]
 * with element [n, c, i, j, k, l] = x[n, c, i*step0 + k*dil0, j*step1 + l*dil1].
 */
export function slidingWindows(x: Tensor, axes: readonly number[], size: readonly number[], options: WindowOptions = {}): Tensor {
  backendOf('slidingWindows', x);
  const p = windowParams('slidingWindows', x.shape, axes, size, options);
  const shape = windowShape('slidingWindows', x.shape, p);
  const strides = x.strides.map((s, d) => {
    const i = p.axes.indexOf(d);
    return i < 0 ? s : s * p.step[i];
  });
  const out = makeView(x, shape, [...strides, ...p.axes.map((a, i) => x.strides[a] * p.dilation[i])], x.offset);
  if (needsRecord(x)) record('windows', [x], p, out);
  return out;
}

/**
 * The adjoint of slidingWindows: a tensor of `shape` where each element is the sum of the window
 * elements of g that view it (zero where none does). Overlaps are summed in window order, as
 * PyTorch's col2im does.
 */
export function foldWindows(
  g: Tensor,
  shape: readonly number[],
  axes: readonly number[],
  size: readonly number[],
  options: WindowOptions = {},
): Tensor {
  const be = backendOf('foldWindows', g);
  const p = windowParams('foldWindows', shape, axes, size, options);
  const want = windowShape('foldWindows', shape, p);
  if (!shapesEqual(g.shape, want))
    throw new ShapeError(
      `foldWindows: expected windows of shape ${fmtShape(want)} for a tensor of shape ${fmtShape(shape)}, got ${fmtShape(g.shape)}`,
    );
  if (g.dtype === 'bool') throw new ShapeError('foldWindows: bool windows cannot be summed; cast first');
  const out = empty(be, shape, g.dtype, 'foldWindows');
  be.fill(out, 0);
  const nd = shape.length;
  const slab = want.slice(0, nd);
  const dstStrides = out.strides.map((s, d) => {
    const i = p.axes.indexOf(d);
    return i < 0 ? s : s * p.step[i];
  });
  // Disjoint windows (or one per axis) touch every element at most once: plain copies suffice.
  const disjoint = p.axes.every((a, i) => slab[a] <= 1 || p.step[i] >= p.dilation[i] * (p.size[i] - 1) + 1);
  // Overlaps add in place where the backend can (no temporary, one pass per kernel offset).
  const addInto = disjoint ? undefined : be.fused.addInto;
  const sum = disjoint || addInto !== undefined ? null : empty(be, slab, g.dtype, 'foldWindows');
  const kernel = p.size.reduce((a, b) => a * b, 1);
  for (let k = 0; k < kernel && g.size > 0; k++) {
    let dst = 0;
    let src = g.offset;
    for (let i = p.axes.length - 1, r = k; i >= 0; i--) {
      const ki = r % p.size[i];
      r = Math.floor(r / p.size[i]);
      dst += ki * p.dilation[i] * out.strides[p.axes[i]];
      src += ki * g.strides[nd + i];
    }
    const dstView = rawView(out, slab, dstStrides, dst);
    const srcView = rawView(g, slab, g.strides.slice(0, nd), src);
    if (disjoint) be.copyInto(dstView, srcView);
    else if (addInto !== undefined) addInto(dstView, srcView);
    else {
      be.binary('add', dstView, srcView, sum!);
      be.copyInto(dstView, sum!);
    }
  }
  sum?.dispose();
  if (needsRecord(g)) record('foldWindows', [g], { ...p, shape: [...shape] }, out);
  return out;
}

/** Spatial window geometry after argument checks: per spatial dim. */
export interface Geometry {
  kernel: number[];
  stride: number[];
  dilation: number[];
  padBefore: number[];
  padAfter: number[];
  /** Window counts (the output's spatial size). */
  out: number[];
}

/** x with its last `g.kernel.length` dims padded (or cropped, where negative) as g says; x itself if nothing is. */
export function padSpatial(x: Tensor, g: Geometry, value = 0): Tensor {
  const spec: number[] = [];
  for (let i = g.kernel.length - 1; i >= 0; i--) spec.push(g.padBefore[i], g.padAfter[i]);
  return spec.some((v) => v !== 0) ? pad(x, spec, value) : x;
}

/**
 * The windows of x's last `g.kernel.length` dims after padding them with `value`:
 * [..., *out, *kernel], a view over the padded copy (or over x itself when nothing is padded).
 * Negative padAfter crops (ceil-mode pooling trims the input to the last window).
 */
export function paddedWindows(x: Tensor, g: Geometry, value = 0): Tensor {
  const n = g.kernel.length;
  const xp = padSpatial(x, g, value);
  const axes = g.kernel.map((_, i) => x.ndim - n + i);
  const w = slidingWindows(xp, axes, g.kernel, { step: g.stride, dilation: g.dilation });
  if (xp !== x) xp.dispose();
  return w;
}

/** Options of {@link unfold} and {@link fold} (torch.nn.functional.unfold's). */
export interface UnfoldOptions {
  /** Spacing between kernel elements (default 1). */
  dilation?: IntArg;
  /** Zero padding on both sides of each spatial dim (default 0). */
  padding?: IntArg;
  /** Step between windows (default 1). */
  stride?: IntArg;
}
const UNFOLD_OPTIONS = ['dilation', 'padding', 'stride'] as const;

function unfoldGeometry(op: string, spatial: readonly number[], kernelSize: IntArg, o: UnfoldOptions): Geometry {
  checkKnownOptions(op, o, UNFOLD_OPTIONS);
  const kernel = intTuple(op, 'kernelSize', kernelSize, 2, 1);
  const stride = intTuple(op, 'stride', o.stride ?? 1, 2, 1);
  const dilation = intTuple(op, 'dilation', o.dilation ?? 1, 2, 1);
  const padding = intTuple(op, 'padding', o.padding ?? 0, 2, 0);
  return {
    kernel,
    stride,
    dilation,
    padBefore: padding,
    padAfter: padding,
    out: windowCounts(op, spatial, kernel, stride, dilation, padding, padding),
  };
}

/**
 * torch.nn.functional.unfold (im2col): [N, C, H, W] -> [N, C*kh*kw, L], L = number of windows,
 * channel-major then kernel row, kernel column. Unbatched [C, H, W] gives [C*kh*kw, L].
 */
export function unfold(x: Tensor, kernelSize: IntArg, options: UnfoldOptions = {}): Tensor {
  backendOf('unfold', x);
  const batched = checkSpatialInput('unfold', x, 2, '[N, C, H, W]');
  const geo = unfoldGeometry('unfold', x.shape.slice(-2), kernelSize, options);
  return tidy(() => {
    const w = paddedWindows(x, geo);
    const lead = batched ? [0] : [];
    const c = lead.length;
    const cols = permute(w, [...lead, c, c + 3, c + 4, c + 1, c + 2]);
    const k = geo.kernel[0] * geo.kernel[1];
    return reshape(cols, [...x.shape.slice(0, c + 1).map((d, i) => (i === c ? d * k : d)), geo.out[0] * geo.out[1]]);
  });
}

/**
 * torch.nn.functional.fold (col2im), the adjoint of unfold: [N, C*kh*kw, L] -> [N, C, H, W] with
 * (H, W) = outputSize; values of overlapping windows are summed.
 */
export function fold(cols: Tensor, outputSize: IntArg, kernelSize: IntArg, options: UnfoldOptions = {}): Tensor {
  backendOf('fold', cols);
  if (cols.ndim !== 2 && cols.ndim !== 3)
    throw new ShapeError(`fold: expected a 3-D [N, C*kh*kw, L] or 2-D [C*kh*kw, L] input, got shape ${fmtShape(cols.shape)}`);
  const size = intTuple('fold', 'outputSize', outputSize, 2, 1);
  const geo = unfoldGeometry('fold', size, kernelSize, options);
  const k = geo.kernel[0] * geo.kernel[1];
  const [ck, l] = cols.shape.slice(-2);
  if (ck % k !== 0)
    throw new ShapeError(
      `fold: input dim ${cols.ndim - 2} (${ck}) must be divisible by the kernel's ${geo.kernel.join('*')} = ${k} elements (input ${fmtShape(cols.shape)})`,
    );
  if (l !== geo.out[0] * geo.out[1]) {
    throw new ShapeError(
      `fold: input's last dim ${l} must equal the number of windows ${geo.out.join('*')} = ${geo.out[0] * geo.out[1]} for outputSize [${size.join(', ')}] (input ${fmtShape(cols.shape)})`,
    );
  }
  return tidy(() => {
    const lead = cols.ndim === 3 ? [cols.shape[0]] : [];
    const c = lead.length;
    const blocks = reshape(cols, [...lead, ck / k, ...geo.kernel, ...geo.out]);
    const w = permute(blocks, [...lead.map((_, i) => i), c, c + 3, c + 4, c + 1, c + 2]);
    const padded = [...lead, ck / k, ...size.map((s, i) => s + 2 * geo.padBefore[i])];
    const y = foldWindows(w, padded, [c + 1, c + 2], geo.kernel, { step: geo.stride, dilation: geo.dilation });
    if (geo.padBefore.every((p) => p === 0)) return y;
    const starts = [...lead.map(() => 0), 0, ...geo.padBefore];
    return clone(
      sliceView(
        y,
        starts,
        starts.map(() => 1),
        [...lead, ck / k, ...size],
      ),
    );
  });
}
