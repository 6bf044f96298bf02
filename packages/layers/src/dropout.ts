import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
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

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkP(p);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
