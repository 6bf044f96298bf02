/**
 * In-place ops (`add_`, `mul_`, `fill_`, ...): computed out of place, checked, then written back
 * through the tensor's view, so views of the same storage see the change. Like `copy_` they are not
 * recorded by autograd, so a tensor that requires grad may be changed only inside noGrad.
 */
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { autograd } from '../hooks.js';
import type { Tensor } from '../tensor.js';
import { isTensorValue, type TensorLike } from './core.js';
import { copy_ } from './movement.js';

function recording(): boolean {
  return autograd.gradEnabled && autograd.hooks !== null;
}

/** Throws unless x may be written in place now. */
export function checkInPlace(op: string, x: Tensor, operand?: TensorLike): void {
  x._check(op);
  if (x.requiresGrad && recording()) {
    throw new ValueRangeError(
      `${op}: a tensor that requires grad cannot be modified in place while gradients are recorded; ` +
        `wrap the update in noGrad(() => ...), or use the out-of-place ${op.slice(0, -1)}() for a new tensor`,
    );
  }
  if (isTensorValue(operand) && operand.requiresGrad && recording()) {
    throw new ValueRangeError(
      `${op}: the operand requires grad, but in-place ops are not recorded, so its gradient would be lost; ` +
        `use the out-of-place x = x.${op.slice(0, -1)}(other)`,
    );
  }
}

/** Runs `compute` (an out-of-place op on x) and writes its result into x. */
export function inPlace(op: string, x: Tensor, compute: () => Tensor, operand?: TensorLike): Tensor {
  checkInPlace(op, x, operand);
  const r = compute();
  try {
    if (r.dtype !== x.dtype) {
      throw new DTypeError(
        `${op}: the result is ${r.dtype} but the tensor is ${x.dtype}; in place, the result must keep the tensor's dtype (use the out-of-place ${op.slice(0, -1)}())`,
      );
    }
    if (r.ndim !== x.ndim || r.shape.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(
        `${op}: the result has shape ${fmtShape(r.shape)} but the tensor has ${fmtShape(x.shape)}; in place, the operand must broadcast to the tensor's shape`,
      );
    }
    copy_(x, r);
  } finally {
    r.dispose();
  }
  return x;
}

/** Sets every element to value (`zero_` is fill_ with 0). */
export function fill_(x: Tensor, value: number | boolean, op = 'fill_'): Tensor {
  checkInPlace(op, x);
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new DTypeError(`${op}: value must be a number or boolean, got ${typeof value}`);
  return copy_(x, typeof value === 'boolean' ? Number(value) : value);
}
