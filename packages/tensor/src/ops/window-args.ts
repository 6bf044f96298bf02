/**
 * Argument checks shared by the windowed ops (conv, pooling, unfold/fold), so every one of them
 * reports a bad kernel, stride, padding or input the same way: op, value, what is valid.
 */
import { DTypeError, NNError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** One value for every spatial dim, or one per dim (PyTorch's int-or-tuple arguments). */
export type IntArg = number | readonly number[];

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? `'${v}'` : String(v));

/** `v` as `n` integers >= min; `name` and the valid range appear in the error. */
export function intTuple(op: string, name: string, v: unknown, n: number, min: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) ? (v as unknown[]) : null;
  if (list === null || list.length !== n || list.some((d) => !Number.isInteger(d) || (d as number) < min)) {
    const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new ValueRangeError(`${op}: ${name} must be ${what}${n > 1 ? ` or a list of ${n} of them` : ''}, got ${show(v)}`);
  }
  return list as number[];
}

/** Rejects options the op does not know (a typo such as `strides` would otherwise be ignored). */
export function checkKnownOptions(op: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw new NNError(`${op}: options must be an object, got ${show(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new NNError(`${op}: unknown option '${k}' (valid options: ${known.join(', ')})`);
  }
}

/** Names of the spatial dims in messages. */
export const dimNames = (n: number): string[] =>
  n === 1 ? ['length'] : n === 2 ? ['height', 'width'] : Array.from({ length: n }, (_, i) => `dim ${i}`);

/**
 * Checks a [N, C, *spatial] (or unbatched [C, *spatial]) float input; returns whether it had a
 * batch dim. `layout` names the expected layout in the message, e.g. '[N, C, H, W]'.
 */
export function checkSpatialInput(op: string, x: Tensor, spatial: number, layout: string): boolean {
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    const unbatched = `[${layout.slice(4)}`;
    throw new ShapeError(
      `${op}: expected a ${spatial + 2}-D ${layout} or ${spatial + 1}-D unbatched ${unbatched} input, got shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DTypeError(`${op}: expected a floating-point input, got ${x.dtype}; cast first`);
  return x.ndim === spatial + 2;
}

/**
 * Window counts along the spatial dims of a padded input (floor mode), or a ShapeError naming the
 * dim whose dilated kernel does not fit.
 */
export function windowCounts(
  op: string,
  sizes: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  padBefore: readonly number[],
  padAfter: readonly number[],
): number[] {
  const names = dimNames(sizes.length);
  return sizes.map((n, i) => {
    const padded = n + padBefore[i] + padAfter[i];
    const extent = dilation[i] * (kernel[i] - 1) + 1;
    if (padded < extent) {
      const dil = dilation[i] > 1 ? ` dilated by ${dilation[i]} to an extent of ${extent}` : '';
      throw new ShapeError(
        `${op}: kernel size ${kernel[i]}${dil} is larger than the padded input ${names[i]} ${padded} ` +
          `(input ${n} + padding ${padBefore[i]} + ${padAfter[i]}); the output ${names[i]} would be < 1`,
      );
    }
    return Math.floor((padded - extent) / stride[i]) + 1;
  });
}
