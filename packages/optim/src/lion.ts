/** Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"). Not in PyTorch itself. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { definedOnly, betaPair, bool, nonNegative, type Rules } from './check.js';
import { type ParamGroup, type Params, Optimizer } from './optimizer.js';

/** Options of {@link Lion} (the paper's defaults). */
export interface LionOptions {
  /** Learning rate (default 1e-4; typically 3-10x smaller than AdamW's). */
  lr: number;
  /** Interpolation for the update direction and for the moment (default [0.9, 0.99]). */
  betas: [number, number];
  /** Decoupled weight decay, p ← p·(1 − lr·weightDecay) (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize: boolean;
}

/** {@link Lion}'s state per parameter. */
export interface LionState {
  [key: string]: Tensor | number;
  /** Running average of the gradient (momentum). */
  expAvg: Tensor;
}

const RULES: Rules<LionOptions> = { lr: nonNegative, betas: betaPair, weightDecay: nonNegative, maximize: bool };

/**
 * Lion: p ← p·(1 − lr·weightDecay); p ← p − lr·sign(β1·m + (1−β1)·g); m ← β2·m + (1−β2)·g
 * (the paper's algorithm, as in the reference implementation lucidrains/lion-pytorch).
 */
export class Lion extends Optimizer<LionOptions, LionState> {
  constructor(params: Params<LionOptions>, options: Partial<LionOptions> = {}) {
    const o = definedOnly(options);
    const defaults: LionOptions = {
      lr: 1e-4,
      weightDecay: 0,
      maximize: false,
      ...o,
      betas: o.betas === undefined ? [0.9, 0.99] : Array.isArray(o.betas) ? ([...o.betas] as [number, number]) : o.betas,
    };
    super('Lion', params, defaults, RULES);
  }

  protected updateGroup(group: ParamGroup<LionOptions>): void {
    const { lr, weightDecay, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const { expAvg } = this.stateOf(p, () => ({ expAvg: this.zerosState(p) }) as LionState);
      T.tidy(() => {
        const g = maximize ? T.neg(grad) : grad;
        if (weightDecay !== 0) p.copy_(T.mul(p, 1 - lr * weightDecay));
        const direction = T.sign(T.add(T.mul(expAvg, beta1), T.mul(g, 1 - beta1)));
        p.copy_(T.add(p, T.mul(direction, -lr)));
        expAvg.copy_(T.add(T.mul(expAvg, beta2), T.mul(g, 1 - beta2)));
      });
    }
  }
}
