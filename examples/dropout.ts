// Dropout (Deck 004): in training, zero each activation with probability p and scale the survivors
// by 1 / (1 - p), so the expected activation is unchanged; in evaluation, do nothing. Each mask is
// one thinned network, so training with dropout trains an ensemble that shares weights, and
// evaluating without it averages that ensemble (approximately). model.train() / model.eval()
// switch every Dropout in a model at once.
import { makeMoons } from '@nn/data';
import { Dropout, Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { type Tensor, manualSeed, ones, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { noGradTidy } from './lib/util.js';

// --- 1. The mechanism -------------------------------------------------------------------------
manualSeed(0);
const drop = new Dropout(0.5);
const x = ones([100_000]);
const trained = noGradTidy(() => {
  const y = drop(x); // a new random mask on every call
  return { zeroFraction: y.eq(0).cast('float32').mean().item(), mean: y.mean().item(), max: y.max().item() };
});
drop.eval();
const evalIsIdentity = noGradTidy(() => drop(x).eq(x).cast('float32').min().item() === 1);
console.log('train mode:', trained, ' eval mode is the identity:', evalIsIdentity);

// --- 2. Against overfitting: 40 noisy training points, a network far too big for them ---------
const { x: xTrain, y: yTrain } = makeMoons({ n: 40, noise: 0.3, seed: 0 });
const { x: xTest, y: yTest } = makeMoons({ n: 1000, noise: 0.3, seed: 1 });
const accuracyOn = (m: Sequential, xs: Tensor, ys: Tensor) => noGradTidy(() => m(xs).argmax(1).eq(ys).cast('float32').mean().item());

function train(p: number) {
  manualSeed(0);
  const h = size(128, 64);
  const layers = [new Linear(2, h), new ReLU(), new Dropout(p), new Linear(h, h), new ReLU(), new Dropout(p), new Linear(h, 2)];
  const model = new Sequential(...layers);
  const opt = new Adam(model.parameters(), { lr: 0.005 });
  model.train(); // dropout on
  for (let step = 0; step < size(800, 200); step++) {
    opt.zeroGrad();
    tidy(() => crossEntropy(model(xTrain), yTrain).backward());
    opt.step();
  }
  model.eval(); // dropout off for evaluation
  return { train: accuracyOn(model, xTrain, yTrain), test: accuracyOn(model, xTest, yTest) };
}
const without = train(0);
const withDropout = train(0.5);
console.log('without dropout:', without, ' with dropout 0.5:', withDropout);

report({
  trainZeroFraction: trained.zeroFraction,
  trainMean: trained.mean,
  trainMax: trained.max,
  evalIsIdentity,
  withoutDropout: without,
  withDropout,
});
