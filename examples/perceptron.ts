// Rosenblatt's perceptron (Deck 004): a linear threshold unit o = step(w . x + b) and the learning
// rule w <- w + lr (t - o) x, applied one example at a time. It needs no gradient (the step has
// none): it moves the weights only when it is wrong. It learns any linearly separable labelling
// (AND, OR, two separated blobs) in finitely many updates, and never settles on XOR (Minsky and
// Papert's objection, answered later by hidden layers).
import { makeGaussians } from '@nn/data';
import { type Tensor, tensor, tidy, zeros } from '@nn/tensor';
import { grid2d, pointRows } from './lib/grid.js';
import { report, size } from './lib/options.js';
import { boundaryChart } from './lib/plot.js';

/** The step unit: 1 where the score is >= 0, else 0 (a float tensor, so t - o is a number). */
const step = (score: Tensor): Tensor => score.ge(0).cast('float32');

/** Trains a perceptron; returns the weights and the number of mistakes in each epoch. */
function trainPerceptron(x: Tensor, t: Tensor, epochs: number, lr = 1) {
  const w = zeros([x.shape[1]]);
  const b = zeros([]);
  const mistakes: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let wrong = 0;
    for (let i = 0; i < x.shape[0]; i++) {
      // tidy frees this example's temporaries; w and b are updated in place, so they live on.
      tidy(() => {
        const xi = x.slice(0, i, i + 1).reshape([-1]);
        const o = step(xi.mul(w).sum().add(b));
        const err = t
          .slice(0, i, i + 1)
          .reshape([])
          .sub(o)
          .item(); // t - o: -1, 0 or +1
        if (err !== 0) {
          wrong++;
          w.add_(xi.mul(lr * err)); // only a wrong answer changes anything
          b.add_(lr * err);
        }
      });
    }
    mistakes.push(wrong);
    if (wrong === 0) break; // converged: every example is on the right side
  }
  return { w, b, mistakes };
}

// Logic gates on inputs in {0, 1}.
const inputs = tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const gates = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], XOR: [0, 1, 1, 0] };
const gateEpochs: Record<string, number | string> = {};
for (const [name, targets] of Object.entries(gates)) {
  const { mistakes } = trainPerceptron(inputs, tensor(targets), 50);
  const converged = mistakes.at(-1) === 0;
  gateEpochs[name] = converged ? mistakes.length : `no convergence (${mistakes.at(-1)} wrong after 50 epochs)`;
  console.log(`${name}: mistakes per epoch ${mistakes.slice(0, 12).join(' ')}${mistakes.length > 12 ? ' ...' : ''}`);
}

// Two well separated blobs: the perceptron convergence theorem says it must stop making mistakes.
const { x, y } = makeGaussians({
  n: size(200, 60),
  centers: [
    [-2, -1],
    [2, 1],
  ],
  noise: 0.6,
  seed: 1,
});
const { w, b, mistakes } = trainPerceptron(x, y.cast('float32'), 100);
const accuracy = step(x.matmul(w).add(b)).eq(y.cast('float32')).cast('float32').mean().item();

const { points, rows } = grid2d(x);
const cls = step(points.matmul(w).add(b)).dataSync();
await boundaryChart(
  'perceptron-boundary',
  'Perceptron: decision regions',
  rows.map((r, i) => ({ ...r, class: cls[i] })),
  pointRows(x, y),
);

report({
  AND: gateEpochs.AND,
  OR: gateEpochs.OR,
  XOR: gateEpochs.XOR,
  blobsEpochs: mistakes.length,
  blobsMistakesFirstEpoch: mistakes[0],
  blobsAccuracy: accuracy,
});
