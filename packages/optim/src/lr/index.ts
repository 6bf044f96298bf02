/** Learning-rate schedulers (PyTorch's torch.optim.lr_scheduler) and closed-form schedule functions. */
export {
  LRScheduler, LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
  CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR, SequentialLR, ChainedScheduler, ReduceLROnPlateau,
  PowerLR, InverseSqrtLR,
  type SchedulerStateDict, type LambdaLROptions, type StepLROptions, type MultiStepLROptions, type ConstantLROptions,
  type LinearLROptions, type ExponentialLROptions, type PolynomialLROptions, type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions, type OneCycleLROptions, type SequentialLROptions,
  type ReduceLROnPlateauOptions, type PowerLROptions, type InverseSqrtLROptions,
} from './scheduler.js';
export {
  stepDecay, multiStepDecay, exponentialDecay, constantFactor, linearSchedule, polynomialDecay, cosineAnnealing,
  cosineAnnealingWarmRestarts, oneCycle, oneCycleMomentum, power, inverseSqrt, sequential,
  type Schedule, type OneCycleOptions,
} from './functions.js';
