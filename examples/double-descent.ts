// Double descent (Deck 003; Belkin et al. 2019, Nakkiran et al. 2019) over model width. The model
// is a two-layer network whose first layer is random and frozen (random ReLU features of 8 inputs) and whose
// last layer is fitted to 40 noisy samples by least squares: the solution gradient descent from
// zero converges to (the minimum-norm one once the model can interpolate).
// - width < 40: the classical regime, test error falls then rises as the model starts to fit noise;
// - width = 40, the interpolation threshold: exactly one solution fits every noisy label, with
//   huge weights, and the test error peaks;
// - width > 40: many solutions interpolate; the smallest-norm one gets smoother as width grows, and
//   the test error descends a second time.
import { type Tensor, eye, manualSeed, randn, tensor } from '@nn/tensor';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';

const n = 40;
const d = 8; // input features
manualSeed(0);
// float64 on the cpu backend: the solve near the threshold is ill-conditioned by nature.
const f64 = (t: Tensor) => t.cast('float64');
const beta = f64(randn([d, 1]).div(Math.sqrt(d)));
const target = (x: Tensor) => x.matmul(beta).tanh().mul(2);
const xTrain = f64(randn([n, d]));
const yTrain = target(xTrain).add(f64(randn([n, 1])).mul(0.3)); // noisy labels
const xTest = f64(randn([2000, d]));
const yTest = target(xTest);

/** Solves the symmetric positive definite system A z = B (Cholesky; A is k x k, B is k x 1). */
function solve(A: Tensor, B: Tensor): Tensor {
  const k = A.shape[0];
  const a = Float64Array.from(A.dataSync());
  const z = Float64Array.from(B.dataSync());
  for (let j = 0; j < k; j++) {
    for (let i = j; i < k; i++) {
      let s = a[i * k + j];
      for (let m = 0; m < j; m++) s -= a[i * k + m] * a[j * k + m];
      a[i * k + j] = i === j ? Math.sqrt(s) : s / a[j * k + j];
    }
  }
  for (let i = 0; i < k; i++) z[i] = (z[i] - a.subarray(i * k, i * k + i).reduce((s, v, m) => s + v * z[m], 0)) / a[i * k + i];
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i];
    for (let m = i + 1; m < k; m++) s -= a[m * k + i] * z[m];
    z[i] = s / a[i * k + i];
  }
  return tensor(z).reshape([k, 1]);
}

const widths = size([2, 5, 10, 20, 30, 36, 40, 44, 50, 60, 80, 120, 200, 400, 1000, 3000], [5, 20, 40, 80, 400, 2000]);
const rows: { width: number; error: number; split: string }[] = [];
const testError: Record<number, number> = {};
for (const width of widths) {
  manualSeed(1);
  const w = f64(randn([d, width]).div(Math.sqrt(d)));
  const features = (x: Tensor) => x.matmul(w).relu().div(Math.sqrt(width)); // [N, width]
  const phi = features(xTrain);
  // Minimum-norm least squares: a = (phi^T phi)^-1 phi^T y below the threshold, a = phi^T
  // (phi phi^T)^-1 y above it. A tiny ridge (1e-12 of the mean entry) only guards the solve
  // against rounding and against features that are zero on every training point.
  const gram = width <= n ? phi.T.matmul(phi) : phi.matmul(phi.T);
  const k = gram.shape[0];
  const ridged = gram.add(eye(k, k, { dtype: 'float64' }).mul(1e-12 * (gram.sum().item() / k)));
  const a = width <= n ? solve(ridged, phi.T.matmul(yTrain)) : phi.T.matmul(solve(ridged, yTrain));
  const mse = (x: Tensor, y: Tensor) => features(x).matmul(a).sub(y).pow(2).mean().item();
  testError[width] = mse(xTest, yTest);
  rows.push({ width, error: mse(xTrain, yTrain), split: 'train' }, { width, error: testError[width], split: 'test' });
  console.log(
    `width ${String(width).padStart(4)}  train ${mse(xTrain, yTrain).toExponential(2)}  test ${testError[width].toExponential(2)}`,
  );
}

await lineChart(
  'double-descent',
  rows.map((r) => ({ ...r, error: Math.max(r.error, 1e-6) })),
  {
    title: `Random-feature regression on ${n} noisy points: error by width`,
    x: 'width',
    y: 'error',
    series: 'split',
    logX: true,
    logY: true,
    points: true,
  },
);

const below = Math.min(...widths.filter((k) => k < n).map((k) => testError[k]));
const widest = testError[widths.at(-1)!];
report({ trainPoints: n, testErrorByWidth: testError, peakAtThreshold: testError[n], bestBelowThreshold: below, widest });
