/** RMSprop, plain or centered, with momentum and weight decay. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { definedOnly, bool, nonNegative, type Rules } from './check.js';
import { type ParamGroup, type Params, Optimizer } from './optimizer.js';

/** Options of {@link RMSprop} (PyTorch's defaults). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance instead of the second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing (default false). */
  maximize: boolean;
}

/** {@link RMSprop}'s state per parameter. */
export interface RMSpropState {
  [key: string]: Tensor | number;
  /** Number of updates of this parameter. */
  step: number;
  /** Running average of the squared gradient. */
  squareAvg: Tensor;
  /** Only with momentum > 0. */
  momentumBuffer: Tensor;
  /** Only when centered. */
  gradAvg: Tensor;
}

const RULES: Rules<RMSpropOptions> = {
  lr: nonNegative,
  alpha: nonNegative,
  eps: nonNegative,
  weightDecay: nonNegative,
  momentum: nonNegative,
  centered: bool,
  maximize: bool,
};

/**
 * PyTorch's RMSprop: g = ±grad (+ weightDecay·p); v ← α·v + (1−α)·g²;
 * centered: ḡ ← α·ḡ + (1−α)·g, avg = √(v − ḡ²) + eps, else avg = √v + eps;
 * momentum: buf ← momentum·buf + g/avg, p ← p − lr·buf; else p ← p − lr·g/avg.
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const defaults: RMSpropOptions = {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...definedOnly(options),
    };
    super('RMSprop', params, defaults, RULES);
  }

  protected updateGroup(group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const s = this.stateOf(p, () => ({ step: 0, squareAvg: this.zerosState(p) }) as RMSpropState);
      if (momentum > 0 && s.momentumBuffer === undefined) s.momentumBuffer = this.zerosState(p);
      if (centered && s.gradAvg === undefined) s.gradAvg = this.zerosState(p);
      s.step += 1;
      const { squareAvg, gradAvg, momentumBuffer } = s;
      T.tidy(() => {
        let g = maximize ? T.neg(grad) : grad;
        if (weightDecay !== 0) g = T.add(g, T.mul(p, weightDecay));
        squareAvg.copy_(T.add(T.mul(squareAvg, alpha), T.mul(T.mul(g, 1 - alpha), g)));
        let avg: Tensor;
        if (centered) {
          gradAvg.copy_(T.add(T.mul(gradAvg, alpha), T.mul(g, 1 - alpha)));
          avg = T.sqrt(T.sub(squareAvg, T.mul(gradAvg, gradAvg))); // addcmul(value=-1): exact same bits
        } else avg = T.sqrt(squareAvg);
        avg = T.add(avg, eps);
        if (momentum > 0) {
          momentumBuffer.copy_(T.add(T.mul(momentumBuffer, momentum), T.div(g, avg)));
          p.copy_(T.add(p, T.mul(momentumBuffer, -lr)));
        } else p.copy_(T.add(p, T.div(T.mul(g, -lr), avg)));
      });
    }
  }
}
