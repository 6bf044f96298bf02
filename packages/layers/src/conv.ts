/** Convolution modules (torch.nn.Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d). */
import * as T from '@nn/tensor';
import { checkKnownOptions, intTuple } from '@nn/tensor/backend';
import { type IntArg, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkPositiveInt } from './check.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module, parameter } from './module.js';

/** How the input is padded: zeros (PyTorch's default) or values taken from the input itself. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** Options of {@link Conv1d} and {@link Conv2d} (PyTorch's, in camelCase). */
export interface ConvModuleOptions {
  /** Step between windows, one value or one per spatial dim (default 1). */
  stride?: IntArg;
  /** Per spatial dim, both sides; 'same' keeps the size (stride 1), 'valid' is none. Default 0. */
  padding?: IntArg | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: IntArg;
  /** Split channels into this many independent groups; must divide both channel counts (default 1). */
  groups?: number;
  /** Learn a per-output-channel bias (default true). */
  bias?: boolean;
  /** How padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
  /** Parameters' dtype (default float32). */
  dtype?: T.DType;
  /** Backend to create the parameters on (default: the current one). */
  backend?: string;
}
const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'backend'] as const;

/** Options of {@link ConvTranspose1d} and {@link ConvTranspose2d}. */
export interface ConvTransposeModuleOptions {
  /** Stride of the convolution this layer is the transpose of (default 1). */
  stride?: IntArg;
  /**
   * Padding of the convolution this layer transposes: `dilation · (kernelSize − 1) − padding` zeros pad each side of the input (default 0).
   */
  padding?: IntArg;
  /** Extra size on one side of the output, to pick among the sizes a strided convolution maps to the same input (default 0). */
  outputPadding?: IntArg;
  /** Independent channel groups (default 1). */
  groups?: number;
  /** Learn a per-output-channel bias (default true). */
  bias?: boolean;
  /** Spacing between kernel elements (default 1). */
  dilation?: IntArg;
  /** Parameters' dtype (default float32). */
  dtype?: T.DType;
  /** Backend to create the parameters on (default: the current one). */
  backend?: string;
}
const CONV_TRANSPOSE_OPTIONS = ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'dtype', 'backend'] as const;

const tuple = (v: readonly number[]): string => `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;
/** Per-dim tuples of one length (kernelSize, stride, ... all have `spatial` entries) zipped into one record per dim. */
function perDim<K extends string>(tuples: Record<K, readonly number[]>): Record<K, number>[] {
  const keys = Object.keys(tuples) as K[];
  const n = Math.min(...keys.map((key) => tuples[key].length));
  return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((key) => [key, tuples[key][i]])) as Record<K, number>);
}

const spatialLayout = (n: number): string => (n === 1 ? '[N, C, L]' : '[N, C, H, W]');

/** What Conv* and ConvTranspose* share: checked hyper-parameters, weight/bias, PyTorch's init and repr. */
abstract class ConvBase extends Module {
  /**
   * The learnable kernels: `[outChannels, inChannels / groups, ...kernelSize]` (transposed: `[inChannels, outChannels / groups, ...kernelSize]`).
   */
  weight: Tensor;
  /** The learnable bias, `[outChannels]`, or null with `bias: false`. */
  bias: Tensor | null;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Number of channel groups. */
  readonly groups: number;

  constructor(
    /** The layer's name in errors ('Conv2d', ...). */
    protected readonly kind: string,
    /** Number of spatial dims (1 or 2). */
    protected readonly spatial: number,
    /** Channels of the input (dim 1). */
    readonly inChannels: number,
    /** Channels of the output (dim 1). */
    readonly outChannels: number,
    kernelSize: IntArg,
    options: ConvModuleOptions | ConvTransposeModuleOptions,
    transposed: boolean,
  ) {
    super();
    checkKnownOptions(kind, options, transposed ? CONV_TRANSPOSE_OPTIONS : CONV_OPTIONS);
    checkPositiveInt(kind, 'inChannels', inChannels);
    checkPositiveInt(kind, 'outChannels', outChannels);
    const groups = options.groups ?? 1;
    checkPositiveInt(kind, 'groups', groups);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ValueRangeError(`${kind}: groups=${groups} must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    }
    this.groups = groups;
    this.kernelSize = intTuple(kind, 'kernelSize', kernelSize, spatial, 1);
    this.stride = intTuple(kind, 'stride', options.stride ?? 1, spatial, 1);
    this.dilation = intTuple(kind, 'dilation', options.dilation ?? 1, spatial, 1);
    // PyTorch's layouts: [out, in/groups, *k] and, transposed, [in, out/groups, *k].
    const shape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    const opts = { dtype: options.dtype ?? 'float32', backend: options.backend } as const;
    this.weight = parameter(T.zeros(shape, opts));
    this.bias = options.bias === false ? null : parameter(T.zeros([outChannels], opts));
    this.resetParameters();
  }

  /** kaiming_uniform(a = sqrt 5) for the weight and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias, as torch. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /** Rank and channel checks, named after this module. */
  protected checkInput(x: Tensor): void {
    const n = this.spatial;
    if (x.ndim !== n + 1 && x.ndim !== n + 2) {
      throw new ShapeError(
        `${this.kind}: expected a ${n + 2}-D ${spatialLayout(n)} or ${n + 1}-D unbatched input, got shape [${x.shape.join(',')}]`,
      );
    }
    checkFeatures(`${this.kind}(${this.inChannels}, ${this.outChannels})`, x, x.ndim - n - 1, this.inChannels, 'channels');
  }

  /** PyTorch's _ConvNd.extra_repr: defaults left out, in its order. */
  protected baseRepr(padding: string, outputPadding: string, paddingMode: string): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`];
    if (padding !== '') parts.push(`padding=${padding}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${tuple(this.dilation)}`);
    if (outputPadding !== '') parts.push(`output_padding=${outputPadding}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=False');
    if (paddingMode !== 'zeros') parts.push(`padding_mode=${paddingMode}`);
    return parts.join(', ');
  }
}

/** Conv1d / Conv2d: cross-correlation over 1 or 2 spatial dims. */
abstract class ConvNd extends ConvBase {
  /** Padding per spatial dim, or 'same' / 'valid'. */
  readonly padding: number[] | 'same' | 'valid';
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;

  constructor(kind: string, spatial: number, inChannels: number, outChannels: number, kernelSize: IntArg, options: ConvModuleOptions) {
    super(kind, spatial, inChannels, outChannels, kernelSize, options, false);
    const { padding = 0, paddingMode = 'zeros' } = options;
    if (padding === 'same' || padding === 'valid') this.padding = padding;
    else if (typeof padding === 'string')
      throw new ValueRangeError(`${kind}: padding must be 'same', 'valid' or non-negative integers, got '${padding}'`);
    else this.padding = intTuple(kind, 'padding', padding, spatial, 0);
    if (padding === 'same' && this.stride.some((s) => s !== 1))
      throw new ValueRangeError(`${kind}: padding='same' needs stride 1, got stride ${tuple(this.stride)}`);
    if (!PADDING_MODES.includes(paddingMode))
      throw new ValueRangeError(`${kind}: paddingMode must be one of ${PADDING_MODES.join(', ')}, got '${String(paddingMode)}'`);
    this.paddingMode = paddingMode;
  }

  /** Pads (non-zero padding modes) and runs `op` with this layer's weight, bias and options. */
  protected convolve(x: Tensor, op: typeof T.conv2d): Tensor {
    this.checkInput(x);
    const options = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return op(x, this.weight, this.bias, { ...options, padding: this.padding });
    // Other modes pad first (PyTorch's _reversed_padding_repeated_twice), then convolve unpadded.
    const pad = this.padding;
    const spec: number[] = [];
    for (const { k, d, p } of perDim({
      k: this.kernelSize,
      d: this.dilation,
      p: typeof pad === 'string' ? this.kernelSize : pad,
    }).reverse()) {
      const total = pad === 'same' ? d * (k - 1) : pad === 'valid' ? 0 : 2 * p;
      spec.push(Math.floor(total / 2), total - Math.floor(total / 2));
    }
    return T.tidy(() => op(T.pad(x, spec, { mode: this.paddingMode as Exclude<PaddingMode, 'zeros'> }), this.weight, this.bias, options));
  }

  override extraRepr(): string {
    const padding = typeof this.padding === 'string' ? this.padding : this.padding.some((p) => p !== 0) ? tuple(this.padding) : '';
    return this.baseRepr(padding, '', this.paddingMode);
  }
}

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) input, as torch.nn.Conv2d.
 *
 * Args: inChannels, outChannels, kernelSize (number or [kH, kW]); options stride (1), padding
 * (0, 'same' or 'valid'), dilation (1), groups (1), bias (true), paddingMode ('zeros', 'reflect',
 * 'replicate', 'circular').
 *
 * Shape: [N, inChannels, H, W] -> [N, outChannels, OH, OW] with
 * OH = floor((H + 2 * padding - dilation * (kH - 1) - 1) / stride) + 1.
 * Parameters: `weight` [outChannels, inChannels / groups, kH, kW], `bias` [outChannels].
 *
 * Example: `const conv = new Conv2d(1, 32, 3, { padding: 1 }); const y = conv(x); // [N, 32, H, W]`
 */
export class Conv2d extends ConvNd {
  /**
   * @param inChannels C_in
   * @param outChannels C_out, the number of kernels
   * @param kernelSize one size or [kH, kW]
   * @param options stride, padding, dilation, groups, bias, paddingMode, dtype, backend
   */
  constructor(inChannels: number, outChannels: number, kernelSize: IntArg, options: ConvModuleOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }
  /** `x` `[N, C_in, H, W]` (or `[C_in, H, W]`) → `[N, C_out, H_out, W_out]`. */
  forward(x: Tensor): Tensor {
    return this.convolve(x, T.conv2d);
  }
}

/**
 * 1-D convolution over [N, C, L] (or unbatched [C, L]) input, as torch.nn.Conv1d: the options
 * of Conv2d, each with one value. Parameters: `weight` [out, in / groups, kL], `bias` [out].
 *
 * Example: `new Conv1d(16, 33, 3, { stride: 2 })` maps [20, 16, 50] to [20, 33, 24].
 */
export class Conv1d extends ConvNd {
  /**
   * @param inChannels C_in
   * @param outChannels C_out, the number of kernels
   * @param kernelSize the kernel length
   * @param options stride, padding, dilation, groups, bias, paddingMode, dtype, backend
   */
  constructor(inChannels: number, outChannels: number, kernelSize: IntArg, options: ConvModuleOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }
  /** `x` `[N, C_in, L]` (or `[C_in, L]`) → `[N, C_out, L_out]`. */
  forward(x: Tensor): Tensor {
    return this.convolve(x, T.conv1d);
  }
}

/** ConvTranspose1d / ConvTranspose2d: the gradient of a convolution w.r.t. its input, as a layer. */
abstract class ConvTransposeNd extends ConvBase {
  /** Padding per spatial dim (of the convolution this transposes). */
  readonly padding: number[];
  /**
   * Extra size added to one side of the output, to pick among the output sizes a strided convolution maps to the same input size.
   */
  readonly outputPadding: number[];

  constructor(
    kind: string,
    spatial: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntArg,
    options: ConvTransposeModuleOptions,
  ) {
    super(kind, spatial, inChannels, outChannels, kernelSize, options, true);
    this.padding = intTuple(kind, 'padding', options.padding ?? 0, spatial, 0);
    this.outputPadding = intTuple(kind, 'outputPadding', options.outputPadding ?? 0, spatial, 0);
    perDim({ p: this.outputPadding, s: this.stride, d: this.dilation }).forEach(({ p, s, d }) => {
      if (p >= s && p >= d) {
        throw new ValueRangeError(
          `${kind}: outputPadding ${tuple(this.outputPadding)} must be smaller than either stride ${tuple(this.stride)} or dilation ${tuple(this.dilation)}`,
        );
      }
    });
  }

  /**
   * outputSize (the spatial sizes, optionally after N and C) picks the outputPadding that gives
   * it, like PyTorch's forward(input, output_size).
   */
  protected transpose(x: Tensor, outputSize: readonly number[] | undefined, op: typeof T.convTranspose2d): Tensor {
    this.checkInput(x);
    const n = this.spatial;
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      const want = outputSize.slice(-n);
      const input = x.shape.slice(-n);
      if (want.length !== n) {
        throw new ValueRangeError(`${this.kind}: outputSize ${tuple(want)} must give the ${n} spatial sizes (optionally after N and C)`);
      }
      const dimsAt = perDim({ w: want, x: input, s: this.stride, p: this.padding, d: this.dilation, k: this.kernelSize });
      outputPadding = dimsAt.map(({ w, x: xi, s, p, d, k }, i) => {
        const least = (xi - 1) * s - 2 * p + d * (k - 1) + 1;
        if (!Number.isInteger(w) || w < least || w >= least + s) {
          throw new ValueRangeError(
            `${this.kind}: requested output size ${tuple(want)} is not reachable: size ${i} must be in [${least}, ${least + s - 1}] for input ${tuple(input)}`,
          );
        }
        return w - least;
      });
    }
    return op(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  override extraRepr(): string {
    const padding = this.padding.some((p) => p !== 0) ? tuple(this.padding) : '';
    return this.baseRepr(padding, this.outputPadding.some((p) => p !== 0) ? tuple(this.outputPadding) : '', 'zeros');
  }
}

/**
 * 2-D transposed convolution, as torch.nn.ConvTranspose2d (upsampling in decoders and GANs).
 *
 * Args: inChannels, outChannels, kernelSize; options stride (1), padding (0), outputPadding (0),
 * groups (1), bias (true), dilation (1).
 *
 * Shape: [N, inChannels, H, W] -> [N, outChannels, OH, OW] with
 * OH = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + outputPadding + 1.
 * Parameters: `weight` [inChannels, outChannels / groups, kH, kW] (PyTorch's layout), `bias` [outChannels].
 *
 * Example: `new ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 })` doubles H and W.
 */
export class ConvTranspose2d extends ConvTransposeNd {
  /**
   * @param inChannels C_in
   * @param outChannels C_out
   * @param kernelSize one size or [kH, kW]
   * @param options stride, padding, outputPadding, groups, bias, dilation, dtype, backend
   */
  constructor(inChannels: number, outChannels: number, kernelSize: IntArg, options: ConvTransposeModuleOptions = {}) {
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, options);
  }
  /**
   * `x` `[N, C_in, H, W]` → `[N, C_out, H_out, W_out]`; `outputSize` picks the output size when several are possible (it sets the output padding).
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    return this.transpose(x, outputSize, T.convTranspose2d);
  }
}

/** 1-D transposed convolution over [N, C, L], as torch.nn.ConvTranspose1d (options as ConvTranspose2d). */
export class ConvTranspose1d extends ConvTransposeNd {
  /**
   * @param inChannels C_in
   * @param outChannels C_out
   * @param kernelSize the kernel length
   * @param options stride, padding, outputPadding, groups, bias, dilation, dtype, backend
   */
  constructor(inChannels: number, outChannels: number, kernelSize: IntArg, options: ConvTransposeModuleOptions = {}) {
    super('ConvTranspose1d', 1, inChannels, outChannels, kernelSize, options);
  }
  /** `x` `[N, C_in, L]` → `[N, C_out, L_out]`; `outputSize` picks the output length when several are possible. */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    return this.transpose(x, outputSize, T.convTranspose1d);
  }
}
