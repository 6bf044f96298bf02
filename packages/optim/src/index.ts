/**
 * @nn/optim: optimizers with PyTorch's defaults and update order, gradient clipping, and
 * learning-rate schedulers (in the `lr` namespace).
 */
export {
  Optimizer,
  type AnyOptimizer,
  type BaseOptions,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type ParamState,
  type StateValue,
  type OptimizerStateDict,
  type SchedulerFields,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamWOptions, type AdamState } from './adam.js';
export { Adagrad, type AdagradOptions, type AdagradState } from './adagrad.js';
export { RMSprop, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { Adamax, type AdamaxOptions, type AdamaxState } from './adamax.js';
export { Lion, type LionOptions, type LionState } from './lion.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
export * as lr from './lr/index.js';
