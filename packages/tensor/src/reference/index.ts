/**
 * The reference backend: every primitive of the contract interpreted in plain TypeScript, with no
 * code generation (no `new Function`, no eval). It is the backend to read before writing one
 * (docs/backend.md walks through it), and the default on pages whose Content-Security-Policy
 * forbids 'unsafe-eval', where the cpu backend cannot compile its kernels (see ../registry.ts).
 * It trades speed for clarity: one loop over positions per primitive, no fused routines.
 */
import type { Backend, MemoryInfo } from '../backend/contract.js';
import { argsortLines } from '../cpu/sort.js';
import { allocArray, type DataArray, type DType } from '../dtype.js';
import { binary, cast, fill, gather, iota, matmul, random, reduce, scatterAdd, unary, where } from './kernels.js';

export type { RefView } from './kernels.js';

/**
 * Creates the `reference` backend: every primitive as a plain loop, no code generation; the default where a Content-Security-Policy forbids `eval`, and the model for writing a backend (docs/backend.md).
 */
export function createReferenceBackend(): Backend<DataArray> {
  // Storage: a buffer is a typed array of the dtype's element type.
  let bytes = 0;
  let buffers = 0;
  return {
    name: 'reference',
    dtypes: ['float32', 'int32', 'bool', 'float64'],
    // One typed array per buffer; V8 caps them near 2^32 elements.
    maxBufferBytes: 2 ** 32,
    alloc(size: number, dtype: DType): DataArray {
      const buffer = allocArray(dtype, size);
      bytes += buffer.byteLength;
      buffers++;
      return buffer;
    },
    write: (buffer, data) => buffer.set(data),
    // Copies, so callers can never mutate storage through the result.
    read: (buffer, _dtype, size) => Promise.resolve(buffer.slice(0, size)),
    readSync: (buffer, _dtype, size) => buffer.slice(0, size),
    free(buffer: DataArray): void {
      bytes -= buffer.byteLength;
      buffers--;
    },
    memory: (): MemoryInfo => ({ bytes, buffers }),
    // The primitives (kernels.ts).
    unary,
    binary,
    where,
    reduce,
    matmul,
    copy: cast,
    copyInto: (dst, src) => cast(src, dst),
    gather,
    scatterAdd,
    // Sorting typed arrays needs nothing backend-specific: the kernel cpu and wasm share.
    argsort: argsortLines,
    cast,
    fill,
    iota,
    random,
    // No fused routines: @nn/tensor composes linear, Adam and SGD from the primitives.
    fused: {},
  };
}
