/** Base class of every error the `@nn` packages throw for bad input. Messages name the op and what is valid. */
export class NNError extends Error {
  /** The error's class name (what `err.name` and stack traces show). */
  override name = 'NNError';
}
/** Shapes that do not fit together (broadcasting, matmul, reshape, concat, ...). */
export class ShapeError extends NNError {
  /** The error's class name (what `err.name` and stack traces show). */
  override name = 'ShapeError';
}
/** A dtype an op does not accept. */
export class DTypeError extends NNError {
  /** The error's class name (what `err.name` and stack traces show). */
  override name = 'DTypeError';
}
/** An axis, index or value outside its valid range. */
export class ValueRangeError extends NNError {
  /** The error's class name (what `err.name` and stack traces show). */
  override name = 'ValueRangeError';
}
/** A disposed tensor was used. */
export class DisposedError extends NNError {
  /** The error's class name (what `err.name` and stack traces show). */
  override name = 'DisposedError';
}
/** Backend registry and capability problems. */
export class BackendError extends NNError {
  /** The error's class name (what `err.name` and stack traces show). */
  override name = 'BackendError';
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
