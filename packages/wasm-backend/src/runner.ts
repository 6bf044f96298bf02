/**
 * What every primitive shares: the kernels, the heap, the descriptor area, per-thread scratch, and
 * `split`, which divides a call between this thread and the workers.
 */
import { BackendError } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import type { Heap, WasmBuffer } from './heap.js';
import { COPY_1, COPY_4, type Kernels, type SplitThresholds } from './kernels.js';
import { flatStride, ptrOf, sizeOf, writeElementwise } from './layout.js';
import { type KernelName, type Pool, kernelError } from './threads.js';

/** Descriptor area: enough words for rank-64 views with four operands. */
const DESC_BYTES = 4096;

export class Runner {
  readonly threads: number;
  /** Byte address of the descriptor area. */
  readonly desc: number;
  disposed = false;
  private readonly work: number[] = [];
  private scratch: WasmBuffer | null = null;
  private wordsView: Int32Array | null = null;

  constructor(
    readonly name: string,
    readonly ex: Kernels,
    readonly heap: Heap,
    readonly pool: Pool | null,
    readonly thresholds: SplitThresholds,
  ) {
    this.threads = pool === null ? 1 : pool.size + 1;
    this.desc = heap.alloc(DESC_BYTES, true).ptr;
  }

  /** Throws once the backend is disposed. */
  live(op: string): void {
    if (this.disposed) throw new BackendError(`wasm backend '${this.name}': ${op} used after dispose(); create a new backend`);
  }

  /** The descriptor area as i32 words (a fresh view after the memory grew). */
  words(): Int32Array {
    const buf = this.heap.memory.buffer;
    if (this.wordsView === null || this.wordsView.buffer !== buf) this.wordsView = new Int32Array(buf, this.desc, DESC_BYTES >> 2);
    return this.wordsView;
  }

  /** gemm scratch of thread t (allocated on first use). */
  workOf(t: number): number {
    if (this.work[t] === undefined) this.work[t] = this.heap.alloc(this.ex.gemmWorkBytes(), true).ptr;
    return this.work[t];
  }

  /** A scratch block of at least `bytes` (reused between calls). */
  scratchOf(bytes: number): number {
    if (this.scratch === null || this.scratch.size < bytes) {
      if (this.scratch !== null) this.heap.free(this.scratch);
      this.scratch = this.heap.alloc(Math.max(bytes, 1024), true);
    }
    return this.scratch.ptr;
  }

  /**
   * Runs kernel over [0, total), split into one part per thread (part starts aligned to `align`)
   * when total >= min; args(lo, hi, t) gives each part's arguments.
   */
  split(kernel: KernelName, total: number, min: number, align: number, args: (lo: number, hi: number, t: number) => number[]): void {
    this.live(kernel);
    const pool = this.pool;
    if (pool === null || total < min || total < 2 * align) {
      this.run(kernel, args(0, total, 0));
      return;
    }
    const per = Math.ceil(total / this.threads / align) * align;
    let posted = 0;
    for (let t = 1; t < this.threads; t++) {
      const lo = t * per;
      if (lo >= total) break;
      pool.post(t - 1, kernel, args(lo, Math.min(total, lo + per), t));
      posted++;
    }
    // Every part completes (or fails) before this returns, so no worker is left busy; the first
    // failure is then thrown.
    let failed: unknown = null;
    try {
      this.run(kernel, args(0, Math.min(per, total), 0));
    } catch (e) {
      failed = e;
    }
    for (let w = 0; w < posted; w++) {
      try {
        pool.wait(w, (k, a) => this.run(k, a));
      } catch (e) {
        failed ??= e;
      }
    }
    if (failed !== null) throw failed;
  }

  /** Runs a kernel on this thread; a trap becomes a BackendError naming it. */
  private run(kernel: KernelName, a: readonly number[]): void {
    try {
      (this.ex[kernel] as (...x: number[]) => void)(...a);
    } catch (e) {
      throw kernelError(kernel, a, 'on the calling thread', (e as Error).message);
    }
  }

  /** out = f(x): a flat loop when both are contiguous (x may be a broadcast scalar). */
  map1(fid: number, x: View, out: View, min: number): void {
    const shape = out.shape;
    const n = sizeOf(shape);
    if (n === 0) return;
    const so = flatStride(out, shape);
    const sx = so > 0 ? flatStride(x, shape) : -1;
    if (sx < 0) {
      this.elementwise('ew1', fid, [out, x], min);
      return;
    }
    const px = ptrOf(x);
    const po = ptrOf(out);
    if (this.pool !== null && n >= min) this.split('flat1', n, min, 16, (lo, hi) => [fid, px + lo * sx, sx, po + lo * so, so, hi - lo]);
    else this.ex.flat1(fid, px, sx, po, so, n);
  }

  /** out = a op b: a flat loop when all are contiguous (a or b may be a broadcast scalar). */
  map2(fid: number, a: View, b: View, out: View, min: number): void {
    const shape = out.shape;
    const n = sizeOf(shape);
    if (n === 0) return;
    const so = flatStride(out, shape);
    const sa = so > 0 ? flatStride(a, shape) : -1;
    const sb = sa >= 0 ? flatStride(b, shape) : -1;
    if (sb < 0) {
      this.elementwise('ew2', fid, [out, a, b], min);
      return;
    }
    const pa = ptrOf(a);
    const pb = ptrOf(b);
    const po = ptrOf(out);
    if (this.pool !== null && n >= min) {
      this.split('flat2', n, min, 16, (lo, hi) => [fid, pa + lo * sa, sa, pb + lo * sb, sb, po + lo * so, so, hi - lo]);
    } else this.ex.flat2(fid, pa, sa, pb, sb, po, so, n);
  }

  /** The general strided path: ops[0] is the output, all of its shape. */
  elementwise(kind: 'ew1' | 'ew2' | 'ew3', fid: number, ops: readonly View[], min: number): void {
    const n = sizeOf(ops[0].shape);
    if (n === 0) return;
    const d = this.desc;
    writeElementwise(this.words(), 0, ops[0].shape, ops);
    if (this.pool !== null && n >= min) this.split(kind, n, min, 16, (lo, hi) => [fid, d, lo, hi]);
    else if (kind === 'ew1') this.ex.ew1(fid, d, 0, n);
    else if (kind === 'ew2') this.ex.ew2(fid, d, 0, n);
    else this.ex.ew3(fid, d, 0, n);
  }

  /** dst = src (same dtype), through any strides. */
  copyInto(dst: View, src: View): void {
    if (src.dtype !== 'bool' && this.transposed(dst, src)) return;
    this.map1(src.dtype === 'bool' ? COPY_1 : COPY_4, src, dst, this.thresholds.elementwise);
  }

  /**
   * Copies a transposed matrix (after collapsing: two dims, dst contiguous along the last and src
   * along the first) with tiled lane transposes; false if the views are not of that form.
   */
  private transposed(dst: View, src: View): boolean {
    const n = sizeOf(dst.shape);
    if (n < 64) return false;
    const w = this.words();
    writeElementwise(w, 0, dst.shape, [dst, src]);
    // [r, k, shape[r], dst strides[r], src strides[r], pointers]
    if (w[0] !== 2 || w[5] !== 4 || w[6] !== 4) return false;
    const rows = w[2];
    const cols = w[3];
    const os = w[4];
    const xs = w[7];
    const po = w[8];
    const px = w[9];
    if (this.pool !== null && n >= this.thresholds.elementwise) {
      this.split('transpose32', rows, 0, 16, (lo, hi) => [px, xs, po, os, cols, lo, hi]);
    } else this.ex.transpose32(px, xs, po, os, cols, 0, rows);
    return true;
  }
}
