/** Movement ops. Views (reshape of contiguous, permute, expand, slice) share storage; the rest copy. */
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { autograd } from '../hooks.js';
import { broadcastShapes, checkShapeArg, normAxis } from '../shape.js';
import { contiguousStrides, isContiguous, sizeOf } from '../layout.js';
import type { Tensor } from '../tensor.js';
import { NO_PARAMS, backendOf, disposeAll, empty, isTensorValue, makeView, needsRecord, rawView, record } from './core.js';
import { cast } from './elementwise.js';
import { broadcastView } from './elementwise.js';
import { resultType } from './core.js';

/**
 * The same elements with a new shape (torch.reshape); one entry may be -1 (inferred). A view (no copy) when `x` is contiguous, else a copy.
 *
 * Shape: `∏shape` must equal `x.size`.
 *
 * @example
 * ```ts
 * import { reshape, randn } from '@nn/tensor';
 *
 * reshape(randn([2, 3, 4]), [6, -1]); // [6, 4]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  backendOf('reshape', x);
  const target = inferShape(x, shape);
  if (!isContiguous(x.shape, x.strides)) {
    const c = clone(x);
    const v = reshape(c, target);
    c.dispose();
    return v;
  }
  const out = makeView(x, target, contiguousStrides(target), x.offset);
  if (needsRecord(x)) record('reshape', [x], { shape: target }, out);
  return out;
}

function inferShape(x: Tensor, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(`reshape: shape must be an array of integers, got ${String(shape)}`);
  let unknown = -1;
  let known = 1;
  // A fresh packed array whatever the caller passed (a spread keeps a holey array holey), so the
  // tensors' shapes keep one array map and the ops reading them stay optimized.
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1 && unknown < 0) unknown = i;
    else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`reshape: invalid shape ${JSON.stringify(shape)} (dims are non-negative integers, at most one -1)`);
    } else known *= d;
    out.push(d);
  }
  if (unknown >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot infer -1 in ${JSON.stringify(shape)} for a tensor of ${x.size} elements (shape ${fmtShape(x.shape)})`,
      );
    }
    out[unknown] = x.size / known;
  } else if (known !== x.size) {
    throw new ShapeError(
      `reshape: shape ${fmtShape(shape)} has ${known} elements but the tensor of shape ${fmtShape(x.shape)} has ${x.size}`,
    );
  }
  return out;
}

/**
 * Merges dims `startDim..endDim` into one (torch.flatten; default: all, giving 1-D).
 *
 * @example
 * ```ts
 * import { flatten, randn } from '@nn/tensor';
 *
 * flatten(randn([2, 3, 4]), 1); // [2, 12]
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.ndim);
  const e = normAxis('flatten', endDim, x.ndim);
  if (s > e) throw new ValueRangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/**
 * Removes size-1 dims: all of them, or only `dim` (one or several) (torch.squeeze). A view.
 *
 * @example
 * ```ts
 * import { squeeze, randn } from '@nn/tensor';
 *
 * squeeze(randn([1, 3, 1])); // [3]
 * ```
 */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  const dims = dim === undefined ? null : (typeof dim === 'number' ? [dim] : dim).map((d) => normAxis('squeeze', d, x.ndim));
  const shape = x.shape.filter((n, i) => !(n === 1 && (dims === null || dims.includes(i))));
  return reshapeView(x, shape);
}

/**
 * Inserts a size-1 dim at `dim` (negative counts from the end of the result) (torch.unsqueeze). A view.
 *
 * @example
 * ```ts
 * import { unsqueeze, randn } from '@nn/tensor';
 *
 * unsqueeze(randn([3]), 0); // [1, 3]
 * ```
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normAxis('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshapeView(x, shape);
}

/** A reshape that only inserts or removes size-1 dims: always a view, even of non-contiguous x. */
function reshapeView(x: Tensor, shape: number[]): Tensor {
  backendOf('reshape', x);
  const strides: number[] = [];
  let j = 0;
  for (let i = 0; i < shape.length; i++) {
    while (j < x.ndim && x.shape[j] === 1 && shape[i] !== 1) j++;
    if (j < x.ndim && x.shape[j] === shape[i]) strides.push(x.strides[j++]);
    else strides.push(0);
  }
  const out = makeView(x, shape, strides, x.offset);
  if (needsRecord(x)) record('reshape', [x], { shape }, out);
  return out;
}

/**
 * Reorders the dims: output dim i is input dim `dims[i]` (torch.permute). A view.
 *
 * @example
 * ```ts
 * import { permute, randn } from '@nn/tensor';
 *
 * permute(randn([2, 3, 4]), [2, 0, 1]); // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  backendOf('permute', x);
  if (dims.length !== x.ndim)
    throw new ShapeError(`permute: got ${dims.length} dims ${JSON.stringify(dims)} for a tensor of ${x.ndim} dimensions`);
  // Plain loops, not map(): map's result is a packed array when it runs in the interpreter but a
  // holey one once TurboFan inlines it, and every optimized caller deopts on the new array map.
  const perm: number[] = [];
  for (let i = 0; i < dims.length; i++) perm.push(normAxis('permute', dims[i], x.ndim));
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < perm.length; i++) {
    const p = perm[i];
    if (perm.indexOf(p) !== i) throw new ValueRangeError(`permute: dims ${JSON.stringify(dims)} repeat an axis`);
    shape.push(x.shape[p]);
    strides.push(x.strides[p]);
  }
  const out = makeView(x, shape, strides, x.offset);
  if (needsRecord(x)) record('permute', [x], { perm }, out);
  return out;
}

/**
 * Swaps two dims (default the last two) (torch.transpose). A view.
 *
 * @example
 * ```ts
 * import { transpose, randn } from '@nn/tensor';
 *
 * transpose(randn([2, 3])); // [3, 2]
 * ```
 */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  if (x.ndim < 2) return reshapeView(x, [...x.shape]);
  const a = normAxis('transpose', dim0, x.ndim);
  const b = normAxis('transpose', dim1, x.ndim);
  const perm: number[] = []; // a loop, not map(): see permute
  for (let i = 0; i < x.ndim; i++) perm.push(i === a ? b : i === b ? a : i);
  return permute(x, perm);
}

/**
 * Repeats size-1 dims (and adds leading ones) to reach `shape` without copying: the new dims have stride 0 (torch.expand; -1 keeps a size).
 *
 * @example
 * ```ts
 * import { expand, randn } from '@nn/tensor';
 *
 * expand(randn([3, 1]), [3, 4]); // [3, 4], no copy
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  backendOf('expand', x);
  if (shape.length < x.ndim) throw new ShapeError(`expand: target ${fmtShape(shape)} has fewer dims than the tensor ${fmtShape(x.shape)}`);
  const lead = shape.length - x.ndim;
  const target: number[] = []; // a loop, not map(): see permute
  for (let i = 0; i < shape.length; i++) target.push(shape[i] === -1 && i >= lead ? x.shape[i - lead] : shape[i]);
  checkShapeArg('expand', target);
  for (let i = 0; i < x.ndim; i++) {
    const have = x.shape[i];
    const want = target[i + lead];
    if (have !== want && have !== 1) {
      throw new ShapeError(
        `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}: dim ${i} has size ${have} (only size-1 dims expand)`,
      );
    }
  }
  const view = broadcastView(x, target);
  const out = makeView(x, target, view.strides, x.offset);
  if (needsRecord(x)) record('expand', [x], { shape: target }, out);
  return out;
}

/** x[..., start:end:step, ...] along dim, Python-style bounds (negative counts from the end, clamped). */
export function slice(x: Tensor, dim: number, start = 0, end = Number.POSITIVE_INFINITY, step = 1): Tensor {
  backendOf('slice', x);
  const d = normAxis('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step < 1) throw new ValueRangeError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  if (!Number.isInteger(start) || !(Number.isInteger(end) || end === Number.POSITIVE_INFINITY)) {
    throw new ValueRangeError(`slice: start and end must be integers, got ${start} and ${end}`);
  }
  const s = clampIdx(start);
  const e = Math.max(clampIdx(end), s);
  const starts = x.shape.map(() => 0);
  const steps = x.shape.map(() => 1);
  starts[d] = s;
  steps[d] = step;
  const shape = [...x.shape];
  shape[d] = Math.ceil((e - s) / step);
  return sliceView(x, starts, steps, shape);
}

/** The strided window view behind slice (and the VJP of pad). */
export function sliceView(x: Tensor, starts: readonly number[], steps: readonly number[], shape: readonly number[]): Tensor {
  let offset = x.offset;
  const strides = x.strides.map((st, i) => st * steps[i]);
  for (let i = 0; i < starts.length; i++) if (shape[i] > 0) offset += starts[i] * x.strides[i];
  const out = makeView(x, shape, strides, offset);
  if (needsRecord(x)) record('slice', [x], { starts: [...starts], steps: [...steps], shape: [...shape] }, out);
  return out;
}

/**
 * `length` elements of `dim` from `start` (torch.narrow). A view.
 *
 * @example
 * ```ts
 * import { narrow, randn } from '@nn/tensor';
 *
 * narrow(randn([5, 2]), 0, 1, 3); // rows 1..3: [3, 2]
 * ```
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normAxis('narrow', dim, x.ndim);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new ValueRangeError(`narrow: start ${start} and length ${length} do not fit dim ${dim} of size ${n}`);
  }
  return slice(x, d, s, s + length);
}

/**
 * Splits along `dim` into chunks of `sizeOrSections` (the last may be smaller), or into pieces of the given sizes (torch.split). Views.
 *
 * @example
 * ```ts
 * import { split, randn } from '@nn/tensor';
 *
 * split(randn([5, 2]), [2, 3]); // [2, 2] and [3, 2]
 * ```
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normAxis('split', dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections < 1)
      throw new ValueRangeError(`split: size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let i = 0; i < n; i += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - i));
    if (n === 0) sizes.push(0); // PyTorch: an empty dim splits into one empty piece
  } else {
    sizes = [...sizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ShapeError(`split: sections ${JSON.stringify(sizes)} must be non-negative integers summing to dim ${dim}'s size ${n}`);
    }
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, d, at, at + s));
    at += s;
  }
  return out;
}

/** x written into a strided window of a new tensor of `shape` filled with `value` (the inverse of sliceView). */
export function padWindow(x: Tensor, starts: readonly number[], steps: readonly number[], shape: readonly number[], value: number): Tensor {
  const be = backendOf('pad', x);
  const out = empty(be, shape, x.dtype, 'pad');
  be.fill(out, value);
  if (x.size > 0) {
    let offset = 0;
    for (let i = 0; i < starts.length; i++) offset += starts[i] * out.strides[i];
    be.copyInto(
      rawView(
        out,
        x.shape,
        out.strides.map((s, i) => s * steps[i]),
        offset,
      ),
      x,
    );
  }
  if (needsRecord(x)) record('pad', [x], { starts: [...starts], steps: [...steps], shape: [...shape], value }, out);
  return out;
}

/** PyTorch F.pad order: [left, right] for the last dim, then [top, bottom] for the one before, ... */
export type PadSpec = readonly number[];

/** F.pad's modes: a constant fill, or values mirrored / repeated / wrapped from the input. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
/** Options of {@link pad}. */
export interface PadOptions {
  /** 'constant' (default), 'reflect', 'replicate' or 'circular'. */
  mode?: PadMode;
  /** The fill of mode 'constant' (default 0). */
  value?: number;
}

/**
 * Pads the last dims by `padding` (`[left, right, top, bottom, ...]`, as torch.nn.functional.pad), with a constant (default 0) or values reflected, replicated or wrapped from `x`. Negative amounts crop.
 *
 * @example
 * ```ts
 * import { pad, randn } from '@nn/tensor';
 *
 * pad(randn([1, 3, 3]), [1, 1, 1, 1]);                       // [1, 5, 5], zeros around
 * pad(randn([1, 3, 3]), [1, 1], { mode: 'reflect' });        // [1, 3, 5]
 * ```
 */
export function pad(x: Tensor, padding: PadSpec, valueOrOptions: number | PadOptions = 0): Tensor {
  backendOf('pad', x);
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length / 2 > x.ndim || padding.some((p) => !Number.isInteger(p))) {
    throw new ShapeError(
      `pad: padding ${JSON.stringify(padding)} must hold an even number of integers, at most 2 per dim of ${fmtShape(x.shape)}`,
    );
  }
  const { mode = 'constant', value = 0 } = typeof valueOrOptions === 'number' ? { value: valueOrOptions } : valueOrOptions;
  if (mode !== 'constant') return padIndexed(x, padding, mode);
  let src = x;
  const starts = x.shape.map(() => 0);
  const shape = [...x.shape];
  const temps: Tensor[] = [];
  for (let k = 0; k < padding.length / 2; k++) {
    const d = x.ndim - 1 - k;
    let before = padding[2 * k];
    let after = padding[2 * k + 1];
    // Negative padding crops, as in PyTorch.
    if (before < 0 || after < 0) {
      const cropB = Math.max(-before, 0);
      const cropA = Math.max(-after, 0);
      if (cropB + cropA > src.shape[d])
        throw new ShapeError(`pad: padding ${JSON.stringify(padding)} crops more than dim ${d} of size ${x.shape[d]}`);
      temps.push((src = slice(src, d, cropB, src.shape[d] - cropA)));
      before = Math.max(before, 0);
      after = Math.max(after, 0);
    }
    starts[d] = before;
    shape[d] = src.shape[d] + before + after;
  }
  const out = padWindow(
    src,
    starts,
    x.shape.map(() => 1),
    shape,
    value,
  );
  disposeAll(temps);
  return out;
}

/** Where output position j (counted from -before) reads along a dim of size n, per mode. */
const PAD_SOURCE: Record<Exclude<PadMode, 'constant'>, (j: number, n: number) => number> = {
  reflect: (j, n) => (j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j),
  replicate: (j, n) => Math.min(Math.max(j, 0), n - 1),
  circular: (j, n) => ((j % n) + n) % n,
};

/** reflect / replicate / circular padding: one index select per padded dim (gradients sum back). */
function padIndexed(x: Tensor, padding: PadSpec, mode: PadMode): Tensor {
  const source = PAD_SOURCE[mode as Exclude<PadMode, 'constant'>];
  if (source === undefined)
    throw new ValueRangeError(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(mode)}`);
  const be = x.storage.backend;
  let y = x;
  for (let k = 0; k < padding.length / 2; k++) {
    const d = x.ndim - 1 - k;
    const [before, after] = [padding[2 * k], padding[2 * k + 1]];
    const n = x.shape[d];
    // PyTorch's limits: a reflection cannot repeat the edge, a wrap cannot go around twice.
    const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Number.POSITIVE_INFINITY;
    if (before < 0 || after < 0 || before > limit || after > limit || n === 0) {
      throw new ValueRangeError(
        `pad: ${mode} padding [${before}, ${after}] of dim ${d} (size ${n}) must be non-negative${limit < Number.POSITIVE_INFINITY ? ` and at most ${limit}` : ''}`,
      );
    }
    if (before === 0 && after === 0) continue;
    const idx = empty(be, [n + before + after], 'int32', 'pad');
    be.write(
      idx.buffer,
      Int32Array.from({ length: n + before + after }, (_, j) => source(j - before, n)),
    );
    const next = selectChecked(y, d, idx);
    idx.dispose();
    if (y !== x) y.dispose();
    y = next;
  }
  return y === x ? clone(x) : y;
}

/**
 * Joins tensors along an existing dim; the other dims must match (torch.cat).
 *
 * @example
 * ```ts
 * import { concat, randn } from '@nn/tensor';
 *
 * concat([randn([2, 3]), randn([4, 3])]); // [6, 3]
 * ```
 */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!isList(tensors) || tensors.length === 0) throw new ShapeError('concat: needs a non-empty array of tensors');
  const first = tensors[0];
  const be = backendOf('concat', first);
  for (const t of tensors) backendOf('concat', first, t);
  const d = normAxis('concat', dim, first.ndim);
  let dtype = first.dtype;
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((n, k) => k !== d && n !== first.shape[k])) {
      throw new ShapeError(
        `concat: tensor ${i} has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(first.shape)} outside dim ${d}`,
      );
    }
    dtype = resultType(dtype, t.dtype);
    total += t.shape[d];
  }
  const inputs = tensors.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const shape = [...first.shape];
  shape[d] = total;
  const out = empty(be, shape, dtype, 'concat');
  let at = 0;
  for (const t of inputs) {
    if (t.size > 0) be.copyInto(rawView(out, t.shape, out.strides, at * out.strides[d]), t);
    at += t.shape[d];
  }
  if (inputs.some((t) => needsRecord(t))) record('concat', inputs, { axis: d }, out);
  disposeAll(inputs.filter((t, i) => t !== tensors[i]));
  return out;
}

/** Array.isArray without narrowing readonly arrays to any[]. */
const isList = (v: unknown): boolean => Array.isArray(v);

/**
 * Joins same-shaped tensors along a new dim (torch.stack).
 *
 * @example
 * ```ts
 * import { stack, randn } from '@nn/tensor';
 *
 * stack([randn([3]), randn([3])]); // [2, 3]
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!isList(tensors) || tensors.length === 0) throw new ShapeError('stack: needs a non-empty array of tensors');
  const d = normAxis('stack', dim, tensors[0].ndim + 1);
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== tensors[0].ndim || t.shape.some((n, k) => n !== tensors[0].shape[k])) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(tensors[0].shape)}; all must match`,
      );
    }
  }
  const parts = tensors.map((t) => unsqueeze(t, d));
  const out = concat(parts, d);
  disposeAll(parts);
  return out;
}

/** A contiguous tensor with x's values (a view when x already is contiguous). */
export function contiguous(x: Tensor): Tensor {
  backendOf('contiguous', x);
  if (isContiguous(x.shape, x.strides)) return reshapeView(x, [...x.shape]);
  return clone(x);
}

/** A copy with its own contiguous storage. */
export function clone(x: Tensor): Tensor {
  const be = backendOf('clone', x);
  const out = empty(be, x.shape, x.dtype, 'clone');
  be.copy(x, out);
  if (needsRecord(x)) record('copy', [x], NO_PARAMS, out);
  return out;
}

/**
 * In-place copy of src (broadcast, cast) into dst's elements; returns dst. Not recorded by autograd:
 * a leaf that requires grad may be written only while gradients are off (inside noGrad), as in
 * PyTorch's `with torch.no_grad(): p.copy_(...)`.
 */
export function copy_(dst: Tensor, src: Tensor | number): Tensor {
  const be = backendOf('copy_', dst, isTensorValue(src) ? src : undefined);
  if (dst.requiresGrad && autograd.gradEnabled && autograd.hooks !== null) {
    throw new ValueRangeError(
      'copy_: a tensor that requires grad cannot be modified in place while gradients are recorded; wrap the update in noGrad(() => ...)',
    );
  }
  if (typeof src === 'number') {
    if (isContiguous(dst.shape, dst.strides) && dst.offset === 0 && dst.size === dst.storage.size) be.fill(dst, src);
    else {
      const s = empty(be, [], dst.dtype);
      be.fill(s, src);
      be.copyInto(dst, broadcastView(s, dst.shape));
      s.dispose();
    }
    return dst;
  }
  const shape = broadcastShapes('copy_', src.shape, dst.shape);
  if (shape.length !== dst.ndim || shape.some((d, i) => d !== dst.shape[i])) {
    throw new ShapeError(`copy_: source shape ${fmtShape(src.shape)} cannot be broadcast to the destination shape ${fmtShape(dst.shape)}`);
  }
  const s = src.dtype === dst.dtype ? src : cast(src, dst.dtype);
  be.copyInto(dst, broadcastView(s, dst.shape));
  if (s !== src) s.dispose();
  return dst;
}

// --- indexing --------------------------------------------------------------------------------

function checkIndex(op: string, index: Tensor, bound: number, what: string): void {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.dtype}`);
  const be = index.storage.backend;
  if (index.size === 0) return;
  const error = (v: number): Error => new ValueRangeError(`${op}: index ${v} is out of range for ${what} (valid: 0 to ${bound - 1})`);
  if (be.readSync === undefined || be.checkIndices !== undefined) {
    // The backend checks (WebGPU: on the device, throwing at the next read or sync; a compile
    // recording: at each replay), not a read of the values here.
    be.checkIndices?.(index, bound, null, error);
    return;
  }
  const c = index.size === index.storage.size && isContiguous(index.shape, index.strides) && index.offset === 0 ? index : clone(index);
  const data = be.readSync(c.buffer, 'int32', c.size);
  if (c !== index) c.dispose();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= bound) throw error(v);
  }
}

function checkGatherShapes(op: string, x: Tensor, index: Tensor, d: number): void {
  if (index.ndim !== x.ndim) throw new ShapeError(`${op}: index has ${index.ndim} dims but input has ${x.ndim}; they must match`);
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw new ShapeError(`${op}: index shape ${fmtShape(index.shape)} exceeds input shape ${fmtShape(x.shape)} at dim ${i}`);
    }
  }
}

/** torch.gather: out[i][j] = x[i][index[i][j]] for dim = 1. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  backendOf('gather', x, index);
  const d = normAxis('gather', dim, x.ndim);
  checkGatherShapes('gather', x, index, d);
  checkIndex('gather', index, x.shape[d] ?? 1, `dim ${dim} of size ${x.shape[d]}`);
  return gatherChecked(x, d, index);
}

/** gather once the index is known to be valid (internal: the windowed ops build their own indices). */
export function gatherChecked(x: Tensor, d: number, index: Tensor): Tensor {
  const be = x.storage.backend;
  const out = empty(be, index.shape, x.dtype, 'gather');
  be.gather(x, index, d, out);
  if (needsRecord(x)) record('gather', [x, index], { axis: d }, out);
  return out;
}

/** Rows (or entries along dim) picked by a 1-D int32 index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  backendOf('indexSelect', x, index);
  const d = normAxis('indexSelect', dim, x.ndim);
  if (index.ndim !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  checkIndex('indexSelect', index, x.shape[d] ?? 1, `dim ${dim} of size ${x.shape[d]}`);
  return selectChecked(x, d, index);
}

/** indexSelect once the 1-D index is known to be valid. */
function selectChecked(x: Tensor, d: number, index: Tensor): Tensor {
  const shape = [...x.shape];
  shape[d] = index.shape[0];
  const strides = x.shape.map((_, i) => (i === d ? index.strides[0] : 0));
  const idx = makeView(index, shape, strides, index.offset);
  try {
    return gatherChecked(x, d, idx);
  } finally {
    idx.dispose();
  }
}

/** torch.scatter_add out of place: x with src added at index along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const be = backendOf('scatterAdd', x, index, src);
  const d = normAxis('scatterAdd', dim, x.ndim);
  if (src.ndim !== index.ndim || index.shape.some((n, i) => n > src.shape[i])) {
    throw new ShapeError(`scatterAdd: index shape ${fmtShape(index.shape)} must not exceed src shape ${fmtShape(src.shape)}`);
  }
  checkGatherShapes('scatterAdd', x, index, d);
  checkIndex('scatterAdd', index, x.shape[d] ?? 1, `dim ${dim} of size ${x.shape[d]}`);
  if (src.dtype !== x.dtype) throw new DTypeError(`scatterAdd: src dtype ${src.dtype} must match input dtype ${x.dtype}`);
  if (x.dtype === 'bool') throw new DTypeError('scatterAdd: bool tensors cannot be summed; cast to int32 first');
  const srcView = index.shape.every((n, i) => n === src.shape[i]) ? src : sliceTo(src, index.shape);
  const out = empty(be, x.shape, x.dtype, 'scatterAdd');
  be.scatterAdd(x, index, srcView, d, out);
  if (needsRecord(x, srcView)) record('scatterAdd', [x, index, srcView], { axis: d }, out);
  if (srcView !== src) srcView.dispose();
  return out;
}

function sliceTo(x: Tensor, shape: readonly number[]): Tensor {
  return sliceView(
    x,
    x.shape.map(() => 0),
    x.shape.map(() => 1),
    shape,
  );
}

/** One-hot encoding of int32 class indices as int32 (cast for float targets). */
export function oneHot(x: Tensor, numClasses?: number): Tensor {
  const be = backendOf('oneHot', x);
  if (x.dtype !== 'int32') throw new DTypeError(`oneHot: indices must be int32, got ${x.dtype}`);
  let n = numClasses;
  if (n === undefined) {
    if (be.readSync === undefined) throw new ValueRangeError('oneHot: pass numClasses on backends without synchronous reads');
    const data = readAll(x);
    n = 0;
    for (let i = 0; i < data.length; i++) n = Math.max(n, data[i] + 1);
  }
  if (!Number.isInteger(n) || n < 0) throw new ValueRangeError(`oneHot: numClasses must be a non-negative integer, got ${n}`);
  checkIndex('oneHot', x, n, `${n} classes`);
  const shape = [...x.shape, n];
  const out = empty(be, shape, 'int32', 'oneHot');
  const classes = empty(be, [n], 'int32');
  be.iota(classes, 0, 1);
  const eqOut = empty(be, shape, 'bool');
  be.binary('eq', rawView(x, shape, [...x.strides, 0]), rawView(classes, shape, [...x.shape.map(() => 0), 1]), eqOut);
  be.cast(eqOut, out);
  disposeAll([classes, eqOut]);
  return out;
}

function readAll(x: Tensor): ArrayLike<number> {
  const c = clone(x);
  const d = x.storage.backend.readSync!(c.buffer, c.dtype, c.size);
  c.dispose();
  return d;
}
