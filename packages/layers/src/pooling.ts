/** Pooling modules (torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d). */
import * as T from '@nn/tensor';
import { checkKnownOptions, intTuple } from '@nn/tensor/backend';
import { type IntArg, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkBool } from './check.js';
import { Module } from './module.js';

const tuple = (v: readonly (number | null)[]): string => `(${v.map((d) => d ?? 'None').join(', ')})`;
const show = (v: number[]): string => (v[0] === v[1] ? String(v[0]) : tuple(v));

/**
 * 2-D max pooling, as torch.nn.MaxPool2d: the maximum of each window; the gradient goes to the
 * window's first maximum (row-major), as PyTorch's.
 *
 * Args: kernelSize; options stride (default kernelSize), padding (0; implicit -infinity, at most
 * half the kernel), dilation (1), ceilMode (false: round the output size down).
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW] with
 * OH = floor((H + 2 * padding - dilation * (kH - 1) - 1) / stride) + 1 (ceil with ceilMode).
 *
 * Example: `new MaxPool2d(2)` halves H and W.
 */
export class MaxPool2d extends Module {
  /** Window size [kH, kW]. */
  readonly kernelSize: number[];
  /** Step between windows (default: the kernel size). */
  readonly stride: number[];
  /** Implicit −∞ padding on both sides. */
  readonly padding: number[];
  /** Spacing between window elements. */
  readonly dilation: number[];
  /** Round the output size up instead of down. */
  readonly ceilMode: boolean;
  /**
   * @param kernelSize one size or [kH, kW]
   * @param options stride, padding, dilation, ceilMode
   */
  constructor(kernelSize: IntArg, options: T.MaxPoolOptions = {}) {
    super();
    checkKnownOptions('MaxPool2d', options, ['stride', 'padding', 'dilation', 'ceilMode']);
    this.kernelSize = intTuple('MaxPool2d', 'kernelSize', kernelSize, 2, 1);
    this.stride = intTuple('MaxPool2d', 'stride', options.stride ?? this.kernelSize, 2, 1);
    this.padding = intTuple('MaxPool2d', 'padding', options.padding ?? 0, 2, 0);
    this.dilation = intTuple('MaxPool2d', 'dilation', options.dilation ?? 1, 2, 1);
    this.ceilMode = checkBool('MaxPool2d', 'ceilMode', options.ceilMode ?? false);
  }
  /** `x` `[N, C, H, W]` (or `[C, H, W]`) → the maximum of each window. */
  forward(x: Tensor): Tensor {
    return T.maxPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
  override extraRepr(): string {
    const [k, s, p, d] = [this.kernelSize, this.stride, this.padding, this.dilation].map(show);
    return `kernel_size=${k}, stride=${s}, padding=${p}, dilation=${d}, ceil_mode=${this.ceilMode ? 'True' : 'False'}`;
  }
}

/**
 * 2-D average pooling, as torch.nn.AvgPool2d.
 *
 * Args: kernelSize; options stride (default kernelSize), padding (0; implicit zeros, at most half
 * the kernel), ceilMode (false), countIncludePad (true: padded zeros count in the divisor),
 * divisorOverride (divide every sum by this instead).
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW], sizes as MaxPool2d without dilation.
 *
 * Example: `new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })`.
 */
export class AvgPool2d extends Module {
  /** Window size [kH, kW]. */
  readonly kernelSize: number[];
  /** Step between windows (default: the kernel size). */
  readonly stride: number[];
  /** Implicit zero padding on both sides. */
  readonly padding: number[];
  /** Round the output size up instead of down. */
  readonly ceilMode: boolean;
  /** Count padding zeros in the divisor. */
  readonly countIncludePad: boolean;
  /** A fixed divisor instead of the window size. */
  readonly divisorOverride: number | undefined;
  /**
   * @param kernelSize one size or [kH, kW]
   * @param options stride, padding, ceilMode, countIncludePad, divisorOverride
   */
  constructor(kernelSize: IntArg, options: T.AvgPoolOptions = {}) {
    super();
    checkKnownOptions('AvgPool2d', options, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
    this.kernelSize = intTuple('AvgPool2d', 'kernelSize', kernelSize, 2, 1);
    this.stride = intTuple('AvgPool2d', 'stride', options.stride ?? this.kernelSize, 2, 1);
    this.padding = intTuple('AvgPool2d', 'padding', options.padding ?? 0, 2, 0);
    this.ceilMode = checkBool('AvgPool2d', 'ceilMode', options.ceilMode ?? false);
    this.countIncludePad = checkBool('AvgPool2d', 'countIncludePad', options.countIncludePad ?? true);
    const d = options.divisorOverride;
    if (d !== undefined && (!Number.isInteger(d) || d === 0))
      throw new ValueRangeError(`AvgPool2d: divisorOverride must be a non-zero integer, got ${String(d)}`);
    this.divisorOverride = d;
  }
  /** `x` `[N, C, H, W]` (or `[C, H, W]`) → the mean of each window. */
  forward(x: Tensor): Tensor {
    const { stride, padding, ceilMode, countIncludePad, divisorOverride } = this;
    return T.avgPool2d(x, this.kernelSize, {
      stride,
      padding,
      ceilMode,
      countIncludePad,
      ...(divisorOverride !== undefined ? { divisorOverride } : {}),
    });
  }
  override extraRepr(): string {
    const [k, s, p] = [this.kernelSize, this.stride, this.padding].map(show);
    return `kernel_size=${k}, stride=${s}, padding=${p}`;
  }
}

/**
 * 2-D adaptive average pooling, as torch.nn.AdaptiveAvgPool2d: averages windows chosen so the
 * output has `outputSize` ([h, w], one number for both, null keeps that input size).
 *
 * Shape: [N, C, H, W] (or [C, H, W]) -> [N, C, h, w].
 *
 * Example: `new AdaptiveAvgPool2d(1)` is global average pooling ([N, C, 1, 1]).
 */
export class AdaptiveAvgPool2d extends Module {
  /** Target [H_out, W_out] (null keeps that input size). */
  readonly outputSize: (number | null)[];
  /** @param outputSize one size or [H_out, W_out] (null keeps the input's) */
  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    const size = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) ? [...outputSize] : null;
    if (size === null || size.length !== 2 || size.some((s) => s !== null && !(Number.isInteger(s) && s > 0))) {
      throw new ValueRangeError(
        `AdaptiveAvgPool2d: outputSize must be a positive integer or a list of 2 of them (null keeps the input size), got ${JSON.stringify(outputSize)}`,
      );
    }
    this.outputSize = size;
  }
  /** `x` `[N, C, H, W]` → `[N, C, H_out, W_out]`, averaging windows that cover the input. */
  forward(x: Tensor): Tensor {
    return T.adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize[0] === this.outputSize[1] ? String(this.outputSize[0] ?? 'None') : tuple(this.outputSize)}`;
  }
}
