/**
 * Graph nodes. A node is ref-counted by the tensors that point at it and by its children; when the
 * count drops to zero it frees what it saved and releases its parents (iteratively, so deep graphs
 * do not overflow the stack).
 */
import type { Tensor } from '@nn/tensor';
import type { DiffOp, GradNodeRef } from '@nn/tensor/backend';

export type VjpFn = (node: OpNode, g: Tensor) => (Tensor | null)[];

export abstract class GradNode implements GradNodeRef {
  refs = 1;
  abstract readonly isLeaf: boolean;
  /** PyTorch's grad_fn name, e.g. `MatmulBackward` or `AccumulateGrad`. */
  abstract readonly name: string;
  abstract readonly nextFunctions: readonly (GradNode | null)[];
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs > 0) return;
    const queue: GradNode[] = [this];
    while (queue.length > 0) queue.pop()!.destroy(queue);
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
    for (const p of parents) p?.retain();
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
    for (const t of this.saved) t._unshare();
    this.out._unshare();
    this.saved = [];
  }
  protected destroy(queue: GradNode[]): void {
    this.freeSaved();
    for (const p of this.parents) if (p !== null && --p.refs === 0) queue.push(p);
  }
}
