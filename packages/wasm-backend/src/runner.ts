/**
 * What every primitive shares: the kernels, the heap, the descriptor area, per-thread scratch, and
 * `split`, which divides a call between this thread and the workers.
 *
 * A call allocates no JavaScript objects: its arguments go into argument rows the Runner keeps
 * (one per thread and argument count), and a `Parts` constant says which of them change from part
 * to part. Garbage made per call adds up over thousands of calls a training step makes, and V8
 * then grows its young generation (more resident memory) and promotes more.
 */
import { BackendError } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import type { Heap, WasmBuffer } from './heap.js';
import { COPY_1, COPY_4, type Kernels, type SplitThresholds } from './kernels.js';
import { flatStride, ptrOf, sizeOf, writeElementwise } from './layout.js';
import { type KernelName, type Pool, kernelError } from './threads.js';

/** Descriptor area: enough words for rank-64 views with four operands. */
const DESC_BYTES = 4096;
/** Most arguments a split kernel takes (split's a0..a17). */
const SPLIT_ARGS = 18;

/**
 * Which arguments of a split call change from part to part (argument slots, from 0); the call
 * passes the arguments of the whole range [0, total) on one thread, and every other slot is
 * passed unchanged to every part.
 */
export interface Parts {
  /** Slot of the part's first index; the next slot holds its end. */
  readonly range?: number;
  /** Slot of the part's length (hi - lo). */
  readonly length?: number;
  /** Pointer slots, each followed by its stride in bytes: the pointer moves to the part's start. */
  readonly strided?: readonly number[];
  /** A pointer slot and its fixed stride in bytes (a per-index scratch area, a fill's elements). */
  readonly scaled?: readonly [slot: number, bytes: number];
  /** Slot of the thread's gemm scratch: the call passes workOf(0), part t gets workOf(t). */
  readonly work?: number;
}

/** Parts of kernels taking (..., lo, hi, ...) at `slot`. */
export function rangeAt(slot: number): Parts {
  return { range: slot };
}

// Arguments past a kernel's own are undefined (and ignored by the wasm function).
type KernelFn = (...a: (number | undefined)[]) => void;

/** flat1(fid, x, sx, o, so, n) and flat2(fid, a, sa, b, sb, o, so, n): pointers move, n shrinks. */
const FLAT1: Parts = { length: 5, strided: [1, 3] };
const FLAT2: Parts = { length: 7, strided: [1, 3, 5] };
const RANGE_2 = rangeAt(2);
const RANGE_5 = rangeAt(5);

export class Runner {
  readonly threads: number;
  /** Byte address of the descriptor area. */
  readonly desc: number;
  disposed = false;
  private readonly work: number[] = [];
  /** The current split call's arguments, for the whole range. */
  private readonly base: number[] = new Array(SPLIT_ARGS).fill(0);
  /** Argument rows by thread and argument count (see row()). */
  private readonly rows: number[][][] = [];
  /** Runs a part taken back from a worker (made once, not per call). */
  private readonly runHere = (kernel: KernelName, a: readonly number[]): void => this.run(kernel, a);
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
   * when total >= min. a0... are the kernel's arguments for the whole range on one thread;
   * `parts` names the ones that change per part.
   */
  split(
    kernel: KernelName,
    total: number,
    min: number,
    align: number,
    parts: Parts,
    a0: number,
    a1?: number,
    a2?: number,
    a3?: number,
    a4?: number,
    a5?: number,
    a6?: number,
    a7?: number,
    a8?: number,
    a9?: number,
    a10?: number,
    a11?: number,
    a12?: number,
    a13?: number,
    a14?: number,
    a15?: number,
    a16?: number,
    a17?: number,
  ): void {
    this.live(kernel);
    const f = this.ex[kernel] as KernelFn;
    const pool = this.pool;
    if (pool === null || total < min || total < 2 * align) {
      // One part: the arguments as given (a wasm function ignores arguments past its own).
      try {
        f(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17);
      } catch (e) {
        const a = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17].slice(0, f.length) as number[];
        throw kernelError(kernel, a, 'on the calling thread', (e as Error).message);
      }
      return;
    }
    const n = f.length;
    if (n > SPLIT_ARGS) throw new BackendError(`wasm backend: kernel ${kernel} takes ${n} arguments; split passes at most ${SPLIT_ARGS}`);
    const b = this.base;
    b[0] = a0;
    b[1] = a1 ?? 0;
    b[2] = a2 ?? 0;
    b[3] = a3 ?? 0;
    b[4] = a4 ?? 0;
    b[5] = a5 ?? 0;
    b[6] = a6 ?? 0;
    b[7] = a7 ?? 0;
    b[8] = a8 ?? 0;
    b[9] = a9 ?? 0;
    b[10] = a10 ?? 0;
    b[11] = a11 ?? 0;
    b[12] = a12 ?? 0;
    b[13] = a13 ?? 0;
    b[14] = a14 ?? 0;
    b[15] = a15 ?? 0;
    b[16] = a16 ?? 0;
    b[17] = a17 ?? 0;
    const per = Math.ceil(total / this.threads / align) * align;
    let posted = 0;
    for (let t = 1; t < this.threads; t++) {
      const lo = t * per;
      if (lo >= total) break;
      pool.post(t - 1, kernel, this.part(t, n, parts, lo, Math.min(total, lo + per)));
      posted++;
    }
    // Every part completes (or fails) before this returns, so no worker is left busy; the first
    // failure is then thrown.
    let failed: unknown = null;
    try {
      this.run(kernel, this.part(0, n, parts, 0, Math.min(per, total)));
    } catch (e) {
      failed = e;
    }
    for (let w = 0; w < posted; w++) {
      try {
        pool.wait(w, this.runHere);
      } catch (e) {
        failed ??= e;
      }
    }
    if (failed !== null) throw failed;
  }

  /** Thread t's arguments for part [lo, hi): the call's (in `base`) with the `parts` slots changed. */
  private part(t: number, n: number, parts: Parts, lo: number, hi: number): number[] {
    const a = this.row(t, n);
    const b = this.base;
    for (let i = 0; i < n; i++) a[i] = b[i];
    if (parts.range !== undefined) {
      a[parts.range] = lo;
      a[parts.range + 1] = hi;
    }
    if (parts.length !== undefined) a[parts.length] = hi - lo;
    const s = parts.strided;
    if (s !== undefined) for (let i = 0; i < s.length; i++) a[s[i]] = b[s[i]] + lo * b[s[i] + 1];
    if (parts.scaled !== undefined) a[parts.scaled[0]] = b[parts.scaled[0]] + lo * parts.scaled[1];
    if (parts.work !== undefined) a[parts.work] = this.workOf(t);
    return a;
  }

  /** Thread t's argument row for kernels of n arguments (made once, reused by every call). */
  private row(t: number, n: number): number[] {
    const rows = (this.rows[t] ??= []);
    // Filled with null first so the array holds tagged values: calling with a double array would
    // box every element into a new heap number.
    return (rows[n] ??= new Array(n).fill(null));
  }

  /** Runs a kernel on this thread; a trap becomes a BackendError naming it. */
  private run(kernel: KernelName, a: readonly number[]): void {
    try {
      (this.ex[kernel] as KernelFn).apply(undefined, a as number[]);
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
      this.elementwise('ew1', fid, min, out, x);
      return;
    }
    this.split('flat1', n, min, 16, FLAT1, fid, ptrOf(x), sx, ptrOf(out), so, n);
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
      this.elementwise('ew2', fid, min, out, a, b);
      return;
    }
    this.split('flat2', n, min, 16, FLAT2, fid, ptrOf(a), sa, ptrOf(b), sb, ptrOf(out), so, n);
  }

  /** The general strided path: out = f(x[, y[, z]]), all of out's shape. */
  elementwise(kind: 'ew1' | 'ew2' | 'ew3', fid: number, min: number, out: View, x: View, y?: View, z?: View): void {
    const n = sizeOf(out.shape);
    if (n === 0) return;
    writeElementwise(this.words(), 0, out.shape, out, x, y, z);
    this.split(kind, n, min, 16, RANGE_2, fid, this.desc, 0, n);
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
    writeElementwise(w, 0, dst.shape, dst, src);
    // [r, k, shape[r], dst strides[r], src strides[r], pointers]
    if (w[0] !== 2 || w[5] !== 4 || w[6] !== 4) return false;
    const rows = w[2];
    const cols = w[3];
    const os = w[4];
    const xs = w[7];
    const po = w[8];
    const px = w[9];
    this.split(
      'transpose32',
      rows,
      n >= this.thresholds.elementwise ? 0 : Number.POSITIVE_INFINITY,
      16,
      RANGE_5,
      px,
      xs,
      po,
      os,
      cols,
      0,
      rows,
    );
    return true;
  }
}
