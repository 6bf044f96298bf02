// @nn/wasm-backend kernels. Every export works on raw linear-memory pointers (bytes) handed out
// by the JS-side allocator; kernels never allocate, so one build serves the single-threaded
// instance and every thread sharing one memory.
import { WORK_BYTES } from './matmul';

export { ew1, ew2, ew3, flat1, flat2, transpose32 } from './elementwise';
export { reduce } from './reduce';
export { gemm, bgemm, bgemmI32, epilogueI32 } from './matmul';
export { gather, scatterAdd, fill, iota } from './movement';
export { random } from './random';
export { poolArgmax } from './pool';
export { adam, sgd } from './optim';
export { linearGrad } from './linear-grad';
export { crossEntropyRows, crossEntropyTotal, crossEntropyGrad } from './cross-entropy';

/** First free byte after the static data: the allocator's start. */
export function heapBase(): usize {
  return __heap_base;
}

/** Scratch bytes one thread needs for gemm. */
export function gemmWorkBytes(): i32 {
  return <i32>WORK_BYTES;
}
