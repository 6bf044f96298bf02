// Linear regression by gradient descent, written out by hand: the model y = x w + b, the mean
// squared error, its gradient from autograd, and the update w <- w - lr * dL/dw. No optimizer, no
// layer: every piece of a training loop is visible. (Deck 002, "Engine: neural network".)
import { noGrad } from '@nn/autograd';
import { makeRegression } from '@nn/data';
import { tidy, zeros } from '@nn/tensor';
import { lineChart } from './lib/plot.js';
import { report, size } from './lib/options.js';

// Data: y = 3 x1 - 2 x2 + 0.5 plus a little noise (seeded, so every run is the same).
const trueW = [[3], [-2]];
const { x, y } = makeRegression({ n: 256, weights: trueW, bias: 0.5, noise: 0.1, seed: 0 });

// Parameters start at zero; requiresGrad asks autograd to fill w.grad and b.grad on backward().
const w = zeros([2, 1]).requiresGrad_();
const b = zeros([1]).requiresGrad_();
const lr = 0.1;
const steps = size(100, 40);
const curve: { step: number; loss: number }[] = [];

for (let step = 0; step < steps; step++) {
  // tidy frees every intermediate tensor (predictions, residuals, the graph) when the step ends.
  const loss = tidy(() => {
    const pred = x.matmul(w).add(b);
    const mse = pred.sub(y).pow(2).mean();
    mse.backward(); // dL/dw and dL/db, accumulated into w.grad and b.grad
    return mse.item();
  });
  curve.push({ step, loss });
  // The update must not be recorded in the graph (it is not part of the model): noGrad.
  noGrad(() => {
    w.sub_(w.grad!.mul(lr));
    b.sub_(b.grad!.mul(lr));
  });
  // Gradients accumulate (as in PyTorch), so clear them before the next backward().
  w.grad!.dispose();
  b.grad!.dispose();
  w.grad = null;
  b.grad = null;
}

const [w1, w2] = w.dataSync();
await lineChart('linear-regression-loss', curve, { title: 'Linear regression: MSE by step', x: 'step', y: 'loss', logY: true });
report({ firstLoss: curve[0].loss, finalLoss: curve.at(-1)!.loss, w1, w2, b: b.item(), target: 'w = [3, -2], b = 0.5' });
