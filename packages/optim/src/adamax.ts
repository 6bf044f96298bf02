/** Adamax: Adam with the infinity norm. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { definedOnly, betaPair, bool, nonNegative, type Rules } from './check.js';
import { type ParamGroup, type Params, Optimizer } from './optimizer.js';

/** Options of {@link Adamax} (PyTorch's defaults). */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Default [0.9, 0.999]. */
  betas: [number, number];
  /** Default 1e-8. */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize: boolean;
}

/** {@link Adamax}'s state per parameter. */
export interface AdamaxState {
  [key: string]: Tensor | number;
  /** Number of updates of this parameter. */
  step: number;
  /** Running average of the gradient. */
  expAvg: Tensor;
  /** Exponentially weighted infinity norm (PyTorch's exp_inf). */
  expInf: Tensor;
}

const RULES: Rules<AdamaxOptions> = { lr: nonNegative, betas: betaPair, eps: nonNegative, weightDecay: nonNegative, maximize: bool };

/**
 * PyTorch's Adamax: g = ±grad (+ weightDecay·p); m ← β1·m + (1−β1)·g; u ← max(β2·u, |g| + eps);
 * p ← p − lr/(1−β1^t) · m/u.
 */
export class Adamax extends Optimizer<AdamaxOptions, AdamaxState> {
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    const o = definedOnly(options);
    const defaults: AdamaxOptions = {
      lr: 2e-3,
      eps: 1e-8,
      weightDecay: 0,
      maximize: false,
      ...o,
      betas: o.betas === undefined ? [0.9, 0.999] : Array.isArray(o.betas) ? ([...o.betas] as [number, number]) : o.betas,
    };
    super('Adamax', params, defaults, RULES);
  }

  protected updateGroup(group: ParamGroup<AdamaxOptions>): void {
    const { lr, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const s = this.stateOf(p, () => ({ step: 0, expAvg: this.zerosState(p), expInf: this.zerosState(p) }) as AdamaxState);
      s.step += 1;
      const { expAvg, expInf } = s;
      const clr = lr / (1 - beta1 ** s.step);
      T.tidy(() => {
        let g = maximize ? T.neg(grad) : grad;
        if (weightDecay !== 0) g = T.add(g, T.mul(p, weightDecay));
        expAvg.copy_(T.add(T.mul(expAvg, beta1), T.mul(g, 1 - beta1)));
        expInf.copy_(T.maximum(T.mul(expInf, beta2), T.add(T.abs(g), eps)));
        p.copy_(T.add(p, T.div(T.mul(expAvg, -clr), expInf)));
      });
    }
  }
}
