/** Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { definedOnly, bool, nonNegative, optionalBool, finite, type Rules } from './check.js';
import { fusedRoutine, isDense, requireFused } from './fused.js';
import { type ParamGroup, type Params, Optimizer } from './optimizer.js';

/** Options of {@link SGD} (PyTorch's defaults). */
export interface SGDOptions {
  /** Learning rate (required, like PyTorch). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing (default false). */
  maximize: boolean;
  /** Use the backend's fused update: undefined = when available (default), true = required, false = never. */
  fused: boolean | undefined;
}

/** {@link SGD}'s state per parameter. */
export interface SGDState {
  [key: string]: Tensor | number;
  /** Present once momentum was used; PyTorch's momentum_buffer. */
  momentumBuffer: Tensor;
}

const RULES: Rules<SGDOptions> = {
  lr: nonNegative,
  momentum: nonNegative,
  dampening: finite,
  weightDecay: nonNegative,
  nesterov: bool,
  maximize: bool,
  fused: optionalBool,
};

/**
 * PyTorch's SGD, update for update:
 * g = ±grad (+ weightDecay·p); buf = g on the first step, else momentum·buf + (1 − dampening)·g;
 * g = nesterov ? g + momentum·buf : buf; p ← p − lr·g.
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const defaults: SGDOptions = {
      lr: undefined as unknown as number,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      fused: undefined,
      ...definedOnly(options),
    };
    super('SGD', params, defaults, RULES);
  }

  protected override withRequired(options: SGDOptions, group: Partial<SGDOptions> | null): SGDOptions {
    if (options.lr !== undefined) return options;
    if (group === null) return { ...options, lr: 0 }; // a group may still give lr
    throw new T.ValueRangeError('SGD: lr is required (a finite number >= 0): pass { lr } in the options or in every param group');
  }

  protected override crossCheck(o: SGDOptions): string | null {
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      return `nesterov: true requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`;
    }
    return null;
  }

  protected override checkGroupsExtra(groups: readonly ParamGroup<SGDOptions>[]): void {
    for (const g of groups) requireFused('SGD', 'sgd', g.fused, g.params);
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      let firstStep = false;
      let buf: Tensor | null = null;
      if (momentum !== 0) {
        const had = this.state.get(p)?.momentumBuffer;
        firstStep = had === undefined;
        const s = this.stateOf(p, () => ({}) as SGDState);
        if (firstStep) s.momentumBuffer = this.zerosState(p);
        buf = s.momentumBuffer;
      }
      const fused = fusedRoutine(p, 'sgd', group.fused);
      if (fused !== undefined && isDense(p) && (buf === null || isDense(buf)) && grad.dtype === p.dtype) {
        const g = isDense(grad) ? grad : T.contiguous(grad);
        fused(p, g, buf, { lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep });
        if (g !== grad) g.dispose();
        continue;
      }
      T.tidy(() => {
        let d = maximize ? T.neg(grad) : grad;
        if (weightDecay !== 0) d = T.add(d, T.mul(p, weightDecay));
        if (buf !== null) {
          if (firstStep) buf.copy_(d);
          else buf.copy_(T.add(T.mul(buf, momentum), dampening === 0 ? d : T.mul(d, 1 - dampening)));
          d = nesterov ? T.add(d, T.mul(buf, momentum)) : buf;
        }
        p.copy_(T.add(p, T.mul(d, -lr)));
      });
    }
  }
}
