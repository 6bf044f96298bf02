/**
 * The differentiable ops the dispatcher records. @nn/autograd keeps one VJP and one JVP rule per
 * entry, in tables typed `{ [K in DiffOp]: Rule<K> }`, so an op without a rule does not compile.
 */
import type { ArithOp, FusedActivation, UnaryOp } from '../backend/contract.js';
import type { DType } from '../dtype.js';

/** Activations whose derivative is a function of their output, so a recorded linear needs no pre-activation. */
export type RecordedActivation = Exclude<FusedActivation, 'gelu'>;

/** Parameters of a recorded reduction. */
export interface ReduceParams {
  /** Sorted, unique, non-negative axes. */
  axes: number[];
  /** Whether the reduced axes were kept as size 1. */
  keepdim: boolean;
}

/** Sliding windows over `axes`: window i of axis a starts at i * step, its k-th element is at k * dilation. */
export interface WindowParams {
  /** The windowed axes. */
  axes: number[];
  /** Window size per axis. */
  size: number[];
  /** Stride between windows per axis. */
  step: number[];
  /** Spacing between window elements per axis. */
  dilation: number[];
}

/**
 * The parameters autograd records for each structural (non-elementwise) op, keyed by op: the VJP and JVP rule tables are typed from it.
 */
export interface OpParams {
  /** Elementwise select; no parameters. */
  where: Record<string, never>;
  /** Sum over `axes`. */
  sum: ReduceParams;
  /** Reductions to the maximum/minimum value: the gradient is shared evenly among ties. */
  amax: ReduceParams;
  /** Reduction to the minimum value (gradient shared among ties). */
  amin: ReduceParams;
  /** Product over `axes`. */
  prod: ReduceParams;
  /** Matrix product of [..., M, K] and [..., K, N] (both at least 2-D), batch dims broadcast. */
  matmul: Record<string, never>;
  /** A new shape of the same elements. */
  reshape: {
    /** The new shape. */
    shape: number[];
  };
  /** Dims reordered by `perm`. */
  permute: {
    /** Output dim i is input dim perm[i]. */
    perm: number[];
  };
  /** Size-1 dims broadcast to `shape`. */
  expand: {
    /** The broadcast shape. */
    shape: number[];
  };
  /** A strided window: output dim d takes input indices starts[d], starts[d] + steps[d], ... */
  slice: {
    /** First index per dim. */
    starts: number[];
    /** Step per dim. */
    steps: number[];
    /** Output shape. */
    shape: number[];
  };
  /** The inverse of slice: x written into that window of a tensor of `shape` filled with `value`. */
  pad: {
    /** Where x starts in the output, per dim. */
    starts: number[];
    /** Step per dim. */
    steps: number[];
    /** Output shape. */
    shape: number[];
    /** The fill value. */
    value: number;
  };
  /** A view: each of `axes` becomes its window count and the window dims are appended (im2col without a copy). */
  windows: WindowParams;
  /** The adjoint of windows: every window element summed back into a tensor of `shape` (col2im). */
  foldWindows: WindowParams & {
    /** Output shape. */
    shape: number[];
  };
  /** Inputs joined along `axis`. */
  concat: {
    /** The joined axis. */
    axis: number;
  };
  /** Materializes a view into contiguous memory. */
  copy: Record<string, never>;
  /** Values at int32 indices along `axis`. */
  gather: {
    /** The indexed axis. */
    axis: number;
  };
  /** Updates added at int32 indices along `axis`. */
  scatterAdd: {
    /** The indexed axis. */
    axis: number;
  };
  /**
   * act(x @ w^T + bias) as one op (x [M, K], w [N, K], then bias [N] when it has one), recorded
   * when the backend fuses the forward: the rule writes dW as g^T @ x, already in w's layout.
   */
  linear: {
    /** The activation; its derivative is read from the output (so gelu is not recorded as linear). */
    activation: RecordedActivation;
  };
  /**
   * Cross-entropy of logits [N, C] against int32 class indices [N] as one op (inputs: logits,
   * target, and the per-row log-sum [N] the forward saved for the backward), recorded when the
   * backend fuses the forward.
   */
  crossEntropy: {
    /** Rows whose target equals it contribute nothing. */
    ignoreIndex: number;
    /** How the per-row losses are reduced. */
    reduction: 'mean' | 'sum' | 'none';
  };
  /** Conversion to `dtype`. */
  cast: {
    /** The target dtype. */
    dtype: DType;
  };
}

/** A structural differentiable op (reshape, slice, matmul, ...). */
export type StructuralOp = keyof OpParams;
/** Every differentiable op: the unary and arithmetic elementwise ops plus the structural ones. */
export type DiffOp = UnaryOp | ArithOp | StructuralOp;
/** The recorded parameters of op `K` (none for elementwise ops). */
export type ParamsOf<K extends DiffOp> = K extends StructuralOp ? OpParams[K] : Record<string, never>;
