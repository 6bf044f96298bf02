/**
 * Transformer layers (torch.nn.TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
 * TransformerDecoder) with PyTorch's submodule names, so state dicts carry PyTorch's keys
 * (`self_attn.in_proj_weight`, `linear1.weight`, `norm1.bias`, `layers.0....`).
 */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { MultiheadAttention, fmt, isTensor } from './attention.js';
import { checkOptions, checkPositiveInt, type Rules, rule, withDefaults } from './check.js';
import { ModuleList } from './containers.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';

/** The feed-forward activation of a Transformer layer. */
export type TransformerActivation = 'relu' | 'gelu';

/** Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer} (PyTorch's defaults). */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** Activation of the feed-forward block (default 'relu'). */
  activation?: TransformerActivation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** LayerNorm before attention and feed-forward (pre-norm) instead of after the residual (default false). */
  normFirst?: boolean;
  /** Biases in the Linear and LayerNorm layers (default true). */
  bias?: boolean;
}

const LAYER_RULES: Rules<Required<TransformerLayerOptions>> = {
  dimFeedforward: rule.positiveInt,
  dropout: rule.dropout,
  activation: rule.oneOf('relu', 'gelu'),
  layerNormEps: { ok: (v) => typeof v === 'number' && v > 0, valid: 'a number > 0' },
  batchFirst: rule.bool,
  normFirst: rule.bool,
  bias: rule.bool,
};

const LAYER_DEFAULTS: Required<TransformerLayerOptions> = {
  dimFeedforward: 2048,
  dropout: 0.1,
  activation: 'relu',
  layerNormEps: 1e-5,
  batchFirst: false,
  normFirst: false,
  bias: true,
};

const ACTIVATIONS: Record<TransformerActivation, (x: Tensor) => Tensor> = { relu: (x) => T.relu(x), gelu: (x) => T.gelu(x) };

/** The options of a layer, checked, with defaults. */
function layerOptions(layer: string, dModel: number, nhead: number, given: TransformerLayerOptions): Required<TransformerLayerOptions> {
  checkPositiveInt(layer, 'dModel', dModel);
  checkPositiveInt(layer, 'nhead', nhead);
  const o = withDefaults<TransformerLayerOptions>(layer, LAYER_DEFAULTS, given);
  checkOptions(layer, LAYER_RULES, given, o);
  if (dModel % nhead !== 0) throw new ValueRangeError(`${layer}: dModel (${dModel}) must be divisible by nhead (${nhead})`);
  return o;
}

/** A [seq, N, dModel] / [N, seq, dModel] / unbatched [seq, dModel] input, or a ShapeError naming it. */
function checkSequence(layer: string, what: string, x: unknown, dModel: number, batchFirst: boolean): asserts x is Tensor {
  if (!isTensor(x)) throw new ValueRangeError(`${layer}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  const layout = batchFirst ? '[N, seq, dModel]' : '[seq, N, dModel]';
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== dModel) {
    throw new ShapeError(
      `${layer}: expected ${what} ${layout} or unbatched [seq, dModel] with dModel = ${dModel}, got shape ${fmt(x.shape)}`,
    );
  }
}

/**
 * A copy of a layer with its own parameters holding the same values (PyTorch's _get_clones deep
 * copy), on the same backend and in the same mode.
 */
function cloneLayer<M extends Module>(proto: M, fresh: M): M {
  const backend = proto.parameters()[0]?.backend.name;
  if (backend !== undefined) fresh.to(backend);
  const sd = proto.stateDict();
  try {
    fresh.loadStateDict(sd);
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  return fresh.train(proto.training);
}

/** The feed-forward block and its dropouts, shared by the encoder and decoder layers. */
abstract class TransformerLayerBase extends Module {
  /** The layer's options, with defaults filled in. */
  protected readonly options: Required<TransformerLayerOptions>;
  /**
   * @param dModel features of each token
   * @param nhead attention heads (must divide dModel)
   * @param options the checked options
   */
  constructor(
    readonly dModel: number,
    readonly nhead: number,
    options: Required<TransformerLayerOptions>,
  ) {
    super();
    this.options = options;
  }
  /** Inputs are `[N, seq, dModel]` instead of `[seq, N, dModel]`. */
  get batchFirst(): boolean {
    return this.options.batchFirst;
  }
  /** Pre-norm: LayerNorm before each sub-block instead of after. */
  get normFirst(): boolean {
    return this.options.normFirst;
  }
  /** The feed-forward block's modules. */
  protected abstract get ff(): {
    /** dModel → dimFeedforward. */
    linear1: Linear;
    /** dimFeedforward → dModel. */
    linear2: Linear;
    /** Dropout between the two. */
    dropout: Dropout;
    /** Dropout on the block's output. */
    out: Dropout;
  };
  /** linear2(dropout(activation(linear1(x)))), then dropout. */
  protected feedForward(x: Tensor): Tensor {
    const { linear1, linear2, dropout, out } = this.ff;
    return T.tidy(() => out(linear2(dropout(ACTIVATIONS[this.options.activation](linear1(x) as Tensor)))) as Tensor);
  }
  /** The layer's description for error messages. */
  protected label(): string {
    return `${this.constructor.name}(d_model=${this.dModel}, nhead=${this.nhead})`;
  }
}

/** Masks for {@link TransformerEncoderLayer.forward}. */
export interface TransformerEncoderLayerForwardOptions {
  /** Self-attention mask [L, L] or [N * nhead, L, L] (bool: true = masked out; float: added). */
  srcMask?: Tensor | null;
  /** [N, L] (bool: true = padding; float: added). */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (the mask is built when srcMask is not given). */
  isCausal?: boolean;
}

const ENCODER_FORWARD_RULES: Rules<Required<TransformerEncoderLayerForwardOptions>> = {
  srcMask: rule.any,
  srcKeyPaddingMask: rule.any,
  isCausal: rule.bool,
};

/**
 * One Transformer encoder layer, as torch.nn.TransformerEncoderLayer: self-attention and a
 * feed-forward block, each with a residual connection and LayerNorm (after the residual, or
 * before the block with normFirst).
 *
 * Args:
 *   dModel: features; nhead: attention heads (must divide dModel). Options: dimFeedforward
 *   (2048), dropout (0.1), activation ('relu' | 'gelu'), layerNormEps (1e-5), batchFirst (false),
 *   normFirst (false), bias (true).
 *
 * Submodules (PyTorch's keys): `self_attn` (MultiheadAttention), `linear1` [dimFeedforward, dModel],
 * `linear2` [dModel, dimFeedforward], `norm1`, `norm2`, and the dropouts `dropout`, `dropout1`, `dropout2`.
 *
 * Shape: src [L, N, dModel] ([N, L, dModel] with batchFirst, or [L, dModel]) -> same.
 *
 * Example:
 *   const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true });
 *   const y = layer(T.randn([8, 10, 64]), { isCausal: true });  // [8, 10, 64]
 */
export class TransformerEncoderLayer extends TransformerLayerBase {
  /** Self-attention (PyTorch's name, so state dicts match). */
  self_attn: MultiheadAttention;
  /** Feed-forward: dModel → dimFeedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Feed-forward: dimFeedforward → dModel. */
  linear2: Linear;
  /** LayerNorm around the self-attention block. */
  norm1: LayerNorm;
  /** LayerNorm around the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout on the self-attention output. */
  dropout1: Dropout;
  /** Dropout on the feed-forward output. */
  dropout2: Dropout;

  /**
   * @param dModel features of each token
   * @param nhead attention heads (must divide dModel)
   * @param options dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias
   */
  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    const o = layerOptions('TransformerEncoderLayer', dModel, nhead, options);
    super(dModel, nhead, o);
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias: o.bias });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias: o.bias });
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
  }

  /** The feed-forward block's modules. */
  protected get ff() {
    return {
      /** dModel → dimFeedforward. */
      linear1: this.linear1,
      /** dimFeedforward → dModel. */
      linear2: this.linear2,
      /** Dropout between the two. */
      dropout: this.dropout,
      /** Dropout on the block's output. */
      out: this.dropout2,
    };
  }

  /** A new layer with its own parameters, equal to these (what TransformerEncoder stacks). */
  clone(): TransformerEncoderLayer {
    return cloneLayer(this, new TransformerEncoderLayer(this.dModel, this.nhead, this.options));
  }

  /** Checks src and the masks before any work (also called by TransformerEncoder). */
  checkInputs(src: Tensor, o: TransformerEncoderLayerForwardOptions, label = this.label()): void {
    checkSequence(label, 'src', src, this.dModel, this.batchFirst);
    this.self_attn.checkInputs(
      src,
      src,
      src,
      { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask },
      {
        layer: label,
        attnMask: 'srcMask',
        keyPaddingMask: 'srcKeyPaddingMask',
      },
    );
  }

  /** `src` `[seq, N, dModel]` (`[N, seq, dModel]` batch first, or unbatched `[seq, dModel]`) → the same shape. */
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const label = this.label();
    const o = withDefaults<TransformerEncoderLayerForwardOptions>(
      `${label}.forward`,
      { srcMask: null, srcKeyPaddingMask: null, isCausal: false },
      options,
    );
    checkOptions(`${label}.forward`, ENCODER_FORWARD_RULES, options, o);
    this.checkInputs(src, o, label);
    const sa = (x: Tensor): Tensor =>
      this.dropout1(
        this.self_attn(x, x, x, { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal, needWeights: false })[0],
      );
    return T.tidy(() => {
      if (this.normFirst) {
        const x = T.add(src, sa(this.norm1(src)));
        return T.add(x, this.feedForward(this.norm2(x)));
      }
      const x = this.norm1(T.add(src, sa(src))) as Tensor;
      return this.norm2(T.add(x, this.feedForward(x))) as Tensor;
    });
  }

  override extraRepr(): string {
    return this.normFirst ? 'norm_first=True' : '';
  }
}

/** Options of {@link TransformerEncoder} and {@link TransformerDecoder}. */
export interface TransformerEncoderOptions {
  /** A module applied to the last layer's output (e.g. a LayerNorm); default none. */
  norm?: Module | null;
}

/** Masks for {@link TransformerEncoder.forward}. */
export interface TransformerEncoderForwardOptions {
  /** The self-attention mask of every layer (see TransformerEncoderLayer's srcMask). */
  mask?: Tensor | null;
  /** Padding mask `[N, seq]`: true marks keys to ignore. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that `mask` is causal (default false). */
  isCausal?: boolean;
}

/**
 * A stack of encoder layers, as torch.nn.TransformerEncoder: numLayers copies of `encoderLayer`,
 * each with its own parameters starting at the prototype's values (PyTorch's deep copies; the
 * prototype itself is not part of the stack), then the optional `norm`.
 *
 * Args: encoderLayer (a TransformerEncoderLayer), numLayers; options norm (null).
 * Keys: `layers.0.self_attn.in_proj_weight`, ..., `norm.weight`.
 * Shape: as the layer's.
 *
 * Example:
 *   const enc = new TransformerEncoder(new TransformerEncoderLayer(64, 4, { batchFirst: true }), 2, { norm: new LayerNorm(64) });
 *   const y = enc(T.randn([8, 10, 64]), { isCausal: true });
 */
export class TransformerEncoder extends Module {
  /** The stacked layers (copies of the given one). */
  layers: ModuleList;
  /** The final normalisation, or null. */
  norm: Module | null;
  /** Number of layers. */
  readonly numLayers: number;

  /**
   * @param encoderLayer the layer to copy
   * @param numLayers how many copies to stack
   * @param options norm: a final normalisation (default none)
   */
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: TransformerEncoderOptions = {}) {
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer))
      throw new ValueRangeError('TransformerEncoder: encoderLayer must be a TransformerEncoderLayer');
    checkPositiveInt('TransformerEncoder', 'numLayers', numLayers);
    const o = withDefaults<TransformerEncoderOptions>('TransformerEncoder', { norm: null }, options);
    checkOptions('TransformerEncoder', { norm: { ok: (v) => v === null || v instanceof Module, valid: 'a Module or null' } }, options, o);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = o.norm;
    this.numLayers = numLayers;
  }

  /** Runs `src` through every layer, then `norm`; shapes as the layer's. */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    const label = `TransformerEncoder(num_layers=${this.numLayers})`;
    const o = withDefaults<TransformerEncoderForwardOptions>(
      `${label}.forward`,
      { mask: null, srcKeyPaddingMask: null, isCausal: false },
      options,
    );
    checkOptions(`${label}.forward`, { mask: rule.any, srcKeyPaddingMask: rule.any, isCausal: rule.bool }, options, o);
    const layers = [...this.layers] as TransformerEncoderLayer[];
    const layerOpts = { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal };
    layers[0]!.checkInputs(src, layerOpts, label); // numLayers >= 1, checked in the constructor
    return T.tidy(() => {
      let x = src;
      for (const layer of layers) x = layer(x, layerOpts) as Tensor;
      return this.norm === null ? x : (this.norm(x) as Tensor);
    });
  }
}

/** Masks for {@link TransformerDecoderLayer.forward}. */
export interface TransformerDecoderLayerForwardOptions {
  /** Self-attention mask [T, T] or [N * nhead, T, T] (bool: true = masked out; float: added). */
  tgtMask?: Tensor | null;
  /** Cross-attention mask [T, S] or [N * nhead, T, S]. */
  memoryMask?: Tensor | null;
  /** [N, T] (bool: true = padding). */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S] (bool: true = padding). */
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (the mask is built when tgtMask is not given). */
  tgtIsCausal?: boolean;
  /** Causal cross-attention (the mask is built when memoryMask is not given). */
  memoryIsCausal?: boolean;
}

const DECODER_FORWARD_RULES: Rules<Required<TransformerDecoderLayerForwardOptions>> = {
  tgtMask: rule.any,
  memoryMask: rule.any,
  tgtKeyPaddingMask: rule.any,
  memoryKeyPaddingMask: rule.any,
  tgtIsCausal: rule.bool,
  memoryIsCausal: rule.bool,
};

const DECODER_DEFAULTS: Required<TransformerDecoderLayerForwardOptions> = {
  tgtMask: null,
  memoryMask: null,
  tgtKeyPaddingMask: null,
  memoryKeyPaddingMask: null,
  tgtIsCausal: false,
  memoryIsCausal: false,
};

/**
 * One Transformer decoder layer, as torch.nn.TransformerDecoderLayer: self-attention over the
 * target, attention from the target to the encoder's output (`memory`), and a feed-forward block,
 * each with a residual connection and LayerNorm (post- or pre-norm).
 *
 * Args and options as TransformerEncoderLayer.
 * Submodules (PyTorch's keys): `self_attn`, `multihead_attn`, `linear1`, `linear2`, `norm1`,
 * `norm2`, `norm3`, and the dropouts `dropout`, `dropout1`..`dropout3`.
 *
 * Shape: tgt [T, N, dModel], memory [S, N, dModel] (batch first with batchFirst; or unbatched
 * [T, dModel], [S, dModel]) -> [T, N, dModel].
 *
 * Example:
 *   const dec = new TransformerDecoderLayer(64, 4);
 *   const y = dec(T.randn([7, 8, 64]), T.randn([10, 8, 64]), { tgtIsCausal: true });  // [7, 8, 64]
 */
export class TransformerDecoderLayer extends TransformerLayerBase {
  /** Masked self-attention over the target. */
  self_attn: MultiheadAttention;
  /** Cross-attention from the target to the memory (the encoder's output). */
  multihead_attn: MultiheadAttention;
  /** Feed-forward: dModel → dimFeedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Feed-forward: dimFeedforward → dModel. */
  linear2: Linear;
  /** LayerNorm around the self-attention block. */
  norm1: LayerNorm;
  /** LayerNorm around the cross-attention block. */
  norm2: LayerNorm;
  /** LayerNorm around the feed-forward block. */
  norm3: LayerNorm;
  /** Dropout on the self-attention output. */
  dropout1: Dropout;
  /** Dropout on the cross-attention output. */
  dropout2: Dropout;
  /** Dropout on the feed-forward output. */
  dropout3: Dropout;

  /**
   * @param dModel features of each token
   * @param nhead attention heads (must divide dModel)
   * @param options dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias
   */
  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    const o = layerOptions('TransformerDecoderLayer', dModel, nhead, options);
    super(dModel, nhead, o);
    const attn = { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst };
    this.self_attn = new MultiheadAttention(dModel, nhead, attn);
    this.multihead_attn = new MultiheadAttention(dModel, nhead, attn);
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias: o.bias });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias: o.bias });
    const norm = { eps: o.layerNormEps, bias: o.bias };
    this.norm1 = new LayerNorm(dModel, norm);
    this.norm2 = new LayerNorm(dModel, norm);
    this.norm3 = new LayerNorm(dModel, norm);
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
  }

  /** The feed-forward block's modules. */
  protected get ff() {
    return {
      /** dModel → dimFeedforward. */
      linear1: this.linear1,
      /** dimFeedforward → dModel. */
      linear2: this.linear2,
      /** Dropout between the two. */
      dropout: this.dropout,
      /** Dropout on the block's output. */
      out: this.dropout3,
    };
  }

  /** A new layer with its own parameters, equal to these (what TransformerDecoder stacks). */
  clone(): TransformerDecoderLayer {
    return cloneLayer(this, new TransformerDecoderLayer(this.dModel, this.nhead, this.options));
  }

  /** Checks tgt, memory and the masks before any work. */
  checkInputs(tgt: Tensor, memory: Tensor, o: TransformerDecoderLayerForwardOptions, label = this.label()): void {
    checkSequence(label, 'tgt', tgt, this.dModel, this.batchFirst);
    checkSequence(label, 'memory', memory, this.dModel, this.batchFirst);
    if (memory.ndim !== tgt.ndim)
      throw new ShapeError(`${label}: tgt and memory must have the same rank, got ${fmt(tgt.shape)} and ${fmt(memory.shape)}`);
    this.self_attn.checkInputs(
      tgt,
      tgt,
      tgt,
      { attnMask: o.tgtMask, keyPaddingMask: o.tgtKeyPaddingMask },
      {
        layer: label,
        attnMask: 'tgtMask',
        keyPaddingMask: 'tgtKeyPaddingMask',
      },
    );
    this.multihead_attn.checkInputs(
      tgt,
      memory,
      memory,
      { attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask },
      {
        layer: label,
        attnMask: 'memoryMask',
        keyPaddingMask: 'memoryKeyPaddingMask',
      },
    );
  }

  /**
   * `tgt` `[T, N, dModel]` attending to `memory` `[S, N, dModel]` (batch first: `[N, T, dModel]`, `[N, S, dModel]`) → `tgt`'s shape.
   */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    const label = this.label();
    const o = withDefaults<TransformerDecoderLayerForwardOptions>(`${label}.forward`, DECODER_DEFAULTS, options);
    checkOptions(`${label}.forward`, DECODER_FORWARD_RULES, options, o);
    this.checkInputs(tgt, memory, o, label);
    const sa = (x: Tensor): Tensor =>
      this.dropout1(
        this.self_attn(x, x, x, {
          attnMask: o.tgtMask,
          keyPaddingMask: o.tgtKeyPaddingMask,
          isCausal: o.tgtIsCausal,
          needWeights: false,
        })[0],
      );
    const ca = (x: Tensor): Tensor =>
      this.dropout2(
        this.multihead_attn(x, memory, memory, {
          attnMask: o.memoryMask,
          keyPaddingMask: o.memoryKeyPaddingMask,
          isCausal: o.memoryIsCausal,
          needWeights: false,
        })[0],
      );
    return T.tidy(() => {
      if (this.normFirst) {
        let x = T.add(tgt, sa(this.norm1(tgt)));
        x = T.add(x, ca(this.norm2(x)));
        return T.add(x, this.feedForward(this.norm3(x)));
      }
      let x = this.norm1(T.add(tgt, sa(tgt))) as Tensor;
      x = this.norm2(T.add(x, ca(x))) as Tensor;
      return this.norm3(T.add(x, this.feedForward(x))) as Tensor;
    });
  }

  override extraRepr(): string {
    return this.normFirst ? 'norm_first=True' : '';
  }
}

/** Masks for {@link TransformerDecoder.forward} (as the decoder layer's). */
export type TransformerDecoderForwardOptions = TransformerDecoderLayerForwardOptions;

/**
 * A stack of decoder layers, as torch.nn.TransformerDecoder: numLayers copies of `decoderLayer`
 * (own parameters, the prototype's values), each reading the same memory, then the optional norm.
 *
 * Args: decoderLayer, numLayers; options norm (null). Keys: `layers.0.multihead_attn.in_proj_weight`, ...
 *
 * Example:
 *   const dec = new TransformerDecoder(new TransformerDecoderLayer(64, 4), 2);
 *   const y = dec(T.randn([7, 8, 64]), T.randn([10, 8, 64]), { tgtIsCausal: true });
 */
export class TransformerDecoder extends Module {
  /** The stacked layers (copies of the given one). */
  layers: ModuleList;
  /** The final normalisation, or null. */
  norm: Module | null;
  /** Number of layers. */
  readonly numLayers: number;

  /**
   * @param decoderLayer the layer to copy
   * @param numLayers how many copies to stack
   * @param options norm: a final normalisation (default none)
   */
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: TransformerEncoderOptions = {}) {
    super();
    if (!(decoderLayer instanceof TransformerDecoderLayer))
      throw new ValueRangeError('TransformerDecoder: decoderLayer must be a TransformerDecoderLayer');
    checkPositiveInt('TransformerDecoder', 'numLayers', numLayers);
    const o = withDefaults<TransformerEncoderOptions>('TransformerDecoder', { norm: null }, options);
    checkOptions('TransformerDecoder', { norm: { ok: (v) => v === null || v instanceof Module, valid: 'a Module or null' } }, options, o);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = o.norm;
    this.numLayers = numLayers;
  }

  /** Runs `tgt` (attending to `memory`) through every layer, then `norm`. */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderForwardOptions = {}): Tensor {
    const label = `TransformerDecoder(num_layers=${this.numLayers})`;
    const o = withDefaults<TransformerDecoderLayerForwardOptions>(`${label}.forward`, DECODER_DEFAULTS, options);
    checkOptions(`${label}.forward`, DECODER_FORWARD_RULES, options, o);
    const layers = [...this.layers] as TransformerDecoderLayer[];
    layers[0]!.checkInputs(tgt, memory, o, label); // numLayers >= 1, checked in the constructor
    return T.tidy(() => {
      let x = tgt;
      for (const layer of layers) x = layer(x, memory, o) as Tensor;
      return this.norm === null ? x : (this.norm(x) as Tensor);
    });
  }
}
