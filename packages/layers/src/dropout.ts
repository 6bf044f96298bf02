import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { dims } from './check.js';
import { Module } from './module.js';

/** Inverted dropout: zero each element with probability p and scale the rest by 1 / (1 - p). */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP(p);
  if (!training || p === 0) return T.reshape(x, x.shape);
  if (p === 1) return T.mul(x, 0);
  return T.tidy(() => {
    const keepMask = T.ge(T.rand(x.shape, { dtype: x.dtype, backend: x.backend.name }), p);
    return T.mul(T.where(keepMask, x, 0), 1 / (1 - p));
  });
}

function checkP(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueRangeError(`Dropout: p must be a probability in [0, 1], got ${p}`);
}

/**
 * During training, zeroes each element with probability `p` and scales the others by
 * `1 / (1 − p)`, so the expected value is unchanged; in evaluation mode it returns its input
 * (torch.nn.Dropout). Masks come from the global Philox generator (`manualSeed`).
 *
 * Shape: input `[*]`, output the same shape.
 *
 * @example
 * ```ts
 * import { Dropout } from '@nn/layers';
 * import { ones } from '@nn/tensor';
 *
 * const drop = new Dropout(0.5);
 * drop(ones([6]));        // e.g. [2, 0, 2, 2, 0, 0]
 * drop.eval();
 * drop(ones([6]));        // [1, 1, 1, 1, 1, 1]
 * ```
 */
export class Dropout extends Module {
  /** @param p probability of zeroing an element, in [0, 1) (default 0.5) */
  constructor(readonly p = 0.5) {
    super();
    checkP(p);
  }
  /** Applies dropout in training mode; returns `x` (a view) in evaluation mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Channel dropout (torch.nn.functional.dropout2d): zeros whole channels of [N, C, H, W] with
 * probability p and scales the others by 1 / (1 - p), from the same seeded generator as dropout.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  checkP(p);
  if (x.ndim !== 4) {
    throw new ShapeError(
      `Dropout2d: expected a 4-D [N, C, H, W] input, got shape [${x.shape.join(',')}]; add a batch dim with unsqueeze(0) for one [C, H, W] sample`,
    );
  }
  if (!training || p === 0) return T.reshape(x, x.shape);
  if (p === 1) return T.mul(x, 0);
  return T.tidy(() => {
    const [n, c] = dims(x.shape, 0, 1);
    const keep = T.ge(T.rand([n, c, 1, 1], { dtype: x.dtype, backend: x.backend.name }), p);
    return T.mul(T.where(keep, x, 0), 1 / (1 - p));
  });
}

/**
 * Dropout2d, as torch.nn.Dropout2d: in training, each channel of each sample is zeroed with
 * probability p (adjacent pixels are correlated, so dropping single pixels regularizes little).
 *
 * Shape: [N, C, H, W] -> same. Example: `new Sequential(new Conv2d(16, 32, 3), new Dropout2d(0.2))`.
 */
export class Dropout2d extends Module {
  /** @param p probability of zeroing a channel, in [0, 1) (default 0.5) */
  constructor(readonly p = 0.5) {
    super();
    checkP(p);
  }
  /** Drops whole channels of `x` `[N, C, H, W]` in training mode; returns `x` in evaluation mode. */
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
