/**
 * (b) A 2-32-32-3 MLP classifier on a seeded 3-class spiral: softmax cross-entropy written with
 * `logSoftmax` + `gather`, minibatch SGD with momentum (hand-written update under `noGrad`), one
 * `tidy` per step.
 */
import '@nn/autograd';
import { noGrad } from '@nn/autograd';
import {
  type Tensor, add, argmax, eq, gather, indexSelect, logSoftmax, matmul, mean, mul, neg, randn,
  randperm, relu, sub, tanh, tensor, tidy, unsqueeze, zeros, zerosLike,
} from '@nn/tensor';
import { type Reporter, shouldLog, yieldToEventLoop } from './ui.js';

export type Activation = 'tanh' | 'relu';
export const HIDDEN = [32, 32] as const;
export const CLASSES = 3;

export interface SpiralOptions {
  epochs: number;
  lr: number;
  momentum: number;
  batchSize: number;
  pointsPerClass: number;
  activation: Activation;
  logEvery: number;
}

export interface SpiralResult {
  trainAccuracy: number;
  testAccuracy: number;
  finalLoss: number;
  /** Train accuracy after each epoch. */
  history: number[];
}

/**
 * The classic 3-arm spiral: for class c, radius r runs 0..1 and angle t = 4c + 4r + noise, point
 * (r sin t, r cos t). Angle noise comes from the seeded generator (`manualSeed`).
 */
export function makeSpiral(pointsPerClass: number, classes = CLASSES, noise = 0.2): { x: Tensor; y: Tensor } {
  const n = pointsPerClass * classes;
  const jitterT = randn([n]);
  const jitter = jitterT.dataSync();
  jitterT.dispose();
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < pointsPerClass; i++) {
      const k = c * pointsPerClass + i;
      const r = pointsPerClass > 1 ? i / (pointsPerClass - 1) : 0;
      const t = c * 4 + r * 4 + jitter[k] * noise;
      xs[2 * k] = r * Math.sin(t);
      xs[2 * k + 1] = r * Math.cos(t);
      ys[k] = c;
    }
  }
  return { x: tensor(xs, { shape: [n, 2] }), y: tensor(ys) };
}

/** Weights [in, out] ~ N(0, gain / fan_in) (Xavier for tanh, He for relu), zero biases. */
function initParams(activation: Activation): Tensor[] {
  const sizes = [2, ...HIDDEN, CLASSES];
  const params: Tensor[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const gain = activation === 'relu' && l + 2 < sizes.length ? 2 : 1;
    params.push(tidy(() => mul(randn([sizes[l], sizes[l + 1]]), Math.sqrt(gain / sizes[l]))).requiresGrad_());
    params.push(zeros([sizes[l + 1]], { requiresGrad: true }));
  }
  return params;
}

function logits(params: Tensor[], x: Tensor, activation: Activation): Tensor {
  const act = activation === 'relu' ? relu : tanh;
  let h = x;
  for (let l = 0; l < params.length; l += 2) {
    const z = add(matmul(h, params[l]), params[l + 1]);
    h = l + 2 < params.length ? act(z) : z;
  }
  return h;
}

/** Mean softmax cross-entropy: -mean_i log_softmax(logits)_i[y_i]. */
export function crossEntropy(z: Tensor, labels: Tensor): Tensor {
  return neg(mean(gather(logSoftmax(z, 1), 1, unsqueeze(labels, 1))));
}

function accuracy(params: Tensor[], x: Tensor, y: Tensor, activation: Activation): number {
  return tidy(() => noGrad(() => mean(eq(argmax(logits(params, x, activation), 1), y).cast('float32')).item()));
}

export async function trainSpiral(o: SpiralOptions, rep: Reporter): Promise<SpiralResult> {
  const train = makeSpiral(o.pointsPerClass);
  const test = makeSpiral(o.pointsPerClass);
  const n = train.x.shape[0];
  let params = initParams(o.activation);
  let velocity = params.map((p) => zerosLike(p));
  const history: number[] = [];
  let epochLoss = Number.NaN;
  rep.startBar('spiral', o.epochs);
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const perm = randperm(n);
      let lossSum = 0;
      for (let start = 0; start < n; start += o.batchSize) {
        const end = Math.min(start + o.batchSize, n);
        let batchLoss = 0;
        const next = tidy(() => {
          const idx = perm.slice(0, start, end);
          const loss = crossEntropy(logits(params, indexSelect(train.x, 0, idx), o.activation), indexSelect(train.y, 0, idx));
          batchLoss = loss.item();
          loss.backward();
          return noGrad(() =>
            params.map((p, i) => {
              const v = add(mul(velocity[i], o.momentum), p.grad!);
              return { p: sub(p, mul(v, o.lr)), v };
            }),
          );
        });
        for (let i = 0; i < params.length; i++) {
          params[i].dispose(); // with its .grad
          velocity[i].dispose();
        }
        params = next.map((s) => s.p.requiresGrad_());
        velocity = next.map((s) => s.v);
        lossSum += batchLoss * (end - start);
      }
      perm.dispose();
      epochLoss = lossSum / n;
      const acc = accuracy(params, train.x, train.y, o.activation);
      history.push(acc);
      const metrics = `loss ${epochLoss.toFixed(4)}  train acc ${(acc * 100).toFixed(1)}%`;
      rep.tick(epoch, metrics);
      if (shouldLog(epoch, o.epochs, o.logEvery)) rep.line(`  epoch ${String(epoch).padStart(String(o.epochs).length)}/${o.epochs}  ${metrics}`);
      if (!Number.isFinite(epochLoss)) {
        rep.line(`  loss is ${epochLoss}; the learning rate ${o.lr} is too large, stopping`);
        break;
      }
      await yieldToEventLoop();
    }
  } finally {
    rep.stopBar();
  }
  const result: SpiralResult = {
    trainAccuracy: accuracy(params, train.x, train.y, o.activation),
    testAccuracy: accuracy(params, test.x, test.y, o.activation),
    finalLoss: epochLoss,
    history,
  };
  for (const t of [...params, ...velocity, train.x, train.y, test.x, test.y]) t.dispose();
  return result;
}
