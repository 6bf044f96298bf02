// SGD, momentum, Nesterov, Adagrad, RMSprop, Adam and AdamW on one problem (Decks 000 and 003):
// the same network, the same initial weights, the same data, only the update rule changes.
// - momentum keeps a running sum of past gradients (a heavy ball rolls through flat stretches);
// - Nesterov evaluates the gradient where momentum is about to take the weights;
// - Adagrad divides by the root of all past squared gradients (rare features get larger steps,
//   but every step shrinks forever); RMSprop uses a decaying average instead;
// - Adam combines momentum with RMSprop's scaling, with bias correction for the first steps;
// - AdamW is Adam with weight decay applied to the weights directly (see weight-decay.ts).
import { makeSpiral } from '@nn/data';
import { Linear, Sequential, Tanh, crossEntropy } from '@nn/layers';
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD } from '@nn/optim';
import { type Tensor, manualSeed, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

const { x, y } = makeSpiral({ n: 300, classes: 3, noise: 0.05, seed: 0 });
const steps = size(300, 100);

// Learning rates are each method's usual order of magnitude, not tuned to make any one win.
const optimizers: Record<string, (params: Tensor[]) => Optimizer> = {
  SGD: (p) => new SGD(p, { lr: 0.5 }),
  momentum: (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
  Nesterov: (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
  Adagrad: (p) => new Adagrad(p, { lr: 0.1 }),
  RMSprop: (p) => new RMSprop(p, { lr: 0.01 }),
  Adam: (p) => new Adam(p, { lr: 0.01 }),
  AdamW: (p) => new AdamW(p, { lr: 0.01, weightDecay: 0.01 }),
};

const rows: { step: number; loss: number; optimizer: string }[] = [];
const finalLoss: Record<string, number> = {};
const accuracy: Record<string, number> = {};
for (const [name, make] of Object.entries(optimizers)) {
  manualSeed(0); // identical initial weights for every optimizer
  const model = new Sequential(new Linear(2, 32), new Tanh(), new Linear(32, 32), new Tanh(), new Linear(32, 3));
  const opt = make(model.parameters());
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = tidy(() => {
      const l = crossEntropy(model(x), y);
      l.backward();
      return l.item();
    });
    opt.step();
    if (step % 5 === 0 || step === steps - 1) rows.push({ step, loss, optimizer: name });
    finalLoss[name] = loss;
  }
  accuracy[name] = noGradTidy(() => model(x).argmax(1).eq(y).cast('float32').mean().item());
  console.log(`${name.padEnd(9)} loss ${finalLoss[name].toFixed(4)}  accuracy ${accuracy[name].toFixed(3)}`);
}

await lineChart('optimizers', rows, {
  title: 'Cross-entropy on the spiral, full batch',
  x: 'step',
  y: 'loss',
  series: 'optimizer',
  logY: true,
});
report({ steps, finalLoss, accuracy });
