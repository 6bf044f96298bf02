/**
 * The 'wasm' backend object: storage on the heap (heap.ts), primitives as calls into the
 * AssemblyScript kernels (assembly/) through a Runner (runner.ts), which splits large calls
 * across the worker pool (threads.ts).
 */
import { type Backend, BackendError, type DataArray, type DType, type UnaryOp, ValueRangeError } from '@nn/tensor';
import {
  type BinaryOp,
  type FusedRoutines,
  type MemoryInfo,
  type Primitives,
  type RandomKind,
  type ReduceOp,
  type View,
  argsortLines,
} from '@nn/tensor/backend';
import { crossEntropy, crossEntropyGrad } from './cross-entropy.js';
import { adam, sgd } from './fused-optim.js';
import type { Heap, WasmBuffer } from './heap.js';
import {
  BINARY_IDS,
  CAST_IDS,
  DEFAULT_THRESHOLDS,
  type Kernels,
  RANDOM_CODES,
  REDUCE_CODES,
  type SplitThresholds,
  TRANSCENDENTAL,
  UNARY_IDS,
  WHERE_1,
  WHERE_4,
  opId,
} from './kernels.js';
import { DTYPES, elemBytes, ptrOf, sizeOf, typeCode, writeIndexing, writeReduce } from './layout.js';
import { linear, linearGrad, matmul } from './matmul.js';
import { poolArgmax } from './pool.js';
import { type Parts, Runner, rangeAt } from './runner.js';
import type { Pool } from './threads.js';

/** reduce's scratch holds one float64 per output; fill's pointer moves by 4- or 1-byte elements. */
const REDUCE: Parts = { range: 2, scaled: [4, 8] };
const RANGE_1 = rangeAt(1);
const FILL: readonly Parts[] = [
  { length: 1, scaled: [0, 4] },
  { length: 1, scaled: [0, 4] },
  { length: 1, scaled: [0, 1] },
];

/** scatterAdd's output strides (scratch, not an array per call). */
const OUT_STRIDES: number[] = [];

function newArray(dtype: DType, size: number): DataArray {
  const t = typeCode(dtype);
  return t === 0 ? new Float32Array(size) : t === 1 ? new Int32Array(size) : new Uint8Array(size);
}

/** `v` with its buffer replaced by a typed array over the whole heap (offset in elements). */
function heapView(mem: ArrayBufferLike, v: View): View<DataArray> {
  const t = typeCode(v.dtype);
  const arr = t === 0 ? new Float32Array(mem) : t === 1 ? new Int32Array(mem) : new Uint8Array(mem);
  return { buffer: arr, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: ptrOf(v) / elemBytes(v.dtype) };
}

/** The `wasm` backend: the backend contract plus diagnostics of its heap and threads. */
export interface WasmBackend extends Backend<WasmBuffer> {
  /** Threads computing (1 + workers). */
  readonly threads: number;
  /** Whether the relaxed-SIMD build runs (fused multiply-add in matmul; see initWasm's relaxedSimd). */
  readonly relaxedSimd: boolean;
  /** The largest single buffer: the memory's limit minus the heap's fixed start (bytes). */
  readonly maxBufferBytes: number;
  /** Linear-memory footprint: heap top and the memory's size, in bytes. */
  footprint(): {
    /** End of the highest live block, in bytes. */
    heapTop: number;
    /** Size of the linear memory, in bytes. */
    memoryBytes: number;
  };
  /** Parts of calls offered to worker threads, and those the calling thread took back (none started them). */
  threadStats(): {
    /** Parts offered to workers. */
    posted: number;
    /** Parts the calling thread took back. */
    takenBack: number;
  };
  /** Stops the worker threads; the backend cannot be used afterwards. */
  dispose(): void;
}

export function createBackend(
  name: string,
  ex: Kernels,
  heap: Heap,
  pool: Pool | null,
  thresholds: SplitThresholds = DEFAULT_THRESHOLDS,
  relaxedSimd = false,
): WasmBackend {
  const r = new Runner(name, ex, heap, pool, thresholds);
  return {
    name,
    dtypes: DTYPES,
    threads: r.threads,
    relaxedSimd,
    // No buffer can be larger than the memory's limit minus the heap's fixed start (the kernels'
    // data, the descriptor area and the threads' control blocks).
    maxBufferBytes: heap.maxAlloc(),
    ...storage(name, heap, r, pool),
    ...primitives(r, ex, thresholds),
    fused: fusedRoutines(r, thresholds),
    sync(): Promise<void> {
      return Promise.resolve(); // every kernel finishes before its call returns
    },
    dispose(): void {
      if (r.disposed) return;
      r.disposed = true;
      pool?.dispose();
    },
  };
}

type Storage = Pick<WasmBackend, 'alloc' | 'write' | 'read' | 'readSync' | 'free' | 'memory' | 'footprint' | 'threadStats'>;

/** Buffers on the heap, reads and writes, and diagnostics. */
function storage(name: string, heap: Heap, r: Runner, pool: Pool | null): Storage {
  const maxBufferBytes = heap.maxAlloc();
  const readSync = (buffer: WasmBuffer, dtype: DType, size: number): DataArray => {
    const out = newArray(dtype, size);
    const bytes = size * elemBytes(dtype);
    new Uint8Array(out.buffer).set(heap.bytes().subarray(buffer.ptr, buffer.ptr + bytes));
    return out;
  };
  return {
    alloc(size: number, dtype: DType): WasmBuffer {
      r.live('alloc');
      typeCode(dtype);
      const bytes = size * elemBytes(dtype);
      if (bytes > maxBufferBytes) {
        throw new BackendError(
          `wasm backend '${name}': alloc of ${size} ${dtype} elements (${bytes} bytes) exceeds the largest buffer it can hold, ${maxBufferBytes} bytes`,
        );
      }
      return heap.alloc(bytes);
    },
    write(buffer: WasmBuffer, data: DataArray): void {
      if (data.byteLength > buffer.size) {
        throw new ValueRangeError(`wasm backend '${name}': write of ${data.byteLength} bytes into a buffer of ${buffer.size} bytes`);
      }
      heap.bytes().set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), buffer.ptr);
    },
    read(buffer: WasmBuffer, dtype: DType, size: number): Promise<DataArray> {
      try {
        return Promise.resolve(readSync(buffer, dtype, size));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readSync,
    free(buffer: WasmBuffer): void {
      heap.free(buffer);
    },
    memory(): MemoryInfo {
      return heap.info();
    },
    footprint: () => heap.footprint(),
    threadStats: () => ({ ...(pool?.stats ?? { posted: 0, takenBack: 0 }) }),
  };
}

/** The contract's primitives as kernel calls; the Runner splits large ones across threads. */
function primitives(r: Runner, ex: Kernels, thresholds: SplitThresholds): Primitives<WasmBuffer> {
  const { desc, heap } = r;
  return {
    unary(op: UnaryOp, x: View, out: View): void {
      const fid = opId('unary', UNARY_IDS, op, x.dtype);
      r.map1(fid, x, out, TRANSCENDENTAL.has(op) ? thresholds.transcendental : thresholds.elementwise);
    },
    binary(op: BinaryOp, a: View, b: View, out: View): void {
      const fid = opId('binary', BINARY_IDS, op, a.dtype);
      r.map2(fid, a, b, out, op === 'pow' ? thresholds.transcendental : thresholds.elementwise);
    },
    where(cond: View, a: View, b: View, out: View): void {
      r.elementwise('ew3', out.dtype === 'bool' ? WHERE_1 : WHERE_4, thresholds.elementwise, out, cond, a, b);
    },
    reduce(op: ReduceOp, x: View, axes: readonly number[], out: View): void {
      const nOut = sizeOf(out.shape);
      if (nOut === 0) return;
      const t = typeCode(x.dtype);
      if (sizeOf(x.shape) === 0) {
        ex.fill(ptrOf(out), nOut, typeCode(out.dtype), op === 'prod' ? 1 : 0);
        return;
      }
      const fid = REDUCE_CODES[op] * 3 + t;
      const s = r.scratchOf(nOut * 8);
      writeReduce(r.words(), 0, x, axes, out);
      const per = sizeOf(x.shape) / nOut;
      r.split('reduce', nOut, Math.max(1, Math.ceil(thresholds.elementwise / per)), 4, REDUCE, fid, desc, 0, nOut, s);
    },
    matmul: (a, b, out) => matmul(r, a, b, out),
    copy(src: View, out: View): void {
      r.copyInto(out, src);
    },
    copyInto: (dst, src) => r.copyInto(dst, src),
    gather(x: View, indices: View, axis: number, out: View): void {
      const n = sizeOf(indices.shape);
      if (n === 0) return;
      const e = elemBytes(x.dtype);
      writeIndexing(
        r.words(),
        0,
        indices.shape,
        axis,
        x.strides,
        e,
        indices.strides,
        null,
        0,
        typeCode(x.dtype),
        ptrOf(x),
        ptrOf(indices),
        ptrOf(out),
      );
      r.split('gather', n, thresholds.elementwise, 16, RANGE_1, desc, 0, n);
    },
    scatterAdd(x: View, indices: View, updates: View, axis: number, out: View): void {
      r.copyInto(out, x);
      const n = sizeOf(indices.shape);
      if (n === 0) return;
      const e = elemBytes(x.dtype);
      const os = OUT_STRIDES;
      os.length = out.shape.length;
      for (let d = out.shape.length - 1, s = 1; d >= 0; d--) {
        os[d] = s;
        s *= out.shape[d];
      }
      writeIndexing(
        r.words(),
        0,
        indices.shape,
        axis,
        os,
        e,
        indices.strides,
        updates.strides,
        e,
        typeCode(x.dtype),
        ptrOf(out),
        ptrOf(indices),
        ptrOf(updates),
      );
      // Indices may repeat: each output element must get its additions in order, from one thread.
      // Rows (all dims but the last) write disjoint outputs when the axis is the last dim.
      const inner = indices.shape.length === 0 ? 1 : indices.shape[indices.shape.length - 1];
      const rows = n / inner;
      const min = axis === indices.shape.length - 1 ? Math.ceil(thresholds.elementwise / inner) : Number.POSITIVE_INFINITY;
      r.split('scatterAdd', rows, min, 1, RANGE_1, desc, 0, rows);
    },
    // Sorting runs in TypeScript over typed-array views of the heap, with @nn/tensor's kernel:
    // kernels finish before their call returns, so the heap is quiet while it runs.
    argsort(x: View, axis: number, descending: boolean, out: View): void {
      const mem = heap.memory.buffer;
      argsortLines(heapView(mem, x), axis, descending, heapView(mem, out));
    },
    cast(x: View, out: View): void {
      r.map1(CAST_IDS[typeCode(x.dtype) * 3 + typeCode(out.dtype)], x, out, thresholds.elementwise);
    },
    fill(out: View, value: number): void {
      const n = sizeOf(out.shape);
      if (n === 0) return;
      const t = typeCode(out.dtype);
      r.split('fill', n, thresholds.elementwise, 16, FILL[t], ptrOf(out), n, t, value);
    },
    iota(out: View, start: number, step: number): void {
      const n = sizeOf(out.shape);
      if (n > 0) ex.iota(ptrOf(out), n, typeCode(out.dtype), start, step);
    },
    random(kind: RandomKind, key: readonly [number, number], counter: number, out: View): void {
      const n = sizeOf(out.shape);
      if (n === 0) return;
      const t = typeCode(out.dtype);
      r.split('random', n, thresholds.transcendental, 4, RANGE_1, ptrOf(out), 0, n, t, RANDOM_CODES[kind], key[0] | 0, key[1] | 0, counter);
    },
  };
}

/** Fused routines: linear with its activation, the optimizers' updates, pooling, in-place add. */
function fusedRoutines(r: Runner, thresholds: SplitThresholds): FusedRoutines<WasmBuffer> {
  return {
    linear: (x, w, bias, act, out) => linear(r, x, w, bias, act, out),
    linearGrad: (g, y, act, ga, dbias) => linearGrad(r, g, y, act, ga, dbias),
    crossEntropy: (x, t, ignore, red, logSum, loss) => crossEntropy(r, x, t, ignore, red, logSum, loss),
    crossEntropyGrad: (x, t, logSum, g, ignore, mean, gx) => crossEntropyGrad(r, x, t, logSum, g, ignore, mean, gx),
    adam: (p, g, m, v, vm, o) => adam(r, p, g, m, v, vm, o),
    sgd: (p, g, b, o) => sgd(r, p, g, b, o),
    poolArgmax: (x, k, s, d, out) => poolArgmax(r, x, k, s, d, out),
    // In place: each element of dst is read, then written, by the same lane of one row kernel.
    addInto: (dst, src) => r.map2(opId('binary', BINARY_IDS, 'add', dst.dtype), dst, src, dst, thresholds.elementwise),
  };
}
