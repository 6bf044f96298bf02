/** default_collate, and helpers that walk the (nested) structure of a batch. */
import { type DType, type DataArray, NNError, ShapeError, type Tensor, isTensor, stack, tensor } from '@nn/tensor';

type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** The batch type `defaultCollate` makes from samples of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends TypedArray
        ? Tensor
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends object
            ? { [K in keyof T]: Collated<T[K]> }
            : never;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

function typedDType(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function collateAt(samples: readonly unknown[], path: string): unknown {
  const first = samples[0];
  const where = path === '' ? '' : ` at ${path}`;
  const mismatch = (i: number): never => {
    throw new NNError(
      `defaultCollate: sample ${i}${where} is ${describe(samples[i])} but sample 0 is ${describe(first)}; samples must have the same structure`,
    );
  };
  if (isTensor(first)) {
    for (let i = 0; i < samples.length; i++) {
      const t = samples[i];
      if (!isTensor(t)) mismatch(i);
      const s = (t as Tensor).shape;
      if (s.length !== first.shape.length || s.some((d, k) => d !== first.shape[k])) {
        throw new ShapeError(
          `defaultCollate: cannot stack samples${where}: sample ${i} has shape ${fmt(s)} but sample 0 has ${fmt(first.shape)} (pad them, or pass a custom collate)`,
        );
      }
    }
    return stack(samples as Tensor[], 0);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    let allInt = true;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i];
      if (typeof v !== typeof first) mismatch(i);
      if (typeof v === 'number' && !(Number.isInteger(v) && Math.abs(v) <= 2147483647)) allInt = false;
    }
    const dtype: DType = typeof first === 'boolean' ? 'bool' : allInt ? 'int32' : 'float32';
    return tensor(samples as number[] | boolean[], { dtype });
  }
  if (typeof first === 'string') {
    for (let i = 0; i < samples.length; i++) if (typeof samples[i] !== 'string') mismatch(i);
    return [...samples];
  }
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) {
    const len = (first as TypedArray).length;
    const dtype = typedDType(first);
    const out = (
      dtype === 'float32'
        ? new Float32Array(samples.length * len)
        : dtype === 'float64'
          ? new Float64Array(samples.length * len)
          : new Int32Array(samples.length * len)
    ) as DataArray;
    for (let i = 0; i < samples.length; i++) {
      const a = samples[i];
      if (!ArrayBuffer.isView(a) || a.constructor !== first.constructor) mismatch(i);
      if ((a as TypedArray).length !== len) {
        throw new ShapeError(
          `defaultCollate: cannot stack samples${where}: sample ${i} has length ${(a as TypedArray).length} but sample 0 has ${len}`,
        );
      }
      out.set(a as TypedArray, i * len);
    }
    return tensor(out, { shape: [samples.length, len] });
  }
  if (Array.isArray(first)) {
    const len = first.length;
    for (let i = 0; i < samples.length; i++) {
      const a = samples[i];
      if (!Array.isArray(a)) mismatch(i);
      if ((a as unknown[]).length !== len) {
        throw new NNError(
          `defaultCollate: sample ${i}${where} has ${(a as unknown[]).length} elements but sample 0 has ${len}; each element of a sample must have consistent size`,
        );
      }
    }
    const out: unknown[] = [];
    try {
      for (let k = 0; k < len; k++)
        out.push(
          collateAt(
            samples.map((s) => (s as unknown[])[k]),
            `${path}[${k}]`,
          ),
        );
    } catch (e) {
      disposeBatch(out);
      throw e;
    }
    return out;
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (let i = 0; i < samples.length; i++) {
      const o = samples[i];
      if (!isPlainObject(o)) mismatch(i);
      const ks = Object.keys(o as object);
      if (ks.length !== keys.length || keys.some((k) => !(k in (o as object)))) {
        throw new NNError(`defaultCollate: sample ${i}${where} has keys {${ks.join(', ')}} but sample 0 has {${keys.join(', ')}}`);
      }
    }
    const out: Record<string, unknown> = {};
    try {
      for (const k of keys)
        out[k] = collateAt(
          samples.map((s) => (s as Record<string, unknown>)[k]),
          `${path}.${k}`,
        );
    } catch (e) {
      disposeBatch(out);
      throw e;
    }
    return out;
  }
  throw new NNError(
    `defaultCollate: cannot collate ${describe(first)}${where}; samples must be tensors, numbers, booleans, strings, typed arrays, or arrays / plain objects of those (pass a custom collate)`,
  );
}

/**
 * PyTorch's `default_collate`: stacks tensors into a batch tensor (new dim 0), numbers into a 1-D
 * tensor (int32 if all are integers, else float32; booleans into bool), typed arrays into a
 * [batch, length] tensor, keeps strings as a string[], and recurses into arrays and plain objects
 * (`[x, y]` samples give an `[xs, ys]` batch, `{ image, label }` give `{ image, label }`).
 * The batch is new memory; the samples are left untouched.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (!Array.isArray(samples) || samples.length === 0) throw new NNError('defaultCollate: needs a non-empty array of samples');
  return collateAt(samples, '') as Collated<T>;
}

/** Calls f on every tensor inside a value (tensor, array, plain object, Map). */
export function forEachTensor(value: unknown, f: (t: Tensor) => void): void {
  if (value === null || typeof value !== 'object') return;
  if (isTensor(value)) f(value);
  else if (Array.isArray(value)) for (const v of value) forEachTensor(v, f);
  else if (value instanceof Map) for (const v of value.values()) forEachTensor(v, f);
  else if (isPlainObject(value)) for (const v of Object.values(value)) forEachTensor(v, f);
}

/** A copy of a value's structure with each tensor replaced by f(tensor). */
export function mapTensors<V>(value: V, f: (t: Tensor) => Tensor): V {
  if (value === null || typeof value !== 'object') return value;
  if (isTensor(value)) return f(value) as V;
  if (Array.isArray(value)) return value.map((v) => mapTensors(v, f)) as V;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, mapTensors(v, f)])) as V;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapTensors(v, f);
    return out as V;
  }
  return value;
}

/** Disposes every tensor in a batch (a tensor, or tensors inside arrays, plain objects and Maps). */
export function disposeBatch(batch: unknown): void {
  forEachTensor(batch, (t) => t.dispose());
}
