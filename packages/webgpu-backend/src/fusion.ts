/**
 * Fusion of elementwise ops before they are encoded.
 *
 * Ops enqueue work and return at once, so the backend holds unary, binary, where, cast and copy
 * calls, and matrix products, in a pending list instead of recording each as a dispatch. Anything
 * else (another primitive, a read, a write into a buffer they use, a flush, the idle timer) first
 * flushes the list, so work still runs in program order; the flush cuts the list into chains and
 * records each chain as one kernel (./kernels/fused.ts), a lone op as its usual kernel, and a
 * product followed by elementwise ops as one matmul kernel with those ops in its epilogue (so a
 * linear layer's bias add and activation, and the activation's backward, cost no dispatch).
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
}

type Pending = ChainOp | HeadOp;

interface Chain {
  readonly head: HeadOp | null;
  readonly ops: ChainOp[];
  /** Per buffer: the mappings it is accessed through and whether the chain writes it. */
  readonly buffers: Map<GpuBuffer, { views: GView[]; written: boolean }>;
  /** Buffers the elementwise ops bind (the product's output excluded: it is forwarded). */
  readonly bound: Set<GpuBuffer>;
}

/** A plain copy of a view (the frontend may pass Tensors, whose fields are getters). */
export function snapshot(v: GView): GView {
  return { buffer: v.buffer, dtype: v.dtype, shape: [...v.shape], strides: [...v.strides], offset: v.offset };
}

/** Stands for a product's reads of a buffer: matches no mapping, so the chain never writes that buffer. */
function opaque(v: GView): GView {
  return { buffer: v.buffer, dtype: v.dtype, shape: [], strides: [], offset: -1 };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, d) => n === b[d]);
}

function isHead(p: Pending): p is HeadOp {
  return 'record' in p;
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

  private push(p: Pending): void {
    this.pending.push(p);
    for (const v of isHead(p) ? p.reads : p.ins) this.used.add(v.buffer);
    this.used.add(p.out.buffer);
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
    if (this.pending.length === 0) return;
    const pending = this.pending;
    const dead = this.dead;
    this.pending = [];
    this.used = new Set();
    this.dead = new Set();
    const chains = this.cut(pending);
    // A dead buffer's value is needed only if a later chain reads it.
    const readLater = new Set<GpuBuffer>();
    const skips: ((b: GpuBuffer) => boolean)[] = [];
    for (let c = chains.length - 1; c >= 0; c--) {
      const later = new Set(readLater);
      skips[c] = (b) => dead.has(b) && !later.has(b);
      for (const v of chains[c].head?.reads ?? []) readLater.add(v.buffer);
      for (const op of chains[c].ops) for (const v of op.ins) readLater.add(v.buffer);
    }
    try {
      chains.forEach((chain, c) => this.record(chain, skips[c]));
    } finally {
      for (const b of dead) this.rt.free(b);
    }
  }

  private record(chain: Chain, skip: (b: GpuBuffer) => boolean): void {
    const { head, ops } = chain;
    if (head !== null) {
      if (ops.length === 0) {
        if (!skip(head.out.buffer)) head.record(null);
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
      if (isHead(p)) {
        cur = { head: p, ops: [], buffers: new Map(), bound: new Set() };
        for (const v of p.reads) this.access(cur, opaque(v), false);
        this.access(cur, opaque(p.out), true);
        chains.push(cur);
        continue;
      }
      let target = cur !== null && this.joins(cur, p) ? cur : null;
      // An autograd backward computes both gradients of a product before the activation's
      // backward reads the first: such an op may still join the chain of the product it reads.
      for (let k = chains.length - 2; target === null && k >= 0 && k >= chains.length - 1 - LOOK_BACK; k--) {
        if (this.independent(p, chains, k + 1) && this.joins(chains[k], p)) target = chains[k];
      }
      if (target === null) {
        cur = { head: null, ops: [], buffers: new Map(), bound: new Set() };
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

  /** Whether op may run before chains[from...]: it reads nothing they write and writes nothing they use. */
  private independent(op: ChainOp, chains: readonly Chain[], from: number): boolean {
    for (let j = from; j < chains.length; j++) {
      const { buffers } = chains[j];
      if (buffers.has(op.out.buffer) || op.ins.some((v) => buffers.get(v.buffer)?.written === true)) return false;
    }
    return true;
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
