/**
 * The rules of the recorded `linear` op, y = act(x @ w^T + bias). Reverse mode takes the
 * activation's derivative from y once and shares it among the three products; dW comes out as
 * ga^T @ x, [out, in] like w (the composite path's x^T @ ga needs a transposed copy for .grad).
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import type { ParamsOf, RecordedActivation } from '@nn/tensor/backend';
import { type RuleContext, inputsOf } from './context.js';

/** v * act'(pre), from the output y = act(pre): the same ops as the elementwise partials. */
const ACTIVATION_GRAD: { [A in RecordedActivation]: (v: Tensor, y: Tensor) => Tensor } = {
  none: (v) => v,
  relu: (v, y) => T.where(T.gt(y, 0), v, 0),
  tanh: (v, y) => T.mul(v, T.sub(1, T.mul(y, y))),
  sigmoid: (v, y) => T.mul(v, T.mul(y, T.sub(1, y))),
};

type Ctx = RuleContext<ParamsOf<'linear'>>;

/** [dx, dw, dbias]: ga @ w, ga^T @ x and ga summed over rows, with ga = g * act'(y). */
export function linearVjp(ctx: Ctx, g: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [x, w] = inputsOf(ctx, 2);
  const ga = ACTIVATION_GRAD[ctx.params.activation](g, ctx.output());
  const grads = [needs[0] ? T.matmul(ga, w) : null, needs[1] ? T.matmul(T.transpose(ga, 0, 1), x) : null];
  if (ctx.inputs.length === 3) grads.push(needs[2] ? T.sum(ga, [0]) : null);
  return grads;
}

/** act'(y) * (tx @ w^T + x @ tw^T + tbias), a fresh tensor of y's shape. */
export function linearJvp(ctx: Ctx, tangents: readonly (Tensor | null)[]): Tensor {
  const [x, w] = inputsOf(ctx, 2);
  const y = ctx.output();
  const [tx = null, tw = null, tb = null] = tangents;
  let t: Tensor | null = tx === null ? null : T.matmul(tx, T.transpose(w, 0, 1));
  if (tw !== null) {
    const p = T.matmul(x, T.transpose(tw, 0, 1));
    t = t === null ? p : T.add(t, p);
  }
  if (tb !== null) t = t === null ? T.contiguous(T.expand(tb, y.shape)) : T.add(t, tb);
  if (t === null) return T.zerosLike(y);
  return ACTIVATION_GRAD[ctx.params.activation](t, y);
}
