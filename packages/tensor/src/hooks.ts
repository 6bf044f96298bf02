/**
 * The seam between @nn/tensor and @nn/autograd: the dispatcher calls `hooks.record` for every op
 * whose inputs require grad (or carry forward-mode tangents); @nn/autograd installs the hooks.
 */
import { NNError } from './errors.js';
import type { DiffOp } from './ops/op-types.js';
import type { Tensor } from './tensor.js';

/**
 * A step of the backward graph, as PyTorch's `grad_fn`: `name` is the op's backward
 * (`MatmulBackward`, `AddBackward`, ...) or `AccumulateGrad` for a leaf; `nextFunctions` are the
 * inputs' steps (null for inputs that need no gradient); a leaf's step holds its `variable`.
 */
export interface GradFn {
  readonly name: string;
  readonly nextFunctions: readonly (GradFn | null)[];
  /** The leaf tensor an `AccumulateGrad` step writes `.grad` into. */
  readonly variable?: Tensor;
}

/** The autograd node a tensor points to; ref-counted by the tensors and nodes that hold it. */
export interface GradNodeRef extends GradFn {
  readonly isLeaf: boolean;
  retain(): void;
  release(): void;
}

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

export interface AutogradHooks {
  record(op: DiffOp, inputs: readonly Tensor[], params: unknown, output: Tensor): void;
  backward(t: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void;
}

export const autograd = {
  hooks: null as AutogradHooks | null,
  /** Reverse-mode recording is on (noGrad turns it off). */
  gradEnabled: true,
  /** Number of active forward-mode (jvp) levels. */
  forwardLevels: 0,
};

export function installAutograd(hooks: AutogradHooks): void {
  autograd.hooks = hooks;
}

export function requireAutograd(what: string): AutogradHooks {
  if (autograd.hooks === null) {
    throw new NNError(`${what}: autograd is not loaded; add \`import '@nn/autograd'\` (or import anything from it) first`);
  }
  return autograd.hooks;
}
