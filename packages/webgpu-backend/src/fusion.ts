/**
 * Fusion of elementwise ops before they are encoded.
 *
 * Ops enqueue work and return at once, so the backend holds unary, binary, where, cast and copy
 * calls, and matrix products, in a pending list instead of recording each as a dispatch. The list
 * is cut into chains, each recorded as one kernel (./kernels/fused.ts), a lone op as its usual
 * kernel, and a product followed by elementwise ops as one matmul kernel with those ops in its
 * epilogue (so a linear layer's bias add and activation, and the activation's backward, cost no
 * dispatch). A product whose only reader copies it transposed (the gradient of a transposed
 * weight) is computed transposed into the copy's destination instead. Adam updates with the same
 * options (one optimizer step's parameters) share a dispatch, as many as the bindings allow.
 *
 * When is the list recorded? A read, a flush, the idle timer or a full list record all of it. A
 * write into a buffer it uses records all of it first. Another primitive records the chains that
 * use its buffers and the chains those depend on (share a buffer one of them writes), and leaves
 * the rest pending, to run after it: on every buffer, work keeps program order.
 *
 * A chain is a run of consecutive ops with the same output shape, in which every buffer the chain
 * writes is accessed through one mapping (the same offset and strides): each thread then touches
 * only its own element of such a buffer, in program order, so running the ops per thread equals
 * running them one after another. Buffers that are only read may be read through any views
 * (broadcasts, transposes). After a product, the chain's shape has the product's M * N elements,
 * the product is read through its contiguous view, and nothing the product reads or writes is
 * written by the chain. A chain is cut where that fails, where its outputs would not be injective,
 * at MAX_CHAIN ops or where it would bind more storage buffers than the device allows.
 *
 * A buffer freed while pending ops use it stays out of the pool until the flush, and its final
 * value is not stored when nothing after its chain reads it (an intermediate that dies young
 * never reaches memory).
 */
import { contiguousStrides } from '@nn/tensor/backend';
import type { GView } from './kernels/common.js';
import { sizeOf } from './kernels/common.js';
import { type EwSink, run, type Spec } from './kernels/elementwise.js';
import { type ChainOp, compileChain, injective, runChain, sameMapping } from './kernels/fused.js';
import { EPILOGUE_BINDING_BASE, EPILOGUE_WORD_BASE, type Epilogue } from './kernels/matmul.js';
import type { AdamItem } from './kernels/optim.js';
import type { GpuBuffer, Runtime } from './runtime.js';

/** Ops in one chain at most (bounds the shader's size and compile time). */
const MAX_CHAIN = 24;
/** Pending ops at most before a flush (bounds the planning work per flush). */
const MAX_PENDING = 128;
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

type Pending = ChainOp | HeadOp | UpdateOp;

interface Chain {
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
function conflict(a: Chain, b: Chain): boolean {
  for (const [buffer, e] of a.buffers) {
    const f = b.buffers.get(buffer);
    if (f !== undefined && (e.written || f.written)) return true;
  }
  return false;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, d) => n === b[d]);
}

function isHead(p: Pending): p is HeadOp {
  return 'record' in p;
}

function isUpdate(p: Pending): p is UpdateOp {
  return 'recordGroup' in p;
}

/** The views a pending op reads and the ones it writes. */
function accesses(p: Pending): { reads: readonly GView[]; writes: readonly GView[] } {
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
    src.buffer === head.out.buffer && src.offset === head.out.offset && src.shape.length === 2 &&
    src.shape[0] === N && src.shape[1] === M && (N === 1 || src.strides[0] === 1) && (M === 1 || src.strides[1] === N) &&
    dst.buffer !== head.out.buffer && head.reads.every((v) => v.buffer !== dst.buffer) && (N === 1 || dst.strides[0] === M) && (M === 1 || dst.strides[1] === 1)
  );
}

/** The product's output as the chain reads it: contiguous over the chain's shape. */
function headView(head: HeadOp, shape: readonly number[]): GView {
  return { buffer: head.out.buffer, dtype: head.out.dtype, shape, strides: contiguousStrides(shape), offset: head.out.offset };
}

export class Fuser {
  private pending: Pending[] = [];
  /** Buffers the pending ops use. */
  private used = new Set<GpuBuffer>();
  /** Buffers freed while pending ops use them. */
  private dead = new Set<GpuBuffer>();

  constructor(
    private readonly rt: Runtime,
    private readonly maxBindings: number,
    private readonly enabled = true,
  ) {
    rt.onIdle = () => this.flush();
  }

  /** The sink elementwise kernels record into. */
  readonly sink: EwSink = (spec: Spec, ins: readonly GView[], out: GView): void => {
    if (sizeOf(out.shape) === 0) return;
    if (!this.enabled) {
      run(this.rt, spec, ins, out);
      return;
    }
    this.push({ spec, ins: ins.map(snapshot), out: snapshot(out) });
  };

  /** Defers a matrix product (recorded at once when fusion is off). Views must be snapshots. */
  product(head: HeadOp): void {
    if (!this.enabled) {
      head.record(null);
      return;
    }
    this.push(head);
  }

  /** Defers an optimizer update (recorded at once when fusion is off). Views must be snapshots. */
  update(u: UpdateOp): void {
    if (!this.enabled) u.recordGroup([u.item]);
    else this.push(u);
  }

  private push(p: Pending): void {
    this.pending.push(p);
    const { reads, writes } = accesses(p);
    for (const v of [...reads, ...writes]) this.used.add(v.buffer);
    this.rt.armIdleFlush();
    if (this.pending.length >= MAX_PENDING) this.flush();
  }

  /** Whether pending ops use b (a write to b must wait for them). */
  uses(b: GpuBuffer): boolean {
    return this.used.has(b);
  }

  /** Frees b now, or after the flush when pending ops use it. */
  free(b: GpuBuffer): void {
    if (this.used.has(b)) this.dead.add(b);
    else this.rt.free(b);
  }

  /** Records every pending op (as chains), then frees the buffers that died meanwhile. */
  flush(): void {
    if (this.pending.length > 0) {
      const chains = this.cut(this.pending);
      this.recordSome(chains, chains.map(() => true));
    }
  }

  /**
   * Before a primitive that uses `views`: records the chains that touch their buffers and the
   * chains those depend on; the others stay pending (nothing recorded now touches what they
   * use), so a product can still meet the copy that follows it a few primitives later.
   */
  flushFor(views: readonly GView[]): void {
    if (!views.some((v) => this.used.has(v.buffer))) return;
    const chains = this.cut(this.pending);
    const needed = chains.map(() => false);
    for (let k = chains.length - 1; k >= 0; k--) {
      const c = chains[k];
      needed[k] = views.some((v) => c.buffers.has(v.buffer)) || chains.some((l, j) => j > k && needed[j] && conflict(c, l));
    }
    this.recordSome(chains, needed);
  }

  /** Records the chains marked `now` (in order) and keeps the others pending, to run after them. */
  private recordSome(chains: readonly Chain[], now: readonly boolean[]): void {
    const kept = chains.filter((_, k) => !now[k]);
    const dead = this.dead;
    this.pending = kept.flatMap((c): Pending[] => [...(c.head !== null ? [c.head] : []), ...c.ops, ...c.updates]);
    this.used = new Set();
    for (const p of this.pending) {
      const { reads, writes } = accesses(p);
      for (const v of [...reads, ...writes]) this.used.add(v.buffer);
    }
    this.dead = new Set([...dead].filter((b) => this.used.has(b)));
    // A dead buffer's value is needed only if a chain that runs later reads it: a later recorded
    // one, or any kept one.
    const reads = (c: Chain): GpuBuffer[] =>
      [...(c.head?.reads ?? []), ...c.ops.flatMap((op) => op.ins), ...c.updates.flatMap((u) => [...u.reads, ...u.writes])].map((v) => v.buffer);
    const readLater = new Set<GpuBuffer>(kept.flatMap(reads));
    const skips: ((b: GpuBuffer) => boolean)[] = [];
    for (let c = chains.length - 1; c >= 0; c--) {
      if (!now[c]) continue;
      const later = new Set(readLater);
      skips[c] = (b) => dead.has(b) && !later.has(b);
      for (const b of reads(chains[c])) readLater.add(b);
    }
    try {
      chains.forEach((c, k) => {
        if (now[k]) this.record(c, skips[k]);
      });
    } finally {
      for (const b of dead) if (!this.dead.has(b)) this.rt.free(b);
    }
  }

  private record(chain: Chain, skip: (b: GpuBuffer) => boolean): void {
    const { head, ops } = chain;
    if (chain.updates.length > 0) {
      chain.updates[0].recordGroup(chain.updates.map((u) => u.item));
      return;
    }
    if (head !== null) {
      if (ops.length === 0) {
        if (!skip(head.out.buffer)) head.record(null);
        return;
      }
      if (chain.transposed) {
        // Only the transposed copy reads the product: compute it transposed, in place of the copy.
        if (skip(head.out.buffer)) head.recordTransposed!(ops[0].out);
        else {
          head.record(null);
          if (!skip(ops[0].out.buffer)) run(this.rt, ops[0].spec, ops[0].ins, ops[0].out);
        }
        return;
      }
      const shape = ops[0].out.shape;
      const compiled = compileChain(ops, shape, skip, headView(head, shape), EPILOGUE_WORD_BASE, EPILOGUE_BINDING_BASE);
      head.record({ chain: compiled, storeOut: !skip(head.out.buffer) });
    } else if (ops.length === 1) {
      const [op] = ops;
      if (!skip(op.out.buffer)) run(this.rt, op.spec, op.ins, op.out);
      return;
    } else runChain(this.rt, ops, skip);
    this.rt.stats.fusedChains++;
    this.rt.stats.fusedOps += ops.length;
  }

  /** Cuts the pending list into chains (see the file comment for when an op may join one). */
  private cut(pending: readonly Pending[]): Chain[] {
    const chains: Chain[] = [];
    let cur: Chain | null = null;
    for (const p of pending) {
      if (isUpdate(p)) {
        let target: Chain | null = null;
        for (let k = chains.length - 1; target === null && k >= 0; k--) {
          if (this.groups(chains[k], p) && this.independent(p, chains, k + 1)) target = chains[k];
        }
        if (target === null) {
          target = newChain(null);
          chains.push(target);
        }
        target.updates.push(p);
        for (const v of p.reads) this.access(target, opaque(v), false);
        for (const v of p.writes) this.access(target, opaque(v), true);
        cur = chains[chains.length - 1];
        continue;
      }
      if (isHead(p)) {
        cur = newChain(p);
        for (const v of p.reads) this.access(cur, opaque(v), false);
        this.access(cur, opaque(p.out), true);
        chains.push(cur);
        continue;
      }
      let target = cur !== null && this.joins(cur, p) ? cur : null;
      // A transposed copy of a product (a transposed weight's gradient, copied when the backward
      // is done) may join that product however far back, as its transposed store.
      for (let k = chains.length - 1; target === null && k >= 0; k--) {
        const c = chains[k];
        if (c.head !== null && c.ops.length === 0 && !c.transposed && transposedCopy(c.head, p) && this.independent(p, chains, k + 1)) {
          c.transposed = true;
          target = c;
        }
      }
      // An autograd backward computes both gradients of a product before the activation's
      // backward reads the first: such an op may still join the chain of the product it reads.
      for (let k = chains.length - 2; target === null && k >= 0 && k >= chains.length - 1 - LOOK_BACK; k--) {
        if (this.independent(p, chains, k + 1) && this.joins(chains[k], p)) target = chains[k];
      }
      if (target === null) {
        cur = newChain(null);
        chains.push(cur);
        target = cur;
      }
      target.ops.push(p);
      for (const v of [...p.ins, p.out]) if (v.buffer !== target.head?.out.buffer) target.bound.add(v.buffer);
      for (const v of p.ins) this.access(target, v, false);
      this.access(target, p.out, true);
    }
    return chains;
  }

  /** Whether p may run before chains[from...]: it reads nothing they write and writes nothing they use. */
  private independent(p: Pending, chains: readonly Chain[], from: number): boolean {
    const { reads, writes } = accesses(p);
    for (let j = from; j < chains.length; j++) {
      const { buffers } = chains[j];
      if (writes.some((v) => buffers.has(v.buffer)) || reads.some((v) => buffers.get(v.buffer)?.written === true)) return false;
    }
    return true;
  }

  /** Whether update u may share chain's dispatch: same key, room left, no buffer in common. */
  private groups(chain: Chain, u: UpdateOp): boolean {
    const first = chain.updates[0];
    if (first === undefined || first.key !== u.key || chain.updates.length >= u.maxGroup) return false;
    return [...u.reads, ...u.writes].every((v) => !chain.buffers.has(v.buffer));
  }

  private access(chain: Chain, v: GView, write: boolean): void {
    const e = chain.buffers.get(v.buffer);
    if (e === undefined) chain.buffers.set(v.buffer, { views: [v], written: write });
    else {
      if (!e.views.some((u) => sameMapping(u, v))) e.views.push(v);
      e.written ||= write;
    }
  }

  private joins(chain: Chain, op: ChainOp): boolean {
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
    return bound.size + (head !== null ? MATMUL_BINDINGS : 0) <= this.maxBindings;
  }
}
