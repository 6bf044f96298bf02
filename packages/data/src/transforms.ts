/** Feature scaling fitted on training data (Standardize, MinMaxScale) and oneHot. */
import {
  type DType,
  DTypeError,
  NNError,
  ShapeError,
  type Tensor,
  ValueRangeError,
  isTensor,
  keep,
  oneHot as tOneHot,
  tidy,
  where,
} from '@nn/tensor';

/** Options of `Standardize.fit` and `MinMaxScale.fit`. */
export interface FitOptions {
  /** The dims statistics are taken over: the sample dims (default 0). Statistics keep these dims as size 1. */
  dim?: number | number[];
}

/** float32 machine epsilon: a std at or below 8 eps * |mean| is rounding noise of a constant feature. */
const EPS32 = 1.1920928955078125e-7;

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

function checkInput(op: string, x: Tensor): void {
  if (!isTensor(x)) throw new NNError(`${op}: expected a Tensor`);
  x._check(op);
  if (x.dtype === 'bool') throw new DTypeError(`${op}: needs a numeric tensor, got bool`);
}

function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32');
}

function normDims(op: string, x: Tensor, dim: number | number[] | undefined): number[] {
  const dims = dim === undefined ? [0] : typeof dim === 'number' ? [dim] : [...dim];
  if (dims.length === 0) throw new ValueRangeError(`${op}: dim must name at least one dim`);
  const out = dims.map((d) => {
    if (!Number.isInteger(d) || d < -x.ndim || d >= x.ndim) {
      throw new ValueRangeError(`${op}: dim ${d} is out of range for a tensor of shape ${fmt(x.shape)}`);
    }
    return d < 0 ? d + x.ndim : d;
  });
  for (const d of out) {
    if (x.shape[d] === 0) throw new ShapeError(`${op}: cannot fit on an empty tensor (shape ${fmt(x.shape)})`);
  }
  return out;
}

/** Checks x can take statistics of shape `statShape` (fitted with `dims` reduced to size 1). */
function checkApply(op: string, x: Tensor, statShape: readonly number[], fitShape: readonly number[]): void {
  checkInput(op, x);
  // Right-aligned like broadcasting, but x keeps its shape: fitted [1,d] statistics apply to [n,d].
  const lead = x.ndim - statShape.length;
  const ok = lead >= 0 && statShape.every((d, i) => d === 1 || d === x.shape[i + lead]);
  if (!ok) {
    throw new ShapeError(
      `${op}: input of shape ${fmt(x.shape)} does not match the features the statistics were fitted on (shape ${fmt(fitShape)}; statistics ${fmt(statShape)})`,
    );
  }
}

/**
 * Standardization, z = (x - mean) / std, with mean and std fitted per feature on training data:
 *
 * ```ts
 * const s = Standardize.fit(trainX);         // statistics of the training split only
 * const trainZ = s.apply(trainX), testZ = s.apply(testX);
 * ```
 *
 * std is the population std (correction 0, like scikit-learn's StandardScaler). A constant feature
 * (std 0, or at most float32 rounding noise: std <= 8 eps |mean|) gets std 1, so it maps to 0 instead
 * of dividing by zero. The statistics are tensors owned by this object: `s.dispose()` frees them
 * (they outlive any tidy/scope they were fitted in).
 */
export class Standardize {
  /**
   * @param mean the fitted means, with the fitted dims kept as size 1; this object takes ownership.
   * @param std the fitted standard deviations, shaped like `mean`; this object takes ownership.
   */
  constructor(
    readonly mean: Tensor,
    readonly std: Tensor,
    /** Shape of the data the statistics were fitted on (for error messages). */
    readonly fitShape: readonly number[] = mean.shape,
  ) {}

  /** Per-feature mean and (population, unless `correction`) std of `x` over `dim` (default 0, the samples). */
  static fit(x: Tensor, options: FitOptions & { correction?: number } = {}): Standardize {
    checkInput('Standardize.fit', x);
    const dims = normDims('Standardize.fit', x, options.dim);
    const correction = options.correction ?? 0;
    const [mean, std] = tidy(() => {
      const xf = asFloat(x);
      const m = xf.mean(dims, true);
      const s = xf.std(dims, { correction, keepdim: true });
      const constant = s.le(m.abs().mul(8 * EPS32));
      return [m, where(constant, 1, s)];
    });
    return new Standardize(keep(mean), keep(std), [...x.shape]);
  }

  /** `(x − mean) / std`, a new tensor. */
  apply(x: Tensor): Tensor {
    checkApply('Standardize.apply', x, this.mean.shape, this.fitShape);
    return tidy(() => asFloat(x).sub(this.mean).div(this.std));
  }

  /** x = z * std + mean. */
  inverse(z: Tensor): Tensor {
    checkApply('Standardize.inverse', z, this.mean.shape, this.fitShape);
    return tidy(() => asFloat(z).mul(this.std).add(this.mean));
  }

  /** Frees the statistics. */
  dispose(): void {
    this.mean.dispose();
    this.std.dispose();
  }
  /** Same as `dispose()`, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Standardizes x with given statistics, or (without them) with x's own per-feature mean and std. */
export function standardize(x: Tensor, stats?: Standardize | { mean: Tensor; std: Tensor }, options: FitOptions = {}): Tensor {
  if (stats !== undefined) {
    const s = stats instanceof Standardize ? stats : new Standardize(stats.mean, stats.std);
    return s.apply(x);
  }
  const s = Standardize.fit(x, options);
  try {
    return s.apply(x);
  } finally {
    s.dispose();
  }
}

/**
 * Min-max scaling to [0, 1] (or `range`), with min and max fitted per feature on training data:
 * `const m = MinMaxScale.fit(trainX); m.apply(testX)`. A constant feature (max = min) maps to the low
 * end of the range. Test data outside the training range maps outside [0, 1] (not clipped), like
 * scikit-learn's MinMaxScaler. `m.dispose()` frees the statistics.
 */
export class MinMaxScale {
  constructor(
    /** Per-feature minimum of the fitted data. */
    readonly min: Tensor,
    /** max - min, with 0 replaced by 1. */
    readonly scale: Tensor,
    /** The target range (default [0, 1]). */
    readonly range: readonly [number, number] = [0, 1],
    /** Shape of the statistics (the fitted dims kept as 1). */
    readonly fitShape: readonly number[] = min.shape,
  ) {
    checkRange(range);
  }

  /** Per-feature min and max of `x` over `dim` (default 0). */
  static fit(x: Tensor, options: FitOptions & { range?: readonly [number, number] } = {}): MinMaxScale {
    checkInput('MinMaxScale.fit', x);
    const dims = normDims('MinMaxScale.fit', x, options.dim);
    const range = options.range ?? [0, 1];
    checkRange(range);
    const [min, scale] = tidy(() => {
      const xf = asFloat(x);
      const lo = xf.min(dims, true);
      const span = xf.max(dims, true).sub(lo);
      return [lo, where(span.eq(0), 1, span)];
    });
    return new MinMaxScale(keep(min), keep(scale), [range[0], range[1]], [...x.shape]);
  }

  /** `x` scaled into `range` (values outside the training range are not clipped). */
  apply(x: Tensor): Tensor {
    checkApply('MinMaxScale.apply', x, this.min.shape, this.fitShape);
    const [a, b] = this.range;
    return tidy(() => {
      const unit = asFloat(x).sub(this.min).div(this.scale);
      return a === 0 && b === 1 ? unit : unit.mul(b - a).add(a);
    });
  }

  /** Back to the original units. */
  inverse(y: Tensor): Tensor {
    checkApply('MinMaxScale.inverse', y, this.min.shape, this.fitShape);
    const [a, b] = this.range;
    return tidy(() => {
      const unit =
        a === 0 && b === 1
          ? asFloat(y)
          : asFloat(y)
              .sub(a)
              .div(b - a);
      return unit.mul(this.scale).add(this.min);
    });
  }

  /** Frees the statistics. */
  dispose(): void {
    this.min.dispose();
    this.scale.dispose();
  }
  /** Same as `dispose()`, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

function checkRange(range: readonly [number, number]): void {
  if (!Array.isArray(range) || range.length !== 2 || !Number.isFinite(range[0]) || !Number.isFinite(range[1]) || !(range[0] < range[1])) {
    throw new ValueRangeError(`MinMaxScale: range must be [low, high] with low < high, got ${JSON.stringify(range)}`);
  }
}

/**
 * Min-max scales x to [0, 1] with given statistics, or (without them) with x's own per-feature min
 * and max. (Not `torch.nn.functional.normalize`, which divides by a norm.)
 */
export function normalize(x: Tensor, stats?: MinMaxScale, options: FitOptions = {}): Tensor {
  if (stats !== undefined) return stats.apply(x);
  const m = MinMaxScale.fit(x, options);
  try {
    return m.apply(x);
  } finally {
    m.dispose();
  }
}

/**
 * One-hot encoding of int32 class indices (shape [...] -> [..., numClasses]), like
 * `torch.nn.functional.one_hot`, int32 by default; `{ dtype: 'float32' }` for float targets.
 */
export function oneHot(labels: Tensor, numClasses?: number, options: { dtype?: DType } = {}): Tensor {
  const dtype = options.dtype ?? 'int32';
  const h = tOneHot(labels, numClasses);
  if (dtype === 'int32') return h;
  const out = h.cast(dtype);
  h.dispose();
  return out;
}
