/**
 * Multi-layer recurrent layers (torch.nn.RNN, LSTM, GRU) with PyTorch's parameter names, shapes,
 * initialization and gate order. Per layer and direction, the input projection of every time step
 * is one matmul; each step adds only `h W_hh^T` (recurrent-steps.ts) inside its own tidy, and the
 * outputs are stacked once at the end.
 */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkFeatures, checkOptions, checkPositiveInt, dims, type Rules, rule } from './check.js';
import { dropout } from './dropout.js';
import { uniform_ } from './init.js';
import { Module, parameter } from './module.js';
import { type CellKind, FOLD_HIDDEN_BIAS, GATES, STEP, type State, type StepWeights, unbind } from './recurrent-steps.js';

/** Options every recurrent layer takes ({@link RNN}, {@link LSTM}, {@link GRU}), with PyTorch's defaults. */
export interface RNNBaseOptions {
  /** Stacked layers; layer l > 0 reads the output of layer l - 1 (default 1). */
  numLayers?: number;
  /** Use b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer from the last step to the first and concatenate (default false). */
  bidirectional?: boolean;
  /** Parameters' dtype: float32 (default) or float64. */
  dtype?: T.DType;
  /** Backend to create the parameters on (default: the current one). */
  backend?: string;
}

/** Options of {@link RNN}. */
export interface RNNOptions extends RNNBaseOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of {@link LSTM}. */
export interface LSTMOptions extends RNNBaseOptions {
  /** If > 0, h is projected to this size by weight_hr (an LSTM with projections); default 0. */
  projSize?: number;
}

/** Options of {@link GRU}. */
export type GRUOptions = RNNBaseOptions;

type AllOptions = Required<Omit<RNNBaseOptions, 'backend'>> & { backend: string | undefined; nonlinearity: string; projSize: number };

const BASE_RULES: Rules<Omit<AllOptions, 'nonlinearity' | 'projSize'>> = {
  numLayers: rule.positiveInt,
  bias: rule.bool,
  batchFirst: rule.bool,
  dropout: rule.dropout,
  bidirectional: rule.bool,
  dtype: rule.oneOf('float32', 'float64'),
  backend: rule.any,
};

/** What differs between RNN, LSTM and GRU: a table entry per class. */
const CLASS_RULES: Record<'RNN' | 'LSTM' | 'GRU', Partial<Rules<AllOptions>>> = {
  RNN: { nonlinearity: rule.oneOf('tanh', 'relu') },
  LSTM: { projSize: rule.nonNegativeInt },
  GRU: {},
};

/** The result of one layer and direction over a sequence. */
interface DirectionResult {
  out: Tensor;
  h: Tensor;
  c: Tensor | null;
}

/** The shared machinery of RNN, LSTM and GRU (torch.nn.RNNBase). */
export abstract class RNNBase extends Module {
  /** The parameters under PyTorch's names: `lstm.weight_ih_l0`, `lstm.bias_hh_l1_reverse`, ... */
  [param: `${'weight' | 'bias'}_${string}`]: Tensor;
  /** Number of stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Input and output are `[batch, seq, feature]` instead of `[seq, batch, feature]`. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers (training mode). */
  readonly dropout: number;
  /** Whether each layer also runs backwards. */
  readonly bidirectional: boolean;
  /** LSTM projection size (0: none). */
  readonly projSize: number;
  /** The cell: 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'. */
  protected readonly kind: CellKind;
  /** Parameter names per (layer, direction), in PyTorch's order: weight_ih_l0, weight_hh_l0, ... */
  private readonly weightNames: string[][];

  protected constructor(
    cls: 'RNN' | 'LSTM' | 'GRU',
    /** Features of each input step. */
    readonly inputSize: number,
    /** Features of the hidden state. */
    readonly hiddenSize: number,
    given: RNNOptions & LSTMOptions,
  ) {
    super();
    checkPositiveInt(cls, 'inputSize', inputSize);
    checkPositiveInt(cls, 'hiddenSize', hiddenSize);
    if (given === null || typeof given !== 'object') throw new ValueRangeError(`${cls}: options must be an object, got ${String(given)}`);
    const o: AllOptions = {
      numLayers: 1,
      bias: true,
      batchFirst: false,
      dropout: 0,
      bidirectional: false,
      dtype: 'float32',
      backend: undefined,
      nonlinearity: 'tanh',
      projSize: 0,
      ...given,
    };
    checkOptions(cls, { ...BASE_RULES, ...CLASS_RULES[cls] } as Rules<AllOptions>, given, o);
    if (o.projSize >= hiddenSize)
      throw new ValueRangeError(`${cls}: projSize must be smaller than hiddenSize (${hiddenSize}), got ${o.projSize}`);
    this.numLayers = o.numLayers;
    this.bias = o.bias;
    this.batchFirst = o.batchFirst;
    this.dropout = o.dropout;
    this.bidirectional = o.bidirectional;
    this.projSize = o.projSize;
    this.kind = cls === 'RNN' ? (o.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : cls === 'LSTM' ? 'lstm' : 'gru';

    const gates = GATES[this.kind] * hiddenSize;
    const hOut = this.projSize > 0 ? this.projSize : hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    const create = { dtype: o.dtype, backend: o.backend };
    this.weightNames = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const shapes: [string, number[]][] = [
          [`weight_ih${sfx}`, [gates, l === 0 ? inputSize : hOut * dirs]],
          [`weight_hh${sfx}`, [gates, hOut]],
        ];
        if (this.bias) shapes.push([`bias_ih${sfx}`, [gates]], [`bias_hh${sfx}`, [gates]]);
        if (this.projSize > 0) shapes.push([`weight_hr${sfx}`, [this.projSize, hiddenSize]]);
        for (const [name, shape] of shapes) this[name as `weight_${string}`] = parameter(T.zeros(shape, create));
        this.weightNames.push(shapes.map(([name]) => name));
      }
    }
    this.resetParameters();
  }

  /** Every weight U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -k, k);
  }

  /** The parameters per (layer, direction), like PyTorch's `all_weights`. */
  get allWeights(): Tensor[][] {
    return this.weightNames.map((names) => names.map((n) => (this as unknown as Record<string, Tensor>)[n]!)); // registered in the constructor
  }

  private weightsOf(layer: number, dir: number): { wih: Tensor; whh: Tensor; bih: Tensor | null; bhh: Tensor | null; whr: Tensor | null } {
    const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
    const get = (n: string): Tensor | null => (this as unknown as Record<string, Tensor | undefined>)[`${n}${sfx}`] ?? null;
    return { wih: get('weight_ih')!, whh: get('weight_hh')!, bih: get('bias_ih'), bhh: get('bias_hh'), whr: get('weight_hr') };
  }

  /** The layer's description for error messages, e.g. `LSTM(10, 20, num_layers=2)`. */
  protected label(): string {
    return `${this.constructor.name}(${this.inputSize}, ${this.hiddenSize})`;
  }

  /**
   * Checks the input and initial states (before any work), then runs every layer. h0 and c0 are
   * [D * numLayers, batch, size] (2-D for unbatched input), or null for zeros.
   */
  protected run(
    input: Tensor,
    h0: Tensor | null,
    c0: Tensor | null,
  ): {
    /** The last layer's outputs at every step. */
    output: Tensor;
    /** Every layer's final hidden state. */
    h: Tensor;
    /** Every layer's final cell state (LSTM), else null. */
    c: Tensor | null;
  } {
    const name = this.label();
    if (!(input instanceof T.Tensor)) throw new ValueRangeError(`${name}: input must be a Tensor, got ${typeof input}`);
    if (input.ndim !== 2 && input.ndim !== 3) {
      const layout = this.batchFirst ? '[batch, seq, features]' : '[seq, batch, features]';
      throw new ShapeError(
        `${name}: expected a 3-D input ${layout} or a 2-D unbatched input [seq, features], got shape [${input.shape.join(',')}]`,
      );
    }
    checkFeatures(name, input, -1, this.inputSize, 'last dimension (inputSize)');
    const batched = input.ndim === 3;
    const batchFirst = batched && this.batchFirst;
    const [seq] = dims(input.shape, batchFirst ? 1 : 0);
    const batch = batched ? dims(input.shape, batchFirst ? 0 : 1)[0] : 1;
    if (seq === 0 || batch === 0)
      throw new ShapeError(`${name}: expected a non-empty sequence and batch, got input of shape [${input.shape.join(',')}]`);
    const dirs = this.bidirectional ? 2 : 1;
    const stateShape = (size: number) => (batched ? [dirs * this.numLayers, batch, size] : [dirs * this.numLayers, size]);
    checkState(name, 'h0', h0, stateShape(this.projSize > 0 ? this.projSize : this.hiddenSize), batched);
    checkState(name, 'c0', c0, stateShape(this.hiddenSize), batched);

    return T.tidy(() => {
      let x = batched ? input : T.unsqueeze(input, 1);
      const timeDim = batchFirst ? 1 : 0;
      const hs = h0 === null ? null : unbind(batched ? h0 : T.unsqueeze(h0, 1), 0);
      const cs = c0 === null ? null : unbind(batched ? c0 : T.unsqueeze(c0, 1), 0);
      const hN: Tensor[] = [];
      const cN: Tensor[] = [];
      for (let l = 0; l < this.numLayers; l++) {
        const outs: Tensor[] = [];
        for (let d = 0; d < dirs; d++) {
          const k = l * dirs + d;
          const r = this.direction(x, l, d, timeDim, { h: hs?.[k] ?? null, c: cs?.[k] ?? null });
          outs.push(r.out);
          hN.push(r.h);
          if (r.c !== null) cN.push(r.c);
        }
        x = outs.length === 1 ? (outs[0] as Tensor) : T.concat(outs, -1);
        // PyTorch drops between layers only: never after the last one.
        if (this.training && this.dropout > 0 && l < this.numLayers - 1) x = dropout(x, this.dropout, true);
      }
      const unbatch = (t: Tensor): Tensor => (batched ? t : T.squeeze(t, 1));
      return { output: unbatch(x), h: unbatch(T.stack(hN, 0)), c: cN.length > 0 ? unbatch(T.stack(cN, 0)) : null };
    });
  }

  /** One layer in one direction over the whole sequence. */
  private direction(x: Tensor, layer: number, dir: number, timeDim: number, init: State): DirectionResult {
    const { wih, whh, bih, bhh, whr } = this.weightsOf(layer, dir);
    const fold = FOLD_HIDDEN_BIAS[this.kind];
    const [d0, d1, features] = dims(x.shape, 0, 1, 2); // [seq, N, features] or [N, seq, features]
    // All time steps' input projections in one matmul over [seq * batch, features].
    const bias = bih === null ? null : fold ? T.add(bih, bhh!) : bih;
    const proj = T.linear(T.reshape(x, [d0 * d1, features]), wih, bias);
    const xs = unbind(T.reshape(proj, [d0, d1, dims(wih.shape, 0)[0]]), timeDim);
    const w: StepWeights = { whhT: T.transpose(whh, 0, 1), bhh: fold ? null : bhh, whrT: whr === null ? null : T.transpose(whr, 0, 1) };
    const step = STEP[this.kind];
    const seq = xs.length;
    const outs: Tensor[] = new Array(seq);
    // A zero h0 skips step 0's h W_hh^T, unless that is W_hh's only use: PyTorch then gives it a zero gradient.
    const [x0] = xs as [Tensor]; // seq >= 1: checked in forward
    let s =
      seq === 1 && init.h === null
        ? { h: T.zeros([dims(x0.shape, 0)[0], dims(whh.shape, 1)[0]], { dtype: whh.dtype, backend: whh.backend.name }), c: init.c }
        : init;
    const order = dir === 0 ? xs.entries() : [...xs.entries()].reverse();
    for (const [t, xt] of order) {
      // Only the new state survives the step; autograd keeps what backward needs.
      s = T.tidy(() => step(xt, s, w, this.hiddenSize));
      outs[t] = s.h!;
    }
    return { out: T.stack(outs, timeDim), h: s.h!, c: s.c };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ', bidirectional=True';
    if (this.kind === 'rnn_relu') s += ", nonlinearity='relu'";
    return s;
  }
}

function checkState(layer: string, what: string, t: Tensor | null, expected: number[], batched: boolean): void {
  if (t === null) return;
  if (!(t instanceof T.Tensor)) throw new ValueRangeError(`${layer}: ${what} must be a Tensor, got ${typeof t}`);
  if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    const why = batched ? '' : ' (unbatched input takes a 2-D state)';
    throw new ShapeError(`${layer}: expected ${what} of shape [${expected.join(',')}]${why}, got [${t.shape.join(',')}]`);
  }
}

/**
 * An Elman RNN over a sequence (torch.nn.RNN): per layer,
 * `h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)` with act tanh or relu.
 *
 * Args:
 *   inputSize: features of x.
 *   hiddenSize: features of h.
 *   options: `numLayers` (1), `nonlinearity` ('tanh' | 'relu'), `bias` (true), `batchFirst`
 *     (false), `dropout` (0, between layers in training mode), `bidirectional` (false), `dtype`,
 *     `backend`.
 *
 * Shape (D = 2 if bidirectional else 1):
 *   input: [seq, batch, inputSize], [batch, seq, inputSize] with batchFirst, or unbatched [seq, inputSize].
 *   hx (optional, zeros if omitted): [D * numLayers, batch, hiddenSize] ([D * numLayers, hiddenSize] unbatched).
 *   returns [output, hN]: output [seq, batch, D * hiddenSize] (batch first with batchFirst), the
 *   last layer's h at every step; hN like hx, every layer's final h (the reverse direction's is
 *   its state after step 0).
 *
 * Parameters are PyTorch's: weight_ih_l{k} [hiddenSize, in], weight_hh_l{k}, bias_ih_l{k},
 * bias_hh_l{k}, with `_reverse` for the second direction; all U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)).
 *
 * Example:
 *   const rnn = new RNN(10, 20, { numLayers: 2 });
 *   const [output, hN] = rnn(T.randn([5, 3, 10]), T.randn([2, 3, 20]));  // [5, 3, 20], [2, 3, 20]
 */
export class RNN extends RNNBase {
  /**
   * @param inputSize features of each input step
   * @param hiddenSize features of the hidden state
   * @param options numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional, dtype, backend
   */
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('RNN', inputSize, hiddenSize, options);
  }
  /** RNN's nonlinearity: `'tanh'` or `'relu'`. */
  get nonlinearity(): 'tanh' | 'relu' {
    return this.kind === 'rnn_relu' ? 'relu' : 'tanh';
  }
  /** `[output, hN]`: output `[L, N, D·H]` (`[N, L, D·H]` batch first), hN `[D·numLayers, N, H]`; `hx` is h0 (default zeros). */
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const r = this.run(input, hx, null);
    return [r.output, r.h];
  }
}

/**
 * A long short-term memory layer (torch.nn.LSTM): per layer, with gates in PyTorch's order i, f, g, o,
 *
 *   i, f, o = sigmoid(.), g = tanh(.)  of  x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
 *   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)   (then h_t W_hr^T with projSize > 0)
 *
 * Args:
 *   inputSize, hiddenSize: features of x and of h and c.
 *   options: `numLayers` (1), `bias` (true), `batchFirst` (false), `dropout` (0), `bidirectional`
 *     (false), `projSize` (0: no projection), `dtype`, `backend`.
 *
 * Shape (D = 2 if bidirectional else 1, Hout = projSize || hiddenSize):
 *   input: [seq, batch, inputSize] ([batch, seq, inputSize] with batchFirst; unbatched [seq, inputSize]).
 *   hx (optional): [h0, c0], h0 [D * numLayers, batch, Hout], c0 [D * numLayers, batch, hiddenSize].
 *   returns [output, [hN, cN]]: output [seq, batch, D * Hout]; hN, cN shaped like h0, c0.
 *
 * Parameters: weight_ih_l{k} [4 * hiddenSize, in], weight_hh_l{k} [4 * hiddenSize, Hout],
 * bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k} [projSize, hiddenSize]; `_reverse` for direction 2.
 *
 * Example:
 *   const lstm = new LSTM(10, 20, { batchFirst: true });
 *   const [out, [h, c]] = lstm(T.randn([3, 5, 10]));  // out [3, 5, 20], h and c [1, 3, 20]
 */
export class LSTM extends RNNBase {
  /**
   * @param inputSize features of each input step
   * @param hiddenSize features of the cell state (and of h, unless projSize)
   * @param options numLayers, bias, batchFirst, dropout, bidirectional, projSize, dtype, backend
   */
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }
  /** `[output, [hN, cN]]` in PyTorch's shapes; `hx` is `[h0, c0]` (default zeros). */
  forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    if (hx !== null && !(Array.isArray(hx) && hx.length === 2 && hx.every((t) => t instanceof T.Tensor))) {
      throw new ValueRangeError(
        `${this.label()}: hx must be a pair [h0, c0] of tensors (or omitted for zeros), got ${Array.isArray(hx) ? `an array of ${hx.length}` : typeof hx}`,
      );
    }
    const r = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [r.output, [r.h, r.c!]];
  }
}

/**
 * A gated recurrent unit layer (torch.nn.GRU): per layer, with gates in PyTorch's order r, z, n,
 *
 *   r, z = sigmoid(x_t W_i{r,z}^T + b_i{r,z} + h_{t-1} W_h{r,z}^T + b_h{r,z})
 *   n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn)),   h_t = (1 - z) * n + z * h_{t-1}
 *
 * Args:
 *   inputSize, hiddenSize: features of x and h.
 *   options: `numLayers` (1), `bias` (true), `batchFirst` (false), `dropout` (0), `bidirectional`
 *     (false), `dtype`, `backend`.
 *
 * Shape: as RNN; weight_ih_l{k} and weight_hh_l{k} have 3 * hiddenSize rows.
 *
 * Example:
 *   const gru = new GRU(10, 20, { bidirectional: true });
 *   const [out, hN] = gru(T.randn([5, 3, 10]));  // out [5, 3, 40], hN [2, 3, 20]
 */
export class GRU extends RNNBase {
  /**
   * @param inputSize features of each input step
   * @param hiddenSize features of the hidden state
   * @param options numLayers, bias, batchFirst, dropout, bidirectional, dtype, backend
   */
  constructor(inputSize: number, hiddenSize: number, options: GRUOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
  /** `[output, hN]` in PyTorch's shapes; `hx` is h0 (default zeros). */
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const r = this.run(input, hx, null);
    return [r.output, r.h];
  }
}
