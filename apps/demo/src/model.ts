/**
 * The demo's model: an MLP as a Sequential. Each hidden layer is Linear -> norm -> activation ->
 * dropout (the usual torch order), optionally wrapped in a Residual; the choices are tables keyed
 * by their CLI names (--activation, --norm, --init).
 */
import {
  BatchNorm1d,
  Dropout,
  ELU,
  GELU,
  LayerNorm,
  LeakyReLU,
  Linear,
  Maxout,
  Module,
  PReLU,
  ReLU,
  Residual,
  Sequential,
  Sigmoid,
  Softplus,
  Tanh,
  init,
} from '@nn/layers';
import { type Tensor, silu } from '@nn/tensor';
import { keysOf } from './flags.js';

/** torch.nn.SiLU: @nn/tensor has the op but @nn/layers has no module for it. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** init.calculateGain's arguments: the nonlinearity after a Linear (and leaky ReLU's slope). */
export type Gain = [init.Nonlinearity, number?];

export interface ActivationSpec {
  /** The torch.nn module (arguments where they differ from its defaults), for --help and the report. */
  torch: string;
  /** What --help adds about it. */
  note?: string;
  /** The module after a hidden layer's linear map; null when the map is itself nonlinear (maxout). */
  make: (() => Module) | null;
  /** The hidden layer's map from i to o features, when not a Linear. */
  layer?: (i: number, o: number) => Module;
  /** The gain --init uses for the weights before this activation. */
  gain: Gain;
}

export type Activation = 'relu' | 'leaky-relu' | 'elu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid' | 'softplus' | 'prelu' | 'maxout';

// Softmax and LogSoftmax are left out: they normalize across units (an output layer's job,
// which CrossEntropyLoss already does), not a hidden-layer nonlinearity.
export const ACTIVATIONS: Record<Activation, ActivationSpec> = {
  relu: { torch: 'ReLU', make: () => new ReLU(), gain: ['relu'] },
  'leaky-relu': { torch: 'LeakyReLU(0.01)', make: () => new LeakyReLU(0.01), gain: ['leakyRelu', 0.01] },
  // PyTorch has no gain for the smooth ReLU variants; ReLU's is the usual choice.
  elu: { torch: 'ELU', make: () => new ELU(), gain: ['relu'] },
  gelu: { torch: 'GELU', make: () => new GELU(), gain: ['relu'] },
  silu: { torch: 'SiLU', make: () => new SiLU(), gain: ['relu'] },
  tanh: { torch: 'Tanh', make: () => new Tanh(), gain: ['tanh'] },
  sigmoid: { torch: 'Sigmoid', make: () => new Sigmoid(), gain: ['sigmoid'] },
  softplus: { torch: 'Softplus', make: () => new Softplus(), gain: ['relu'] },
  prelu: { torch: 'PReLU', note: 'one learned slope, from 0.25', make: () => new PReLU(), gain: ['leakyRelu', 0.25] },
  maxout: {
    torch: 'Maxout(pieces=2)',
    note: 'in place of the Linear,\neach unit is the max of 2 linear maps',
    make: null,
    layer: (i, o) => new Maxout(i, o, 2),
    gain: ['linear'],
  },
};
export const ACTIVATION_NAMES = keysOf(ACTIVATIONS);

export type NormName = 'none' | 'batchnorm' | 'layernorm';

export const NORMS: Record<NormName, { torch: string | null; make: ((features: number) => Module) | null }> = {
  none: { torch: null, make: null },
  batchnorm: { torch: 'BatchNorm1d', make: (n) => new BatchNorm1d(n) },
  layernorm: { torch: 'LayerNorm', make: (n) => new LayerNorm(n) },
};
export const NORM_NAMES = keysOf(NORMS);

export type InitName =
  | 'default'
  | 'kaiming-uniform'
  | 'kaiming-normal'
  | 'xavier-uniform'
  | 'xavier-normal'
  | 'normal'
  | 'uniform'
  | 'zeros';

export interface InitSpec {
  /** The torch.nn.init call, for --help. */
  torch: string;
  /** Fills a Linear's weight; null keeps Linear's own initialization (weights and biases). */
  weight: ((w: Tensor, gain: Gain) => void) | null;
}

export const INITS: Record<InitName, InitSpec> = {
  default: { torch: "Linear's own: kaiming_uniform_(a=sqrt(5)),\nbias U(-1/sqrt(in), 1/sqrt(in))", weight: null },
  'kaiming-uniform': { torch: 'kaiming_uniform_', weight: (w, [nl, a]) => init.kaimingUniform_(w, { nonlinearity: nl, a: a ?? 0 }) },
  'kaiming-normal': { torch: 'kaiming_normal_', weight: (w, [nl, a]) => init.kaimingNormal_(w, { nonlinearity: nl, a: a ?? 0 }) },
  'xavier-uniform': { torch: 'xavier_uniform_', weight: (w, [nl, a]) => init.xavierUniform_(w, init.calculateGain(nl, a)) },
  'xavier-normal': { torch: 'xavier_normal_', weight: (w, [nl, a]) => init.xavierNormal_(w, init.calculateGain(nl, a)) },
  normal: { torch: 'normal_(std=0.02)', weight: (w) => init.normal_(w, 0, 0.02) },
  uniform: { torch: 'uniform_(-0.05, 0.05)', weight: (w) => init.uniform_(w, -0.05, 0.05) },
  // Every unit computes the same thing: the symmetry that random initialization breaks.
  zeros: { torch: 'zeros_', weight: (w) => init.zeros_(w) },
};
export const INIT_NAMES = keysOf(INITS);

export interface MlpOptions {
  norm?: NormName;
  /** Dropout probability after each hidden activation (0: no Dropout module). */
  dropout?: number;
  /** Wrap each hidden layer in a Residual (a bias-free Linear projects the skip where widths differ). */
  residual?: boolean;
  init?: InitName;
}

const LINEAR: Gain = ['linear'];

/**
 * `in - hidden[0] - ... - out`; no hidden layers is a single Linear (a linear model). Without
 * norm, dropout and residual the parameter names are those of the equivalent torch.nn.Sequential
 * (`0.weight`, `0.bias`, `2.weight`, ...), so a saved file loads into either. Initialization draws
 * from the global generator: call manualSeed first.
 */
export function buildMlp(
  inFeatures: number,
  hidden: readonly number[],
  outFeatures: number,
  activation: Activation,
  { norm = 'none', dropout = 0, residual = false, init: initName = 'default' }: MlpOptions = {},
): Sequential {
  const act = ACTIVATIONS[activation];
  const fillWeight = INITS[initName].weight;
  const initialize = (m: Module, gain: Gain): void => {
    if (fillWeight === null) return;
    for (const l of m.modules()) {
      if (!(l instanceof Linear)) continue;
      fillWeight(l.weight, gain);
      if (l.bias !== null) init.zeros_(l.bias);
    }
  };
  const makeNorm = NORMS[norm].make;
  const layers: Module[] = [];
  let width = inFeatures;
  for (const h of hidden) {
    const map = act.layer?.(width, h) ?? new Linear(width, h);
    initialize(map, act.gain);
    const block = [map];
    if (makeNorm !== null) block.push(makeNorm(h));
    if (act.make !== null) block.push(act.make());
    if (dropout > 0) block.push(new Dropout(dropout));
    if (residual) {
      const projection = width === h ? null : new Linear(width, h, { bias: false });
      if (projection !== null) initialize(projection, LINEAR);
      layers.push(new Residual(new Sequential(...block), projection));
    } else {
      layers.push(...block);
    }
    width = h;
  }
  const head = new Linear(width, outFeatures);
  initialize(head, LINEAR);
  layers.push(head);
  return new Sequential(...layers);
}

/** `2-64-64-3` */
export const shapeText = (inFeatures: number, hidden: readonly number[], outFeatures: number): string =>
  [inFeatures, ...hidden, outFeatures].join('-');

/** One hidden layer in torch terms, e.g. `Residual(Linear -> BatchNorm1d -> ReLU -> Dropout(0.1))`. */
export function layerText(activation: Activation, { norm = 'none', dropout = 0, residual = false }: MlpOptions = {}): string {
  const act = ACTIVATIONS[activation];
  const parts = [
    act.layer ? act.torch : 'Linear',
    NORMS[norm].torch,
    act.make ? act.torch : null,
    dropout > 0 ? `Dropout(${dropout})` : null,
  ];
  const chain = parts.filter((p) => p !== null).join(' -> ');
  return residual ? `Residual(${chain})` : chain;
}

/** Frees the model's parameters and buffers. */
export function disposeModel(model: Module): void {
  for (const t of [...model.parameters(), ...model.buffers()]) t.dispose();
}
