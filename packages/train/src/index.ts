/** @nn/train: fit, evaluate, predict, metrics and callbacks. The terminal progress bar: '@nn/train/node'. */
export { fit, evaluate, predict, type FitOptions, type History, type LossFn, type OptimizerLike, type SchedulerLike } from './fit.js';
export {
  EarlyStopping,
  ModelCheckpoint,
  ProgressEvents,
  type Callback,
  type EpochLogs,
  type TrainContext,
  type ProgressEvent,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
} from './callbacks.js';
export { accuracy, accuracyTensor, topK, mse, mseTensor, confusionMatrix, METRICS, type Metric } from './metrics.js';
export { overfitBatch, type OverfitOptions, type OverfitReport } from './overfit.js';
export type { Batch, Batches } from './batch.js';
