/**
 * @nn/tensor: tensors with broadcasting, their ops, memory scopes, the backend registry and the
 * pure-TypeScript cpu backend. Backend authors also import `@nn/tensor/backend` (the kit).
 */
export { Tensor, isTensor } from './tensor.js';
export type { DType, DataArray } from './dtype.js';
export { NNError, ShapeError, DTypeError, ValueRangeError, DisposedError, BackendError } from './errors.js';
export { memory, tidy, scope, keep, type MemorySummary } from './memory.js';
export { compile, CompileError, type CompileArg } from './compile.js';
export { registerBackend, setBackend, getBackend, listBackends } from './registry.js';
export { createCpuBackend } from './cpu/index.js';
export { createReferenceBackend } from './reference/index.js';
// The Backend type names what getBackend returns and registerBackend takes; the rest of the
// contract, the op table, layout helpers, Philox and the autograd seam are in '@nn/tensor/backend'.
export type { Backend, UnaryOp } from './backend/contract.js';
export type { BackwardOptions, GradFn } from './hooks.js';
export type { Scalar, TensorLike } from './ops/core.js';
export type { CreateOptions, NestedArray } from './ops/creation.js';
export type { VarOptions, Dims } from './ops/reduce.js';
export {
  tensor,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
  manualSeed,
  getRngState,
  setRngState,
  moveInPlace,
  moveInPlaceAsync,
} from './ops/creation.js';
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  neg,
  abs,
  sign,
  exp,
  expm1,
  log,
  log1p,
  sqrt,
  rsqrt,
  reciprocal,
  square,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  erf,
  floor,
  ceil,
  round,
  leakyRelu,
  elu,
  gelu,
  softplus,
  silu,
  clamp,
  where,
  cast,
  unary,
} from './ops/elementwise.js';
export {
  sum,
  mean,
  prod,
  max,
  min,
  argmax,
  argmin,
  variance,
  variance as var_,
  std,
  logsumexp,
  softmax,
  logSoftmax,
} from './ops/reduce.js';
export { matmul, linear } from './ops/linalg.js';
export {
  reshape,
  flatten,
  squeeze,
  unsqueeze,
  transpose,
  permute,
  expand,
  slice,
  narrow,
  split,
  pad,
  concat,
  stack,
  contiguous,
  clone,
  copy_,
  gather,
  indexSelect,
  scatterAdd,
  oneHot,
  type PadSpec,
  type PadMode,
  type PadOptions,
} from './ops/movement.js';
export {
  slidingWindows,
  foldWindows,
  unfold,
  fold,
  type WindowOptions,
  type UnfoldOptions,
} from './ops/window.js';
export type { IntArg } from './ops/window-args.js';
export {
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
  convLimits,
  type ConvOptions,
  type ConvTransposeOptions,
} from './ops/conv.js';
export {
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  type MaxPoolOptions,
  type AvgPoolOptions,
} from './ops/pool.js';
export { cumsum, cumprod } from './ops/scan.js';
export { tril, triu, maskedFill, chunk, repeat, repeatInterleave } from './ops/sequence.js';
export { sort, argsort, topk, type SortOptions, type TopkOptions, type SortResult } from './ops/sort.js';
export { einsum } from './ops/einsum.js';
export { multinomial, type MultinomialOptions } from './ops/multinomial.js';
export { broadcastShapes } from './shape.js';
