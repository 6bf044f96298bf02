// BatchNorm vs LayerNorm (Deck 000). Both standardise activations, then rescale with learned
// gamma and beta; they differ in what they average over:
// - BatchNorm1d: each feature over the batch. In training a sample's output depends on the other
//   samples in its batch; in evaluation it uses running averages collected during training.
// - LayerNorm: each sample over its features. No batch dependence, same in training and evaluation.
// Both speed up the training of a deep network.
import { DataLoader, TensorDataset, makeSpiral } from '@nn/data';
import { BatchNorm1d, LayerNorm, Linear, type Module, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { SGD } from '@nn/optim';
import { type Tensor, concat, manualSeed, randn, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

const { x, y } = makeSpiral({ n: 600, classes: 3, noise: 0.05, seed: 0 });
const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
const width = 64;
const depth = 5;

/**
 * depth hidden layers of Linear -> norm -> ReLU, then a Linear classifier. The first layer gets no
 * norm: LayerNorm of W x (x has 2 features) would not change if x were scaled, so it would throw
 * away each point's distance from the centre, which is what tells the spiral's arms apart.
 */
function mlp(norm: ((n: number) => Module) | null): Sequential {
  const layers: Module[] = [];
  for (let i = 0; i < depth; i++) {
    layers.push(new Linear(i === 0 ? 2 : width, width));
    if (norm !== null && i > 0) layers.push(norm(width));
    layers.push(new ReLU());
  }
  return new Sequential(...layers, new Linear(width, 3));
}

const variants = { none: null, BatchNorm: (n: number) => new BatchNorm1d(n), LayerNorm: (n: number) => new LayerNorm([n]) };
const rows: { epoch: number; loss: number; norm: string }[] = [];
const finalLoss: Record<string, number> = {};
const accuracy: Record<string, number> = {};
for (const [name, norm] of Object.entries(variants)) {
  manualSeed(0);
  const model = mlp(norm);
  const opt = new SGD(model.parameters(), { lr: 0.02, momentum: 0.9 });
  for (let epoch = 1; epoch <= size(30, 8); epoch++) {
    model.train();
    for await (const [xb, yb] of loader) {
      opt.zeroGrad();
      tidy(() => crossEntropy(model(xb as Tensor), yb as Tensor).backward());
      opt.step();
      (xb as Tensor).dispose();
      (yb as Tensor).dispose();
    }
    model.eval(); // BatchNorm: use the running statistics from here on
    finalLoss[name] = noGradTidy(() => crossEntropy(model(x), y).item());
    rows.push({ epoch, loss: finalLoss[name], norm: name });
  }
  accuracy[name] = noGradTidy(() => model(x).argmax(1).eq(y).cast('float32').mean().item());
  console.log(`${name.padEnd(9)} loss ${finalLoss[name].toFixed(4)}  accuracy ${accuracy[name].toFixed(3)}`);
}
await lineChart('normalization', rows, {
  title: 'Deep ReLU MLP on the spiral: loss by epoch',
  x: 'epoch',
  y: 'loss',
  series: 'norm',
  logY: true,
});

// Batch dependence: the same 4 samples, normalised alongside two different sets of batchmates.
manualSeed(0);
const samples = randn([4, 8]);
const [bn, ln] = [new BatchNorm1d(8), new LayerNorm([8])];
/** Largest change in the 4 samples' outputs when their batchmates change. */
const batchDependence = (m: Module): number =>
  noGradTidy(() => {
    const a = (m(concat([samples, randn([12, 8])])) as Tensor).slice(0, 0, 4);
    const b = (m(concat([samples, randn([12, 8]).mul(3).add(1)])) as Tensor).slice(0, 0, 4);
    return a.sub(b).abs().max().item();
  });
const dependence = { batchNormTrain: batchDependence(bn), batchNormEval: batchDependence(bn.eval()), layerNorm: batchDependence(ln) };
console.log("change in a sample's output when its batchmates change:", dependence);

report({ finalLoss, accuracy, batchDependence: dependence });
