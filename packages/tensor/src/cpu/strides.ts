/**
 * Collapse scratch for the cpu kernels. The general (strided) paths work on a collapsed copy of
 * the iteration space held in module-level scratch arrays, so no kernel allocates per call. The
 * layout helpers themselves are shared with every backend (../layout.ts).
 */
import { ValueRangeError } from '../errors.js';
import { collapse as collapseInto } from '../layout.js';

export { flatStep, sizeOf } from '../layout.js';

/** Maximum rank of the collapsed iteration space (per operand slot in ST). */
export const MAX_RANK = 64;
/** Collapsed shape. */
export const SH = new Int32Array(MAX_RANK);
/** Collapsed strides: operand k's stride of dim d is ST[k * MAX_RANK + d]. Four operands. */
export const ST = new Int32Array(4 * MAX_RANK);
/** Odometer counters for the general paths. */
export const IDX = new Int32Array(MAX_RANK);

/** ST's four operand rows, as views (the shared collapse writes one array per operand). */
const ROWS = [0, 1, 2, 3].map((k) => ST.subarray(k * MAX_RANK, (k + 1) * MAX_RANK));
const OPERANDS: (readonly number[] | null)[] = [null, null, null, null];

/**
 * Writes `shape` with the strides of up to four operands into SH/ST (see `collapse` in
 * ../layout.ts). Returns the collapsed rank (at least 1). Fixed parameters instead of rest
 * arguments keep the call allocation-free.
 */
export function collapse(
  shape: readonly number[],
  nOps: number,
  s0: readonly number[],
  s1: readonly number[] | null,
  s2: readonly number[] | null,
  s3: readonly number[] | null,
): number {
  if (shape.length > MAX_RANK) throw new ValueRangeError(`cpu backend: rank ${shape.length} exceeds ${MAX_RANK}`);
  OPERANDS[0] = s0;
  OPERANDS[1] = s1;
  OPERANDS[2] = s2;
  OPERANDS[3] = s3;
  return collapseInto(shape, nOps, OPERANDS, SH, ROWS);
}
