/**
 * The network of a configuration: hidden blocks (Linear → norm → activation → dropout, optionally
 * inside a Residual) and a Linear head, as a Sequential so the pictures can run it block by block.
 */
import type * as T from '@nn/tensor';
import {
  BatchNorm1d,
  Dropout,
  ELU,
  GELU,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  Maxout,
  type Module,
  PReLU,
  ReLU,
  Residual,
  Sequential,
  Sigmoid,
  Softmax,
  Softplus,
  Tanh,
  init,
} from '@nn/layers';
import type { ActivationName, Config, InitName, NormName } from '../config.js';

type Nonlinearity = Parameters<typeof init.calculateGain>[0];

/** Each activation as a module factory, with the nonlinearity Xavier/Kaiming gains are computed for. */
const ACTIVATIONS: Record<ActivationName, { make: () => Module | null; gain: Nonlinearity }> = {
  relu: { make: () => new ReLU(), gain: 'relu' },
  'leaky-relu': { make: () => new LeakyReLU(0.01), gain: 'leakyRelu' },
  prelu: { make: () => new PReLU(), gain: 'leakyRelu' },
  elu: { make: () => new ELU(), gain: 'relu' },
  gelu: { make: () => new GELU(), gain: 'relu' },
  tanh: { make: () => new Tanh(), gain: 'tanh' },
  sigmoid: { make: () => new Sigmoid(), gain: 'sigmoid' },
  softplus: { make: () => new Softplus(), gain: 'relu' },
  // Maxout is its own linear map (out * pieces units, then a max): it replaces Linear + activation.
  maxout: { make: () => null, gain: 'linear' },
  softmax: { make: () => new Softmax(-1), gain: 'linear' },
  'log-softmax': { make: () => new LogSoftmax(-1), gain: 'linear' },
  linear: { make: () => null, gain: 'linear' },
};

const NORMS: Record<NormName, (units: number) => Module | null> = {
  none: () => null,
  batch: (units) => new BatchNorm1d(units),
  layer: (units) => new LayerNorm([units]),
};

/** Weight initializers (biases become zero for every scheme but PyTorch's default). */
const INITS: Record<InitName, ((w: T.Tensor, gain: Nonlinearity) => void) | null> = {
  default: null,
  'xavier-uniform': (w, g) => init.xavierUniform_(w, init.calculateGain(g)),
  'xavier-normal': (w, g) => init.xavierNormal_(w, init.calculateGain(g)),
  'kaiming-uniform': (w, g) => init.kaimingUniform_(w, { nonlinearity: g === 'leakyRelu' ? 'leakyRelu' : 'relu' }),
  'kaiming-normal': (w, g) => init.kaimingNormal_(w, { nonlinearity: g === 'leakyRelu' ? 'leakyRelu' : 'relu' }),
  'normal-small': (w) => init.normal_(w, 0, 0.01),
  'normal-large': (w) => init.normal_(w, 0, 1),
  zeros: (w) => init.zeros_(w),
};

function hiddenBlock(inputs: number, units: number, c: Config): Module {
  const act = ACTIVATIONS[c.activation];
  const layers: Module[] = [c.activation === 'maxout' ? new Maxout(inputs, units, 2) : new Linear(inputs, units)];
  const norm = NORMS[c.norm](units);
  if (norm !== null) layers.push(norm);
  const a = act.make();
  if (a !== null) layers.push(a);
  if (c.dropout > 0) layers.push(new Dropout(c.dropout));
  const body = new Sequential(...layers);
  return c.residual && inputs === units ? new Residual(body) : body;
}

/** Builds the model from the global generator (seed it first for reproducible weights). */
export function makeModel(c: Config, inputs: number, outputs: number): Sequential {
  const blocks: Module[] = [];
  let width = inputs;
  for (const units of c.hidden) {
    blocks.push(hiddenBlock(width, units, c));
    width = units;
  }
  blocks.push(new Linear(width, outputs));
  const model = new Sequential(...blocks);
  const scheme = INITS[c.init];
  if (scheme !== null) {
    for (const m of model.modules()) {
      if (!(m instanceof Linear)) continue;
      scheme(m.weight, m === blocks.at(-1) ? 'linear' : ACTIVATIONS[c.activation].gain);
      if (m.bias) init.zeros_(m.bias);
    }
  }
  return model;
}

/** Number of trainable values. */
export const countParameters = (m: Module): number => m.parameters().reduce((n, p) => n + p.size, 0);
