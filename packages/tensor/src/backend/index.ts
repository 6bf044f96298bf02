/**
 * `@nn/tensor/backend`: the kit for writing a backend (and the seams the packages built on
 * @nn/tensor use). Users import `@nn/tensor`; backend authors import this too:
 *
 * - the contract: `Backend`, `View`, `Primitives`, `FusedRoutines`, the op unions and their lists;
 * - the elementwise op table every backend derives its kernels from;
 * - layout helpers: `sizeOf`, `contiguousStrides`, `isContiguous`, `flatStep`, `collapse`,
 *   `collapseGroup`;
 * - the counter-based RNG every backend reproduces bit for bit (Philox-4x32);
 * - `argsortLines`, a sort kernel over typed arrays any CPU-side backend can reuse;
 * - `registerBackend`, and the `BackendFactory` that `@nn/backend-tests` checks (see
 *   docs/backend.md: the suite is a private workspace package that runs under vitest);
 * - the autograd seam @nn/autograd installs its tape through, and the structural ops its rules use.
 *
 * @module
 */
export type {
  Backend,
  View,
  Primitives,
  FusedRoutines,
  Storage as BackendStorage,
  MemoryInfo,
  Primitive,
  UnaryOp,
  BinaryOp,
  ArithOp,
  CompareOp,
  ReduceOp,
  RandomKind,
  FusedActivation,
} from './contract.js';
export { UNARY_OPS, BINARY_OPS, ARITH_OPS, COMPARE_OPS, REDUCE_OPS, PRIMITIVES } from './contract.js';
export * from './elementwise-table.js';
export { sizeOf, contiguousStrides, isContiguous, flatStep, collapse, collapseGroup, type IntArrayLike } from '../layout.js';
export { philox4x32, fillRandom, blocksUsed, seedKey, permutationFromBits } from '../rng.js';
export { argsortLines } from '../cpu/sort.js';
export { registerBackend } from '../registry.js';
export type { BackendFactory } from './conformance.js';
export { autograd, installAutograd, type AutogradHooks, type GradNodeRef } from '../hooks.js';
export type { DiffOp, OpParams, ParamsOf, RecordedActivation, ReduceParams, StructuralOp, WindowParams } from '../ops/op-types.js';
export { sliceView, padWindow } from '../ops/movement.js';
export { linearGrad } from '../ops/linear-grad.js';
export {
  checkClassIndices,
  softmaxCrossEntropy,
  softmaxCrossEntropyGrad,
  type CrossEntropyReduction,
  type SoftmaxCrossEntropyOptions,
} from '../ops/cross-entropy.js';
export { intTuple, checkKnownOptions } from '../ops/window-args.js';
