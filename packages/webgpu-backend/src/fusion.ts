/**
 * Fusion of elementwise ops before they are encoded.
 *
 * Ops enqueue work and return at once, so the backend holds unary, binary, where, cast and copy
 * calls in a pending list instead of recording each as a dispatch. Anything else (another
 * primitive, a read, a write, a flush, the idle timer) first flushes the list, so work still runs
 * in program order; the flush cuts the list into chains and records each chain as one kernel
 * (./kernels/fused.ts), or a lone op as its usual kernel.
 *
 * A chain is a run of consecutive ops with the same output shape, in which every buffer the chain
 * writes is accessed through one mapping (the same offset and strides): each thread then touches
 * only its own element of such a buffer, in program order, so running the ops per thread equals
 * running them one after another. Buffers that are only read may be read through any views
 * (broadcasts, transposes). A chain is cut where that fails, where its outputs would not be
 * injective, at MAX_CHAIN ops or where it would bind more storage buffers than the device allows.
 *
 * A buffer freed while pending ops use it stays out of the pool until the flush, and its final
 * value is not stored when nothing after its chain reads it (an intermediate that dies young
 * never reaches memory).
 */
import type { GView } from './kernels/common.js';
import { sizeOf } from './kernels/common.js';
import { type EwSink, run, type Spec } from './kernels/elementwise.js';
import { type ChainOp, injective, runChain, sameMapping } from './kernels/fused.js';
import type { GpuBuffer, Runtime } from './runtime.js';

/** Ops in one chain at most (bounds the shader's size and compile time). */
const MAX_CHAIN = 24;
/** Pending ops at most before a flush (bounds the planning work per flush). */
const MAX_PENDING = 128;

interface Chain {
  readonly ops: ChainOp[];
  /** Per buffer: the mappings it is accessed through and whether the chain writes it. */
  readonly buffers: Map<GpuBuffer, { views: GView[]; written: boolean }>;
}

/** A plain copy of a view (the frontend may pass Tensors, whose fields are getters). */
function snapshot(v: GView): GView {
  return { buffer: v.buffer, dtype: v.dtype, shape: [...v.shape], strides: [...v.strides], offset: v.offset };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, d) => n === b[d]);
}

export class Fuser {
  private pending: ChainOp[] = [];
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
    const op: ChainOp = { spec, ins: ins.map(snapshot), out: snapshot(out) };
    this.pending.push(op);
    for (const v of op.ins) this.used.add(v.buffer);
    this.used.add(op.out.buffer);
    this.rt.armIdleFlush();
    if (this.pending.length >= MAX_PENDING) this.flush();
  };

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
    const ops = this.pending;
    const dead = this.dead;
    this.pending = [];
    this.used = new Set();
    this.dead = new Set();
    const chains = this.cut(ops);
    // A dead buffer's value is needed only if a later chain reads it.
    const readLater = new Set<GpuBuffer>();
    const skips: ((b: GpuBuffer) => boolean)[] = [];
    for (let c = chains.length - 1; c >= 0; c--) {
      const later = new Set(readLater);
      skips[c] = (b) => dead.has(b) && !later.has(b);
      for (const op of chains[c].ops) for (const v of op.ins) readLater.add(v.buffer);
    }
    try {
      chains.forEach((chain, c) => {
        if (chain.ops.length === 1) {
          const [op] = chain.ops;
          if (!skips[c](op.out.buffer)) run(this.rt, op.spec, op.ins, op.out);
          return;
        }
        runChain(this.rt, chain.ops, skips[c]);
        this.rt.stats.fusedChains++;
        this.rt.stats.fusedOps += chain.ops.length;
      });
    } finally {
      for (const b of dead) this.rt.free(b);
    }
  }

  /** Cuts ops into chains (see the file comment for when an op may join the current chain). */
  private cut(ops: readonly ChainOp[]): Chain[] {
    const chains: Chain[] = [];
    let cur: Chain | null = null;
    for (const op of ops) {
      if (cur === null || !this.joins(cur, op)) {
        cur = { ops: [], buffers: new Map() };
        chains.push(cur);
      }
      cur.ops.push(op);
      const access = (v: GView, write: boolean): void => {
        const e = cur!.buffers.get(v.buffer);
        if (e === undefined) cur!.buffers.set(v.buffer, { views: [v], written: write });
        else {
          if (!e.views.some((u) => sameMapping(u, v))) e.views.push(v);
          e.written ||= write;
        }
      };
      for (const v of op.ins) access(v, false);
      access(op.out, true);
    }
    return chains;
  }

  private joins(chain: Chain, op: ChainOp): boolean {
    const first = chain.ops[0];
    if (chain.ops.length >= MAX_CHAIN || !sameShape(first.out.shape, op.out.shape)) return false;
    if (!injective(op.out) || !injective(first.out)) return false;
    let added = 0;
    const newBuffers = new Set<GpuBuffer>();
    const fits = (v: GView, write: boolean): boolean => {
      const e = chain.buffers.get(v.buffer);
      if (e === undefined) {
        if (!newBuffers.has(v.buffer)) {
          newBuffers.add(v.buffer);
          added++;
        }
        return true;
      }
      // A buffer the chain writes (or this op writes) must keep one mapping throughout.
      if (e.written || write) return e.views.length === 1 && sameMapping(e.views[0], v);
      return true;
    };
    if (!op.ins.every((v) => fits(v, false)) || !fits(op.out, true)) return false;
    // The op's own input and output in one buffer: the same mapping, or not in this chain.
    if (op.ins.some((v) => v.buffer === op.out.buffer && !sameMapping(v, op.out))) return false;
    return chain.buffers.size + added <= this.maxBindings;
  }
}
