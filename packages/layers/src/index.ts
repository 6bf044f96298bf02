/**
 * @nn/layers: torch.nn for @nn. Importing it also loads @nn/autograd (loss.backward()).
 */
import '@nn/autograd';

export { Module, parameter, isParameter, type StateDict, type LoadOptions } from './module.js';
export { Linear, Identity, Flatten, type LinearOptions } from './linear.js';
export { Sequential, ModuleList, Residual } from './containers.js';
export { Sigmoid, Tanh, ReLU, LeakyReLU, ELU, GELU, Softplus, Softmax, LogSoftmax, PReLU, Maxout } from './activations.js';
export { BatchNorm1d, LayerNorm, type BatchNormOptions, type LayerNormOptions } from './normalization.js';
export { Dropout, dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export {
  mseLoss, l1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, nllLoss, crossEntropy,
  MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss,
  type Reduction, type ReductionOptions, type BCEOptions, type BCEWithLogitsOptions, type NLLOptions, type CrossEntropyOptions,
} from './losses.js';
export * as init from './init.js';
export { toBytes, toBytesAsync, fromBytes, save, load, loadInto, SafetensorsError, type Metadata } from './safetensors.js';
