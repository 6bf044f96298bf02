// Logistic regression: a linear score squashed by a sigmoid gives P(y = 1 | x); minimising the
// binary cross-entropy is maximum likelihood for that model (Deck 003). Here with the library's
// pieces: a Linear layer, BCEWithLogitsLoss (sigmoid and log fused, numerically stable) and SGD.
import { makeGaussians } from '@nn/data';
import { BCEWithLogitsLoss, Linear } from '@nn/layers';
import { SGD } from '@nn/optim';
import { manualSeed, noGradTidy } from './lib/util.js';
import { grid2d, pointRows } from './lib/grid.js';
import { boundaryChart, lineChart } from './lib/plot.js';
import { report, size } from './lib/options.js';

manualSeed(0);
// Two overlapping Gaussian blobs, labels 0 and 1.
const { x, y } = makeGaussians({
  n: 400,
  centers: [
    [-1, -1],
    [1, 1],
  ],
  noise: 0.8,
  seed: 0,
});
const target = y.cast('float32').reshape([-1, 1]); // BCE wants float targets shaped like the scores

const model = new Linear(2, 1); // score = x w + b
const lossFn = new BCEWithLogitsLoss();
const opt = new SGD(model.parameters(), { lr: 0.5 });
const curve: { epoch: number; loss: number }[] = [];

for (let epoch = 0; epoch < size(200, 60); epoch++) {
  opt.zeroGrad();
  const loss = lossFn(model(x), target);
  loss.backward();
  opt.step();
  curve.push({ epoch, loss: loss.item() });
  loss.dispose();
}

// Accuracy: predict class 1 where the score is positive (probability above 0.5).
const accuracy = noGradTidy(() => model(x).gt(0).cast('int32').reshape([-1]).eq(y).cast('float32').mean().item());

// The decision boundary of logistic regression is the line where x w + b = 0.
const { points, rows } = grid2d(x);
const cls = noGradTidy(() => model(points).gt(0).cast('int32').dataSync());
await boundaryChart(
  'logistic-regression-boundary',
  'Logistic regression: decision regions',
  rows.map((r, i) => ({ ...r, class: cls[i] })),
  pointRows(x, y),
);
await lineChart('logistic-regression-loss', curve, { title: 'Binary cross-entropy by epoch', x: 'epoch', y: 'loss' });

const [w1, w2] = model.weight.dataSync();
report({ finalLoss: curve.at(-1)!.loss, accuracy, w1, w2, bias: model.bias!.item() });
