/** Creating tensors: from data, constants, ranges, random numbers; and reading them back. */
import type { Backend, RandomKind } from '../backend/contract.js';
import { type DataArray, type DType, allocArray, dtypeOfArray, isFloat } from '../dtype.js';
import { BackendError, DTypeError, NNError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { getBackend } from '../registry.js';
import { blocksUsed, fillRandom, permutationFromBits, seedKey } from '../rng.js';
import { checkShapeArg } from '../shape.js';
import { isContiguous, sizeOf } from '../layout.js';
import type { Tensor } from '../tensor.js';
import { empty } from './core.js';
import { add, cast, floor, mul } from './elementwise.js';
import { clone, reshape } from './movement.js';

/** Options every creation function takes. */
export interface CreateOptions {
  /** The dtype (default: float32 for numbers, bool for booleans, int32 for an `Int32Array`). */
  dtype?: DType;
  /** Make a leaf that autograd tracks (default false). */
  requiresGrad?: boolean;
  /** Backend name (default: the current backend). */
  backend?: string;
}

/** A number, a boolean, or (nested) arrays of them; nesting must be regular (no ragged rows). */
export type NestedArray = number | boolean | readonly NestedArray[];

function target(o: CreateOptions | undefined): Backend {
  return getBackend(o?.backend);
}

function finish(t: Tensor, o: CreateOptions | undefined): Tensor {
  if (o?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkDType(op: string, dtype: unknown): void {
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool' && dtype !== 'float64') {
    throw new DTypeError(`${op}: unknown dtype ${String(dtype)} (valid: float32, int32, bool, float64)`);
  }
}

/** A tensor from nested arrays, a scalar, or a typed array (with `shape` for typed arrays). */
export function tensor(data: NestedArray | DataArray, options?: CreateOptions & { shape?: readonly number[] }): Tensor {
  if (options?.dtype !== undefined) checkDType('tensor', options.dtype);
  let flat: DataArray | number[];
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array || data instanceof Float64Array)) {
      throw new DTypeError('tensor: typed arrays must be Float32Array, Int32Array, Uint8Array (bool) or Float64Array');
    }
    flat = data;
    inferred = dtypeOfArray(data);
    shape = [data.length];
  } else {
    shape = [];
    flat = [];
    const kinds = { bool: false, number: false };
    flatten(data, 0, shape, flat, kinds, []);
    // JS numbers make float32 whatever their values (1.0 and 1 are the same number); only booleans
    // alone make bool. int32 comes from an Int32Array or an explicit dtype.
    inferred = kinds.bool && !kinds.number ? 'bool' : 'float32';
  }
  if (options?.shape !== undefined) {
    checkShapeArg('tensor', options.shape);
    if (sizeOf(options.shape) !== flat.length) {
      throw new ShapeError(
        `tensor: shape ${fmtShape(options.shape)} needs ${sizeOf(options.shape)} elements but the data has ${flat.length}`,
      );
    }
    shape = [...options.shape];
  }
  const dtype = options?.dtype ?? inferred;
  const be = target(options);
  const t = empty(be, shape, dtype, 'tensor');
  let arr: DataArray;
  if (ArrayBuffer.isView(flat) && dtypeOfArray(flat) === dtype) arr = flat;
  else {
    arr = allocArray(dtype, flat.length);
    if (dtype === 'bool')
      for (let i = 0; i < flat.length; i++) arr[i] = flat[i] !== 0 ? 1 : 0; // NaN is true
    else for (let i = 0; i < flat.length; i++) arr[i] = flat[i];
  }
  be.write(t.buffer, arr);
  return finish(t, options);
}

function flatten(
  v: NestedArray,
  depth: number,
  shape: number[],
  out: number[],
  kinds: { bool: boolean; number: boolean },
  path: number[],
): void {
  if (Array.isArray(v)) {
    if (depth === shape.length) {
      if (out.length > 0)
        throw new ShapeError(`tensor: ragged nested array: element at [${path.join(',')}] is an array where a number was expected`);
      shape.push(v.length);
    } else if (shape[depth] !== v.length) {
      throw new ShapeError(`tensor: ragged nested array: element at [${path.join(',')}] has length ${v.length}, expected ${shape[depth]}`);
    }
    for (let i = 0; i < v.length; i++) flatten(v[i], depth + 1, shape, out, kinds, [...path, i]);
    return;
  }
  if (depth !== shape.length)
    throw new ShapeError(
      `tensor: ragged nested array: element at [${path.join(',')}] is a number where an array of length ${shape[depth]} was expected`,
    );
  if (typeof v === 'boolean') {
    kinds.bool = true;
    out.push(v ? 1 : 0);
  } else if (typeof v === 'number') {
    kinds.number = true;
    out.push(v);
  } else {
    throw new DTypeError(
      `tensor: element at [${path.join(',')}] is ${v === null ? 'null' : typeof v}; only numbers and booleans are allowed`,
    );
  }
}

/**
 * A tensor of `shape` filled with `value` (torch.full); a number gives float32, a boolean bool.
 *
 * @example
 * ```ts
 * import { full } from '@nn/tensor';
 *
 * full([2, 3], 7); // [[7, 7, 7], [7, 7, 7]]
 * ```
 */
export function full(shape: readonly number[], value: number | boolean, options?: CreateOptions): Tensor {
  checkShapeArg('full', shape);
  if (options?.dtype !== undefined) checkDType('full', options.dtype);
  const dtype = options?.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const be = target(options);
  const t = empty(be, shape, dtype, 'full');
  be.fill(t, typeof value === 'boolean' ? Number(value) : value);
  return finish(t, options);
}

/**
 * A tensor of `shape` filled with zeros (float32 unless `options.dtype`) (torch.zeros).
 *
 * @example
 * ```ts
 * import { zeros } from '@nn/tensor';
 *
 * zeros([2, 3]);                    // float32 [2, 3]
 * zeros([4], { dtype: 'int32' });   // int32 [4]
 * ```
 */
export const zeros = (shape: readonly number[], options?: CreateOptions): Tensor => full(shape, 0, options);
/** A tensor of `shape` filled with ones (float32 unless `options.dtype`) (torch.ones). */
export const ones = (shape: readonly number[], options?: CreateOptions): Tensor => full(shape, 1, options);
/** Zeros with `x`'s shape, dtype and backend (unless `options` say otherwise) (torch.zeros_like). */
export const zerosLike = (x: Tensor, options?: CreateOptions): Tensor =>
  full(x.shape, 0, { dtype: x.dtype, backend: x.backend.name, ...options });
/** Ones with `x`'s shape, dtype and backend (unless `options` say otherwise) (torch.ones_like). */
export const onesLike = (x: Tensor, options?: CreateOptions): Tensor =>
  full(x.shape, 1, { dtype: x.dtype, backend: x.backend.name, ...options });
/** `value` everywhere, with `x`'s shape, dtype and backend (torch.full_like). */
export const fullLike = (x: Tensor, value: number, options?: CreateOptions): Tensor =>
  full(x.shape, value, { dtype: x.dtype, backend: x.backend.name, ...options });

/**
 * arange(end) or arange(start, end, step): float32 unless `dtype` says otherwise (a dtype never
 * depends on the values; pass `{ dtype: 'int32' }` for indices).
 */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  for (const [k, v] of [
    ['start', start],
    ['end', end],
    ['step', step],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueRangeError(`arange: ${k} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new ValueRangeError('arange: step must be non-zero');
  if ((end - start) * step < 0) throw new ValueRangeError(`arange: step ${step} moves away from end (start ${start}, end ${end})`);
  const n = Math.max(Math.ceil((end - start) / step), 0);
  const dtype = options?.dtype ?? 'float32';
  const be = target(options);
  const t = empty(be, [n], dtype, 'arange');
  be.iota(t, start, step);
  return finish(t, options);
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (torch.linspace).
 *
 * @example
 * ```ts
 * import { linspace } from '@nn/tensor';
 *
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueRangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const be = target(options);
  const t = empty(be, [steps], options?.dtype ?? 'float32', 'linspace');
  be.iota(t, start, step);
  return finish(t, options);
}

/**
 * The `n × m` identity matrix (ones on the diagonal) (torch.eye).
 *
 * @example
 * ```ts
 * import { eye } from '@nn/tensor';
 *
 * eye(3);                        // float32 [3, 3]
 * eye(2, 2, { dtype: 'int32' }); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m = n, options?: CreateOptions): Tensor {
  for (const v of [n, m])
    if (!Number.isInteger(v) || v < 0) throw new ValueRangeError(`eye: sizes must be non-negative integers, got ${n}, ${m}`);
  const arr = allocArray(options?.dtype ?? 'float32', n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return tensor(arr, { ...options, shape: [n, m] });
}

// --- random --------------------------------------------------------------------------------

/** The global generator: a Philox key and the next unused block counter. */
const rng = { key: [0x2545f491, 0x4f6cdd1d] as [number, number], counter: 0 };

/** Makes every later random op reproducible, on every backend. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ValueRangeError(`manualSeed: seed must be a non-negative safe integer, got ${seed}`);
  rng.key = seedKey(seed);
  rng.counter = 0;
}

/** Generator state, to save and restore (e.g. in checkpoints). */
export function getRngState(): {
  /** The Philox key (from the seed). */
  key: [number, number];
  /** The next block's counter. */
  counter: number;
} {
  return { key: [...rng.key], counter: rng.counter };
}
/** Restores the global generator to a state from {@link getRngState}: the draws that follow repeat. */
export function setRngState(s: { key: readonly [number, number]; counter: number }): void {
  rng.key = [s.key[0] >>> 0, s.key[1] >>> 0];
  rng.counter = s.counter;
}

function randomTensor(op: string, kind: RandomKind, shape: readonly number[], dtype: DType, options?: CreateOptions): Tensor {
  checkShapeArg(op, shape);
  const be = target(options);
  const t = empty(be, shape, dtype, op);
  be.random(kind, rng.key, rng.counter, t);
  rng.counter += blocksUsed(kind, t.size);
  return t;
}

/** Uniform on [0, 1). */
export function rand(shape: readonly number[], options?: CreateOptions): Tensor {
  const dtype = options?.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new DTypeError(`rand: dtype must be floating point, got ${dtype}`);
  return finish(randomTensor('rand', 'uniform', shape, dtype, options), options);
}

/** Standard normal. */
export function randn(shape: readonly number[], options?: CreateOptions): Tensor {
  const dtype = options?.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new DTypeError(`randn: dtype must be floating point, got ${dtype}`);
  return finish(randomTensor('randn', 'normal', shape, dtype, options), options);
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: readonly number[], options?: CreateOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueRangeError(`randint: needs integers low < high, got low=${low}, high=${high}`);
  }
  if (high - low > 2 ** 24) throw new ValueRangeError(`randint: range ${high - low} exceeds 2^24 (float32 uniform resolution)`);
  const u = randomTensor('randint', 'uniform', shape, 'float32', options);
  const scaled = mul(u, high - low);
  const fl = floor(scaled);
  const shifted = add(fl, low);
  const r = cast(shifted, options?.dtype ?? 'int32');
  for (const t of [u, scaled, fl, shifted]) t.dispose();
  return r;
}

/** A random permutation of 0..n-1 (int32), from the seeded generator. */
export function randperm(n: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueRangeError(`randperm: n must be a non-negative integer, got ${n}`);
  // The shuffle runs on the host (Fisher-Yates over the Philox stream), so it needs no readback and
  // gives the same permutation on every backend.
  const bits = new Int32Array(n);
  fillRandom('bits', rng.key, rng.counter, bits);
  rng.counter += blocksUsed('bits', n);
  return tensor(permutationFromBits(bits), options);
}

// --- reading -------------------------------------------------------------------------------

function dense(t: Tensor): Tensor {
  t._check('data');
  return t.offset === 0 && t.size === t.storage.size && isContiguous(t.shape, t.strides) ? t : clone(t);
}

export async function readData(t: Tensor): Promise<DataArray> {
  const d = dense(t);
  try {
    return await d.backend.read(d.buffer, d.dtype, d.size);
  } finally {
    if (d !== t) d.dispose();
  }
}

function readSyncOrThrow(op: string, t: Tensor, instead = 'await t.data()'): DataArray {
  const be = t.backend;
  if (be.readSync === undefined) {
    throw new BackendError(`${op}: backend '${be.name}' cannot read synchronously; use \`${instead}\``);
  }
  const d = dense(t);
  try {
    return be.readSync(d.buffer, d.dtype, d.size);
  } finally {
    if (d !== t) d.dispose();
  }
}

export function readDataSync(t: Tensor): DataArray {
  return readSyncOrThrow('dataSync', t);
}

export function toNested(t: Tensor, data: DataArray): unknown {
  const conv = t.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (t.ndim === 0) return conv(data[0]);
  let at = 0;
  const build = (d: number): unknown[] => {
    const n = t.shape[d];
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = d === t.ndim - 1 ? conv(data[at++]) : build(d + 1);
    return out;
  };
  return build(0);
}

export function toBackend(t: Tensor, name: string): Tensor {
  const be = getBackend(name);
  const data = readSyncOrThrow('to', t, `await t.toAsync('${name}')`);
  return copyTo(t, be, data);
}

export async function toBackendAsync(t: Tensor, name: string): Promise<Tensor> {
  const be = getBackend(name);
  return copyTo(t, be, await readData(t));
}

function copyTo(t: Tensor, be: Backend, data: DataArray): Tensor {
  if (!be.dtypes.includes(t.dtype)) throw new DTypeError(`to: backend '${be.name}' does not support ${t.dtype}`);
  const out = empty(be, t.shape, t.dtype, 'to');
  be.write(out.buffer, data);
  if (t.requiresGrad && t.isLeaf) out.requiresGrad_(true);
  return out;
}

/**
 * Moves tensors (and their .grad) to a backend in place, keeping each tensor's identity, so
 * optimizers and modules holding them keep working (PyTorch's `module.to(device)`). All data is
 * read and copied before any tensor changes: an error leaves every tensor where it was.
 * `asyncForm` names the async call to suggest when a source cannot be read synchronously.
 */
export function moveInPlace(op: string, tensors: readonly Tensor[], name: string, asyncForm: string): void {
  const be = getBackend(name);
  const todo = movable(op, tensors, be);
  for (const t of todo) {
    if (t.backend.readSync === undefined) {
      throw new BackendError(
        `${op}: a tensor is on backend '${t.backend.name}', which cannot be read synchronously; use \`await ${asyncForm}('${name}')\``,
      );
    }
  }
  swapIn(
    todo,
    todo.map((t) => readSyncOrThrow(op, t)),
    be,
  );
}

/** moveInPlace for any source backend: reads asynchronously. */
export async function moveInPlaceAsync(op: string, tensors: readonly Tensor[], name: string): Promise<void> {
  const be = getBackend(name);
  const todo = movable(op, tensors, be);
  swapIn(todo, await Promise.all(todo.map((t) => readData(t))), be);
}

function movable(op: string, tensors: readonly Tensor[], be: Backend): Tensor[] {
  const all = new Set<Tensor>();
  for (const t of tensors) for (const u of t.grad === null ? [t] : [t, t.grad]) all.add(u);
  const todo = [...all].filter((t) => t.backend !== be);
  for (const t of todo) {
    t._check(op);
    if (t.offset !== 0 || t.size !== t.storage.size || !isContiguous(t.shape, t.strides)) {
      throw new NNError(
        `${op}: tensor #${t.id} (shape ${fmtShape(t.shape)}) is a view into a larger storage; move the tensor it views instead`,
      );
    }
    if (!be.dtypes.includes(t.dtype)) throw new DTypeError(`${op}: backend '${be.name}' does not support ${t.dtype} (tensor #${t.id})`);
  }
  return todo;
}

function swapIn(todo: Tensor[], data: DataArray[], be: Backend): void {
  const copies: Tensor[] = [];
  try {
    for (let i = 0; i < todo.length; i++) {
      const c = empty(be, todo[i].shape, todo[i].dtype, 'to');
      copies.push(c);
      be.write(c.buffer, data[i]);
    }
  } catch (e) {
    for (const c of copies) c.dispose();
    throw e;
  }
  todo.forEach((t, i) => {
    t._adopt(copies[i]);
    copies[i].dispose();
  });
}

export { NNError, reshape };
