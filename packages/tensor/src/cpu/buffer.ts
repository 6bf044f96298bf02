/** Storage for the cpu backend: a buffer is simply a typed array of the dtype's element type. */
import type { MemoryInfo, Storage, View } from '../backend/contract.js';
import { allocArray, type DataArray, type DType } from '../dtype.js';

export type CpuBuffer = DataArray;
export type CpuView = View<CpuBuffer>;

const DTYPE_INDEX: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2, float64: 3 };

/** A small integer per dtype, for indexing kernel caches without building string keys. */
export function dtypeIndex(dtype: DType): number {
  return DTYPE_INDEX[dtype];
}

/** Freed buffers up to this size are kept for reuse: allocation and zero-filling dominate small ops. */
const POOL_MAX_ELEMENTS = 1 << 16;
const POOL_MAX_PER_SIZE = 16;

function dtypeIndexOf(b: CpuBuffer): number {
  return b instanceof Float32Array ? 0 : b instanceof Int32Array ? 1 : b instanceof Uint8Array ? 2 : 3;
}

export function createStorage(): Storage<CpuBuffer> {
  let bytes = 0;
  let buffers = 0;
  // One free list per dtype and length. Contents of reused buffers are undefined, as the contract allows.
  const pools: Map<number, CpuBuffer[]>[] = [new Map(), new Map(), new Map(), new Map()];
  return {
    alloc(size: number, dtype: DType): CpuBuffer {
      const list = size <= POOL_MAX_ELEMENTS ? pools[DTYPE_INDEX[dtype]].get(size) : undefined;
      const buffer = list !== undefined && list.length > 0 ? list.pop()! : allocArray(dtype, size);
      bytes += buffer.byteLength;
      buffers++;
      return buffer;
    },
    write(buffer: CpuBuffer, data: DataArray): void {
      buffer.set(data);
    },
    read(buffer: CpuBuffer, _dtype: DType, size: number): Promise<DataArray> {
      return Promise.resolve(buffer.slice(0, size));
    },
    // A copy, so callers can never mutate storage through the result.
    readSync(buffer: CpuBuffer, _dtype: DType, size: number): DataArray {
      return buffer.slice(0, size);
    },
    free(buffer: CpuBuffer): void {
      bytes -= buffer.byteLength;
      buffers--;
      if (buffer.length > POOL_MAX_ELEMENTS) return;
      const pool = pools[dtypeIndexOf(buffer)];
      let list = pool.get(buffer.length);
      if (list === undefined) pool.set(buffer.length, (list = []));
      if (list.length < POOL_MAX_PER_SIZE) list.push(buffer);
    },
    memory(): MemoryInfo {
      return { bytes, buffers };
    },
  };
}
