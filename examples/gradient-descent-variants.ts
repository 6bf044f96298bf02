// Batch vs stochastic vs minibatch gradient descent on one problem (Decks 002 and 003). All three
// follow the gradient of the same loss, estimated from all n examples, from one, or from a few:
// - batch: one exact, expensive step per epoch;
// - stochastic (batch size 1): n cheap, noisy steps per epoch, which wander near the minimum
//   unless the learning rate decays;
// - minibatch: the usual compromise (and what vectorised hardware is good at).
import { DataLoader, TensorDataset, makeRegression } from '@nn/data';
import { Linear, mseLoss } from '@nn/layers';
import { SGD } from '@nn/optim';
import { type Tensor, manualSeed, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

const n = size(512, 128);
const epochs = size(20, 8);
const { x, y } = makeRegression({ n, weights: [[1.5], [-2], [0.7], [3], [-1]], bias: 1, noise: 0.3, seed: 0 });
const data = new TensorDataset(x, y);
const fullLoss = (model: Linear): number => noGradTidy(() => mseLoss(model(x), y).item());

// Each variant: a batch size and a learning rate that suits it (smaller batches, noisier steps).
const variants = [
  { name: 'batch (n)', batchSize: n, lr: 0.3 },
  { name: 'minibatch (32)', batchSize: 32, lr: 0.1 },
  { name: 'stochastic (1)', batchSize: 1, lr: 0.01 },
];
const rows: { epoch: number; loss: number; variant: string }[] = [];
const results: Record<string, unknown> = {};

for (const v of variants) {
  manualSeed(0); // the same initial weights for every variant
  const model = new Linear(5, 1);
  const opt = new SGD(model.parameters(), { lr: v.lr });
  const loader = new DataLoader(data, { batchSize: v.batchSize, shuffle: true, seed: 0 });
  let updates = 0;
  const start = performance.now();
  rows.push({ epoch: 0, loss: fullLoss(model), variant: v.name });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for await (const [xb, yb] of loader) {
      opt.zeroGrad();
      tidy(() => mseLoss(model(xb as Tensor), yb as Tensor).backward());
      opt.step();
      updates++;
      (xb as Tensor).dispose();
      (yb as Tensor).dispose();
    }
    rows.push({ epoch, loss: fullLoss(model), variant: v.name });
  }
  const key = v.name.split(' ')[0];
  results[`${key}Loss`] = rows.at(-1)!.loss;
  results[`${key}Updates`] = updates;
  results[`${key}Ms`] = Math.round(performance.now() - start);
}

await lineChart('gradient-descent-variants', rows, {
  title: 'Full-data MSE after each epoch',
  x: 'epoch',
  y: 'loss',
  series: 'variant',
  logY: true,
});
report({ ...results, noiseFloor: 0.3 ** 2 });
