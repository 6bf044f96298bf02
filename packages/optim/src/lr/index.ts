/** Learning-rate schedulers (PyTorch's torch.optim.lr_scheduler) and closed-form schedule functions. */
export { LRScheduler, type SchedulerStateDict } from './base.js';
export {
  StepLR,
  MultiStepLR,
  ConstantLR,
  LinearLR,
  ExponentialLR,
  PolynomialLR,
  type StepLROptions,
  type MultiStepLROptions,
  type ConstantLROptions,
  type LinearLROptions,
  type ExponentialLROptions,
  type PolynomialLROptions,
} from './decay.js';
export {
  LambdaLR,
  MultiplicativeLR,
  PowerLR,
  InverseSqrtLR,
  type LambdaLROptions,
  type PowerLROptions,
  type InverseSqrtLROptions,
} from './lambda.js';
export {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle.js';
export { SequentialLR, ChainedScheduler, type SequentialLROptions } from './compose.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
export type { OneCyclePhase } from './forms.js';
export {
  stepDecay,
  multiStepDecay,
  exponentialDecay,
  constantFactor,
  linearSchedule,
  polynomialDecay,
  cosineAnnealing,
  cosineAnnealingWarmRestarts,
  oneCycle,
  oneCycleMomentum,
  power,
  inverseSqrt,
  sequential,
  type Schedule,
  type OneCycleOptions,
} from './functions.js';
