/**
 * `--optimizer`: the torch.optim classes of @nn/optim, keyed by CLI name, each with the
 * hyperparameter flags it takes and their defaults.
 */
import { Adagrad, Adam, AdamW, Adamax, Lion, RMSprop, SGD } from '@nn/optim';
import type { Tensor } from '@nn/tensor';
import type { DatasetName } from './data.js';
import { keysOf } from './flags.js';

/** Every optimizer hyperparameter the CLI sets (besides --lr). */
export interface Hyper {
  momentum: number;
  nesterov: boolean;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  alpha: number;
}
export type HyperName = keyof Hyper;

/** The flag of each (--betas can also be given as --beta1 / --beta2). */
export const HYPER_FLAGS: Record<HyperName, string> = {
  momentum: '--momentum',
  nesterov: '--nesterov',
  betas: '--betas',
  eps: '--eps',
  weightDecay: '--weight-decay',
  alpha: '--alpha',
};
/** PyTorch's keyword for each, for the report. */
const TORCH_KEYS: Record<HyperName, string> = {
  momentum: 'momentum',
  nesterov: 'nesterov',
  betas: 'betas',
  eps: 'eps',
  weightDecay: 'weight_decay',
  alpha: 'alpha',
};

export type DemoOptimizer = SGD | Adagrad | RMSprop | Adam | AdamW | Adamax | Lion;

export interface OptimizerSpec {
  /** The class name (torch.optim's, except Lion, which PyTorch does not have). */
  torch: string;
  /** The hyperparameters it takes, with the demo's defaults (PyTorch's, except SGD's momentum). */
  defaults: Partial<Hyper>;
  /** Default --lr per data set. */
  lr: Record<DatasetName, number>;
  make(params: Tensor[], lr: number, h: Hyper): DemoOptimizer;
}

/** Types `make` by the entry's defaults: it cannot read a hyperparameter the entry does not take. */
const spec = <K extends HyperName>(s: {
  torch: string;
  defaults: Pick<Hyper, K>;
  lr: Record<DatasetName, number>;
  make: (params: Tensor[], lr: number, h: Pick<Hyper, K>) => DemoOptimizer;
}): OptimizerSpec => s;

export type OptimizerName = 'sgd' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw' | 'adamax' | 'lion';

export const OPTIMIZERS: Record<OptimizerName, OptimizerSpec> = {
  sgd: spec({
    torch: 'SGD',
    // Plain SGD crawls on these data sets; momentum 0.9 is what most recipes use.
    defaults: { momentum: 0.9, nesterov: false, weightDecay: 0 },
    lr: { spiral: 0.1, linreg: 0.05, 'fashion-mnist': 0.05 },
    make: (p, lr, h) => new SGD(p, { lr, momentum: h.momentum, nesterov: h.nesterov, weightDecay: h.weightDecay }),
  }),
  adagrad: spec({
    torch: 'Adagrad',
    defaults: { eps: 1e-10, weightDecay: 0 },
    lr: { spiral: 0.1, linreg: 0.5, 'fashion-mnist': 0.01 },
    make: (p, lr, h) => new Adagrad(p, { lr, eps: h.eps, weightDecay: h.weightDecay }),
  }),
  rmsprop: spec({
    torch: 'RMSprop',
    defaults: { alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 },
    lr: { spiral: 0.003, linreg: 0.02, 'fashion-mnist': 0.001 },
    make: (p, lr, h) => new RMSprop(p, { lr, alpha: h.alpha, eps: h.eps, momentum: h.momentum, weightDecay: h.weightDecay }),
  }),
  adam: spec({
    torch: 'Adam',
    defaults: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
    lr: { spiral: 0.01, linreg: 0.05, 'fashion-mnist': 0.001 },
    make: (p, lr, h) => new Adam(p, { lr, betas: h.betas, eps: h.eps, weightDecay: h.weightDecay }),
  }),
  adamw: spec({
    torch: 'AdamW',
    defaults: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 },
    lr: { spiral: 0.01, linreg: 0.05, 'fashion-mnist': 0.001 },
    make: (p, lr, h) => new AdamW(p, { lr, betas: h.betas, eps: h.eps, weightDecay: h.weightDecay }),
  }),
  adamax: spec({
    torch: 'Adamax',
    defaults: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
    lr: { spiral: 0.02, linreg: 0.1, 'fashion-mnist': 0.002 },
    make: (p, lr, h) => new Adamax(p, { lr, betas: h.betas, eps: h.eps, weightDecay: h.weightDecay }),
  }),
  lion: spec({
    torch: 'Lion',
    defaults: { betas: [0.9, 0.99], weightDecay: 0 },
    lr: { spiral: 0.002, linreg: 0.03, 'fashion-mnist': 0.0003 },
    make: (p, lr, h) => new Lion(p, { lr, betas: h.betas, weightDecay: h.weightDecay }),
  }),
};
export const OPTIMIZER_NAMES = keysOf(OPTIMIZERS);

/** Whether the optimizer takes the hyperparameter. */
export const takes = (name: OptimizerName, key: HyperName): boolean => key in OPTIMIZERS[name].defaults;

/** The optimizers that take the hyperparameter, for messages and --help. */
export const takenBy = (key: HyperName): OptimizerName[] => OPTIMIZER_NAMES.filter((n) => takes(n, key));

/** The entry's defaults with the given values over them: exactly the hyperparameters it takes. */
export const resolveHyper = (name: OptimizerName, given: Partial<Hyper>): Partial<Hyper> => ({ ...OPTIMIZERS[name].defaults, ...given });

export function makeOptimizer(name: OptimizerName, params: Tensor[], lr: number, hyper: Partial<Hyper>): DemoOptimizer {
  // resolveHyper filled in every hyperparameter the entry takes, and make reads no others.
  return OPTIMIZERS[name].make(params, lr, hyper as Hyper);
}

const valueText = (v: Hyper[HyperName]): string =>
  Array.isArray(v) ? `(${v.join(', ')})` : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);

/** PyTorch's way of writing it: `Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)` (without lr: the defaults). */
export function optimizerText(name: OptimizerName, hyper: Partial<Hyper>, lr?: number): string {
  const args = (Object.entries(hyper) as [HyperName, Hyper[HyperName]][]).map(([k, v]) => `${TORCH_KEYS[k]}=${valueText(v)}`);
  return `${OPTIMIZERS[name].torch}(${[...(lr === undefined ? [] : [`lr=${lr}`]), ...args].join(', ')})`;
}
