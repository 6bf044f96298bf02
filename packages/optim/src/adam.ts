/** Adam and AdamW (decoupled weight decay), with amsgrad and maximize. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { definedOnly, betaPair, bool, nonNegative, optionalBool, type Rules } from './check.js';
import { fusedRoutine, isDense, requireFused } from './fused.js';
import { type ParamGroup, type Params, Optimizer } from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW} (PyTorch's defaults). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the maximum of past second moments (default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing (default false). */
  maximize: boolean;
  /** Use the backend's fused update: undefined = when available (default), true = required, false = never. */
  fused: boolean | undefined;
}
/** Options of {@link AdamW}: as Adam's, with `weightDecay` decoupled (default 1e-2). */
export type AdamWOptions = AdamOptions;

/** {@link Adam}'s and {@link AdamW}'s state per parameter. */
export interface AdamState {
  [key: string]: Tensor | number;
  /** Number of updates of this parameter. */
  step: number;
  /** Running average of the gradient (first moment). */
  expAvg: Tensor;
  /** Running average of the squared gradient (second moment). */
  expAvgSq: Tensor;
  /** Only with amsgrad. */
  maxExpAvgSq: Tensor;
}

const RULES: Rules<AdamOptions> = {
  lr: nonNegative,
  betas: betaPair,
  eps: nonNegative,
  weightDecay: nonNegative,
  amsgrad: bool,
  maximize: bool,
  fused: optionalBool,
};

abstract class AdamBase extends Optimizer<AdamOptions, AdamState> {
  /** True for AdamW: weight decay shrinks the weights directly instead of joining the gradient. */
  protected abstract readonly decoupled: boolean;

  protected override checkGroupsExtra(groups: readonly ParamGroup<AdamOptions>[]): void {
    for (const g of groups) requireFused(this.name, 'adam', g.fused, g.params);
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    const decoupled = this.decoupled;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const s = this.stateOf(p, () => {
        const init = { step: 0, expAvg: this.zerosState(p), expAvgSq: this.zerosState(p) } as AdamState;
        if (amsgrad) init.maxExpAvgSq = this.zerosState(p);
        return init;
      });
      if (amsgrad && s.maxExpAvgSq === undefined) s.maxExpAvgSq = this.zerosState(p); // amsgrad switched on later
      s.step += 1;
      const step = s.step;
      const { expAvg, expAvgSq } = s;
      const maxSq = amsgrad ? s.maxExpAvgSq : null;

      const fused = fusedRoutine(p, 'adam', group.fused);
      if (
        fused !== undefined &&
        grad.dtype === p.dtype &&
        isDense(p) &&
        isDense(expAvg) &&
        isDense(expAvgSq) &&
        (maxSq === null || isDense(maxSq))
      ) {
        const g = isDense(grad) ? grad : T.contiguous(grad);
        fused(p, g, expAvg, expAvgSq, maxSq, { lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad, maximize, step });
        if (g !== grad) g.dispose();
        continue;
      }
      T.tidy(() => {
        let g = maximize ? T.neg(grad) : grad;
        if (weightDecay !== 0) {
          if (decoupled) p.copy_(T.mul(p, 1 - lr * weightDecay));
          else g = T.add(g, T.mul(p, weightDecay));
        }
        expAvg.copy_(T.add(T.mul(expAvg, beta1), T.mul(g, 1 - beta1)));
        expAvgSq.copy_(T.add(T.mul(expAvgSq, beta2), T.mul(T.mul(g, 1 - beta2), g)));
        const biasCorrection1 = 1 - beta1 ** step;
        const biasCorrection2 = 1 - beta2 ** step;
        const stepSize = lr / biasCorrection1;
        const bc2Sqrt = Math.sqrt(biasCorrection2);
        let v = expAvgSq;
        if (maxSq !== null) {
          maxSq.copy_(T.maximum(maxSq, expAvgSq));
          v = maxSq;
        }
        const denom = T.add(T.div(T.sqrt(v), bc2Sqrt), eps);
        p.copy_(T.add(p, T.div(T.mul(expAvg, -stepSize), denom)));
      });
    }
  }
}

/**
 * PyTorch's Adam (single-tensor algorithm), update for update:
 * g = ±grad (+ weightDecay·p); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; (amsgrad: v̂ ← max(v̂, v));
 * p ← p − lr/(1−β1^t) · m / (√v / √(1−β2^t) + eps).
 */
export class Adam extends AdamBase {
  /** True for AdamW: weight decay shrinks the weights directly instead of joining the gradient. */
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, adamDefaults(0, options), RULES);
  }
}

/** AdamW: Adam with decoupled weight decay, p ← p·(1 − lr·weightDecay) before the moments (default weightDecay 1e-2). */
export class AdamW extends AdamBase {
  /** True for AdamW: weight decay shrinks the weights directly instead of joining the gradient. */
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, adamDefaults(1e-2, options), RULES);
  }
}

function adamDefaults(weightDecay: number, options: Partial<AdamOptions>): AdamOptions {
  const o = definedOnly(options);
  return {
    lr: 1e-3,
    eps: 1e-8,
    weightDecay,
    amsgrad: false,
    maximize: false,
    fused: undefined,
    ...o,
    betas: o.betas === undefined ? [0.9, 0.999] : Array.isArray(o.betas) ? ([...o.betas] as [number, number]) : o.betas,
  };
}
