/**
 * Stride helpers shared by the cpu kernels. The general (strided) paths work on a collapsed copy
 * of the iteration space held in module-level scratch arrays, so no kernel allocates per call.
 */

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/**
 * How a flat loop can walk `strides` over `shape`: 1 if they are the row-major strides (size-1
 * dims ignored), 0 if every stride is 0 (a broadcast scalar), -1 if only a strided walk works.
 */
export function flatStep(shape: readonly number[], strides: readonly number[]): number {
  let expected = 1;
  let contiguous = true;
  let zero = true;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const s = strides[d];
    if (s !== expected) contiguous = false;
    if (s !== 0) zero = false;
    expected *= n;
  }
  return contiguous ? 1 : zero ? 0 : -1;
}

/** Maximum rank of the collapsed iteration space (per operand slot in ST). */
export const MAX_RANK = 64;
/** Collapsed shape. */
export const SH = new Int32Array(MAX_RANK);
/** Collapsed strides: operand k's stride of dim d is ST[k * MAX_RANK + d]. Four operands. */
export const ST = new Int32Array(4 * MAX_RANK);
/** Odometer counters for the general paths. */
export const IDX = new Int32Array(MAX_RANK);

/**
 * Writes `shape` with the strides of up to four operands into SH/ST, dropping size-1 dims and
 * merging adjacent dims that every operand walks as one (outer stride = inner stride * inner
 * size). Returns the collapsed rank (at least 1). Fixed parameters instead of rest arguments keep
 * the call allocation-free.
 */
export function collapse(
  shape: readonly number[],
  nOps: number,
  s0: readonly number[],
  s1: readonly number[] | null,
  s2: readonly number[] | null,
  s3: readonly number[] | null,
): number {
  const rank = shape.length;
  if (rank > MAX_RANK) throw new Error(`cpu backend: rank ${rank} exceeds ${MAX_RANK}`);
  let r = 0;
  for (let d = 0; d < rank; d++) {
    const n = shape[d];
    if (n === 1) continue;
    if (r > 0) {
      const p = r - 1;
      let mergeable = ST[p] === s0[d] * n;
      if (mergeable && s1 !== null) mergeable = ST[MAX_RANK + p] === s1[d] * n;
      if (mergeable && s2 !== null) mergeable = ST[2 * MAX_RANK + p] === s2[d] * n;
      if (mergeable && s3 !== null) mergeable = ST[3 * MAX_RANK + p] === s3[d] * n;
      if (mergeable) {
        SH[p] *= n;
        ST[p] = s0[d];
        if (s1 !== null) ST[MAX_RANK + p] = s1[d];
        if (s2 !== null) ST[2 * MAX_RANK + p] = s2[d];
        if (s3 !== null) ST[3 * MAX_RANK + p] = s3[d];
        continue;
      }
    }
    SH[r] = n;
    ST[r] = s0[d];
    if (s1 !== null) ST[MAX_RANK + r] = s1[d];
    if (s2 !== null) ST[2 * MAX_RANK + r] = s2[d];
    if (s3 !== null) ST[3 * MAX_RANK + r] = s3[d];
    r++;
  }
  if (r === 0) {
    SH[0] = 1;
    for (let k = 0; k < nOps; k++) ST[k * MAX_RANK] = 0;
    r = 1;
  }
  return r;
}
