// Initialisation (Decks 000 and 004).
// 1. Symmetry breaking: if every hidden unit starts with the same weights, every unit gets the same
//    gradient, so they stay copies of one another forever: a wide layer that acts like one unit.
// 2. Scale: through a deep stack, each layer multiplies the activations' spread by roughly
//    (weight std) * sqrt(fan_in) * (the activation's gain). Too small and the signal vanishes, too
//    large and it explodes (or saturates tanh); Xavier (for tanh) and Kaiming (for ReLU) choose the
//    std that keeps it steady.
import { makeMoons } from '@nn/data';
import { Linear, Sequential, Tanh, crossEntropy, init } from '@nn/layers';
import { SGD } from '@nn/optim';
import { type Tensor, manualSeed, randn, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';
import { noGradTidy } from './lib/util.js';

// --- 1. Constant vs random initialisation of a 2-16-2 network on the two moons ---------------
const { x, y } = makeMoons({ n: 200, noise: 0.1, seed: 0 });

function trainMoons(constant: boolean) {
  manualSeed(0);
  const model = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 2));
  if (constant) for (const p of model.parameters()) init.constant_(p, 0.3);
  const opt = new SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
  for (let step = 0; step < size(300, 150); step++) {
    opt.zeroGrad();
    tidy(() => crossEntropy(model(x), y).backward());
    opt.step();
  }
  // Count distinct hidden units: rows of the first weight matrix (rounded) that differ.
  const w = (model.parameters()[0] as Tensor).arraySync() as number[][];
  const distinctUnits = new Set(w.map((row) => row.map((v) => v.toFixed(4)).join(','))).size;
  const accuracy = noGradTidy(() => model(x).argmax(1).eq(y).cast('float32').mean().item());
  return { distinctUnits, accuracy };
}
const constant = trainMoons(true);
const random = trainMoons(false);
console.log(`constant init: ${constant.distinctUnits} distinct hidden unit(s) of 16, accuracy ${constant.accuracy.toFixed(3)}`);
console.log(`random init:   ${random.distinctUnits} distinct hidden units of 16, accuracy ${random.accuracy.toFixed(3)}`);

// --- 2. The spread of activations through 30 layers of width 256 under four schemes -----------
const depth = size(30, 12);
const width = size(256, 64);
const schemes: Record<string, { act: 'tanh' | 'relu'; init: (w: Tensor) => void }> = {
  'N(0, 1), tanh': { act: 'tanh', init: (w) => init.normal_(w, 0, 1) },
  'N(0, 0.01), tanh': { act: 'tanh', init: (w) => init.normal_(w, 0, 0.01) },
  'Xavier, tanh': { act: 'tanh', init: (w) => init.xavierNormal_(w, init.calculateGain('tanh')) },
  'Xavier, ReLU': { act: 'relu', init: (w) => init.xavierNormal_(w) },
  'Kaiming, ReLU': { act: 'relu', init: (w) => init.kaimingNormal_(w, { nonlinearity: 'relu' }) },
};
const rows: { layer: number; std: number; scheme: string }[] = [];
const lastStd: Record<string, number> = {};
manualSeed(0);
const input = randn([512, width]);
for (const [name, s] of Object.entries(schemes)) {
  manualSeed(1);
  const layers = Array.from({ length: depth }, () => new Linear(width, width, { bias: false }));
  for (const l of layers) s.init(l.weight);
  noGradTidy(() => {
    let h = input;
    for (let i = 0; i < depth; i++) {
      h = layers[i](h);
      h = s.act === 'tanh' ? h.tanh() : h.relu();
      const std = h.std().item();
      rows.push({ layer: i + 1, std: Math.max(std, 1e-30), scheme: name }); // log scale: no zeros
      lastStd[name] = std;
    }
  });
}
await lineChart('initialization-activation-std', rows, {
  title: `Activation std by layer (width ${width})`,
  x: 'layer',
  y: 'std',
  series: 'scheme',
  logY: true,
});

report({
  constantInitDistinctUnits: constant.distinctUnits,
  constantInitAccuracy: constant.accuracy,
  randomInitDistinctUnits: random.distinctUnits,
  randomInitAccuracy: random.accuracy,
  lastLayerStd: lastStd,
});
