/**
 * Positional information for attention models, which are otherwise blind to order: the fixed
 * sinusoidal encoding of "Attention Is All You Need" and learned positional embeddings (an
 * Embedding over positions, as GPT-2's `wpe`). Both modules add their table to the input, so they
 * are interchangeable.
 */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { fmt, isTensor } from './attention.js';
import { checkOptions, checkPositiveInt, dims, type Rules, rule, withDefaults } from './check.js';
import { dropout } from './dropout.js';
import { normal_ } from './init.js';
import { Module, parameter } from './module.js';

const BASE_RULE = { ok: (v: unknown) => typeof v === 'number' && v > 1, valid: 'a number > 1' };

/** Options of {@link sinusoidalPositionalEncoding}. */
export interface SinusoidalOptions {
  /** The wavelengths' base (default 10000). */
  base?: number;
  /** dtype of the table (default float32). */
  dtype?: T.DType;
  /** Backend of the table (default: the current one). */
  backend?: string;
}

/**
 * The sinusoidal position table [length, dModel]: PE[p, 2i] = sin(p / base^(2i / dModel)),
 * PE[p, 2i + 1] = cos(p / base^(2i / dModel)). Computed in float64 on the host, so every backend
 * gets the same values.
 *
 * Example: `sinusoidalPositionalEncoding(64, 32)` is [64, 32]; row 0 is [0, 1, 0, 1, ...].
 */
export function sinusoidalPositionalEncoding(length: number, dModel: number, options: SinusoidalOptions = {}): Tensor {
  const name = 'sinusoidalPositionalEncoding';
  checkPositiveInt(name, 'length', length);
  checkPositiveInt(name, 'dModel', dModel);
  const o = withDefaults<Omit<SinusoidalOptions, 'backend'>>(name, { base: 10000, dtype: 'float32' }, options);
  checkOptions(name, { base: BASE_RULE, dtype: rule.oneOf('float32', 'float64'), backend: rule.any }, options, {
    ...o,
    backend: options.backend,
  });
  const data = new Float64Array(length * dModel);
  for (let p = 0; p < length; p++) {
    for (let j = 0; j < dModel; j++) {
      const angle = p / o.base ** ((j - (j % 2)) / dModel);
      data[p * dModel + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  const typed = o.dtype === 'float64' ? data : Float32Array.from(data);
  return T.tensor(typed, { shape: [length, dModel], dtype: o.dtype, backend: options.backend });
}

/** Options of {@link LearnedPositionalEmbedding} (and the base of the sinusoidal one's). */
export interface PositionalOptions {
  /** Dropout on the sum, in training mode (default 0). */
  dropout?: number;
  /** Input [batch, seq, dModel] instead of [seq, batch, dModel] (default false). */
  batchFirst?: boolean;
}

/** Options of {@link SinusoidalPositionalEncoding}. */
export interface SinusoidalPositionalEncodingOptions extends PositionalOptions {
  /** Longest sequence (default 5000). */
  maxLen?: number;
  /** The wavelengths' base (default 10000). */
  base?: number;
}

const POSITIONAL_RULES: Rules<Required<PositionalOptions>> = { dropout: rule.dropout, batchFirst: rule.bool };

/** The input's sequence length, after checking its shape (names the layer, the layout and maxLen). */
function seqLength(layer: string, x: unknown, dModel: number, maxLen: number, batchFirst: boolean): number {
  if (!isTensor(x)) throw new ValueRangeError(`${layer}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  const layout = batchFirst ? '[N, seq, dModel]' : '[seq, N, dModel]';
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape.at(-1) !== dModel) {
    throw new ShapeError(
      `${layer}: expected input ${layout} or unbatched [seq, dModel] with dModel = ${dModel}, got shape ${fmt(x.shape)}`,
    );
  }
  const [l] = dims(x.shape, x.ndim === 3 && batchFirst ? 1 : 0);
  if (l > maxLen) throw new ShapeError(`${layer}: sequence length ${l} exceeds maxLen ${maxLen} (input shape ${fmt(x.shape)})`);
  return l;
}

/** table[0:l] shaped to broadcast against the input's layout. */
function positionsFor(table: Tensor, x: Tensor, l: number, batchFirst: boolean): Tensor {
  const rows = T.narrow(table, 0, 0, l);
  return x.ndim === 3 && !batchFirst ? T.unsqueeze(rows, 1) : rows;
}

/**
 * Adds the sinusoidal positional encoding to its input (the PyTorch tutorial's PositionalEncoding),
 * then dropout. The table is a non-persistent buffer `pe` [maxLen, dModel] (not in stateDict).
 *
 * Args: dModel; options maxLen (5000), dropout (0), batchFirst (false), base (10000).
 * Shape: [L, N, dModel] ([N, L, dModel] with batchFirst, or [L, dModel]) -> same, L <= maxLen.
 *
 * Example: `const pos = new SinusoidalPositionalEncoding(64, { maxLen: 256, batchFirst: true }); pos(tokEmb(ids))`
 */
export class SinusoidalPositionalEncoding extends Module {
  /** The encoding table `[maxLen, dModel]`: a non-persistent buffer (not in stateDict). */
  declare pe: Tensor;
  /** Longest sequence the table covers. */
  readonly maxLen: number;
  /** Dropout probability after adding the encoding (training mode). */
  readonly dropout: number;
  /** Inputs are `[N, seq, dModel]` instead of `[seq, N, dModel]`. */
  readonly batchFirst: boolean;
  /**
   * @param dModel features of each token
   * @param options maxLen, base, dropout, batchFirst
   */
  constructor(
    readonly dModel: number,
    options: SinusoidalPositionalEncodingOptions = {},
  ) {
    super();
    const name = 'SinusoidalPositionalEncoding';
    checkPositiveInt(name, 'dModel', dModel);
    const o = withDefaults<SinusoidalPositionalEncodingOptions>(
      name,
      { maxLen: 5000, base: 10000, dropout: 0, batchFirst: false },
      options,
    );
    checkOptions(name, { ...POSITIONAL_RULES, maxLen: rule.positiveInt, base: BASE_RULE }, options, o);
    this.maxLen = o.maxLen;
    this.dropout = o.dropout;
    this.batchFirst = o.batchFirst;
    this.registerBuffer('pe', sinusoidalPositionalEncoding(o.maxLen, dModel, { base: o.base }), { persistent: false });
  }
  /** `x` plus the encoding of each position, then dropout; same shape. */
  forward(x: Tensor): Tensor {
    const l = seqLength(`SinusoidalPositionalEncoding(${this.dModel})`, x, this.dModel, this.maxLen, this.batchFirst);
    return T.tidy(() => dropout(T.add(x, positionsFor(this.pe, x, l, this.batchFirst)), this.dropout, this.training));
  }
  override extraRepr(): string {
    return `${this.dModel}, max_len=${this.maxLen}${this.dropout > 0 ? `, dropout=${this.dropout}` : ''}`;
  }
}

/**
 * Learned positional embeddings: a trainable table `weight` [maxLen, dModel] (initialized N(0, 1),
 * as torch.nn.Embedding) whose first L rows are added to an input of length L, then dropout.
 *
 * Args: maxLen, dModel; options dropout (0), batchFirst (false).
 * Shape: [L, N, dModel] ([N, L, dModel] with batchFirst, or [L, dModel]) -> same, L <= maxLen.
 *
 * Example: `const pos = new LearnedPositionalEmbedding(256, 64, { batchFirst: true }); pos(tokEmb(ids))`
 */
export class LearnedPositionalEmbedding extends Module {
  /** The learned position vectors, `[maxLen, dModel]`. */
  weight: Tensor;
  /** Dropout probability after adding the embedding (training mode). */
  readonly dropout: number;
  /** Inputs are `[N, seq, dModel]` instead of `[seq, N, dModel]`. */
  readonly batchFirst: boolean;
  /**
   * @param maxLen longest sequence
   * @param dModel features of each token
   * @param options dropout, batchFirst
   */
  constructor(
    readonly maxLen: number,
    readonly dModel: number,
    options: PositionalOptions = {},
  ) {
    super();
    const name = 'LearnedPositionalEmbedding';
    checkPositiveInt(name, 'maxLen', maxLen);
    checkPositiveInt(name, 'dModel', dModel);
    const o = withDefaults<PositionalOptions>(name, { dropout: 0, batchFirst: false }, options);
    checkOptions(name, POSITIONAL_RULES, options, o);
    this.dropout = o.dropout;
    this.batchFirst = o.batchFirst;
    this.weight = parameter(T.zeros([maxLen, dModel]));
    normal_(this.weight);
  }
  /** `x` plus the learned vector of each position, then dropout; same shape. */
  forward(x: Tensor): Tensor {
    const l = seqLength(`LearnedPositionalEmbedding(${this.maxLen}, ${this.dModel})`, x, this.dModel, this.maxLen, this.batchFirst);
    return T.tidy(() => dropout(T.add(x, positionsFor(this.weight, x, l, this.batchFirst)), this.dropout, this.training));
  }
  override extraRepr(): string {
    return `${this.maxLen}, ${this.dModel}${this.dropout > 0 ? `, dropout=${this.dropout}` : ''}`;
  }
}
