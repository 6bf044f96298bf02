/**
 * The backend contract: storage plus a small exhaustive table of primitives. Everything else
 * (softmax, losses, every gradient, optimizers) is composed above it, once, in @nn/tensor and the
 * packages built on it.
 *
 * Conventions every backend follows:
 * - Sizes, strides and offsets are in elements, never bytes.
 * - Inputs are `View`s: a buffer plus shape, strides and offset. A stride of 0 is a broadcast
 *   dimension. Elementwise inputs arrive already broadcast to the output's shape.
 * - Outputs are fresh, contiguous, row-major buffers allocated by the caller with `alloc`;
 *   kernels only write into them. Only `copyInto` writes through a strided view.
 * - Execution may be asynchronous: a kernel may enqueue work and return at once. `read` waits.
 */
import type { DataArray, DType } from '../dtype.js';

/**
 * A strided view a kernel reads or writes: a buffer plus shape, strides and offset, all in elements. Broadcast dims have stride 0.
 */
export interface View<B = unknown> {
  /** The backend's buffer. */
  readonly buffer: B;
  /** The elements' dtype. */
  readonly dtype: DType;
  /** Size of each dim. */
  readonly shape: readonly number[];
  /** Step between neighbours along each dim, in elements (0 for broadcast dims). */
  readonly strides: readonly number[];
  /** Position of the first element in the buffer, in elements. */
  readonly offset: number;
}

/** Every unary primitive op, in one table: each backend implements all of them. */
export const UNARY_OPS = [
  'neg',
  'abs',
  'sign',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'floor',
  'ceil',
  'round',
] as const;
/** A unary primitive op name. */
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Arithmetic binary ops (output takes the operands' dtype). */
export const ARITH_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
/** Comparison binary ops (output is bool). */
export const COMPARE_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
/** Every binary primitive op. */
export const BINARY_OPS = [...ARITH_OPS, ...COMPARE_OPS] as const;
/** An arithmetic binary op name. */
export type ArithOp = (typeof ARITH_OPS)[number];
/** A comparison op name. */
export type CompareOp = (typeof COMPARE_OPS)[number];
/** A binary primitive op name. */
export type BinaryOp = ArithOp | CompareOp;

/** Every reduction primitive op. */
export const REDUCE_OPS = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'] as const;
/** A reduction op name. */
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** What the `random` primitive draws: uniform in [0, 1), standard normal (Box-Muller), or raw 32-bit words. */
export type RandomKind = 'uniform' | 'normal' | 'bits';

/** Activations a fused routine may apply. */
export type FusedActivation = 'none' | 'relu' | 'tanh' | 'sigmoid' | 'gelu';

/**
 * The primitive table. A backend must provide every member: a missing one is a compile error,
 * never a run-time "kernel not registered".
 */
export interface Primitives<B> {
  /** out[i] = op(x[i]). Float ops receive float inputs; neg/abs/sign also int32. */
  unary(op: UnaryOp, x: View<B>, out: View<B>): void;
  /** out[i] = a[i] op b[i]; a and b are broadcast to out's shape. Comparisons write bool (0/1). */
  binary(op: BinaryOp, a: View<B>, b: View<B>, out: View<B>): void;
  /** out[i] = cond[i] ? a[i] : b[i]; all broadcast to out's shape. */
  where(cond: View<B>, a: View<B>, b: View<B>, out: View<B>): void;
  /**
   * Reduces x over `axes` (sorted, unique, non-empty for argmax/argmin: exactly one axis).
   * out holds x.shape without the reduced axes. sum of no elements is 0, prod is 1; max/min
   * of no elements is not called. argmax/argmin write int32, first index on ties; NaN wins.
   */
  reduce(op: ReduceOp, x: View<B>, axes: readonly number[], out: View<B>): void;
  /**
   * Batched matrix product: a is [batch, M, K], b is [batch, K, N], out is [batch, M, N].
   * Operands may be transposed or broadcast views (any strides, batch stride 0 allowed).
   */
  matmul(a: View<B>, b: View<B>, out: View<B>): void;
  /** Materializes a view into a contiguous buffer of the same dtype. */
  copy(src: View<B>, out: View<B>): void;
  /** Writes src (same shape, same dtype) through the strided view dst. */
  copyInto(dst: View<B>, src: View<B>): void;
  /**
   * torch.gather: out[..., i, ...] = x[..., indices[..., i, ...], ...] along `axis`.
   * out has indices' shape; indices are int32 and already validated to be in range.
   */
  gather(x: View<B>, indices: View<B>, axis: number, out: View<B>): void;
  /**
   * torch.scatter_add out of place: out = x, then out[..., indices[...], ...] += updates[...]
   * along `axis`. indices and updates share a shape; out has x's shape.
   */
  scatterAdd(x: View<B>, indices: View<B>, updates: View<B>, axis: number, out: View<B>): void;
  /**
   * Stable argsort along `axis`: out (int32, x's shape except out.shape[axis] = k <= x.shape[axis])
   * gets the positions of the first k elements of each line of x in sorted order: ascending, or
   * largest first when `descending`. NaN counts as larger than every number (PyTorch); equal
   * values (-0 and 0 too) keep their original order. x is any strided view of any dtype.
   */
  argsort(x: View<B>, axis: number, descending: boolean, out: View<B>): void;
  /** Converts dtype. float -> int truncates toward zero; anything -> bool is (x != 0). */
  cast(x: View<B>, out: View<B>): void;
  /** Sets every element of out. */
  fill(out: View<B>, value: number): void;
  /** out[i] = start + i * step. */
  iota(out: View<B>, start: number, step: number): void;
  /**
   * Counter-based random numbers (Philox-4x32-10, see ../rng.ts for the bit-exact definition).
   * Element i uses the stream of (key, counter + floor(i / 4)), word i % 4.
   */
  random(kind: RandomKind, key: readonly [number, number], counter: number, out: View<B>): void;
}

/** Optional fused routines. If absent, @nn/tensor composes them from primitives. */
export interface FusedRoutines<B> {
  /** out = act(x @ w^T + bias); x [M, K], w [N, K], bias [N] or null, out [M, N]. */
  linear?(x: View<B>, w: View<B>, bias: View<B> | null, act: FusedActivation, out: View<B>): void;
  /**
   * The backward of linear's activation and bias, in one pass: ga = g * act'(y) from the output
   * y = act(pre) (relu: y > 0 ? g : 0; tanh: g * (1 - y*y); sigmoid: g * (y * (1 - y))), written
   * into ga, and dbias[j] = the sum over rows of ga[:, j] (accumulated in row order in float64,
   * then rounded), or nothing when dbias is null. g and y are contiguous float [M, N]; ga [M, N]
   * and dbias [N] are fresh outputs. The bits of the composed where/mul and sum over axis 0.
   */
  linearGrad?(g: View<B>, y: View<B>, act: Exclude<FusedActivation, 'none' | 'gelu'>, ga: View<B>, dbias: View<B> | null): void;
  /**
   * Cross-entropy of logits against class indices, forward: x is contiguous float [N, C] (C >= 1),
   * target contiguous int32 [N] with every element in [0, C) or equal to ignoreIndex. Per row i,
   * with m the row's max (0 when it is not finite: the composed logSoftmax's shift), the composed
   * ops' roundings: e_j = exp(x[i,j] - m), logSum[i] = log(sum_j e_j) (summed in float64 as `reduce`
   * sums), and rowLoss = logSum[i] - (x[i,t] - m), or exactly 0 where target[i] == ignoreIndex (as
   * PyTorch, even with infinite logits). reduction 'none': loss [N] holds the rowLoss; 'sum': loss []
   * = their sum in row order in float64; 'mean': that sum / the number of rows not ignored (NaN when
   * there are none: 0/0, as PyTorch). logSum [N] and loss are fresh outputs; logSum is what the
   * backward takes (the row max it recomputes). Must match logSoftmax, gather and mean composed.
   */
  crossEntropy?(x: View<B>, target: View<B>, ignoreIndex: number, reduction: 'mean' | 'sum' | 'none', logSum: View<B>, loss: View<B>): void;
  /**
   * The backward of `crossEntropy`: gx[i, j] = s_i * (exp(x[i,j] - m_i - logSum[i]) - (j == target[i]))
   * with m_i the row max as `crossEntropy` takes it, s_i = g[i] ('none': g is [N]) or g (g is []),
   * divided by the number of rows not ignored when `mean`; rows where target[i] == ignoreIndex are
   * all 0. x, target, logSum as `crossEntropy` had them; gx is a fresh contiguous [N, C] of x's dtype.
   */
  crossEntropyGrad?(x: View<B>, target: View<B>, logSum: View<B>, g: View<B>, ignoreIndex: number, mean: boolean, gx: View<B>): void;
  /**
   * Max pooling's argmax: x is a float view [N, C, H, W] (any strides); window (i, j) covers rows
   * i*stride[0] + a*dilation[0] (a < kernel[0]) and columns j*stride[1] + b*dilation[1]
   * (b < kernel[1]); out (int32, contiguous [N, C, OH, OW]) gets h * W + w of the window's first
   * maximum in row-major order, NaN counting as larger than every number (the first NaN wins).
   * The composed fallback (argmax along kernel columns, then rows) gives the same indices.
   */
  poolArgmax?(x: View<B>, kernel: readonly number[], stride: readonly number[], dilation: readonly number[], out: View<B>): void;
  /**
   * dst += src in place, through the strided view dst (same shape and dtype, float or int32; no
   * two elements of dst share memory): the bits of `binary('add', dst, src, tmp)` then
   * `copyInto(dst, tmp)`, without the temporary. foldWindows (col2im) accumulates with it.
   */
  addInto?(dst: View<B>, src: View<B>): void;
  /**
   * One Adam / AdamW step for one parameter, in place (PyTorch's single-tensor algorithm):
   * g = maximize ? -grad : grad; decoupled ? param *= 1 - lr*weightDecay : g += weightDecay*param;
   * expAvg = expAvg*beta1 + (1-beta1)*g; expAvgSq = expAvgSq*beta2 + ((1-beta2)*g)*g;
   * maxExpAvgSq = max(maxExpAvgSq, expAvgSq) when amsgrad;
   * param += (-lr/(1-beta1^step) * expAvg) / (sqrt(v)/sqrt(1-beta2^step) + eps), v = amsgrad ? maxExpAvgSq : expAvgSq.
   * `step` is the already-incremented step count (1 on the first update). All views are
   * contiguous, same shape and dtype; param, expAvg, expAvgSq and maxExpAvgSq are written.
   * Results must match the composed tensor-op version (@nn/optim) within float rounding.
   */
  adam?(
    param: View<B>,
    grad: View<B>,
    expAvg: View<B>,
    expAvgSq: View<B>,
    maxExpAvgSq: View<B> | null,
    opts: {
      lr: number;
      beta1: number;
      beta2: number;
      eps: number;
      weightDecay: number;
      decoupled: boolean;
      amsgrad: boolean;
      maximize: boolean;
      step: number;
    },
  ): void;
  /**
   * One SGD step for one parameter, in place (PyTorch's algorithm): g = maximize ? -grad : grad;
   * g += weightDecay*param; with momentum: buf = firstStep ? g : buf*momentum + (1-dampening)*g,
   * g = nesterov ? g + momentum*buf : buf; param += -lr*g. momentumBuf is null when momentum is 0.
   */
  sgd?(
    param: View<B>,
    grad: View<B>,
    momentumBuf: View<B> | null,
    opts: {
      lr: number;
      momentum: number;
      dampening: number;
      weightDecay: number;
      nesterov: boolean;
      maximize: boolean;
      firstStep: boolean;
    },
  ): void;
}

/** A backend's own account of its memory. */
export interface MemoryInfo {
  /** Bytes held in live buffers. */
  bytes: number;
  /** Number of live buffers. */
  buffers: number;
}

/** The storage half of the backend contract: buffers of elements, written and read back. */
export interface Storage<B> {
  /** A buffer for `size` elements of `dtype` (contents undefined). */
  alloc(size: number, dtype: DType): B;
  /** Copies data (whose dtype matches the buffer's) into the buffer from element 0. */
  write(buffer: B, data: DataArray): void;
  /** Resolves with the buffer's contents once pending work has finished. */
  read(buffer: B, dtype: DType, size: number): Promise<DataArray>;
  /** Synchronous read, for backends that can (cpu, wasm). */
  readSync?(buffer: B, dtype: DType, size: number): DataArray;
  /** Releases a buffer (called once, when its last tensor is disposed). */
  free(buffer: B): void;
  /** Live buffers and bytes, for leak tests. */
  memory(): MemoryInfo;
}

/** A compute backend: storage, the primitives, optional fused routines. See docs/backend.md for a walk through one. */
export interface Backend<B = unknown> extends Storage<B>, Primitives<B> {
  /** The name it is registered and selected under (`setBackend(name)`). */
  readonly name: string;
  /** dtypes this backend can store; float32, int32 and bool are required. */
  readonly dtypes: readonly DType[];
  /** Optional faster routines (`{}` for none); results must match the composed ops. */
  readonly fused: FusedRoutines<B>;
  /**
   * The largest single buffer this backend can allocate; the frontend throws a typed BackendError
   * naming op, shape, bytes and this limit before calling alloc.
   */
  readonly maxBufferBytes?: number;
  /** Waits for all enqueued work. */
  sync?(): Promise<void>;
  /**
   * For backends without `readSync`: checks on the device, without waiting, that every element of
   * the int32 `indices` is in [0, bound) or equals `ignore`. If one is not, the next `read` or
   * `sync` throws `error(value, position)` for the first bad element (row-major position) of the
   * first failed check. The caller builds the error, so every backend's message is the same.
   */
  checkIndices?(indices: View<B>, bound: number, ignore: number | null, error: (value: number, position: number) => Error): void;
  /** Releases device resources. */
  dispose?(): void;
}

/** The name of a primitive (`unary`, `matmul`, ...). */
export type Primitive = keyof Primitives<unknown>;

/** Every primitive's name (for code that wraps a backend: profilers, `compile`'s recording). */
export const PRIMITIVES = [
  'unary',
  'binary',
  'where',
  'reduce',
  'matmul',
  'copy',
  'copyInto',
  'gather',
  'scatterAdd',
  'argsort',
  'cast',
  'fill',
  'iota',
  'random',
] as const satisfies readonly Primitive[];
// A primitive added to the contract but not to the list fails to compile here.
const everyPrimitive: Exclude<Primitive, (typeof PRIMITIVES)[number]> extends never ? true : never = true;
void everyPrimitive;
