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
 * at MAX_CHAIN ops or where it would bind more storage buffers than the device allows (the rules
 * are coded in fusion-plan.ts).
 *
 * A buffer freed while pending ops use it stays out of the pool until the flush, and its final
 * value is not stored when nothing after its chain reads it (an intermediate that dies young
 * never reaches memory).
 */
import type { GView } from './kernels/common.js';
import { sizeOf } from './kernels/common.js';
import { type EwSink, run, type Spec } from './kernels/elementwise.js';
import { compileChain, runChain } from './kernels/fused.js';
import { EPILOGUE_BINDING_BASE, EPILOGUE_WORD_BASE } from './kernels/matmul.js';
import { accesses, type Chain, conflict, cutChains, type HeadOp, headView, type Pending, snapshot, type UpdateOp } from './fusion-plan.js';
import type { GpuBuffer, Runtime } from './runtime.js';

export { snapshot, type HeadOp, type UpdateOp } from './fusion-plan.js';

/** Pending ops at most before a flush (bounds the planning work per flush). */
const MAX_PENDING = 128;

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
      const chains = cutChains(this.pending, this.maxBindings);
      this.recordSome(
        chains,
        chains.map(() => true),
      );
    }
  }

  /**
   * Before a primitive that uses `views`: records the chains that touch their buffers and the
   * chains those depend on; the others stay pending (nothing recorded now touches what they
   * use), so a product can still meet the copy that follows it a few primitives later.
   */
  flushFor(views: readonly GView[]): void {
    if (!views.some((v) => this.used.has(v.buffer))) return;
    const chains = cutChains(this.pending, this.maxBindings);
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
      [...(c.head?.reads ?? []), ...c.ops.flatMap((op) => op.ins), ...c.updates.flatMap((u) => [...u.reads, ...u.writes])].map(
        (v) => v.buffer,
      );
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
}
