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
  /** The step's name: `MatmulBackward`, `AddBackward`, ... or `AccumulateGrad` for a leaf. */
  readonly name: string;
  /** The inputs' steps, in input order (null for inputs that need no gradient). */
  readonly nextFunctions: readonly (GradFn | null)[];
  /** The leaf tensor an `AccumulateGrad` step writes `.grad` into. */
  readonly variable?: Tensor;
}

/** The autograd node a tensor points to; ref-counted by the tensors and nodes that hold it. */
export interface GradNodeRef extends GradFn {
  /** True for the node of a leaf tensor. */
  readonly isLeaf: boolean;
  /** Adds a reference (a tensor or node now holds it). */
  retain(): void;
  /** Drops a reference; the node frees its saved tensors when the last one goes. */
  release(): void;
}

/** Options of `tensor.backward()`. */
export interface BackwardOptions {
  /** Keep the graph's saved tensors for another backward (default false). */
  retainGraph?: boolean;
  /** Record the backward pass, for higher-order gradients (default false). */
  createGraph?: boolean;
}

/** What @nn/autograd installs into @nn/tensor: the seam between ops and the tape. */
export interface AutogradHooks {
  /** Called by the dispatcher for each op whose inputs require grad (or carry tangents). */
  record(op: DiffOp, inputs: readonly Tensor[], params: unknown, output: Tensor): void;
  /** Runs `t.backward(gradient, options)`. */
  backward(t: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void;
}

/** The dispatcher's autograd state: the installed hooks (null until @nn/autograd is imported) and the recording switches. */
export const autograd = {
  /** The installed hooks, or null until @nn/autograd is imported. */
  hooks: null as AutogradHooks | null,
  /** Reverse-mode recording is on (noGrad turns it off). */
  gradEnabled: true,
  /** Number of active forward-mode (jvp) levels. */
  forwardLevels: 0,
};

/** Installs the autograd hooks (@nn/autograd does this when imported). */
export function installAutograd(hooks: AutogradHooks): void {
  autograd.hooks = hooks;
}

export function requireAutograd(what: string): AutogradHooks {
  if (autograd.hooks === null) {
    throw new NNError(`${what}: autograd is not loaded; add \`import '@nn/autograd'\` (or import anything from it) first`);
  }
  return autograd.hooks;
}
