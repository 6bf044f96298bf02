// An ensemble of random restarts (Deck 004, "dropout is implicitly an ensemble"): train the same
// small network from several random initialisations, then let them vote. Each run lands in a
// different minimum and makes different mistakes, so the majority is right more often than a
// typical member. (Ensembles are the surest way to buy accuracy with compute.)
import { makeSpiral } from '@nn/data';
import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { type Tensor, manualSeed, oneHot, stack, tidy } from '@nn/tensor';
import { grid2d, pointRows } from './lib/grid.js';
import { report, size } from './lib/options.js';
import { boundaryChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

const train = makeSpiral({ n: 150, classes: 3, noise: 0.12, seed: 0 });
const test = makeSpiral({ n: 1500, classes: 3, noise: 0.12, seed: 1 });
const members = size(7, 5);

const models: Sequential[] = [];
for (let seed = 0; seed < members; seed++) {
  manualSeed(seed); // a different initialisation per member; the data stay the same
  const model = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 32), new ReLU(), new Linear(32, 3));
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  for (let step = 0; step < size(400, 200); step++) {
    opt.zeroGrad();
    tidy(() => crossEntropy(model(train.x), train.y).backward());
    opt.step();
  }
  models.push(model);
}

/** Majority vote: each member's predicted class as a one-hot row, summed; the most votes wins. */
const vote = (x: Tensor): Tensor =>
  stack(models.map((m) => oneHot(m(x).argmax(1), 3).cast('float32')))
    .sum(0)
    .argmax(1);
const accuracy = (pred: Tensor, y: Tensor) => pred.eq(y).cast('float32').mean().item();

const memberAccuracy = models.map((m) => noGradTidy(() => accuracy(m(test.x).argmax(1), test.y)));
const ensembleAccuracy = noGradTidy(() => accuracy(vote(test.x), test.y));
const mean = memberAccuracy.reduce((a, b) => a + b) / members;

const { points, rows } = grid2d(test.x, 50);
const cls = noGradTidy(() => vote(points).dataSync());
await boundaryChart(
  'ensemble-boundary',
  `Majority vote of ${members} restarts`,
  rows.map((r, i) => ({ ...r, class: cls[i] })),
  pointRows(train.x, train.y),
);

report({ members, memberAccuracy, meanMemberAccuracy: mean, bestMemberAccuracy: Math.max(...memberAccuracy), ensembleAccuracy });
