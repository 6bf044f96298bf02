/** The backward of linear's activation and bias (autograd's `linear` rule), fused by the backend when it can be. */
import { isFloat } from '../dtype.js';
import { isContiguous } from '../layout.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, needsRecord, rawView } from './core.js';
import { gt, mul, sub, where } from './elementwise.js';
import type { RecordedActivation } from './op-types.js';
import { sum } from './reduce.js';

/** g * act'(pre), from the output y = act(pre): the same ops as the elementwise partials. */
const ACTIVATION_GRAD: { [A in RecordedActivation]: (g: Tensor, y: Tensor) => Tensor } = {
  none: (g) => g,
  relu: (g, y) => where(gt(y, 0), g, 0),
  tanh: (g, y) => mul(g, sub(1, mul(y, y))),
  sigmoid: (g, y) => mul(g, mul(y, sub(1, y))),
};

/**
 * [ga, dbias] for y = act(x @ w^T + bias) and its cotangent g, both [M, N]: ga = g * act'(y), and
 * dbias = ga summed over rows (null unless `withBias`). One pass of the backend's `linearGrad`
 * when it has one and nothing is recorded; otherwise composed from tensor ops (differentiable).
 * Without the bias, g and y may have any shape (autograd's relu, tanh and sigmoid rules use it):
 * the backend sees them as rows of their last dim.
 */
export function linearGrad(g: Tensor, y: Tensor, activation: RecordedActivation, withBias: boolean): [Tensor, Tensor | null] {
  const be = backendOf('linearGrad', g, y);
  const fused = be.fused.linearGrad;
  if (
    activation !== 'none' &&
    fused !== undefined &&
    (g.ndim === 2 || !withBias) &&
    shapesEqual(g.shape, y.shape) &&
    isFloat(g.dtype) &&
    g.dtype === y.dtype &&
    isContiguous(g.shape, g.strides) &&
    isContiguous(y.shape, y.strides) &&
    !needsRecord(g, y)
  ) {
    const ga = empty(be, g.shape, g.dtype, 'linearGrad');
    const dbias = withBias ? empty(be, [g.shape[1]], g.dtype, 'linearGrad') : null;
    if (g.ndim === 2) fused(g, y, activation, ga, dbias);
    else {
      const n = g.ndim === 0 ? 1 : g.shape[g.ndim - 1];
      const rows = [n === 0 ? 0 : g.size / n, n];
      const strides = [n, 1];
      fused(rawView(g, rows, strides), rawView(y, rows, strides), activation, rawView(ga, rows, strides), null);
    }
    return [ga, dbias];
  }
  const ga = ACTIVATION_GRAD[activation](g, y);
  return [ga, withBias ? sum(ga, [0]) : null];
}
