/**
 * @nn/layers: torch.nn for @nn. Importing it also loads @nn/autograd (loss.backward()).
 */
import '@nn/autograd';

export { Module, parameter, isParameter, type StateDict, type LoadOptions } from './module.js';
export { Linear, Identity, Flatten, Unflatten, type LinearOptions } from './linear.js';
export {
  Conv1d,
  Conv2d,
  ConvTranspose1d,
  ConvTranspose2d,
  type ConvModuleOptions,
  type ConvTransposeModuleOptions,
  type PaddingMode,
} from './conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { Sequential, ModuleList, Residual } from './containers.js';
export { Sigmoid, Tanh, ReLU, LeakyReLU, ELU, GELU, Softplus, Softmax, LogSoftmax, PReLU, Maxout } from './activations.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  GroupNorm,
  LayerNorm,
  RMSNorm,
  type BatchNormOptions,
  type GroupNormOptions,
  type LayerNormOptions,
  type RMSNormOptions,
} from './normalization.js';
export { Dropout, Dropout2d, dropout, dropout2d } from './dropout.js';
export { Embedding } from './embedding.js';
export {
  RNNBase,
  RNN,
  LSTM,
  GRU,
  type RNNBaseOptions,
  type RNNOptions,
  type LSTMOptions,
  type GRUOptions,
} from './recurrent.js';
export { RNNCellBase, RNNCell, LSTMCell, GRUCell, type RNNCellBaseOptions, type RNNCellOptions } from './recurrent-cells.js';
export {
  scaledDotProductAttention,
  causalMask,
  MultiheadAttention,
  type ScaledDotProductAttentionOptions,
  type MultiheadAttentionOptions,
  type MultiheadAttentionForwardOptions,
} from './attention.js';
export {
  TransformerEncoderLayer,
  TransformerEncoder,
  TransformerDecoderLayer,
  TransformerDecoder,
  type TransformerActivation,
  type TransformerLayerOptions,
  type TransformerEncoderOptions,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderForwardOptions,
  type TransformerDecoderLayerForwardOptions,
  type TransformerDecoderForwardOptions,
} from './transformer.js';
export {
  sinusoidalPositionalEncoding,
  SinusoidalPositionalEncoding,
  LearnedPositionalEmbedding,
  type SinusoidalOptions,
  type PositionalOptions,
  type SinusoidalPositionalEncodingOptions,
} from './positional.js';
export {
  mseLoss,
  l1Loss,
  huberLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  nllLoss,
  crossEntropy,
  MSELoss,
  L1Loss,
  HuberLoss,
  BCELoss,
  BCEWithLogitsLoss,
  NLLLoss,
  CrossEntropyLoss,
  type Reduction,
  type ReductionOptions,
  type BCEOptions,
  type BCEWithLogitsOptions,
  type NLLOptions,
  type CrossEntropyOptions,
} from './losses.js';
export * as init from './init.js';
export { toBytes, toBytesAsync, fromBytes, save, load, loadInto, SafetensorsError, type Metadata } from './safetensors.js';
