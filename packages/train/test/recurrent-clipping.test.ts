/**
 * Exploding gradients through a long recurrence, bounded by clipGradNorm (here because this
 * package has both @nn/layers and @nn/optim): a relu RNN whose recurrent weight has gain 1.1 over
 * 200 steps gets gradients of norm ~1e10; clipping scales them to the bound, keeping their
 * direction, and the SGD step that follows stays small.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import * as L from '@nn/layers';
import { SGD, clipGradNorm } from '@nn/optim';
import { describe, expect, it } from 'vitest';

function explodingRnn(): L.RNN {
  T.manualSeed(4);
  const rnn = new L.RNN(4, 16, { nonlinearity: 'relu' });
  noGrad(() => {
    rnn.weight_ih_l0.copy_(T.abs(rnn.weight_ih_l0)); // positive inputs stay positive through relu
    rnn.weight_hh_l0.copy_(T.mul(T.eye(16), 1.1)); // every step multiplies h by 1.1
  });
  return rnn;
}

/** Gradient norm over every parameter of the loss mean(output) after `steps` steps. */
function gradNorm(rnn: L.RNN, x: Tensor): number {
  rnn.zeroGrad();
  T.tidy(() => T.mean(rnn(x)[0]).backward());
  const sq = rnn.parameters().reduce((s, p) => s + Array.from(p.grad!.dataSync()).reduce((a, g) => a + g * g, 0), 0);
  return Math.sqrt(sq);
}

describe('clipGradNorm on a long sequence', () => {
  it('200 steps of a relu RNN with gain 1.1: the gradient explodes, clipping bounds it and keeps its direction', () => {
    const rnn = explodingRnn();
    const x = T.rand([200, 2, 4]);
    const short = gradNorm(rnn, T.narrow(x, 0, 0, 20));
    const long = gradNorm(rnn, x);
    expect(short).toBeLessThan(1e3);
    expect(long).toBeGreaterThan(1e9); // ~1.1^200 = 1.9e8, summed over steps
    expect(Number.isFinite(long)).toBe(true);

    const before = rnn.parameters().map((p) => Float64Array.from(p.grad!.dataSync()));
    const total = clipGradNorm(rnn.parameters(), 1);
    expect(Math.abs(total.item() - long) / long).toBeLessThan(1e-3); // the norm before clipping
    const after = rnn.parameters().map((p) => Array.from(p.grad!.dataSync()));
    const norm = Math.sqrt(after.flat().reduce((a, g) => a + g * g, 0));
    expect(norm).toBeGreaterThan(0.999);
    expect(norm).toBeLessThanOrEqual(1 + 1e-5);
    // Same direction: each gradient scaled by one factor, maxNorm / total.
    const k = 1 / long;
    before.forEach((b, i) => b.forEach((g, j) => expect(Math.abs(after[i][j] - g * k)).toBeLessThanOrEqual(1e-6 + 1e-3 * Math.abs(g * k))));

    // The SGD step that follows moves the weights by at most lr * maxNorm.
    const w0 = rnn.parameters().map((p) => Array.from(p.dataSync()));
    new SGD(rnn.parameters(), { lr: 0.1 }).step();
    const moved = Math.sqrt(
      rnn.parameters().reduce((s, p, i) => s + Array.from(p.dataSync()).reduce((a, v, j) => a + (v - w0[i][j]) ** 2, 0), 0),
    );
    expect(moved).toBeLessThanOrEqual(0.1 + 1e-6);
  });
});
