/** Base class of every error @nn throws for bad input. Messages name the op and what is valid. */
export class NNError extends Error {
  override name = 'NNError';
}
/** Shapes that do not fit together (broadcasting, matmul, reshape, concat, ...). */
export class ShapeError extends NNError {
  override name = 'ShapeError';
}
/** A dtype an op does not accept. */
export class DTypeError extends NNError {
  override name = 'DTypeError';
}
/** An axis, index or value outside its valid range. */
export class ValueRangeError extends NNError {
  override name = 'ValueRangeError';
}
/** A disposed tensor was used. */
export class DisposedError extends NNError {
  override name = 'DisposedError';
}
/** Backend registry and capability problems. */
export class BackendError extends NNError {
  override name = 'BackendError';
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
