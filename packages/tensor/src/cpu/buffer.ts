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

export function createStorage(): Storage<CpuBuffer> {
  let bytes = 0;
  let buffers = 0;
  return {
    alloc(size: number, dtype: DType): CpuBuffer {
      const buffer = allocArray(dtype, size);
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
    },
    memory(): MemoryInfo {
      return { bytes, buffers };
    },
  };
}
