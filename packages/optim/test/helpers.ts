/** Shared test helpers: the PyTorch reference file, the fixed MLP, and comparisons. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import '@nn/autograd';
import { expect } from 'vitest';

export interface RefT {
  name?: string;
  shape: number[];
  dtype: T.DType;
  data: number[];
}

const file = new URL('../../../tooling/torch-reference/out/optim.json', import.meta.url);
export const ref = JSON.parse(readFileSync(fileURLToPath(file), 'utf8'));

export const toT = (r: RefT, requiresGrad = false): Tensor => T.tensor(r.data, { shape: r.shape, dtype: 'float32', requiresGrad });

/** Fresh leaf parameters with the reference initial values (w1, b1, w2, b2, w3, b3). */
export function initialParams(): Tensor[] {
  return (ref.model.params as RefT[]).map((p) => toT(p, true));
}

export const X: Tensor = T.keep(toT(ref.model.x));
export const Y: Tensor = T.keep(toT(ref.model.y));

/** mean((linear(tanh(linear(tanh(linear(x,w1,b1)),w2,b2)),w3,b3) − y)²). */
export function mlpLoss(ps: Tensor[], x: Tensor = X, y: Tensor = Y): Tensor {
  return T.tidy(() => {
    const [w1, b1, w2, b2, w3, b3] = ps;
    const h1 = T.tanh(T.linear(x, w1, b1));
    const h2 = T.tanh(T.linear(h1, w2, b2));
    return T.mean(T.square(T.sub(T.linear(h2, w3, b3), y)));
  });
}

/** Forward + backward; returns the loss value. */
export function lossAndGrad(ps: Tensor[]): number {
  return T.tidy(() => {
    const l = mlpLoss(ps);
    l.backward();
    return l.item();
  });
}

/** |a − b| <= rtol·|b| + atol, elementwise, with a message naming the first mismatch. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string, rtol = 1e-5, atol = 0): void {
  expect(got.length, `${label} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const tol = rtol * Math.abs(want[i]) + atol;
    if (!(err <= tol))
      expect.fail(`${label}[${i}]: got ${got[i]}, want ${want[i]} (|diff| ${err.toExponential(2)} > ${tol.toExponential(2)})`);
  }
}

export const values = (ps: Tensor[]): Float32Array[] => ps.map((p) => p.dataSync() as Float32Array);
