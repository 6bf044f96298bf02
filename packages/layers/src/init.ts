/**
 * Initializers (torch.nn.init): fill a tensor in place from the seeded generator. Weights use
 * PyTorch's [out, in, ...] layout, so fan in = size(1) * receptive field, fan out = size(0) * it.
 */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { dims } from './check.js';

/** Nonlinearities {@link calculateGain} knows (PyTorch's, in camelCase: `'leakyRelu'` is PyTorch's `'leaky_relu'`). */
export type Nonlinearity = 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu' | 'conv1d' | 'conv2d' | 'conv3d';

/** Each nonlinearity's gain (param: leakyRelu's negative slope). */
const GAINS: Record<Nonlinearity, (param: number | undefined) => number> = {
  linear: () => 1,
  identity: () => 1,
  sigmoid: () => 1,
  conv1d: () => 1,
  conv2d: () => 1,
  conv3d: () => 1,
  tanh: () => 5 / 3,
  relu: () => Math.SQRT2,
  leakyRelu: (param) => {
    const slope = param ?? 0.01;
    if (typeof slope !== 'number' || Number.isNaN(slope))
      throw new ValueRangeError(`calculateGain: negative slope ${param} is not a number`);
    return Math.sqrt(2 / (1 + slope * slope));
  },
  selu: () => 3 / 4,
};

/** PyTorch's snake_case values and their camelCase spelling here, for errors that say what to write. */
const PYTORCH_SPELLING: Readonly<Record<string, string>> = { leaky_relu: 'leakyRelu', fan_in: 'fanIn', fan_out: 'fanOut' };

/** An error for a value outside `valid`, naming the camelCase spelling when a PyTorch one was given. */
function invalidValue(owner: string, key: string, value: unknown, valid: readonly string[]): ValueRangeError {
  const renamed = typeof value === 'string' ? PYTORCH_SPELLING[value] : undefined;
  if (renamed !== undefined)
    return new ValueRangeError(`${owner}: ${key} '${value}' is not valid; use '${renamed}' (PyTorch's '${value}')`);
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return new ValueRangeError(`${owner}: ${key} ${shown} is not valid; use one of ${valid.map((v) => `'${v}'`).join(', ')}`);
}

/** The recommended gain for a nonlinearity (param: leakyRelu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (!Object.hasOwn(GAINS, nonlinearity)) throw invalidValue('calculateGain', 'nonlinearity', nonlinearity, Object.keys(GAINS));
  return GAINS[nonlinearity](param);
}

/**
 * `[fanIn, fanOut]` of a weight: `[in, out]` sizes times the receptive field (`t.shape[1] · ∏kernel`, `t.shape[0] · ∏kernel`), as PyTorch; needs at least 2 dims.
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new ShapeError(`init: fan in and fan out need a tensor of at least 2 dims, got shape [${t.shape.join(',')}]`);
  const [out, inp] = dims(t.shape, 0, 1);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [inp * receptive, out * receptive];
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() => T.tidy(() => void t.copy_(make())));
  return t;
}

/**
 * Fills `t` in place with U(a, b) from the global generator; returns `t`.
 *
 * @example
 * ```ts
 * import { Linear, init } from '@nn/layers';
 *
 * const fc = new Linear(256, 128);
 * init.uniform_(fc.weight, -0.1, 0.1); // every weight in [-0.1, 0.1)
 * ```
 */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  if (!(a <= b)) throw new ValueRangeError(`uniform_: needs a <= b, got a=${a}, b=${b}`);
  return fill(t, () => T.add(T.mul(T.rand(t.shape, { dtype: t.dtype, backend: t.backend.name }), b - a), a));
}

/**
 * Fills `t` in place with N(mean, std²) from the global generator; returns `t`.
 *
 * @example
 * ```ts
 * import { Linear, init } from '@nn/layers';
 *
 * const fc = new Linear(256, 128);
 * init.normal_(fc.weight, 0, 0.02); // GPT-style init
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new ValueRangeError(`normal_: std must be >= 0, got ${std}`);
  return fill(t, () => T.add(T.mul(T.randn(t.shape, { dtype: t.dtype, backend: t.backend.name }), std), mean));
}

/** Fills `t` in place with `value`; returns `t`. */
export const constant_ = (t: Tensor, value: number): Tensor =>
  fill(t, () => T.full([], value, { dtype: t.dtype, backend: t.backend.name }));
/** Fills `t` in place with zeros; returns `t`. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills `t` in place with ones; returns `t`. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/**
 * Glorot/Xavier uniform init: U(−a, a) with `a = gain · sqrt(6 / (fanIn + fanOut))`, keeping activation and gradient variance steady through tanh/sigmoid layers; returns `t`.
 *
 * @example
 * ```ts
 * import { Linear, init } from '@nn/layers';
 *
 * const fc = new Linear(256, 128);
 * init.xavierUniform_(fc.weight, init.calculateGain('tanh')); // a = 5/3 · sqrt(6 / 384)
 * ```
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/**
 * Glorot/Xavier normal init: N(0, std²) with `std = gain · sqrt(2 / (fanIn + fanOut))`; returns `t`.
 *
 * @example
 * ```ts
 * import { Linear, init } from '@nn/layers';
 *
 * const fc = new Linear(256, 128);
 * init.xavierNormal_(fc.weight); // std = sqrt(2 / 384)
 * ```
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of {@link kaimingUniform_} and {@link kaimingNormal_}. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (default 0). */
  a?: number;
  /** `'fanIn'` (default) keeps the forward pass's variance, `'fanOut'` the backward pass's (PyTorch's `'fan_in'`, `'fan_out'`). */
  mode?: 'fanIn' | 'fanOut';
  /** The nonlinearity after this layer, for the gain (default `'leakyRelu'`). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(owner: string, t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' }: KaimingOptions): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw invalidValue(owner, 'mode', mode, ['fanIn', 'fanOut']);
  if (!Object.hasOwn(GAINS, nonlinearity)) throw invalidValue(owner, 'nonlinearity', nonlinearity, Object.keys(GAINS));
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) return 0;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform init: U(−b, b) with `b = gain · sqrt(3 / fan)`, keeping the variance steady through ReLU layers; returns `t`.
 *
 * @example
 * ```ts
 * import { Linear, init } from '@nn/layers';
 *
 * const fc = new Linear(256, 128);
 * init.kaimingUniform_(fc.weight, { nonlinearity: 'relu' }); // b = sqrt(2) · sqrt(3 / 256)
 * ```
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound);
}

/**
 * He/Kaiming normal init: N(0, std²) with `std = gain / sqrt(fan)`; returns `t`.
 *
 * @example
 * ```ts
 * import { Linear, init } from '@nn/layers';
 *
 * const fc = new Linear(256, 128);
 * init.kaimingNormal_(fc.weight, { nonlinearity: 'relu' }); // std = sqrt(2 / 256)
 * ```
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options));
}
