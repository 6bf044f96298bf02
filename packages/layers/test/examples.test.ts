/** The seeds' models, trained end to end with plain gradient descent (optimizers live in @nn/optim). */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';

function sgdStep(model: L.Module, lr: number): void {
  noGrad(() => {
    for (const p of model.parameters()) T.tidy(() => void p.copy_(T.sub(p, T.mul(p.grad!, lr))));
  });
  model.zeroGrad();
}

function train(model: L.Module, steps: number, lr: number, loss: () => Tensor): number {
  let last = Number.NaN;
  for (let i = 0; i < steps; i++) {
    last = T.tidy(() => {
      const l = loss();
      l.backward();
      return l.item();
    });
    sgdStep(model, lr);
  }
  return last;
}

describe('examples from the seeds', () => {
  it('linear regression with MSE recovers the coefficients', () => {
    T.manualSeed(0);
    const x = T.randn([200, 2]);
    const y = T.tidy(() => T.add(T.matmul(x, T.tensor([[3], [-2]], { dtype: 'float32' })), 0.5));
    const model = new L.Linear(2, 1);
    const mse = new L.MSELoss();
    train(model, 300, 0.1, () => mse(model(x), y));
    const w = Array.from(model.weight.dataSync());
    expect(w[0]).toBeCloseTo(3, 3);
    expect(w[1]).toBeCloseTo(-2, 3);
    expect(model.bias!.item()).toBeCloseTo(0.5, 3);
  });

  it('logistic regression with BCE separates two gaussians', () => {
    T.manualSeed(1);
    const a = T.add(T.randn([100, 2]), 2);
    const b = T.sub(T.randn([100, 2]), 2);
    const x = T.concat([a, b], 0);
    const y = T.concat([T.ones([100, 1]), T.zeros([100, 1])], 0);
    const model = new L.Sequential(new L.Linear(2, 1), new L.Sigmoid());
    const bce = new L.BCELoss();
    const loss = train(model, 200, 0.5, () => bce(model(x), y));
    expect(loss).toBeLessThan(0.1);
    const acc = T.tidy(() => T.mean(T.cast(T.eq(T.gt(model(x) as Tensor, 0.5), T.gt(y, 0.5)), 'float32')).item());
    expect(acc).toBeGreaterThan(0.97);
  });

  it('an MLP classifier with cross-entropy fits a 3-class spiral', () => {
    T.manualSeed(2);
    const n = 60;
    const pts: number[] = [];
    const labels: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < n; i++) {
        const r = i / n;
        const t = c * 4 + r * 4 + ((i * 7919) % 13) * 0.02;
        pts.push(r * Math.sin(t), r * Math.cos(t));
        labels.push(c);
      }
    }
    const x = T.tensor(pts, { shape: [3 * n, 2], dtype: 'float32' });
    const y = T.tensor(labels, { dtype: 'int32' });
    const model = new L.Sequential(new L.Linear(2, 64), new L.ReLU(), new L.Linear(64, 64), new L.ReLU(), new L.Linear(64, 3));
    const ce = new L.CrossEntropyLoss();
    train(model, 600, 0.5, () => ce(model(x), y));
    const acc = T.tidy(() => T.mean(T.cast(T.eq(T.argmax(model(x) as Tensor, 1), y), 'float32')).item());
    expect(acc).toBeGreaterThan(0.95);
  });

  it('a residual MLP with LayerNorm and GELU trains', () => {
    T.manualSeed(3);
    const x = T.randn([64, 8]);
    const y = T.tidy(() => T.sin(T.sum(x, 1, true)));
    const block = () => new L.Residual(new L.Sequential(new L.LayerNorm(8), new L.Linear(8, 8), new L.GELU(), new L.Linear(8, 8)));
    const model = new L.Sequential(block(), block(), block(), new L.Linear(8, 1));
    const mse = new L.MSELoss();
    const first = T.tidy(() => mse(model(x), y).item());
    const last = train(model, 400, 0.1, () => mse(model(x), y));
    expect(last).toBeLessThan(first * 0.1);
  });
});
