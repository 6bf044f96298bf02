// L2 regularisation vs decoupled weight decay (Deck 000, AdamW; Loshchilov and Hutter, 2019).
// - L2 adds (lambda / 2) ||w||^2 to the loss, so lambda w joins every gradient.
// - Weight decay shrinks the weights directly: w <- w - lr lambda w, apart from the gradient step.
// For plain SGD the two are the same update. For Adam they are not: Adam divides the gradient
// (L2 term included) by the root of its running squared gradient, so weights with large gradients
// are hardly regularised. AdamW decays every weight at the same rate, whatever its gradient.
import { Linear, mseLoss } from '@nn/layers';
import { Adam, AdamW, type Optimizer, SGD } from '@nn/optim';
import { type Tensor, linspace, manualSeed, randn, stack, tidy } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { noGradTidy } from './lib/util.js';

// Polynomial features x, x^2, ..., x^12 of 16 noisy samples of sin(3x): easy to overfit.
const degree = 12;
const features = (x: Tensor): Tensor =>
  stack(
    Array.from({ length: degree }, (_, k) => x.pow(k + 1)),
    1,
  );
manualSeed(0);
const xTrain = linspace(-1, 1, 16);
const yTrain = xTrain
  .mul(3)
  .sin()
  .add(randn([16]).mul(0.3))
  .reshape([-1, 1]);
const xTest = linspace(-0.98, 0.98, 200);
const yTest = xTest.mul(3).sin().reshape([-1, 1]);
const [fTrain, fTest] = [features(xTrain), features(xTest)];

/** Trains a fresh model (same initial weights every time); `l2` adds the penalty to the loss. */
function train(makeOpt: (p: Tensor[]) => Optimizer, steps: number, l2 = 0) {
  manualSeed(1);
  const model = new Linear(degree, 1);
  const opt = makeOpt(model.parameters());
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    tidy(() => {
      let loss = mseLoss(model(fTrain), yTrain);
      if (l2 > 0)
        loss = loss.add(
          model.weight
            .pow(2)
            .sum()
            .mul(l2 / 2),
        ); // (lambda/2)||w||^2
      loss.backward();
    });
    opt.step();
  }
  return {
    weights: model.weight.dataSync(),
    trainLoss: noGradTidy(() => mseLoss(model(fTrain), yTrain).item()),
    testLoss: noGradTidy(() => mseLoss(model(fTest), yTest).item()),
    weightNorm: noGradTidy(() => model.weight.pow(2).sum().sqrt().item()),
  };
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

// 1. SGD: weightDecay is L2. (Only the weight is penalised in the loss, so decay only the weight.)
const lambda = 0.05;
const sgdL2 = train((p) => new SGD(p, { lr: 0.1 }), 200, lambda);
const sgdDecay = train((p) => new SGD([{ params: [p[0]], weightDecay: lambda }, { params: [p[1]] }], { lr: 0.1 }), 200);

// 2. Adam: its weightDecay option is L2 too (PyTorch's Adam), the same as the penalty in the loss.
const adamL2 = train((p) => new Adam(p, { lr: 0.01 }), 200, lambda);
const adamOption = train((p) => new Adam([{ params: [p[0]], weightDecay: lambda }, { params: [p[1]] }], { lr: 0.01 }), 200);

// 3. A longer fit: no regularisation (the weights grow to chase the noise), L2 inside Adam, and
// AdamW's decoupled decay. (AdamW multiplies its decay by lr: 0.1 here is 0.005 per step.)
const lambdaL2 = 0.003;
const steps = size(4000, 1500);
const none = train((p) => new Adam(p, { lr: 0.05 }), steps);
const l2 = train((p) => new Adam([{ params: [p[0]], weightDecay: lambdaL2 }, { params: [p[1]] }], { lr: 0.05 }), steps);
const decoupled = train(
  (p) =>
    new AdamW(
      [
        { params: [p[0]], weightDecay: 0.1 },
        { params: [p[1]], weightDecay: 0 },
      ],
      { lr: 0.05 },
    ),
  steps,
);
for (const [name, r] of Object.entries({ none, 'Adam + L2': l2, AdamW: decoupled })) {
  console.log(`${name.padEnd(10)} train ${r.trainLoss.toFixed(4)}  test ${r.testLoss.toFixed(4)}  |w| ${r.weightNorm.toFixed(3)}`);
}

report({
  sgdL2VsWeightDecayMaxDiff: maxAbsDiff(sgdL2.weights, sgdDecay.weights),
  adamL2VsOptionMaxDiff: maxAbsDiff(adamL2.weights, adamOption.weights),
  testLoss: { none: none.testLoss, adamL2: l2.testLoss, adamW: decoupled.testLoss },
  weightNorm: { none: none.weightNorm, adamL2: l2.weightNorm, adamW: decoupled.weightNorm },
});
