/** Elementwise ops: the unary and binary primitives, where, cast, and activations composed from them. */
import type { ArithOp, BinaryOp, CompareOp, UnaryOp } from '../backend/contract.js';
import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ValueRangeError } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  type Scalar,
  type TensorLike,
  backendOf,
  coerceOperands,
  disposeAll,
  empty,
  needsRecord,
  rawView,
  record,
  resultType,
  scalarTensor,
} from './core.js';
import type { View } from '../backend/contract.js';

/** Ops that also accept int32 (and keep it); every other unary op computes in floating point. */
const INT_UNARY = new Set<UnaryOp>(['neg', 'abs', 'sign']);

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
  if (needsRecord(x)) record(op, [x], {}, out);
  return out;
}

/** Broadcast views of a and b to `shape` (stride 0 on broadcast dims). */
export function broadcastView(x: View, shape: readonly number[]): View {
  if (shapesEqual(x.shape, shape)) return x;
  const n = shape.length;
  const strides = new Array<number>(n);
  const off = n - x.shape.length;
  for (let i = 0; i < n; i++) {
    const d = i - off;
    strides[i] = d < 0 || x.shape[d] === 1 ? 0 : x.strides[d];
  }
  return rawView(x, shape, strides);
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  let [ta, tb, temps] = coerceOperands(op, a, b);
  const be = ta.storage.backend;
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const compare = (COMPARE as readonly string[]).includes(op);
  let dtype = resultType(ta.dtype, tb.dtype);
  if (!compare) {
    if (dtype === 'bool') dtype = 'int32';
    if (op === 'div' && !isFloat(dtype)) dtype = 'float32';
  }
  if (ta.dtype !== dtype) temps.push((ta = cast(ta, dtype)));
  if (tb.dtype !== dtype) temps.push((tb = cast(tb, dtype)));
  const out = empty(be, shape, compare ? 'bool' : dtype, op);
  be.binary(op, broadcastView(ta, shape), broadcastView(tb, shape), out);
  if (!compare && needsRecord(ta, tb)) record(op as ArithOp, [ta, tb], {}, out);
  if (temps.length > 0) disposeAll(temps);
  return out;
}
const COMPARE: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
export const round = (x: Tensor): Tensor => unary('round', x);
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
  if (needsRecord(cond, ta, tb)) record('where', [cond, ta, tb], {}, out);
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

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkNumber('leakyRelu', 'negativeSlope', negativeSlope);
  const pos = gt(x, 0);
  const scaled = mul(x, negativeSlope);
  const y = where(pos, x, scaled);
  disposeAll([pos, scaled]);
  return y;
}

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

export function silu(x: Tensor): Tensor {
  const s = sigmoid(x);
  const y = mul(x, s);
  s.dispose();
  return y;
}

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
