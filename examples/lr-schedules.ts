// Learning-rate schedules (Decks 000 and 003): start large to make progress, end small to settle.
// Each schedule exists twice in @nn/optim: as a scheduler class that changes an optimizer's lr
// (PyTorch's torch.optim.lr_scheduler) and as a plain function t -> lr in closed form, for
// plotting. This example plots the functions, checks the classes follow them exactly, and trains
// one network with three of them.
import { makeSpiral } from '@nn/data';
import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { SGD, lr } from '@nn/optim';
import { manualSeed, randint, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

const T = size(1000, 300); // steps
const lr0 = 0.5;
const schedules: Record<string, lr.Schedule> = {
  constant: () => lr0,
  'step (x0.5 every T/4)': lr.stepDecay({ lr0, stepSize: T / 4, gamma: 0.5 }),
  'exponential (0.98)': lr.exponentialDecay({ lr0, gamma: 0.98 }),
  cosine: lr.cosineAnnealing({ lr0, tMax: T }),
  'warmup + cosine': lr.sequential(
    [lr.linearSchedule({ lr0, startFactor: 0.1, totalIters: T / 10 }), lr.cosineAnnealing({ lr0, tMax: T - T / 10 })],
    [T / 10],
  ),
  'warm restarts': lr.cosineAnnealingWarmRestarts({ lr0, t0: T / 4 }),
  'one cycle': lr.oneCycle({ maxLr: lr0, totalSteps: T }),
  'inverse sqrt (warmup T/10)': lr.inverseSqrt({ lr0, warmup: T / 10 }),
};

const rows = Object.entries(schedules).flatMap(([name, f]) => Array.from({ length: T }, (_, t) => ({ step: t, lr: f(t), schedule: name })));
await lineChart('lr-schedules', rows, { title: 'Learning-rate schedules', x: 'step', y: 'lr', series: 'schedule', width: 560 });

// The scheduler classes, stepped after each optimizer step, give the same numbers.
const { x, y } = makeSpiral({ n: 300, classes: 3, noise: 0.05, seed: 0 });
type Make = (opt: SGD) => { step(): void; getLastLr(): number[] };
const classes: Record<string, [Make, lr.Schedule]> = {
  constant: [(o) => new lr.LambdaLR(o, { lrLambda: () => 1 }), schedules.constant],
  cosine: [(o) => new lr.CosineAnnealingLR(o, { tMax: T }), schedules.cosine],
  'one cycle': [(o) => new lr.OneCycleLR(o, { maxLr: lr0, totalSteps: T }), schedules['one cycle']],
};
let maxDifference = 0;
const finalLoss: Record<string, number> = {};
for (const [name, [make, f]] of Object.entries(classes)) {
  manualSeed(0);
  const model = new Sequential(new Linear(2, 64), new ReLU(), new Linear(64, 3));
  const opt = new SGD(model.parameters(), { lr: lr0 });
  const scheduler = make(opt);
  for (let t = 0; t < T; t++) {
    maxDifference = Math.max(maxDifference, Math.abs(scheduler.getLastLr()[0] - f(t)));
    opt.zeroGrad();
    tidy(() => {
      // A random minibatch of 16: its gradient is noisy, so a constant lr keeps the weights
      // jittering around the minimum, and a decaying one lets them settle.
      const idx = randint(0, 300, [16]);
      crossEntropy(model(x.indexSelect(0, idx)), y.indexSelect(0, idx)).backward();
    });
    opt.step();
    if (t < T - 1) scheduler.step(); // after opt.step(), as in PyTorch
  }
  finalLoss[name] = noGradTidy(() => crossEntropy(model(x), y).item());
}
report({ steps: T, maxDifference, finalLoss });
