/**
 * Graph nodes. A node is ref-counted by the tensors that point at it and by its children; when the
 * count drops to zero it frees what it saved and releases its parents (iteratively, so deep graphs
 * do not overflow the stack).
 */
import type { Tensor } from '@nn/tensor';
import type { DiffOp, GradNodeRef } from '@nn/tensor/backend';

export type VjpFn = (node: OpNode, g: Tensor) => (Tensor | null)[];

/**
 * Nodes whose count reached zero, destroyed one at a time by the outermost `release` (a node's
 * destroy releases its saved inputs' nodes, which only queue here), so deep graphs do not overflow
 * the stack and a release allocates no queue of its own.
 */
const dying: GradNode[] = [];
let draining = false;
/** What a freed node holds instead of its saved tensors. */
const NONE_SAVED = Object.freeze([]) as unknown as Tensor[];

export abstract class GradNode implements GradNodeRef {
  refs = 1;
  /** @internal the last backward walk that finished this node, and whether it led to a target there. */
  walk = 0;
  /** @internal */
  leads = false;
  abstract readonly isLeaf: boolean;
  /** PyTorch's grad_fn name, e.g. `MatmulBackward` or `AccumulateGrad`. */
  abstract readonly name: string;
  abstract readonly nextFunctions: readonly (GradNode | null)[];
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) this.die();
  }
  /** Out of line from release(), which V8 inlines wherever a tensor is disposed. */
  private die(): void {
    dying.push(this);
    if (draining) return;
    draining = true;
    try {
      while (dying.length > 0) dying.pop()!.destroy(dying);
    } finally {
      draining = false;
    }
  }
  /** Frees resources; pushes parents whose count dropped to zero. */
  protected abstract destroy(queue: GradNode[]): void;
}

/** Accumulates gradients into a leaf tensor's `.grad`. */
export class LeafNode extends GradNode {
  readonly isLeaf = true;
  readonly name = 'AccumulateGrad';
  readonly nextFunctions = [];
  constructor(readonly tensor: Tensor) {
    super();
  }
  get variable(): Tensor {
    return this.tensor;
  }
  protected destroy(): void {}
}

/** One recorded op: its inputs (saved, still connected to the graph) and a view of its output. */
export class OpNode extends GradNode {
  readonly isLeaf = false;
  /** Set once backward has freed the saved tensors (without retainGraph). */
  freed = false;
  constructor(
    readonly op: DiffOp | 'custom',
    readonly params: any,
    /** Shares of the inputs (storage and node), for rules that need their values. */
    public saved: Tensor[],
    /** A node-less share of the output's storage; reconnected to this node on demand. */
    public out: Tensor,
    readonly parents: (GradNode | null)[],
    readonly needsGrad: boolean[],
    readonly custom: VjpFn | null = null,
  ) {
    super();
    // Indexed loops here and below: before V8 optimizes them, for-of allocates an iterator.
    for (let i = 0; i < parents.length; i++) parents[i]?.retain();
  }
  get name(): string {
    return `${this.op.charAt(0).toUpperCase()}${this.op.slice(1)}Backward`;
  }
  get nextFunctions(): readonly (GradNode | null)[] {
    return this.parents;
  }
  /** Frees saved tensors (after a backward without retainGraph). */
  freeSaved(): void {
    if (this.freed) return;
    this.freed = true;
    const saved = this.saved;
    for (let i = 0; i < saved.length; i++) saved[i]!._unshare();
    this.out._unshare();
    this.saved = NONE_SAVED;
  }
  protected destroy(queue: GradNode[]): void {
    this.freeSaved();
    const parents = this.parents;
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i];
      if (p !== undefined && p !== null && --p.refs === 0) queue.push(p);
    }
  }
}
