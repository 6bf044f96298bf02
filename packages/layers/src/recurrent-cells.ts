/**
 * Single-step recurrent cells (torch.nn.RNNCell, LSTMCell, GRUCell): the same step math as the
 * multi-layer layers, with PyTorch's parameter names weight_ih, weight_hh, bias_ih, bias_hh.
 */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkOptions, checkPositiveInt, dims, type Rules, rule } from './check.js';
import { uniform_ } from './init.js';
import { Module, parameter } from './module.js';
import { type CellKind, FOLD_HIDDEN_BIAS, GATES, STEP, type State } from './recurrent-steps.js';

/** Options of {@link LSTMCell} and {@link GRUCell} (and the base of {@link RNNCellOptions}). */
export interface RNNCellBaseOptions {
  /** Use bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Parameters' dtype: float32 (default) or float64. */
  dtype?: T.DType;
  /** Backend to create the parameters on (default: the current one). */
  backend?: string;
}

/** Options of {@link RNNCell}. */
export interface RNNCellOptions extends RNNCellBaseOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

type CellOptions = Required<Omit<RNNCellOptions, 'backend'>> & { backend: string | undefined };

const RULES: Rules<CellOptions> = {
  bias: rule.bool,
  dtype: rule.oneOf('float32', 'float64'),
  backend: rule.any,
  nonlinearity: rule.oneOf('tanh', 'relu'),
};

/** The shared machinery of the cells (torch.nn.RNNCellBase). */
export abstract class RNNCellBase extends Module {
  /** Input-to-hidden weights, `[gates·hiddenSize, inputSize]` (gates: 1 RNN, 4 LSTM, 3 GRU). */
  weight_ih: Tensor;
  /** Hidden-to-hidden weights, `[gates·hiddenSize, hiddenSize]`. */
  weight_hh: Tensor;
  /** Input-to-hidden bias, `[gates·hiddenSize]` (null without `bias`). */
  bias_ih: Tensor | null;
  /** Hidden-to-hidden bias, `[gates·hiddenSize]` (null without `bias`). */
  bias_hh: Tensor | null;
  /** The cell: 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'. */
  protected readonly kind: CellKind;

  protected constructor(
    cls: 'RNNCell' | 'LSTMCell' | 'GRUCell',
    /** Features of the input. */
    readonly inputSize: number,
    /** Features of the hidden state. */
    readonly hiddenSize: number,
    given: RNNCellOptions,
  ) {
    super();
    checkPositiveInt(cls, 'inputSize', inputSize);
    checkPositiveInt(cls, 'hiddenSize', hiddenSize);
    if (given === null || typeof given !== 'object') throw new ValueRangeError(`${cls}: options must be an object, got ${String(given)}`);
    if (cls !== 'RNNCell' && 'nonlinearity' in given)
      throw new ValueRangeError(`${cls}: unknown option 'nonlinearity' (valid options: bias, dtype, backend)`);
    const o: CellOptions = { bias: true, dtype: 'float32', backend: undefined, nonlinearity: 'tanh', ...given };
    checkOptions(cls, RULES, given, o);
    this.kind = cls === 'RNNCell' ? (o.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : cls === 'LSTMCell' ? 'lstm' : 'gru';
    const gates = GATES[this.kind] * hiddenSize;
    const create = { dtype: o.dtype, backend: o.backend };
    this.weight_ih = parameter(T.zeros([gates, inputSize], create));
    this.weight_hh = parameter(T.zeros([gates, hiddenSize], create));
    this.bias_ih = o.bias ? parameter(T.zeros([gates], create)) : null;
    this.bias_hh = o.bias ? parameter(T.zeros([gates], create)) : null;
    this.resetParameters();
  }

  /** Every weight U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -k, k);
  }

  /** The cell's description for error messages. */
  protected label(): string {
    return `${this.constructor.name}(${this.inputSize}, ${this.hiddenSize})`;
  }

  /** Checks x [batch, in] or [in] and the states (shaped [batch, hidden] or [hidden]; null = zeros), then steps once. */
  protected run(x: Tensor, h: Tensor | null, c: Tensor | null): State {
    const name = this.label();
    if (!(x instanceof T.Tensor)) throw new ValueRangeError(`${name}: input must be a Tensor, got ${typeof x}`);
    if (x.ndim !== 1 && x.ndim !== 2)
      throw new ShapeError(
        `${name}: expected a 2-D input [batch, inputSize] or a 1-D unbatched input [inputSize], got shape [${x.shape.join(',')}]`,
      );
    checkFeatures(name, x, -1, this.inputSize, 'last dimension (inputSize)');
    const batched = x.ndim === 2;
    const expected = batched ? [x.shape[0], this.hiddenSize] : [this.hiddenSize];
    for (const [what, t] of [
      ['hx', h],
      ['cx', c],
    ] as const) {
      if (t === null) continue;
      if (!(t instanceof T.Tensor)) throw new ValueRangeError(`${name}: ${what} must be a Tensor, got ${typeof t}`);
      if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(`${name}: expected ${what} of shape [${expected.join(',')}], got [${t.shape.join(',')}]`);
      }
    }
    return T.tidy(() => {
      const batch = (t: Tensor | null) => (t === null || batched ? t : T.unsqueeze(t, 0));
      const fold = FOLD_HIDDEN_BIAS[this.kind];
      const bias = this.bias_ih === null ? null : fold ? T.add(this.bias_ih, this.bias_hh!) : this.bias_ih;
      const xp = T.linear(batch(x)!, this.weight_ih, bias);
      const w = { whhT: T.transpose(this.weight_hh, 0, 1), bhh: fold ? null : this.bias_hh, whrT: null };
      // Zeros rather than the skipped matmul, so weight_hh gets PyTorch's zero gradient.
      const h0 = batch(h) ?? T.zeros([dims(xp.shape, 0)[0], this.hiddenSize], { dtype: xp.dtype, backend: xp.backend.name });
      const s = STEP[this.kind](xp, { h: h0, c: batch(c) }, w, this.hiddenSize);
      const unbatch = (t: Tensor | null) => (t === null || batched ? t : T.squeeze(t, 0));
      return { h: unbatch(s.h), c: unbatch(s.c) };
    });
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias_ih === null) s += ', bias=False';
    if (this.kind === 'rnn_relu') s += ", nonlinearity='relu'";
    return s;
  }
}

/**
 * One step of an Elman RNN (torch.nn.RNNCell): `h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)`.
 *
 * Args:
 *   inputSize, hiddenSize: features of x and h.
 *   options: `bias` (true), `nonlinearity` ('tanh' | 'relu'), `dtype`, `backend`.
 *
 * Shape:
 *   input [batch, inputSize] or [inputSize]; hx (optional, zeros) [batch, hiddenSize] or [hiddenSize];
 *   returns h' shaped like hx.
 *
 * Example:
 *   const cell = new RNNCell(10, 20);
 *   let h = T.zeros([3, 20]);
 *   for (let t = 0; t < 6; t++) h = cell(T.randn([3, 10]), h);  // [3, 20]
 */
export class RNNCell extends RNNCellBase {
  /**
   * @param inputSize features of the input
   * @param hiddenSize features of the hidden state
   * @param options bias, nonlinearity, dtype, backend
   */
  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super('RNNCell', inputSize, hiddenSize, options);
  }
  /** The cell's nonlinearity: `'tanh'` or `'relu'`. */
  get nonlinearity(): 'tanh' | 'relu' {
    return this.kind === 'rnn_relu' ? 'relu' : 'tanh';
  }
  /** One step: input `[N, inputSize]` (or `[inputSize]`) and h `[N, hiddenSize]` (default zeros) → h'. */
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.run(input, hx, null).h!;
  }
}

/**
 * One LSTM step (torch.nn.LSTMCell), gates i, f, g, o: `c' = f * c + i * g`, `h' = o * tanh(c')`.
 *
 * Args:
 *   inputSize, hiddenSize: features of x and of h and c.
 *   options: `bias` (true), `dtype`, `backend`.
 *
 * Shape:
 *   input [batch, inputSize] or [inputSize]; hx (optional, zeros) [h, c], each [batch, hiddenSize]
 *   or [hiddenSize]; returns [h', c'].
 *
 * Example:
 *   const cell = new LSTMCell(10, 20);
 *   const [h, c] = cell(T.randn([3, 10]));  // both [3, 20]
 */
export class LSTMCell extends RNNCellBase {
  /**
   * @param inputSize features of the input
   * @param hiddenSize features of h and c
   * @param options bias, dtype, backend
   */
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    super('LSTMCell', inputSize, hiddenSize, options);
  }
  /** One step: input `[N, inputSize]` and `[h, c]` (default zeros) → `[h', c']`, each `[N, hiddenSize]`. */
  forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    if (hx !== null && !(Array.isArray(hx) && hx.length === 2 && hx.every((t) => t instanceof T.Tensor))) {
      throw new ValueRangeError(
        `${this.label()}: hx must be a pair [h, c] of tensors (or omitted for zeros), got ${Array.isArray(hx) ? `an array of ${hx.length}` : typeof hx}`,
      );
    }
    const s = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [s.h!, s.c!];
  }
}

/**
 * One GRU step (torch.nn.GRUCell), gates r, z, n: `n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))`,
 * `h' = (1 - z) * n + z * h`.
 *
 * Args:
 *   inputSize, hiddenSize: features of x and h.
 *   options: `bias` (true), `dtype`, `backend`.
 *
 * Shape: as RNNCell.
 *
 * Example:
 *   const cell = new GRUCell(10, 20);
 *   const h = cell(T.randn([3, 10]), T.zeros([3, 20]));  // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  /**
   * @param inputSize features of the input
   * @param hiddenSize features of the hidden state
   * @param options bias, dtype, backend
   */
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    super('GRUCell', inputSize, hiddenSize, options);
  }
  /** One step: input `[N, inputSize]` and h `[N, hiddenSize]` (default zeros) → h'. */
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.run(input, hx, null).h!;
  }
}
