/**
 * Everything a user can set, as one plain object: the UI edits it, the URL stores it, the worker
 * builds data, model and optimizer from it. Each family of choices is a union type with a table
 * of labels, so a new entry that lacks a label (or a worker implementation) does not compile.
 */

export type DatasetName = 'circles' | 'xor' | 'gaussians' | 'spiral' | 'regression' | 'digits';
export type ActivationName =
  | 'relu'
  | 'leaky-relu'
  | 'prelu'
  | 'elu'
  | 'gelu'
  | 'tanh'
  | 'sigmoid'
  | 'softplus'
  | 'maxout'
  | 'softmax'
  | 'log-softmax'
  | 'linear';
export type NormName = 'none' | 'batch' | 'layer';
export type InitName =
  | 'default'
  | 'xavier-uniform'
  | 'xavier-normal'
  | 'kaiming-uniform'
  | 'kaiming-normal'
  | 'normal-small'
  | 'normal-large'
  | 'zeros';
export type LossName = 'cross-entropy' | 'bce' | 'mse' | 'l1' | 'huber';
export type OptimizerName = 'sgd' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw' | 'adamax' | 'lion';
export type ScheduleName = 'constant' | 'step' | 'exponential' | 'cosine' | 'warmup' | 'warmup-cosine' | 'restarts' | 'one-cycle';
export type BackendName = 'cpu' | 'wasm' | 'webgpu';

export interface Config {
  // data
  dataset: DatasetName;
  samples: number;
  noise: number;
  /** Fraction of the samples held out for validation. */
  valSplit: number;
  seed: number;
  // model
  hidden: number[];
  activation: ActivationName;
  norm: NormName;
  /** Dropout probability after each hidden activation (0: none). */
  dropout: number;
  /** Skip connections around hidden layers whose input and output widths agree. */
  residual: boolean;
  init: InitName;
  // training
  loss: LossName;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  /** RMSprop's smoothing constant. */
  alpha: number;
  weightDecay: number;
  schedule: ScheduleName;
  /** Schedule parameters in epochs (converted to optimizer steps in the worker). */
  stepEpochs: number;
  gamma: number;
  warmupEpochs: number;
  restartEpochs: number;
  restartMult: number;
  batchSize: number;
  epochs: number;
  earlyStopping: boolean;
  patience: number;
  backend: BackendName;
  /** Optimizers trained side by side by the comparison panel. */
  compare: OptimizerName[];
}

export const DEFAULTS: Config = {
  dataset: 'spiral',
  samples: 400,
  noise: 0.1,
  valSplit: 0.25,
  seed: 1,
  hidden: [16, 16],
  activation: 'relu',
  norm: 'none',
  dropout: 0,
  residual: false,
  init: 'default',
  loss: 'cross-entropy',
  optimizer: 'adam',
  lr: 0.03,
  momentum: 0.9,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  alpha: 0.99,
  weightDecay: 0,
  schedule: 'constant',
  stepEpochs: 30,
  gamma: 0.5,
  warmupEpochs: 5,
  restartEpochs: 20,
  restartMult: 2,
  batchSize: 32,
  epochs: 100,
  earlyStopping: false,
  patience: 10,
  backend: 'cpu',
  compare: ['sgd', 'adam'],
};

export const DATASETS: Record<DatasetName, string> = {
  circles: 'Circles',
  xor: 'XOR',
  gaussians: 'Two Gaussians',
  spiral: 'Spiral',
  regression: 'Linear regression',
  digits: 'Digits (8×8, sklearn)',
};

export const ACTIVATIONS: Record<ActivationName, string> = {
  relu: 'ReLU',
  'leaky-relu': 'LeakyReLU',
  prelu: 'PReLU',
  elu: 'ELU',
  gelu: 'GELU',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  softplus: 'Softplus',
  maxout: 'Maxout (2 pieces)',
  softmax: 'Softmax (over the layer)',
  'log-softmax': 'LogSoftmax (over the layer)',
  linear: 'Linear (none)',
};

export const NORMS: Record<NormName, string> = { none: 'None', batch: 'BatchNorm', layer: 'LayerNorm' };

export const INITS: Record<InitName, string> = {
  default: "PyTorch's default",
  'xavier-uniform': 'Xavier uniform',
  'xavier-normal': 'Xavier normal',
  'kaiming-uniform': 'Kaiming uniform',
  'kaiming-normal': 'Kaiming normal',
  'normal-small': 'N(0, 0.01²): vanishing',
  'normal-large': 'N(0, 1): exploding',
  zeros: 'Zeros: symmetric',
};

export const LOSSES: Record<LossName, { label: string; task: Task }> = {
  'cross-entropy': { label: 'Cross-entropy', task: 'classification' },
  bce: { label: 'BCE with logits (one-hot)', task: 'classification' },
  mse: { label: 'MSE', task: 'both' },
  l1: { label: 'L1', task: 'regression' },
  huber: { label: 'Huber', task: 'regression' },
};

export const OPTIMIZERS: Record<OptimizerName, string> = {
  sgd: 'SGD',
  adagrad: 'Adagrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
  adamw: 'AdamW',
  adamax: 'Adamax',
  lion: 'Lion',
};

export const SCHEDULES: Record<ScheduleName, string> = {
  constant: 'Constant',
  step: 'Step decay',
  exponential: 'Exponential',
  cosine: 'Cosine annealing',
  warmup: 'Linear warm-up',
  'warmup-cosine': 'Warm-up + cosine',
  restarts: 'Cosine with warm restarts',
  'one-cycle': 'One-cycle',
};

export const BACKENDS: Record<BackendName, string> = { cpu: 'CPU (TypeScript)', wasm: 'WebAssembly (SIMD)', webgpu: 'WebGPU' };

export type Task = 'classification' | 'regression' | 'both';

/** Whether a dataset is a regression task. */
export const isRegression = (d: DatasetName): boolean => d === 'regression';

/** Whether a loss fits a dataset's task. */
export function lossFits(loss: LossName, dataset: DatasetName): boolean {
  const task = LOSSES[loss].task;
  return task === 'both' || (task === 'regression') === isRegression(dataset);
}

/** Whether the data has two input features, so it can be drawn in the plane. */
export const isPlanar = (d: DatasetName): boolean => d !== 'digits';

export const keysOf = <K extends string>(table: Record<K, unknown>): K[] => Object.keys(table) as K[];

/** Makes a configuration consistent after an edit (a loss that fits the task, sane ranges). */
export function normalize(c: Config): Config {
  const out = { ...c, hidden: c.hidden.filter((u) => Number.isInteger(u) && u >= 1).slice(0, 8) };
  if (!lossFits(out.loss, out.dataset)) out.loss = isRegression(out.dataset) ? 'mse' : 'cross-entropy';
  out.samples = Math.min(2000, Math.max(20, Math.round(out.samples)));
  out.batchSize = Math.min(1024, Math.max(1, Math.round(out.batchSize)));
  out.epochs = Math.min(5000, Math.max(1, Math.round(out.epochs)));
  out.valSplit = Math.min(0.8, Math.max(0.05, out.valSplit));
  return out;
}
