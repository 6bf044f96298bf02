/** Dispatch helpers shared by every op: allocation, views, validation, recording. */
import type { Backend, View } from '../backend/contract.js';
import type { DType } from '../dtype.js';
import { bytesPerElement, promoteTypes } from '../dtype.js';
import { BackendError, DTypeError, NNError, fmtShape } from '../errors.js';
import { autograd } from '../hooks.js';
import { Storage } from '../memory.js';
import { getBackend } from '../registry.js';
import { contiguousStrides, sizeOf } from '../layout.js';
import type { Tensor } from '../tensor.js';
import type { DiffOp, ParamsOf } from './op-types.js';

/**
 * The Tensor class, registered by tensor.ts as it loads. tensor.ts imports the ops (its methods call
 * them), so the ops must not import it back: they create and recognise tensors through this.
 */
let TensorClass: typeof Tensor | null = null;

/** Called once by tensor.ts. */
export function registerTensorClass(cls: typeof Tensor): void {
  TensorClass = cls;
}

/** A tensor object over `storage` (the Tensor constructor, for modules that cannot import it). */
export function newTensor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType): Tensor {
  return new (TensorClass as typeof Tensor)(storage, shape, strides, offset, dtype);
}

/** Whether `v` is a Tensor (false until tensor.ts has loaded, when none can exist yet). */
export function isTensorValue(v: unknown): v is Tensor {
  return TensorClass !== null && v instanceof TensorClass;
}

/** A JS value usable as an operand: it takes the tensor operand's dtype. */
export type Scalar = number | boolean;
/** A tensor or a JS scalar, as binary ops accept. */
export type TensorLike = Tensor | Scalar;

/** A fresh contiguous tensor (uninitialized) on a backend; `op` names the caller in errors. */
export function empty(backend: Backend, shape: readonly number[], dtype: DType, op = 'alloc'): Tensor {
  // Every op's output comes through here: the hot path allocates nothing but the tensor (no
  // closures; error texts are built only when thrown).
  const size = sizeOf(shape);
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(`${op}: backend '${backend.name}' does not support dtype ${dtype} (supported: ${backend.dtypes.join(', ')})`);
  }
  const bytes = size * bytesPerElement(dtype);
  const limit = backend.maxBufferBytes;
  if (limit !== undefined && bytes > limit) {
    throw new BackendError(
      `${op}: ${allocText(shape, dtype, bytes)}; backend '${backend.name}' allocates at most ${limit.toLocaleString('en-US')} bytes per buffer`,
    );
  }
  let buffer: unknown;
  try {
    buffer = backend.alloc(size, dtype);
  } catch (e) {
    if (e instanceof NNError) throw e;
    // The engine refused (out of memory): say what was asked for, not just V8's RangeError.
    throw new BackendError(
      `${op}: ${allocText(shape, dtype, bytes)}; backend '${backend.name}' could not allocate it (${(e as Error).message})`,
    );
  }
  return newTensor(new Storage(backend, buffer, dtype, size), shape, rowMajorStrides(shape), 0, dtype);
}

/** Matrices up to this many columns (and every scalar and vector) share their strides array. */
const SHARED_STRIDES_MAX_COLS = 4096;
/** Slot 0: `[]`, slot 1: `[1]`, slot 2 + n: `[n, 1]`. */
const sharedStrides = new Array<readonly number[] | undefined>(SHARED_STRIDES_MAX_COLS + 3);

/**
 * Row-major strides for a new tensor: one shared array for the shapes of rank 0 to 2 (tensors
 * never write their strides), so most ops of a small model make no strides array of their own.
 */
function rowMajorStrides(shape: readonly number[]): readonly number[] {
  const r = shape.length;
  const cols = r === 2 ? shape[1] : 0;
  const slot = r === 0 ? 0 : r === 1 ? 1 : r === 2 && cols >= 0 && cols <= SHARED_STRIDES_MAX_COLS ? 2 + cols : -1;
  if (slot < 0) return contiguousStrides(shape);
  let strides = sharedStrides[slot];
  if (strides === undefined) {
    strides = contiguousStrides(shape);
    sharedStrides[slot] = strides;
  }
  return strides;
}

function allocText(shape: readonly number[], dtype: DType, bytes: number): string {
  return `shape ${fmtShape(shape)} of ${dtype} needs ${bytes.toLocaleString('en-US')} bytes`;
}

/** A view over x's storage with another shape/strides/offset (no copy). */
export function makeView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  x.storage.retain();
  return newTensor(x.storage, shape, strides, offset, x.dtype);
}

/** A plain View object (no Tensor, no tracking) for kernel arguments such as broadcast inputs. */
export function rawView(x: View, shape: readonly number[], strides: readonly number[], offset = x.offset): View {
  return { buffer: x.buffer, dtype: x.dtype, shape, strides, offset };
}

/** Checks inputs are alive and on one backend; returns that backend. */
export function backendOf(op: string, a: Tensor, b?: Tensor, c?: Tensor): Backend {
  a._check(op);
  const be = a.storage.backend;
  if (b !== undefined) sameBackend(op, be, b);
  if (c !== undefined) sameBackend(op, be, c);
  return be;
}

function sameBackend(op: string, be: Backend, t: Tensor): void {
  t._check(op);
  if (t.storage.backend !== be) {
    throw new BackendError(
      `${op}: tensors are on different backends ('${be.name}' and '${t.storage.backend.name}'); move one with .to('${be.name}')`,
    );
  }
}

/** Whether the dispatcher must tell autograd about an op on these inputs. */
export function needsRecord(a: Tensor, b?: Tensor, c?: Tensor): boolean {
  if (autograd.hooks === null) return false;
  if (autograd.gradEnabled && (a.requiresGrad || b?.requiresGrad || c?.requiresGrad)) return true;
  return (
    autograd.forwardLevels > 0 &&
    (a._tangent !== null || (b !== undefined && b._tangent !== null) || (c !== undefined && c._tangent !== null))
  );
}

/** The params of every op that has none: one shared object, not a fresh `{}` per recorded op. */
export const NO_PARAMS: Record<string, never> = Object.freeze({});

export function record<K extends DiffOp>(op: K, inputs: readonly Tensor[], params: ParamsOf<K>, output: Tensor): void {
  autograd.hooks!.record(op, inputs, params, output);
}

/** The dtype a JS scalar takes next to a tensor of dtype `like` (PyTorch's rule). */
export function scalarDType(v: Scalar, like: DType): DType {
  if (typeof v === 'boolean') return like;
  if (like === 'bool') return Number.isInteger(v) ? 'int32' : 'float32';
  if (like === 'int32' && !Number.isInteger(v)) return 'float32';
  return like;
}

/** A 0-d tensor holding v on a backend. */
export function scalarTensor(backend: Backend, v: Scalar, dtype: DType): Tensor {
  const t = empty(backend, [], dtype);
  backend.fill(t, typeof v === 'boolean' ? (v ? 1 : 0) : v);
  return t;
}

/** Turns the operands of a binary op into tensors of one dtype on one backend. */
/** `on` is the backend for two scalar operands (e.g. where's condition's); default: the current one. */
export function coerceOperands(op: string, a: TensorLike, b: TensorLike, on?: Backend): [Tensor, Tensor, Tensor[]] {
  const temps: Tensor[] = [];
  let ta: Tensor;
  let tb: Tensor;
  if (isTensorValue(a) && isTensorValue(b)) {
    backendOf(op, a, b);
    ta = a;
    tb = b;
  } else if (isTensorValue(a)) {
    backendOf(op, a);
    checkScalar(op, b);
    tb = scalarTensor(a.storage.backend, b as Scalar, scalarDType(b as Scalar, a.dtype));
    temps.push(tb);
    ta = a;
  } else if (isTensorValue(b)) {
    backendOf(op, b);
    checkScalar(op, a);
    ta = scalarTensor(b.storage.backend, a, scalarDType(a, b.dtype));
    temps.push(ta);
    tb = b;
  } else {
    checkScalar(op, a);
    checkScalar(op, b);
    const be = on ?? getBackend();
    ta = scalarTensor(be, a, typeof a === 'boolean' ? 'bool' : Number.isInteger(a) ? 'int32' : 'float32');
    tb = scalarTensor(be, b, scalarDType(b, ta.dtype));
    temps.push(ta, tb);
  }
  return [ta, tb, temps];
}

function checkScalar(op: string, v: unknown): void {
  if (typeof v !== 'number' && typeof v !== 'boolean') {
    throw new NNError(`${op}: expected a Tensor, number or boolean operand, got ${v === null ? 'null' : typeof v}`);
  }
}

export function resultType(a: DType, b: DType): DType {
  return promoteTypes(a, b);
}

export function disposeAll(ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}
