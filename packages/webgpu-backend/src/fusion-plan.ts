/**
 * How fusion.ts cuts its pending list into chains: the rules of the file comment there, as code.
 * A chain is one dispatch: elementwise ops (./kernels/fused.ts), a matrix product with its
 * epilogue or its transposed store, or a group of optimizer updates.
 */
import { contiguousStrides } from '@nn/tensor/backend';
import type { GView } from './kernels/common.js';
import { sizeOf } from './kernels/common.js';
import { type ChainOp, injective, sameMapping } from './kernels/fused.js';
import { EPILOGUE_BINDING_BASE, type Epilogue } from './kernels/matmul.js';
import type { AdamItem } from './kernels/optim.js';
import type { GpuBuffer } from './runtime.js';

/** Ops in one chain at most (bounds the shader's size and compile time). */
const MAX_CHAIN = 24;
/** Earlier chains an op that cannot join the last one may join instead (moved past the chains between). */
const LOOK_BACK = 3;
/** Storage bindings of the matmul kernel before its epilogue's. */
const MATMUL_BINDINGS = EPILOGUE_BINDING_BASE - 1;

/** A deferred matrix product: what it reads and writes, and how to record it (with an epilogue or not). */
export interface HeadOp {
  readonly reads: readonly GView[];
  /** Its output (contiguous, M * N elements from out.offset when `epilogue` is true). */
  readonly out: GView;
  /** Whether elementwise ops may join as its epilogue (a product of one batch). */
  readonly epilogue: boolean;
  readonly record: (epi: Epilogue | null) => void;
  /**
   * Records the product transposed, into the contiguous [N, M] dst (B^T A^T: the same sums in the
   * same order), for a plain product of one batch; absent otherwise.
   */
  readonly recordTransposed?: (dst: GView) => void;
}

/** A deferred optimizer update; updates with the same key share one dispatch (up to maxGroup). */
export interface UpdateOp {
  readonly key: string;
  readonly item: AdamItem;
  readonly reads: readonly GView[];
  readonly writes: readonly GView[];
  readonly maxGroup: number;
  /** Records the updates of `items` (this one's key, in order) together. */
  readonly recordGroup: (items: readonly AdamItem[]) => void;
}

export type Pending = ChainOp | HeadOp | UpdateOp;

export interface Chain {
  readonly head: HeadOp | null;
  readonly ops: ChainOp[];
  /** Optimizer updates recorded as one dispatch (then head is null and ops empty). */
  readonly updates: UpdateOp[];
  /** Per buffer: the mappings it is accessed through and whether the chain writes it. */
  readonly buffers: Map<GpuBuffer, { views: GView[]; written: boolean }>;
  /** Buffers the elementwise ops bind (the product's output excluded: it is forwarded). */
  readonly bound: Set<GpuBuffer>;
  /** ops is one copy of the product, transposed (a gradient of a transposed weight): see transposedCopy. */
  transposed: boolean;
}

/** A plain copy of a view (the frontend may pass Tensors, whose fields are getters). */
export function snapshot(v: GView): GView {
  return { buffer: v.buffer, dtype: v.dtype, shape: [...v.shape], strides: [...v.strides], offset: v.offset };
}

/** Stands for a product's reads of a buffer: matches no mapping, so the chain never writes that buffer. */
function opaque(v: GView): GView {
  return { buffer: v.buffer, dtype: v.dtype, shape: [], strides: [], offset: -1 };
}

/** Whether two chains use a buffer that at least one of them writes (then their order matters). */
export function conflict(a: Chain, b: Chain): boolean {
  for (const [buffer, e] of a.buffers) {
    const f = b.buffers.get(buffer);
    if (f !== undefined && (e.written || f.written)) return true;
  }
  return false;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, d) => n === b[d]);
}

export function isHead(p: Pending): p is HeadOp {
  return 'record' in p;
}

function isUpdate(p: Pending): p is UpdateOp {
  return 'recordGroup' in p;
}

/** The views a pending op reads and the ones it writes. */
export function accesses(p: Pending): { reads: readonly GView[]; writes: readonly GView[] } {
  if (isUpdate(p)) return p;
  if (isHead(p)) return { reads: p.reads, writes: [p.out] };
  return { reads: p.ins, writes: [p.out] };
}

function newChain(head: HeadOp | null): Chain {
  return { head, ops: [], updates: [], buffers: new Map(), bound: new Set(), transposed: false };
}

/** Whether op copies the head's [M, N] output, transposed, into a contiguous [N, M] view. */
function transposedCopy(head: HeadOp, op: ChainOp): boolean {
  if (head.recordTransposed === undefined || op.spec.name !== 'copy') return false;
  const o = head.out.shape;
  const [M, N] = [o[o.length - 2], o[o.length - 1]];
  const [src, dst] = [op.ins[0], op.out];
  return (
    src.buffer === head.out.buffer &&
    src.offset === head.out.offset &&
    src.shape.length === 2 &&
    src.shape[0] === N &&
    src.shape[1] === M &&
    (N === 1 || src.strides[0] === 1) &&
    (M === 1 || src.strides[1] === N) &&
    dst.buffer !== head.out.buffer &&
    head.reads.every((v) => v.buffer !== dst.buffer) &&
    (N === 1 || dst.strides[0] === M) &&
    (M === 1 || dst.strides[1] === 1)
  );
}

/** The product's output as the chain reads it: contiguous over the chain's shape. */
export function headView(head: HeadOp, shape: readonly number[]): GView {
  return { buffer: head.out.buffer, dtype: head.out.dtype, shape, strides: contiguousStrides(shape), offset: head.out.offset };
}

/** Cuts the pending list into chains (see the file comment for when an op may join one). */
export function cutChains(pending: readonly Pending[], maxBindings: number): Chain[] {
  const chains: Chain[] = [];
  let cur: Chain | null = null;
  for (const p of pending) {
    if (isUpdate(p)) {
      let target: Chain | null = null;
      for (let k = chains.length - 1; target === null && k >= 0; k--) {
        if (groups(chains[k], p) && independent(p, chains, k + 1)) target = chains[k];
      }
      if (target === null) {
        target = newChain(null);
        chains.push(target);
      }
      target.updates.push(p);
      for (const v of p.reads) access(target, opaque(v), false);
      for (const v of p.writes) access(target, opaque(v), true);
      cur = chains[chains.length - 1];
      continue;
    }
    if (isHead(p)) {
      cur = newChain(p);
      for (const v of p.reads) access(cur, opaque(v), false);
      access(cur, opaque(p.out), true);
      chains.push(cur);
      continue;
    }
    let target = cur !== null && joins(cur, p, maxBindings) ? cur : null;
    // A transposed copy of a product (a transposed weight's gradient, copied when the backward
    // is done) may join that product however far back, as its transposed store.
    for (let k = chains.length - 1; target === null && k >= 0; k--) {
      const c = chains[k];
      if (c.head !== null && c.ops.length === 0 && !c.transposed && transposedCopy(c.head, p) && independent(p, chains, k + 1)) {
        c.transposed = true;
        target = c;
      }
    }
    // An autograd backward computes both gradients of a product before the activation's
    // backward reads the first: such an op may still join the chain of the product it reads.
    for (let k = chains.length - 2; target === null && k >= 0 && k >= chains.length - 1 - LOOK_BACK; k--) {
      if (independent(p, chains, k + 1) && joins(chains[k], p, maxBindings)) target = chains[k];
    }
    if (target === null) {
      cur = newChain(null);
      chains.push(cur);
      target = cur;
    }
    target.ops.push(p);
    for (const v of [...p.ins, p.out]) if (v.buffer !== target.head?.out.buffer) target.bound.add(v.buffer);
    for (const v of p.ins) access(target, v, false);
    access(target, p.out, true);
  }
  return chains;
}

/** Whether p may run before chains[from...]: it reads nothing they write and writes nothing they use. */
function independent(p: Pending, chains: readonly Chain[], from: number): boolean {
  const { reads, writes } = accesses(p);
  for (let j = from; j < chains.length; j++) {
    const { buffers } = chains[j];
    if (writes.some((v) => buffers.has(v.buffer)) || reads.some((v) => buffers.get(v.buffer)?.written === true)) return false;
  }
  return true;
}

/** Whether update u may share chain's dispatch: same key, room left, no buffer in common. */
function groups(chain: Chain, u: UpdateOp): boolean {
  const first = chain.updates[0];
  if (first === undefined || first.key !== u.key || chain.updates.length >= u.maxGroup) return false;
  return [...u.reads, ...u.writes].every((v) => !chain.buffers.has(v.buffer));
}

function access(chain: Chain, v: GView, write: boolean): void {
  const e = chain.buffers.get(v.buffer);
  if (e === undefined) chain.buffers.set(v.buffer, { views: [v], written: write });
  else {
    if (!e.views.some((u) => sameMapping(u, v))) e.views.push(v);
    e.written ||= write;
  }
}

function joins(chain: Chain, op: ChainOp, maxBindings: number): boolean {
  const { head } = chain;
  if (chain.transposed || chain.updates.length > 0) return false;
  const shape = chain.ops.length > 0 ? chain.ops[0].out.shape : op.out.shape;
  if (chain.ops.length >= MAX_CHAIN || !sameShape(shape, op.out.shape) || !injective(op.out)) return false;
  if (chain.ops.length > 0 && !injective(chain.ops[0].out)) return false;
  if (head !== null) {
    if (!head.epilogue || sizeOf(shape) !== sizeOf(head.out.shape) || op.out.buffer === head.out.buffer) return false;
    const hv = headView(head, shape);
    if (op.ins.some((v) => v.buffer === hv.buffer && !sameMapping(v, hv))) return false;
  }
  const fits = (v: GView, write: boolean): boolean => {
    if (v.buffer === head?.out.buffer) return true; // checked above
    const e = chain.buffers.get(v.buffer);
    // A buffer the chain writes (or this op writes) must keep one mapping throughout.
    if (e !== undefined && (e.written || write)) return e.views.length === 1 && sameMapping(e.views[0], v);
    return true;
  };
  if (!op.ins.every((v) => fits(v, false)) || !fits(op.out, true)) return false;
  // The op's own input and output in one buffer: the same mapping, or not in this chain.
  if (op.ins.some((v) => v.buffer === op.out.buffer && !sameMapping(v, op.out))) return false;
  const bound = new Set(chain.bound);
  for (const v of [...op.ins, op.out]) if (v.buffer !== head?.out.buffer) bound.add(v.buffer);
  return bound.size + (head !== null ? MATMUL_BINDINGS : 0) <= maxBindings;
}
