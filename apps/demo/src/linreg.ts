/**
 * (a) Linear regression by full-batch gradient descent: y = 3 x1 - 2 x2 + 0.5 + noise, fitted
 * with tensor ops and `loss.backward()`. One epoch is one gradient step over the whole data set.
 */
import '@nn/autograd';
import { noGrad } from '@nn/autograd';
import { type Tensor, add, matmul, mean, mul, randn, square, sub, tensor, tidy, zeros } from '@nn/tensor';
import { type Reporter, shouldLog, table, yieldToEventLoop } from './ui.js';

export const TRUE_W = [3, -2] as const;
export const TRUE_B = 0.5;

export interface LinregOptions {
  epochs: number;
  lr: number;
  samples: number;
  noise: number;
  logEvery: number;
}

export interface LinregResult {
  /** Learned by gradient descent: [w1, w2, b]. */
  learned: [number, number, number];
  /** Exact least-squares fit of the same data (normal equations), [w1, w2, b]. */
  leastSquares: [number, number, number];
  truth: [number, number, number];
  finalLoss: number;
}

/** Synthetic data from the seeded generator: X ~ N(0, 1) [n, 2], y [n, 1]. */
export function makeLinearData(samples: number, noise: number): { x: Tensor; y: Tensor } {
  return tidy(() => {
    const x = randn([samples, 2]);
    const w = tensor([[TRUE_W[0]], [TRUE_W[1]]], { dtype: 'float32' });
    const eps = mul(randn([samples, 1]), noise);
    return { x, y: add(add(matmul(x, w), TRUE_B), eps) };
  });
}

export async function linearRegression(o: LinregOptions, rep: Reporter): Promise<LinregResult> {
  const { x, y } = makeLinearData(o.samples, o.noise);
  let w = zeros([2, 1], { requiresGrad: true });
  let b = zeros([1], { requiresGrad: true });
  let loss = Number.NaN;
  rep.startBar('linreg', o.epochs);
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      // One tidy per step: the graph, the loss and the temporaries are freed; the new parameters
      // are returned (kept), and the old ones (with their .grad) are disposed below.
      const next = tidy(() => {
        const l = mean(square(sub(add(matmul(x, w), b), y)));
        loss = l.item();
        l.backward();
        return noGrad(() => ({ w: sub(w, mul(w.grad!, o.lr)), b: sub(b, mul(b.grad!, o.lr)) }));
      });
      w.dispose();
      b.dispose();
      w = next.w.requiresGrad_();
      b = next.b.requiresGrad_();
      if (!Number.isFinite(loss)) {
        rep.line(`  epoch ${epoch}: loss is ${loss}; the learning rate ${o.lr} is too large for gradient descent here`);
        break;
      }
      rep.tick(epoch, `loss ${loss.toFixed(5)}`);
      if (shouldLog(epoch, o.epochs, o.logEvery)) {
        const [w1, w2] = w.dataSync();
        rep.line(`  epoch ${String(epoch).padStart(String(o.epochs).length)}/${o.epochs}  loss ${loss.toFixed(5)}  w = [${w1.toFixed(4)}, ${w2.toFixed(4)}]  b = ${b.item().toFixed(4)}`);
      }
      if (epoch % 10 === 0) await yieldToEventLoop();
    }
  } finally {
    rep.stopBar();
  }
  const [w1, w2] = w.dataSync();
  const result: LinregResult = {
    learned: [w1, w2, b.item()],
    leastSquares: leastSquares(x.dataSync(), y.dataSync(), o.samples),
    truth: [TRUE_W[0], TRUE_W[1], TRUE_B],
    finalLoss: loss,
  };
  for (const t of [x, y, w, b]) t.dispose();
  return result;
}

export function coefficientTable(r: LinregResult): string {
  const names = ['w1 (x1)', 'w2 (x2)', 'b (intercept)'];
  return table([
    ['coefficient', 'true', 'learned (GD)', '|learned - true|', 'least squares'],
    ...names.map((n, i) => [
      n,
      r.truth[i].toFixed(4),
      r.learned[i].toFixed(4),
      Math.abs(r.learned[i] - r.truth[i]).toFixed(4),
      r.leastSquares[i].toFixed(4),
    ]),
  ]);
}

/** Solves the 3x3 normal equations [X 1]^T [X 1] beta = [X 1]^T y in float64. */
function leastSquares(x: ArrayLike<number>, y: ArrayLike<number>, n: number): [number, number, number] {
  const A = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
  for (let i = 0; i < n; i++) {
    const row = [x[2 * i], x[2 * i + 1], 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) A[r][c] += row[r] * row[c];
      A[r][3] += row[r] * y[i];
    }
  }
  // Gauss-Jordan with partial pivoting.
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k < 4; k++) A[r][k] -= f * A[c][k];
    }
  }
  return [A[0][3] / A[0][0], A[1][3] / A[1][1], A[2][3] / A[2][2]];
}
