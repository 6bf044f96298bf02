/** Element types. `float64` exists for gradient checking on backends that support it (cpu). */
export type DType = 'float32' | 'int32' | 'bool' | 'float64';

/**
 * The typed array holding a tensor's elements: Float32Array (float32), Int32Array (int32), Uint8Array (bool, 0/1), Float64Array (float64).
 */
export type DataArray = Float32Array | Int32Array | Uint8Array | Float64Array;

export type ArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : D extends 'bool'
      ? Uint8Array
      : Float64Array;

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool', 'float64'];

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : dtype === 'float64' ? 8 : 4;
}

export function allocArray(dtype: DType, size: number): DataArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    case 'float64':
      return new Float64Array(size);
  }
}

/** The dtype a typed array holds (Uint8Array is read as bool). */
export function dtypeOfArray(a: DataArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float64Array) return 'float64';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion for two tensor operands: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}
