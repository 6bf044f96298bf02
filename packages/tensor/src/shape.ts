import { ShapeError, ValueRangeError, fmtShape } from './errors.js';

export type Shape = readonly number[];

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting of two shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  if (shapesEqual(a, b)) return a as number[];
  // A scalar operand broadcasts to the other shape (every binary op with a JS number): no new array.
  if (b.length === 0) return a as number[];
  if (a.length === 0) return b as number[];
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast: ` +
          `dimension ${i - n} is ${da} vs ${db} (sizes must match or one must be 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative axis against ndim, or throws naming the op. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -Math.max(ndim, 1) || axis >= Math.max(ndim, 1)) {
    throw new ValueRangeError(
      `${op}: dim ${axis} is out of range for a tensor of ${ndim} dimension(s) ` +
        `(valid: ${-Math.max(ndim, 1)} to ${Math.max(ndim, 1) - 1})`,
    );
  }
  return axis < 0 ? axis + Math.max(ndim, 1) : axis;
}

/** Resolves a list of axes (undefined/null = all), sorted and unique. */
export function normAxes(op: string, axes: number | readonly number[] | null | undefined, ndim: number): number[] {
  // Every reduction calls this: plain loops, no closures (they cost most before V8 optimizes).
  const sorted: number[] = [];
  if (axes === undefined || axes === null) {
    for (let i = 0; i < ndim; i++) sorted.push(i);
    return sorted;
  }
  if (typeof axes === 'number') {
    sorted.push(normAxis(op, axes, ndim));
    return sorted;
  }
  for (let i = 0; i < axes.length; i++) sorted.push(normAxis(op, axes[i], ndim));
  sorted.sort(ascending);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new ValueRangeError(`${op}: dim ${sorted[i]} appears more than once in ${JSON.stringify(axes)}`);
  }
  return sorted;
}

const ascending = (x: number, y: number): number => x - y;

export function checkShapeArg(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new ShapeError(`${op}: shape must be an array of non-negative integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
    }
  }
}
