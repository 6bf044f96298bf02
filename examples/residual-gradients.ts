// Vanishing gradients, and the residual fix (Decks 000 and 004). Backpropagation multiplies the
// gradient by each layer's Jacobian on the way down; with sigmoid layers (derivative <= 1/4) the
// product shrinks geometrically, so the first layers of a deep plain network barely learn. A
// residual block computes x + f(x): its Jacobian is I + f'(x), so the gradient has a path down
// that is never multiplied by anything small. gradNorms (from @nn/autograd) shows it per layer.
import { gradNorms } from '@nn/autograd';
import { makeSpiral } from '@nn/data';
import { Linear, type Module, Residual, Sequential, Sigmoid, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { manualSeed, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

const depth = size(20, 12);
const width = 32;
const { x, y } = makeSpiral({ n: 300, classes: 3, noise: 0.05, seed: 0 });

/** An input layer, `depth` hidden blocks (plain: Linear -> Sigmoid; residual: x + that), a classifier. */
function network(residual: boolean): Sequential {
  const blocks: Module[] = Array.from({ length: depth }, () => {
    const body = new Sequential(new Linear(width, width), new Sigmoid());
    return residual ? new Residual(body) : body;
  });
  return new Sequential(new Linear(2, width), ...blocks, new Linear(width, 3));
}

const rows: { layer: number; gradNorm: number; network: string }[] = [];
const results: Record<string, number> = {};
for (const residual of [false, true]) {
  const name = residual ? 'residual' : 'plain';
  manualSeed(0);
  const model = network(residual);

  // One backward pass at initialisation, then the gradient norm of each hidden layer's weight.
  tidy(() => crossEntropy(model(x), y).backward());
  const norms = gradNorms(model.namedParameters())
    .filter((e) => e.name.endsWith('weight'))
    .slice(1, -1) // the hidden blocks only
    .map((e) => e.norm ?? 0);
  norms.forEach((gradNorm, i) => rows.push({ layer: i + 1, gradNorm, network: name }));
  results[`${name}FirstLayerGradNorm`] = norms[0];
  results[`${name}LastLayerGradNorm`] = norms.at(-1)!;
  model.zeroGrad();

  // Then train both the same way and compare.
  const opt = new Adam(model.parameters(), { lr: 0.003 });
  for (let step = 0; step < size(300, 60); step++) {
    opt.zeroGrad();
    tidy(() => crossEntropy(model(x), y).backward());
    opt.step();
  }
  results[`${name}LossAfterTraining`] = noGradTidy(() => crossEntropy(model(x), y).item());
}

await lineChart('residual-gradient-norms', rows, {
  title: `Gradient norm of each hidden layer's weight at initialisation (${depth} sigmoid layers)`,
  x: 'layer',
  y: 'gradNorm',
  series: 'network',
  logY: true,
});
report({
  ...results,
  plainFirstToLastRatio: results.plainFirstLayerGradNorm / results.plainLastLayerGradNorm,
  residualFirstToLastRatio: results.residualFirstLayerGradNorm / results.residualLastLayerGradNorm,
});
