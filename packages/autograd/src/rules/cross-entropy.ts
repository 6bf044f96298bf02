/**
 * The rules of the recorded `crossEntropy` op (inputs: logits [N, C], int32 target [N], and the
 * forward's per-row logSum [N]). Reverse mode is one call of the backend's `crossEntropyGrad` when
 * it has one (composed through softmax when the gradient is itself recorded); the target and
 * logSum get no gradient.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { type ParamsOf, softmaxCrossEntropyGrad } from '@nn/tensor/backend';
import { type RuleContext, inputsOf } from './context.js';

type Ctx = RuleContext<ParamsOf<'crossEntropy'>>;

/** [dlogits, null, null]: g scaled by (softmax(logits) - onehot(target)), 0 on ignored rows. */
export function crossEntropyVjp(ctx: Ctx, g: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  if (!needs[0]) return [null, null, null];
  const [logits, target, logSum] = inputsOf(ctx, 3);
  const { ignoreIndex, reduction } = ctx.params;
  return [softmaxCrossEntropyGrad(logits, target, logSum, g, ignoreIndex, reduction), null, null];
}

/** Per row: sum_j softmax(logits)_j t_j - t[target] (0 on ignored rows), reduced as the loss is. */
export function crossEntropyJvp(ctx: Ctx, tangents: readonly (Tensor | null)[]): Tensor {
  const [logits, target] = inputsOf(ctx, 3);
  const { ignoreIndex, reduction } = ctx.params;
  const t = tangents[0] ?? null;
  if (t === null) return T.zerosLike(ctx.output());
  const valid = T.ne(target, ignoreIndex);
  const picked = T.reshape(T.gather(t, 1, T.unsqueeze(T.where(valid, target, 0), 1)), [-1]);
  const rows = T.where(valid, T.sub(T.sum(T.mul(T.softmax(logits, 1), t), 1), picked), 0);
  if (reduction === 'none') return rows;
  if (reduction === 'sum') return T.sum(rows);
  return T.div(T.sum(rows), T.sum(T.cast(valid, rows.dtype)));
}
