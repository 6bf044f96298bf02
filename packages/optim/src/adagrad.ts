/** Adagrad with learning-rate decay, weight decay and an initial accumulator value. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { definedOnly, bool, nonNegative, type Rules } from './check.js';
import { type ParamGroup, type ParamGroupInput, type Params, Optimizer } from './optimizer.js';

/** Options of {@link Adagrad} (PyTorch's defaults). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The lr is divided by 1 + (t − 1)·lrDecay at update t (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize: boolean;
}

/** {@link Adagrad}'s state per parameter. */
export interface AdagradState {
  [key: string]: Tensor | number;
  /** Number of updates of this parameter. */
  step: number;
  /** Sum of squared gradients (PyTorch's `sum`). */
  sum: Tensor;
}

const RULES: Rules<AdagradOptions> = {
  lr: nonNegative,
  lrDecay: nonNegative,
  weightDecay: nonNegative,
  initialAccumulatorValue: nonNegative,
  eps: nonNegative,
  maximize: bool,
};

/**
 * PyTorch's Adagrad: g = ±grad (+ weightDecay·p); clr = lr / (1 + (t−1)·lrDecay);
 * sum ← sum + g²; p ← p − clr · g / (√sum + eps).
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    const defaults: AdagradOptions = {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...definedOnly(options),
    };
    super('Adagrad', params, defaults, RULES);
    // Like PyTorch, the state exists from construction (sum = initialAccumulatorValue).
    for (const g of this.paramGroups) {
      for (const p of g.params) this.stateOf(p, () => ({ step: 0, sum: this.zerosState(p, g.initialAccumulatorValue) }) as AdagradState);
    }
  }

  /** Adds a group; like PyTorch, its state is created at once. */
  override addParamGroup(group: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(group);
    const g = this.paramGroups.at(-1)!; // the group just added
    for (const p of g.params) this.stateOf(p, () => ({ step: 0, sum: this.zerosState(p, g.initialAccumulatorValue) }) as AdagradState);
  }

  protected updateGroup(group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const s = this.stateOf(p, () => ({ step: 0, sum: this.zerosState(p, group.initialAccumulatorValue) }) as AdagradState);
      s.step += 1;
      const clr = lr / (1 + (s.step - 1) * lrDecay);
      const sum = s.sum;
      T.tidy(() => {
        let g = maximize ? T.neg(grad) : grad;
        if (weightDecay !== 0) g = T.add(g, T.mul(p, weightDecay));
        sum.copy_(T.add(sum, T.mul(g, g)));
        const std = T.add(T.sqrt(sum), eps);
        p.copy_(T.add(p, T.div(T.mul(g, -clr), std)));
      });
    }
  }
}
