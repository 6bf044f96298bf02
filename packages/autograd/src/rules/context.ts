import { NNError, type Tensor } from '@nn/tensor';

/** What a rule sees: the op's inputs and output (graph-connected, so rules are differentiable). */
export interface RuleContext<P> {
  readonly inputs: readonly Tensor[];
  /** The op's output (computed lazily in backward; rules that use it avoid recomputation). */
  output(): Tensor;
  readonly params: P;
  // Rules run inside a tidy scope in the engine, so their temporaries need no disposal.
}

/** Input i of the op. Ops have a fixed arity, so a missing input is a rule reading past it (a bug in a rule table). */
export function inputOf(ctx: RuleContext<unknown>, i: number): Tensor {
  const t = ctx.inputs[i];
  if (t === undefined) throw new NNError(`autograd: a rule read input ${i} of an op with ${ctx.inputs.length} inputs`);
  return t;
}

/** The op's first two (or three) inputs, for destructuring in the rules of binary (ternary) ops. */
export function inputsOf(ctx: RuleContext<unknown>, n: 2): [Tensor, Tensor];
export function inputsOf(ctx: RuleContext<unknown>, n: 3): [Tensor, Tensor, Tensor];
export function inputsOf(ctx: RuleContext<unknown>, n: 2 | 3): Tensor[] {
  // Called on every backward of a binary op: no closure, no iterator.
  return n === 2 ? [inputOf(ctx, 0), inputOf(ctx, 1)] : [inputOf(ctx, 0), inputOf(ctx, 1), inputOf(ctx, 2)];
}
