import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';

export function checkPositiveInt(layer: string, name: string, v: unknown): asserts v is number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new ValueRangeError(`${layer}: ${name} must be a positive integer, got ${String(v)}`);
}

/** Checks the size of one input dim, naming the layer and both sizes. */
export function checkFeatures(layer: string, x: Tensor, dim: number, expected: number, what: string): void {
  const d = dim < 0 ? x.ndim + dim : dim;
  if (x.ndim === 0 || d < 0 || d >= x.ndim || x.shape[d] !== expected) {
    throw new ShapeError(`${layer}: expected input with ${what} = ${expected} (dim ${dim}), got input of shape [${x.shape.join(',')}]`);
  }
}

export function checkBool(layer: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueRangeError(`${layer}: ${name} must be true or false, got ${String(v)}`);
  return v;
}
