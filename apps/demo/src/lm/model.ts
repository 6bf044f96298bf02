/**
 * The two character-level language models the demo compares: a small causal Transformer (GPT-style
 * pre-norm blocks from @nn/layers' TransformerEncoder with isCausal) and an LSTM. Both map token
 * ids [batch, time] (int32) to next-token logits [batch, time, vocab].
 */
import type * as T from '@nn/tensor';
import {
  Dropout,
  Embedding,
  LSTM,
  LayerNorm,
  LearnedPositionalEmbedding,
  Linear,
  Module,
  SinusoidalPositionalEncoding,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '@nn/layers';

export type Positions = 'learned' | 'sinusoidal';

export interface TransformerLMConfig {
  vocab: number;
  /** Longest context the model reads (the learned position table's size). */
  context: number;
  dModel: number;
  heads: number;
  layers: number;
  feedForward: number;
  dropout: number;
  positions: Positions;
}

/**
 * Token embedding + positions -> numLayers pre-norm causal encoder layers (GELU) -> LayerNorm ->
 * Linear to the vocabulary. A decoder-only ("GPT") model built from the encoder stack: the causal
 * mask is what makes it one.
 */
export class TransformerLM extends Module {
  tok: Embedding;
  pos: LearnedPositionalEmbedding | SinusoidalPositionalEncoding;
  drop: Dropout;
  encoder: TransformerEncoder;
  head: Linear;
  constructor(readonly config: TransformerLMConfig) {
    super();
    const c = config;
    this.tok = new Embedding(c.vocab, c.dModel);
    this.pos =
      c.positions === 'learned'
        ? new LearnedPositionalEmbedding(c.context, c.dModel, { batchFirst: true })
        : new SinusoidalPositionalEncoding(c.dModel, { maxLen: c.context, batchFirst: true });
    this.drop = new Dropout(c.dropout);
    const layer = new TransformerEncoderLayer(c.dModel, c.heads, {
      dimFeedforward: c.feedForward,
      dropout: c.dropout,
      activation: 'gelu',
      batchFirst: true,
      normFirst: true,
    });
    this.encoder = new TransformerEncoder(layer, c.layers, { norm: new LayerNorm(c.dModel) });
    this.head = new Linear(c.dModel, c.vocab);
  }
  /** ids [B, T] int32 (T <= context) -> logits [B, T, vocab]. */
  forward(ids: T.Tensor): T.Tensor {
    const x = this.drop(this.pos(this.tok(ids)));
    return this.head(this.encoder(x, { isCausal: true }));
  }
}

export interface LstmLMConfig {
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  dropout: number;
}

/** Token embedding -> LSTM (batch first) -> Linear to the vocabulary. */
export class LstmLM extends Module {
  tok: Embedding;
  lstm: LSTM;
  head: Linear;
  constructor(readonly config: LstmLMConfig) {
    super();
    const c = config;
    this.tok = new Embedding(c.vocab, c.embed);
    this.lstm = new LSTM(c.embed, c.hidden, { numLayers: c.layers, batchFirst: true, dropout: c.layers > 1 ? c.dropout : 0 });
    this.head = new Linear(c.hidden, c.vocab);
  }
  forward(ids: T.Tensor): T.Tensor {
    const [out] = this.lstm(this.tok(ids));
    return this.head(out);
  }
}
