// Early stopping (Deck 004): keep a held-out validation set, watch its loss after every epoch, and
// stop once it has not improved for `patience` epochs, keeping the weights of the best epoch. The
// training loss keeps falling as the network memorises noise; the validation loss turns up. Here
// with @nn/train's fit and its EarlyStopping callback.
import { DataLoader, TensorDataset, makeMoons } from '@nn/data';
import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { manualSeed } from '@nn/tensor';
import { EarlyStopping, evaluate, fit } from '@nn/train';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';

manualSeed(0);
// Few, noisy training points and a big network: a recipe for overfitting.
const train = makeMoons({ n: 60, noise: 0.35, seed: 0 });
const val = makeMoons({ n: 400, noise: 0.35, seed: 1 });
const trainLoader = new DataLoader(new TensorDataset(train.x, train.y), { batchSize: 20, shuffle: true, seed: 0 });
const valLoader = new DataLoader(new TensorDataset(val.x, val.y), { batchSize: 400 });

const h = size(128, 64);
const model = new Sequential(new Linear(2, h), new ReLU(), new Linear(h, h), new ReLU(), new Linear(h, 2));
const maxEpochs = size(300, 150);
const stopper = new EarlyStopping({ monitor: 'valLoss', patience: 20, restoreBestWeights: true });
const history = await fit(model, {
  train: trainLoader,
  val: valLoader,
  loss: crossEntropy,
  optimizer: new Adam(model.parameters(), { lr: 0.002 }),
  epochs: maxEpochs,
  metrics: ['accuracy'],
  callbacks: [stopper],
  progress: false,
});

const rows = history.epochs.flatMap((e) => [
  { epoch: e.epoch, loss: e.loss, split: 'train' },
  { epoch: e.epoch, loss: e.valLoss!, split: 'validation' },
]);
await lineChart('early-stopping', rows, {
  title: 'Training and validation loss (the best epoch is kept)',
  x: 'epoch',
  y: 'loss',
  series: 'split',
});

// After fit, the model holds the best epoch's weights again.
const restored = await evaluate(model, valLoader, { loss: crossEntropy, metrics: ['accuracy'] });
const best = history.epochs.find((e) => e.epoch === stopper.bestEpoch)!;
report({
  maxEpochs,
  epochsRun: history.epochs.length,
  stopped: history.stopped,
  bestEpoch: stopper.bestEpoch,
  bestValLoss: best.valLoss!,
  lastValLoss: history.epochs.at(-1)!.valLoss!,
  lastTrainLoss: history.epochs.at(-1)!.loss,
  restoredValLoss: restored.loss,
  restoredValAccuracy: restored.accuracy,
});
