/**
 * Masking and tiling ops for sequence models, composed from views, where and gather so their
 * gradients come from those ops' rules: tril/triu and maskedFill zero the masked gradient,
 * repeat and repeatInterleave sum the gradient of every copy back into its source element.
 */
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { broadcastShapes, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, disposeAll, isTensorValue, scalarTensor } from './core.js';
import { arange, tensor } from './creation.js';
import { cast, ge, le, sub, where } from './elementwise.js';
import { clone, expand, flatten, indexSelect, reshape, slice, split, unsqueeze } from './movement.js';

function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  backendOf(op, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: needs a matrix or a batch of matrices (at least 2 dims), got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new ValueRangeError(`${op}: diagonal must be an integer, got ${diagonal}`);
  const r = x.shape[x.ndim - 2];
  const c = x.shape[x.ndim - 1];
  const opts = { dtype: 'int32' as const, backend: x.backend.name };
  const rows = arange(0, r, 1, opts);
  const rowsCol = reshape(rows, [r, 1]);
  const cols = arange(0, c, 1, opts);
  const offset = sub(cols, rowsCol); // column - row: 0 on the main diagonal
  // Diagonals beyond the matrix keep everything or nothing; clamping keeps the scalar in int32.
  const k = Math.min(Math.max(diagonal, -r - 1), c + 1);
  const keep = op === 'tril' ? le(offset, k) : ge(offset, k);
  const out = where(keep, x, x.dtype === 'bool' ? false : 0);
  disposeAll([rows, rowsCol, cols, offset, keep]);
  return out;
}

/** torch.tril: the lower triangle of the last two dims (on and below `diagonal`), zeros elsewhere. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle('tril', x, diagonal);
/** torch.triu: the upper triangle of the last two dims (on and above `diagonal`), zeros elsewhere. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle('triu', x, diagonal);

/**
 * torch.masked_fill: x with `value` where the bool mask is true; mask and x broadcast together.
 * The value (a number, boolean or 0-d tensor, which may require grad) takes x's dtype.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  const be = backendOf('maskedFill', x, mask);
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be bool, got ${mask.dtype} (compare first, e.g. x.eq(0))`);
  broadcastShapes('maskedFill', mask.shape, x.shape);
  let v: Tensor;
  if (isTensorValue(value)) {
    backendOf('maskedFill', x, value);
    if (value.ndim !== 0) throw new ShapeError(`maskedFill: a tensor value must be 0-d, got shape ${fmtShape(value.shape)}`);
    v = value.dtype === x.dtype ? value : cast(value, x.dtype);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    v = scalarTensor(be, value, x.dtype);
  } else {
    throw new ValueRangeError(`maskedFill: value must be a number, boolean or 0-d tensor, got ${value === null ? 'null' : typeof value}`);
  }
  const out = where(mask, v, x);
  if (v !== value) v.dispose();
  return out;
}

/** torch.chunk: at most `chunks` views along dim, each ceil(size / chunks) long but the last. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  backendOf('chunk', x);
  if (!Number.isInteger(chunks) || chunks < 1) throw new ValueRangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normAxis('chunk', dim, x.ndim);
  const n = x.shape[d];
  // An empty dim splits into `chunks` empty pieces, as in PyTorch.
  if (n === 0) return Array.from({ length: chunks }, () => slice(x, d, 0, 0));
  return split(x, Math.ceil(n / chunks), d);
}

/** Non-negative integer repeat counts, or a typed error naming op and counts. */
function checkCounts(op: string, counts: readonly number[]): void {
  if (counts.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new ValueRangeError(`${op}: repeats must be non-negative integers, got ${JSON.stringify(counts)}`);
  }
}

/** A result that owns its storage: the view-only paths would otherwise alias x. */
function owned(x: Tensor, y: Tensor): Tensor {
  if (y.storage !== x.storage) return y;
  const c = clone(y);
  y.dispose();
  return c;
}

/**
 * torch.Tensor.repeat: x tiled `sizes[i]` times along each dim (leading sizes add dims).
 * `repeat(x, 2, 3)` and `repeat(x, [2, 3])` are the same.
 */
export function repeat(x: Tensor, ...sizes: number[] | [readonly number[]]): Tensor {
  backendOf('repeat', x);
  const reps = (sizes.length === 1 && Array.isArray(sizes[0]) ? [...sizes[0]] : sizes) as number[];
  checkCounts('repeat', reps);
  if (reps.length < x.ndim) {
    throw new ShapeError(
      `repeat: got ${reps.length} repeat counts for a tensor of ${x.ndim} dims (shape ${fmtShape(x.shape)}); give at least one per dim`,
    );
  }
  const shape = [...reps.slice(0, reps.length - x.ndim).map(() => 1), ...x.shape];
  // [d0, d1, ...] viewed as [1, d0, 1, d1, ...], expanded to [r0, d0, r1, d1, ...], then merged.
  const split2 = shape.flatMap((d) => [1, d]);
  const tiled = shape.flatMap((d, i) => [reps[i], d]);
  const v = reshape(x, split2);
  const e = expand(v, tiled);
  const out = reshape(
    e,
    shape.map((d, i) => d * reps[i]),
  );
  disposeAll([v, e]);
  return owned(x, out);
}

/**
 * torch.repeat_interleave: each element repeated `repeats` times along dim (x flattened when dim
 * is omitted). `repeats` is one count or one count per element along dim; counts in a tensor
 * would make the output's shape depend on device data, so they are not accepted.
 */
export function repeatInterleave(x: Tensor, repeats: number | readonly number[], dim?: number): Tensor {
  backendOf('repeatInterleave', x);
  const d = dim === undefined ? 0 : normAxis('repeatInterleave', dim, x.ndim);
  // Without a dim PyTorch flattens; a 0-d tensor repeats as one element.
  const src = dim === undefined || x.ndim === 0 ? flatten(x) : x;
  try {
    const n = src.shape[d];
    const counts = typeof repeats === 'number' ? [repeats] : [...repeats];
    checkCounts('repeatInterleave', counts);
    if (counts.length === 1) {
      const r = counts[0];
      const wide = [...src.shape.slice(0, d + 1), r, ...src.shape.slice(d + 1)];
      const u = unsqueeze(src, d + 1);
      const e = expand(u, wide);
      const merged = [...src.shape];
      merged[d] *= r;
      const out = reshape(e, merged);
      disposeAll([u, e]);
      return owned(x, out);
    }
    if (counts.length !== n) {
      throw new ShapeError(
        `repeatInterleave: got ${counts.length} repeat counts for dim ${dim ?? 0} of size ${n}; give one count or one per element`,
      );
    }
    const idx = new Int32Array(counts.reduce((a, b) => a + b, 0));
    let at = 0;
    counts.forEach((r, i) => {
      idx.fill(i, at, at + r);
      at += r;
    });
    const index = tensor(idx, { backend: x.backend.name });
    const out = indexSelect(src, d, index);
    index.dispose();
    return out;
  } finally {
    if (src !== x) src.dispose();
  }
}
