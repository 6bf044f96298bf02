/**
 * The differentiable ops the dispatcher records. @nn/autograd keeps one VJP and one JVP rule per
 * entry, in tables typed `{ [K in DiffOp]: Rule<K> }`, so an op without a rule does not compile.
 */
import type { ArithOp, UnaryOp } from '../backend/contract.js';
import type { DType } from '../dtype.js';

export interface ReduceParams {
  /** Sorted, unique, non-negative axes. */
  axes: number[];
  keepdim: boolean;
}

export interface OpParams {
  where: Record<string, never>;
  sum: ReduceParams;
  /** Reductions to the maximum/minimum value: the gradient is shared evenly among ties. */
  amax: ReduceParams;
  amin: ReduceParams;
  prod: ReduceParams;
  /** Matrix product of [..., M, K] and [..., K, N] (both at least 2-D), batch dims broadcast. */
  matmul: Record<string, never>;
  reshape: { shape: number[] };
  permute: { perm: number[] };
  expand: { shape: number[] };
  /** A strided window: output dim d takes input indices starts[d], starts[d] + steps[d], ... */
  slice: { starts: number[]; steps: number[]; shape: number[] };
  /** The inverse of slice: x written into that window of a tensor of `shape` filled with `value`. */
  pad: { starts: number[]; steps: number[]; shape: number[]; value: number };
  concat: { axis: number };
  /** Materializes a view into contiguous memory. */
  copy: Record<string, never>;
  gather: { axis: number };
  scatterAdd: { axis: number };
  cast: { dtype: DType };
}

export type StructuralOp = keyof OpParams;
export type DiffOp = UnaryOp | ArithOp | StructuralOp;
export type ParamsOf<K extends DiffOp> = K extends StructuralOp ? OpParams[K] : Record<string, never>;
