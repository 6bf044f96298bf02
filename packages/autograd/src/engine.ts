/**
 * The tape: @nn/tensor's dispatcher calls `record` for ops on tensors that require grad (or carry
 * tangents); backward walks the recorded nodes in reverse topological order applying VJP rules.
 */
import * as T from '@nn/tensor';
import { autograd, type DiffOp, installAutograd, isContiguous } from '@nn/tensor/backend';
import { type BackwardOptions, NNError, type Tensor, tidy, keep } from '@nn/tensor';
import { anomaly, checkFinite } from './anomaly.js';
import { type GradNode, LeafNode, OpNode, type VjpFn } from './node.js';
import type { RuleContext } from './rules/context.js';
import { JVP } from './rules/jvp.js';
import { VJP } from './rules/vjp.js';

/** The node a tensor contributes through: its op node, or (for a leaf) a lazily made LeafNode. */
function nodeOf(t: Tensor): GradNode | null {
  if (!t.requiresGrad) return null;
  if (t._node === null) t._node = new LeafNode(t);
  return t._node as GradNode;
}

// record and attachNode run for every op on tensors that require grad: plain loops, no closures
// (and no iterators); `xs[i]!` below reads within a loop bounded by xs.length. Their arrays are
// made at their final size: a first push() onto [] reserves 17 slots.
function record(op: DiffOp, inputs: readonly Tensor[], params: unknown, output: Tensor): void {
  if (autograd.forwardLevels > 0) recordTangent(op, inputs, params, output);
  if (!autograd.gradEnabled) return;
  const n = inputs.length;
  const needs = new Array<boolean>(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    const r = inputs[i]!.requiresGrad;
    needs[i] = r;
    if (r) any = true;
  }
  if (!any) return;
  attachNode(op, params, inputs, output, needs, null);
  if (anomaly.enabled) checkFinite(op, 'forward', output);
}

export function attachNode(
  op: DiffOp | 'custom',
  params: unknown,
  inputs: readonly Tensor[],
  output: Tensor,
  needs: boolean[],
  custom: VjpFn | null,
): void {
  const n = inputs.length;
  const parents = new Array<GradNode | null>(n);
  const saved = new Array<Tensor>(n);
  for (let i = 0; i < n; i++) {
    const input = inputs[i]!;
    parents[i] = nodeOf(input);
    saved[i] = input._share();
  }
  const out = output._share(); // before the node is set: a node-less view of the storage
  const node = new OpNode(op, params, saved, out, parents, needs, custom);
  output._node = node;
  output.requiresGrad = true;
}

/** Forward mode: computes the output's tangent from the inputs' tangents. */
function recordTangent(op: DiffOp, inputs: readonly Tensor[], params: unknown, output: Tensor): void {
  const tangents = inputs.map((t) => t._tangent);
  if (tangents.every((t) => t === null)) return;
  const ctx: RuleContext<any> = { inputs, params, output: () => output };
  // Rules run with forward mode paused, so their own ops are not differentiated again here.
  autograd.forwardLevels--;
  try {
    output._tangent = T.tidy(() => (JVP[op] as any)(ctx, tangents));
  } finally {
    autograd.forwardLevels++;
  }
}

/** Reconnects a node's saved output to the node itself (for rules that use the output). */
function outputOf(node: OpNode): Tensor {
  const o = node.out._share();
  node.retain();
  o._node = node;
  o.requiresGrad = true;
  return o;
}

const NO_PARENTS: readonly (GradNode | null)[] = [];
/** Numbers topoOrder's walks. */
let walks = 0;

/** Whether backward stops at `n`: a leaf (targets: null, as backward()) or one of `targets` (grad()). */
function isTarget(n: GradNode, targets: ReadonlySet<GradNode> | null): boolean {
  return targets === null ? n.isLeaf : targets.has(n);
}

/** Adds g into the gradient collected for node. */
function accumulate(grads: Map<GradNode, Tensor>, node: GradNode, g: Tensor): void {
  const prev = grads.get(node);
  grads.set(node, prev === undefined ? g : T.add(prev, g));
}

/** Reverse topological order of the nodes reachable from root, keeping only those leading to a target. */
function topoOrder(root: GradNode, targets: ReadonlySet<GradNode> | null): OpNode[] {
  const order: OpNode[] = [];
  // A node the walk has finished carries the walk's number and whether it leads to a target (no
  // Map per backward).
  const walk = ++walks;
  // A depth-first walk with an explicit stack: nodes and, per node, the next parent to visit.
  const nodes: GradNode[] = [root];
  const next: number[] = [0];
  while (nodes.length > 0) {
    // The two stacks grow and shrink together, so both have an entry at top.
    const top = nodes.length - 1;
    const node = nodes[top]!;
    const i = next[top]!;
    if (i === 0 && node.walk === walk) {
      nodes.pop();
      next.pop();
      continue;
    }
    const parents = node instanceof OpNode ? node.parents : NO_PARENTS;
    if (i < parents.length) {
      next[top] = i + 1;
      const p = parents[i] as GradNode | null; // i < parents.length (`!` would drop the null too)
      if (p !== null && p.walk !== walk) {
        nodes.push(p);
        next.push(0);
      }
      continue;
    }
    nodes.pop();
    next.pop();
    let leads = isTarget(node, targets);
    for (let k = 0; k < parents.length; k++) {
      const p = parents[k] as GradNode | null;
      if (p !== null && p.walk === walk && p.leads) leads = true;
    }
    node.walk = walk;
    node.leads = leads;
    if (leads && node instanceof OpNode) order.push(node);
  }
  return order.reverse();
}

/** A request to the engine: differentiate `roots` with respect to `targets` (what `backward` and `grad` build). */
export interface GradRequest {
  /** The outputs to differentiate. */
  roots: Tensor[];
  /** Cotangents for the roots (default: ones for scalar roots). */
  gradients?: (Tensor | undefined)[];
  /** Tensors to differentiate with respect to; 'leaves' accumulates into .grad of every leaf. */
  targets: Tensor[] | 'leaves';
  /** Keep the graph's saved tensors for another backward. */
  retainGraph: boolean;
  /** Record the backward pass, for higher-order gradients. */
  createGraph: boolean;
}

/**
 * The engine behind backward(), grad() and friends. Returns the gradient of each target (null if
 * it does not depend on the roots), or accumulates into leaves' .grad.
 */
export function computeGrads(req: GradRequest): (Tensor | null)[] {
  const { roots, targets, createGraph } = req;
  const retainGraph = req.retainGraph || createGraph;
  // Loops, not forEach or for-of: until V8 optimizes computeGrads (once per step), each callback
  // and iterator is an allocation.
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    r._check('backward');
    if (!r.requiresGrad || r._node === null) {
      throw new NNError(
        `backward: tensor ${i} (shape [${r.shape.join(',')}]) does not require grad and has no grad_fn; ` +
          'set requiresGrad on an input (tensor(..., { requiresGrad: true }) or x.requiresGrad_()) before computing it',
      );
    }
  }
  const targetNodes =
    targets === 'leaves'
      ? null
      : targets.map((t, i) => {
          const n = nodeOf(t);
          if (n === null) throw new NNError(`grad: input ${i} does not require grad, so it cannot be differentiated with respect to`);
          return n;
        });
  const targetSet = targetNodes === null ? null : new Set(targetNodes);

  const prevEnabled = autograd.gradEnabled;
  autograd.gradEnabled = createGraph;
  try {
    // The leaves case keeps nothing: null, not [], through tidy, so tidy has nothing to walk.
    const result = tidy((): (Tensor | null)[] | null => {
      const grads = new Map<GradNode, Tensor>();
      for (let i = 0; i < roots.length; i++) {
        const r = roots[i]!;
        const given = req.gradients?.[i];
        if (given !== undefined && given !== null) {
          if (given.shape.length !== r.shape.length || given.shape.some((d, k) => d !== r.shape[k])) {
            throw new NNError(
              `backward: gradient shape [${given.shape.join(',')}] does not match the tensor's shape [${r.shape.join(',')}]`,
            );
          }
          accumulate(grads, r._node as GradNode, given);
        } else {
          if (r.size !== 1) {
            throw new NNError(
              `backward: grad can be implicitly created only for scalar outputs; the tensor has shape [${r.shape.join(',')}], pass a gradient`,
            );
          }
          accumulate(grads, r._node as GradNode, T.onesLike(r));
        }
      }
      // One order per root, built in a loop: map()'s result array changes kind once TurboFan inlines it.
      let order: OpNode[];
      if (roots.length === 1) order = topoOrder(roots[0]!._node as GradNode, targetSet);
      else {
        const orders: OpNode[][] = [];
        for (const r of roots) orders.push(topoOrder(r._node as GradNode, targetSet));
        order = mergeOrders(orders);
      }
      for (let k = 0; k < order.length; k++) {
        const node = order[k]!;
        const g = grads.get(node);
        if (g === undefined) continue;
        if (node.freed) {
          throw new NNError(
            'backward: trying to backward through the graph a second time (its saved tensors were freed); ' +
              'pass { retainGraph: true } to the first backward() if you need to backward twice',
          );
        }
        const inputGrads = applyVjp(node, g);
        const parents = node.parents;
        for (let i = 0; i < parents.length; i++) {
          const p = parents[i] as GradNode | null; // i < parents.length
          const gi = inputGrads[i];
          if (p === null || gi === null || gi === undefined) continue;
          if (anomaly.enabled) checkFinite(node.op, 'backward', gi);
          accumulate(grads, p, gi);
        }
        if (!retainGraph) node.freeSaved();
      }
      if (targetNodes !== null) {
        // Each target gets a tensor of its own: add hands one cotangent to both of its inputs, and
        // a caller disposing one gradient must not dispose the other.
        const given = new Set<Tensor>();
        return targetNodes.map((n) => {
          const g = grads.get(n);
          if (g === undefined) return null;
          if (given.has(g)) return T.clone(g);
          given.add(g);
          return g;
        });
      }
      // Accumulate into leaves' .grad (outside every scope, so they outlive this call). Each leaf
      // gets storage of its own: a gradient that is a broadcast view or shared with another leaf
      // (add passes one gradient to both inputs) is copied, so in-place updates stay separate.
      const handedOut = new Set<unknown>();
      // forEach, not for-of: a Map's for-of makes an [key, value] array per entry until optimized.
      grads.forEach((g, node) => {
        if (!(node instanceof LeafNode)) return;
        const leaf = node.tensor;
        if (leaf.isDisposed) return;
        const value = createGraph ? g : g.detach();
        if (leaf.grad === null) {
          const owned =
            !handedOut.has(g.storage) &&
            g.storage.refs <= 2 &&
            g.offset === 0 &&
            g.size === g.storage.size &&
            isContiguous(g.shape, g.strides);
          handedOut.add(g.storage);
          leaf.grad = keep(owned ? (value === g ? T.contiguous(g) : value) : T.clone(value));
        } else {
          const sum = keep(T.add(leaf.grad, value));
          leaf.grad.dispose();
          leaf.grad = sum;
        }
      });
      return null;
    });
    return result ?? [];
  } finally {
    autograd.gradEnabled = prevEnabled;
  }
}

function mergeOrders(orders: OpNode[][]): OpNode[] {
  // A combined reverse topological order: re-sort the union by each node's depth from the roots.
  const all = new Set<OpNode>();
  for (const o of orders) for (const n of o) all.add(n);
  const indeg = new Map<OpNode, number>();
  for (const n of all) indeg.set(n, 0);
  for (const n of all) for (const p of n.parents) if (p instanceof OpNode && all.has(p)) indeg.set(p, indeg.get(p)! + 1);
  const ready = [...all].filter((n) => indeg.get(n) === 0);
  const out: OpNode[] = [];
  while (ready.length > 0) {
    const n = ready.pop()!;
    out.push(n);
    for (const p of n.parents) {
      if (!(p instanceof OpNode) || !all.has(p)) continue;
      const d = indeg.get(p)! - 1;
      indeg.set(p, d);
      if (d === 0) ready.push(p);
    }
  }
  return out;
}

/** What a VJP rule sees of its node; the output is reconnected to the graph only if a rule asks. */
class VjpContext implements RuleContext<unknown> {
  out: Tensor | null = null;
  constructor(readonly node: OpNode) {}
  get inputs(): readonly Tensor[] {
    return this.node.saved;
  }
  get params(): unknown {
    return this.node.params;
  }
  output(): Tensor {
    // Without createGraph nothing records, so the saved share serves as it is: no reconnected tensor to make and free.
    if (!autograd.gradEnabled) return this.node.out;
    if (this.out === null) this.out = outputOf(this.node);
    return this.out;
  }
}

function applyVjp(node: OpNode, g: Tensor): (Tensor | null)[] {
  if (node.custom !== null) return node.custom(node, g);
  const ctx = new VjpContext(node);
  try {
    return (VJP[node.op as DiffOp] as any)(ctx, g, node.needsGrad);
  } finally {
    if (ctx.out !== null) ctx.out._unshare();
  }
}

function backward(t: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void {
  computeGrads({
    roots: [t],
    gradients: [gradient],
    targets: 'leaves',
    retainGraph: options.retainGraph ?? false,
    createGraph: options.createGraph ?? false,
  });
}

installAutograd({ record, backward });

export { outputOf };
