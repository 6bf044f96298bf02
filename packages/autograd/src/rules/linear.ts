/**
 * The rules of the recorded `linear` op, y = act(x @ w^T + bias). Reverse mode takes the
 * activation's derivative from y and the bias gradient in one pass (the backend's `linearGrad`
 * when it has one) and shares ga among the products; dW comes out as ga^T @ x, [out, in] like w
 * (the composite path's x^T @ ga needs a transposed copy for .grad).
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { type ParamsOf, linearGrad } from '@nn/tensor/backend';
import { type RuleContext, inputsOf } from './context.js';

type Ctx = RuleContext<ParamsOf<'linear'>>;

/** [dx, dw, dbias]: ga @ w, ga^T @ x and ga summed over rows, with ga = g * act'(y). */
export function linearVjp(ctx: Ctx, g: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [x, w] = inputsOf(ctx, 2);
  const withBias = ctx.inputs.length === 3;
  const [ga, dbias] = linearGrad(g, ctx.output(), ctx.params.activation, withBias && needs[2] === true);
  const grads = [needs[0] ? T.matmul(ga, w) : null, needs[1] ? T.matmul(T.transpose(ga, 0, 1), x) : null];
  if (withBias) grads.push(dbias);
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
  return linearGrad(t, y, ctx.params.activation, false)[0];
}
