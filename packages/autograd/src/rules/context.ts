import type { Tensor } from '@nn/tensor';

/** What a rule sees: the op's inputs and output (graph-connected, so rules are differentiable). */
export interface RuleContext<P> {
  readonly inputs: readonly Tensor[];
  /** The op's output (computed lazily in backward; rules that use it avoid recomputation). */
  output(): Tensor;
  readonly params: P;
  // Rules run inside a tidy scope in the engine, so their temporaries need no disposal.
}
