/** Elementwise ops: the unary and binary primitives, where, cast, and activations composed from them. */
import type { ArithOp, BinaryOp, CompareOp, UnaryOp } from '../backend/contract.js';
import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ValueRangeError } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  NO_PARAMS,
  type Scalar,
  type TensorLike,
  backendOf,
  coerceOperands,
  disposeAll,
  empty,
  isTensorValue,
  needsRecord,
  rawView,
  record,
  resultType,
  scalarDType,
  scalarTensor,
} from './core.js';
import type { View } from '../backend/contract.js';

/** Ops that also accept int32 (and keep it); every other unary op computes in floating point. */
const INT_UNARY = new Set<UnaryOp>(['neg', 'abs', 'sign']);

/** Applies the unary primitive `op` (a name from `UNARY_OPS`) elementwise; the named functions (`exp`, `relu`, ...) call it. */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  const be = backendOf(op, x);
  if (x.dtype === 'bool') throw new DTypeError(`${op}: bool tensors are not supported; cast first (x.cast('float32'))`);
  if (!isFloat(x.dtype) && !INT_UNARY.has(op)) {
    if (op === 'floor' || op === 'ceil' || op === 'round') return cast(x, x.dtype); // identity on integers
    const xf = cast(x, 'float32');
    const y = unary(op, xf);
    xf.dispose();
    return y;
  }
  const out = empty(be, x.shape, x.dtype, op);
  be.unary(op, x, out);
  if (needsRecord(x)) record(op, [x], NO_PARAMS, out);
  return out;
}

/** Broadcast views of a and b to `shape` (stride 0 on broadcast dims). */
export function broadcastView(x: View, shape: readonly number[]): View {
  if (shapesEqual(x.shape, shape)) return x;
  const n = shape.length;
  if (x.shape.length === 0) return rawView(x, shape, zeroStrides(n)); // a scalar operand: every stride 0
  const strides = new Array<number>(n);
  const off = n - x.shape.length;
  for (let i = 0; i < n; i++) {
    const d = i - off;
    strides[i] = d < 0 || x.shape[d] === 1 ? 0 : x.strides[d];
  }
  return rawView(x, shape, strides);
}

/** Stride arrays of zeros by rank, shared (views never write their strides). */
const ZERO_STRIDES: (readonly number[])[] = [];
function zeroStrides(n: number): readonly number[] {
  let z = ZERO_STRIDES[n];
  if (z === undefined) {
    z = Object.freeze(new Array<number>(n).fill(0));
    ZERO_STRIDES[n] = z;
  }
  return z;
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  let ta: Tensor;
  let tb: Tensor;
  let temps: Tensor[] | null = null;
  // Two tensors (most ops of a step): no operand arrays; coerceOperands handles JS scalars.
  if (isTensorValue(a) && isTensorValue(b)) {
    backendOf(op, a, b);
    ta = a;
    tb = b;
  } else {
    const fast = isTensorValue(a) ? withScalar(op, a, b, false) : isTensorValue(b) ? withScalar(op, b, a, true) : null;
    if (fast !== null) return fast;
    // Indexing, not destructuring: until V8 optimizes this, destructuring runs the iterator protocol.
    const operands = coerceOperands(op, a, b);
    ta = operands[0];
    tb = operands[1];
    temps = operands[2];
  }
  const be = ta.storage.backend;
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const compare = (COMPARE as readonly string[]).includes(op);
  let dtype = resultType(ta.dtype, tb.dtype);
  if (!compare) {
    if (dtype === 'bool') dtype = 'int32';
    if (op === 'div' && !isFloat(dtype)) dtype = 'float32';
  }
  if (ta.dtype !== dtype) (temps ??= []).push((ta = cast(ta, dtype)));
  if (tb.dtype !== dtype) (temps ??= []).push((tb = cast(tb, dtype)));
  const out = empty(be, shape, compare ? 'bool' : dtype, op);
  be.binary(op, broadcastView(ta, shape), broadcastView(tb, shape), out);
  if (!compare && needsRecord(ta, tb)) record(op as ArithOp, [ta, tb], NO_PARAMS, out);
  if (temps !== null && temps.length > 0) disposeAll(temps);
  return out;
}
const COMPARE: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const NO_DIMS: readonly number[] = [];

/**
 * `x op v` (or `v op x`) for a JS scalar v when nothing is recorded and no operand needs a cast,
 * as in an optimizer step written with tensor ops: v reaches the kernel as a one-element buffer
 * freed right after, without a tracked tensor around it. Null: take the general path (which also
 * reports bad operands).
 */
function withScalar(op: BinaryOp, x: Tensor, v: TensorLike, scalarFirst: boolean): Tensor | null {
  if ((typeof v !== 'number' && typeof v !== 'boolean') || x.isDisposed || needsRecord(x)) return null;
  const dtype = x.dtype;
  const compare = (COMPARE as readonly string[]).includes(op);
  if (scalarDType(v, dtype) !== dtype || (!compare && (dtype === 'bool' || (op === 'div' && !isFloat(dtype))))) return null;
  const be = x.storage.backend;
  const shape = broadcastShapes(op, x.shape, NO_DIMS);
  const out = empty(be, shape, compare ? 'bool' : dtype, op);
  const buffer = be.alloc(1, dtype);
  try {
    const s: View = { buffer, dtype, shape: NO_DIMS, strides: NO_DIMS, offset: 0 };
    be.fill(s, typeof v === 'boolean' ? (v ? 1 : 0) : v);
    const sv = broadcastView(s, shape);
    const xv = broadcastView(x, shape);
    if (scalarFirst) be.binary(op, sv, xv, out);
    else be.binary(op, xv, sv, out);
  } finally {
    be.free(buffer);
  }
  return out;
}

/**
 * Elementwise `a + b`, with broadcasting (torch.add).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { add, tensor } from '@nn/tensor';
 *
 * add(tensor([1, 2, 3]), 10); // [11, 12, 13]
 * ```
 */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/**
 * Elementwise `a − b`, with broadcasting (torch.sub).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { sub, tensor } from '@nn/tensor';
 *
 * sub(tensor([[1], [2]]), tensor([1, 2])); // [[0, -1], [1, 0]] (broadcast)
 * ```
 */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/**
 * Elementwise `a · b`, with broadcasting (torch.mul).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { mul, tensor } from '@nn/tensor';
 *
 * mul(tensor([1, 2, 3]), tensor([2, 2, 2])); // [2, 4, 6]
 * ```
 */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/**
 * Elementwise `a / b` (true division; int32 operands give float32), with broadcasting (torch.div).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { div, tensor } from '@nn/tensor';
 *
 * div(tensor([1, 2, 3]), 2); // [0.5, 1, 1.5]
 * ```
 */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/**
 * Elementwise `a ** b`, with broadcasting (torch.pow).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { pow, tensor } from '@nn/tensor';
 *
 * pow(tensor([1, 2, 3]), 2); // [1, 4, 9]
 * ```
 */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/**
 * Elementwise the larger of `a` and `b` (NaN propagates; gradient split half and half on ties), with broadcasting (torch.maximum).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from '@nn/tensor';
 *
 * maximum(tensor([1, 5]), tensor([3, 2])); // [3, 5]
 * ```
 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
/**
 * Elementwise the smaller of `a` and `b` (NaN propagates; gradient split half and half on ties), with broadcasting (torch.minimum).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { minimum, tensor } from '@nn/tensor';
 *
 * minimum(tensor([1, 5]), tensor([3, 2])); // [1, 2]
 * ```
 */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
/**
 * Elementwise `a == b`, as a bool tensor, with broadcasting (torch.eq).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { eq, tensor } from '@nn/tensor';
 *
 * eq(tensor([1, 2, 3]), 2); // [false, true, false]
 * ```
 */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
/**
 * Elementwise `a != b`, as a bool tensor, with broadcasting (torch.ne).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { ne, tensor } from '@nn/tensor';
 *
 * ne(tensor([1, 2, 3]), 2); // [true, false, true]
 * ```
 */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
/**
 * Elementwise `a < b`, as a bool tensor, with broadcasting (torch.lt).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { lt, tensor } from '@nn/tensor';
 *
 * lt(tensor([1, 2, 3]), 2); // [true, false, false]
 * ```
 */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
/**
 * Elementwise `a <= b`, as a bool tensor, with broadcasting (torch.le).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { le, tensor } from '@nn/tensor';
 *
 * le(tensor([1, 2, 3]), 2); // [true, true, false]
 * ```
 */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);
/**
 * Elementwise `a > b`, as a bool tensor, with broadcasting (torch.gt).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { gt, tensor } from '@nn/tensor';
 *
 * gt(tensor([1, 2, 3]), 2); // [false, false, true]
 * ```
 */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
/**
 * Elementwise `a >= b`, as a bool tensor, with broadcasting (torch.ge).
 *
 * Args: `a`, `b`: tensors or JS numbers (a number takes the tensor operand's dtype; mixed dtypes
 * promote bool < int32 < float32 < float64).
 *
 * Shape: `a` and `b` broadcast to one shape (NumPy rules), the output's.
 *
 * @example
 * ```ts
 * import { ge, tensor } from '@nn/tensor';
 *
 * ge(tensor([1, 2, 3]), 2); // [false, true, true]
 * ```
 */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);

/**
 * Elementwise `−x` (torch.neg; also the method `x.neg()`).
 *
 * Shape: output shaped like `x`, with its dtype (float or int32).
 *
 * @example
 * ```ts
 * import { neg, tensor } from '@nn/tensor';
 *
 * neg(tensor([1, -2])); // [-1, 2]
 * ```
 */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/**
 * Elementwise `|x|` (torch.abs; also the method `x.abs()`).
 *
 * Shape: output shaped like `x`, with its dtype (float or int32).
 *
 * @example
 * ```ts
 * import { abs, tensor } from '@nn/tensor';
 *
 * abs(tensor([-1, 2])); // [1, 2]
 * ```
 */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/**
 * Elementwise the sign of x: −1, 0 or 1 (torch.sign; also the method `x.sign()`).
 *
 * Shape: output shaped like `x`, with its dtype (float or int32).
 *
 * @example
 * ```ts
 * import { sign, tensor } from '@nn/tensor';
 *
 * sign(tensor([-3, 0, 2])); // [-1, 0, 1]
 * ```
 */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/**
 * Elementwise `eˣ` (torch.exp; also the method `x.exp()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { exp, tensor } from '@nn/tensor';
 *
 * exp(tensor([0, 1])); // [1, 2.7183]
 * ```
 */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/**
 * Elementwise `eˣ − 1`, accurate for small x (torch.expm1; also the method `x.expm1()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { expm1, tensor } from '@nn/tensor';
 *
 * expm1(tensor([0, 1e-8])); // [0, 1e-8]
 * ```
 */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
/**
 * Elementwise the natural logarithm (−∞ at 0, NaN below) (torch.log; also the method `x.log()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { log, tensor } from '@nn/tensor';
 *
 * log(tensor([1, Math.E])); // [0, 1]
 * ```
 */
export const log = (x: Tensor): Tensor => unary('log', x);
/**
 * Elementwise `log(1 + x)`, accurate for small x (torch.log1p; also the method `x.log1p()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { log1p, tensor } from '@nn/tensor';
 *
 * log1p(tensor([0, 1e-8])); // [0, 1e-8]
 * ```
 */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/**
 * Elementwise `√x` (torch.sqrt; also the method `x.sqrt()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { sqrt, tensor } from '@nn/tensor';
 *
 * sqrt(tensor([4, 9])); // [2, 3]
 * ```
 */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/**
 * Elementwise `1 / √x` (torch.rsqrt; also the method `x.rsqrt()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { rsqrt, tensor } from '@nn/tensor';
 *
 * rsqrt(tensor([4, 16])); // [0.5, 0.25]
 * ```
 */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/**
 * Elementwise `1 / x` (torch.reciprocal; also the method `x.reciprocal()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { reciprocal, tensor } from '@nn/tensor';
 *
 * reciprocal(tensor([2, 4])); // [0.5, 0.25]
 * ```
 */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/**
 * Elementwise the sine (radians) (torch.sin; also the method `x.sin()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { sin, tensor } from '@nn/tensor';
 *
 * sin(tensor([0, Math.PI / 2])); // [0, 1]
 * ```
 */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/**
 * Elementwise the cosine (radians) (torch.cos; also the method `x.cos()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { cos, tensor } from '@nn/tensor';
 *
 * cos(tensor([0, Math.PI])); // [1, -1]
 * ```
 */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/**
 * Elementwise the hyperbolic tangent (torch.tanh; also the method `x.tanh()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { tanh, tensor } from '@nn/tensor';
 *
 * tanh(tensor([0, 1])); // [0, 0.7616]
 * ```
 */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/**
 * Elementwise the logistic sigmoid `1 / (1 + e⁻ˣ)` (torch.sigmoid; also the method `x.sigmoid()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { sigmoid, tensor } from '@nn/tensor';
 *
 * sigmoid(tensor([0, 2])); // [0.5, 0.8808]
 * ```
 */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/**
 * Elementwise `max(0, x)` (torch.relu; also the method `x.relu()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { relu, tensor } from '@nn/tensor';
 *
 * relu(tensor([-1, 2])); // [0, 2]
 * ```
 */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/**
 * Elementwise the error function (torch.erf; also the method `x.erf()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { erf, tensor } from '@nn/tensor';
 *
 * erf(tensor([0, 1])); // [0, 0.8427]
 * ```
 */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/**
 * Elementwise the largest integer ≤ x (torch.floor; also the method `x.floor()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { floor, tensor } from '@nn/tensor';
 *
 * floor(tensor([1.5, -1.5])); // [1, -2]
 * ```
 */
export const floor = (x: Tensor): Tensor => unary('floor', x);
/**
 * Elementwise the smallest integer ≥ x (torch.ceil; also the method `x.ceil()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { ceil, tensor } from '@nn/tensor';
 *
 * ceil(tensor([1.5, -1.5])); // [2, -1]
 * ```
 */
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/**
 * Elementwise x rounded to the nearest integer, halves to even (as torch.round) (torch.round; also the method `x.round()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { round, tensor } from '@nn/tensor';
 *
 * round(tensor([0.5, 1.5, 2.4])); // [0, 2, 2]
 * ```
 */
export const round = (x: Tensor): Tensor => unary('round', x);
/**
 * Elementwise `x²` (torch.square; also the method `x.square()`).
 *
 * Shape: output shaped like `x`; float dtypes keep theirs, int32 and bool compute in float32.
 *
 * @example
 * ```ts
 * import { square, tensor } from '@nn/tensor';
 *
 * square(tensor([2, -3])); // [4, 9]
 * ```
 */
export const square = (x: Tensor): Tensor => mul(x, x);

/** where(cond, a, b): a where cond is true, else b; all three broadcast together. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const be = backendOf('where', cond);
  if (cond.dtype !== 'bool') throw new DTypeError(`where: condition must be bool, got ${cond.dtype} (compare first, e.g. x.gt(0))`);
  let [ta, tb, temps] = coerceOperands('where', a, b, be);
  backendOf('where', cond, ta, tb);
  const dtype = resultType(ta.dtype, tb.dtype);
  if (ta.dtype !== dtype) temps.push((ta = cast(ta, dtype)));
  if (tb.dtype !== dtype) temps.push((tb = cast(tb, dtype)));
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const out = empty(be, shape, dtype, 'where');
  be.where(broadcastView(cond, shape), broadcastView(ta, shape), broadcastView(tb, shape), out);
  if (needsRecord(cond, ta, tb)) record('where', [cond, ta, tb], NO_PARAMS, out);
  disposeAll(temps);
  return out;
}

/** Converts to another dtype (float -> int truncates toward zero, x -> bool is x != 0). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const be = backendOf('cast', x);
  const out = empty(be, x.shape, dtype, 'cast');
  if (x.dtype === dtype) be.copy(x, out);
  else be.cast(x, out);
  if (isFloat(dtype) && isFloat(x.dtype) && needsRecord(x)) record('cast', [x], { dtype }, out);
  return out;
}

// --- activations composed from primitives ----------------------------------------------------

/**
 * Elementwise `max(0, x) + negativeSlope · min(0, x)` (torch.nn.functional.leaky_relu).
 *
 * @example
 * ```ts
 * import { leakyRelu, tensor } from '@nn/tensor';
 *
 * leakyRelu(tensor([-2, 3]), 0.1); // [-0.2, 3]
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkNumber('leakyRelu', 'negativeSlope', negativeSlope);
  const pos = gt(x, 0);
  const scaled = mul(x, negativeSlope);
  const y = where(pos, x, scaled);
  disposeAll([pos, scaled]);
  return y;
}

/** Elementwise ELU: `x` for x > 0, `alpha · (eˣ − 1)` otherwise (torch.nn.functional.elu). */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkNumber('elu', 'alpha', alpha);
  // expm1 of min(x, 0): the unselected branch stays finite, so its gradient is 0, not NaN.
  const pos = gt(x, 0);
  const negPart = minimum(x, 0);
  const em1 = expm1(negPart);
  const scaled = mul(em1, alpha);
  const y = where(pos, x, scaled);
  disposeAll([pos, negPart, em1, scaled]);
  return y;
}

/** GELU: exact (erf) by default, or PyTorch's tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueRangeError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  }
  const temps: Tensor[] = [];
  const t = (v: Tensor): Tensor => {
    temps.push(v);
    return v;
  };
  let inner: Tensor;
  if (approximate === 'none') inner = t(erf(t(mul(x, Math.SQRT1_2))));
  else {
    const cube = t(mul(t(mul(x, x)), x));
    inner = t(tanh(t(mul(t(add(x, t(mul(cube, 0.044715)))), Math.sqrt(2 / Math.PI)))));
  }
  const y = mul(t(mul(x, 0.5)), t(add(inner, 1)));
  disposeAll(temps);
  return y;
}

/** softplus(x) = log(1 + exp(beta x)) / beta, linear above threshold (as PyTorch). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkNumber('softplus', 'beta', beta);
  checkNumber('softplus', 'threshold', threshold);
  const temps: Tensor[] = [];
  const t = (v: Tensor): Tensor => {
    temps.push(v);
    return v;
  };
  const bx = beta === 1 ? x : t(mul(x, beta));
  // Stable: max(bx, 0) + log1p(exp(-|bx|))
  const tail = t(log1p(t(exp(t(neg(t(abs(bx))))))));
  const soft = t(add(t(relu(bx)), tail));
  const scaled = beta === 1 ? soft : t(div(soft, beta));
  const y = where(t(gt(bx, threshold)), x, scaled);
  disposeAll(temps);
  return y;
}

/** Elementwise SiLU (swish): `x · sigmoid(x)` (torch.nn.functional.silu). */
export function silu(x: Tensor): Tensor {
  const s = sigmoid(x);
  const y = mul(x, s);
  s.dispose();
  return y;
}

/**
 * Clamps every element into `[min, max]` (either bound may be null or omitted); the gradient passes at the bounds, as PyTorch (torch.clamp).
 *
 * @example
 * ```ts
 * import { clamp, tensor } from '@nn/tensor';
 *
 * clamp(tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 * ```
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new ValueRangeError('clamp: give at least one of min and max');
  if (hasMin) checkNumber('clamp', 'min', min);
  if (hasMax) checkNumber('clamp', 'max', max);
  // PyTorch's semantics: min applied first (so min > max gives max), NaN kept, and the
  // gradient passes where min <= x <= max (boundaries included).
  let y = x;
  const temps: Tensor[] = [];
  if (hasMin) {
    const below = lt(x, min);
    temps.push(below);
    y = where(below, min, y);
  }
  if (hasMax) {
    const above = gt(y, max);
    temps.push(above);
    if (y !== x) temps.push(y);
    y = where(above, max, y);
  }
  disposeAll(temps);
  return y;
}

function checkNumber(op: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ValueRangeError(`${op}: ${name} must be a number, got ${String(v)}`);
}

export function scalarLike(x: Tensor, v: Scalar): Tensor {
  return scalarTensor(x.storage.backend, v, x.dtype);
}
