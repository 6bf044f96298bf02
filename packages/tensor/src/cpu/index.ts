/**
 * The pure-TypeScript cpu backend. Buffers are plain typed arrays; kernels are specialized loops
 * generated per op and dtype combination (see elementwise.ts, reduce.ts) plus a packed GEMM.
 * Everything runs synchronously, so `read` resolves at once.
 */
import type { Backend } from '../backend/contract.js';
import { type CpuBuffer, createStorage } from './buffer.js';
import { crossEntropy, crossEntropyGrad } from './cross-entropy.js';
import { binary, cast, copy, copyInto, unary, where } from './elementwise.js';
import { adam, sgd } from './fused-optim.js';
import { linearGrad } from './linear-grad.js';
import { linear, matmul } from './matmul.js';
import { fill, gather, iota, random, scatterAdd } from './movement.js';
import { poolArgmax } from './pool.js';
import { reduce } from './reduce.js';
import { argsortLines } from './sort.js';

export type { CpuBuffer, CpuView } from './buffer.js';

/**
 * Creates the pure-TypeScript `cpu` backend (loops generated per op and dtype with `new Function`, a packed GEMM, fused optimizer steps). It is registered by default; call this for a second instance, e.g. under another name.
 */
export function createCpuBackend(): Backend<CpuBuffer> {
  return {
    name: 'cpu',
    dtypes: ['float32', 'int32', 'bool', 'float64'],
    // One typed array per buffer; V8 caps them near 2^32 elements. 4 GiB is also what a page can
    // realistically hold, and refusing early beats V8's bare "Invalid typed array length".
    maxBufferBytes: 2 ** 32,
    ...createStorage(),
    unary,
    binary,
    where,
    reduce,
    matmul,
    copy,
    copyInto,
    gather,
    scatterAdd,
    argsort: argsortLines,
    cast,
    fill,
    iota,
    random,
    fused: {
      linear,
      linearGrad,
      crossEntropy,
      crossEntropyGrad,
      adam,
      sgd,
      poolArgmax,
      addInto: (dst, src) => binary('add', dst, src, dst),
    },
  };
}
