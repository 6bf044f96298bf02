/**
 * Speed check (not a test): full training steps of a 2-16-16-1 tanh MLP on a batch of 32 on the
 * cpu backend: zeroGrad, forward, MSE loss, backward, optimizer update. Reports steps/s (median of
 * several timed runs) for SGD with momentum (fused and composed update) and Adam.
 *
 *   node --conditions=@nn/source --import tsx packages/optim/bench/step.ts
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=@nn/source --import tsx packages/optim/bench/step.ts sgd
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import '@nn/autograd';
import { Adam, type AnyOptimizer, SGD } from '@nn/optim';

const SIZES = [2, 16, 16, 1];
const BATCH = 32;

function makeParams(): Tensor[] {
  T.manualSeed(0);
  const ps: Tensor[] = [];
  for (let i = 0; i + 1 < SIZES.length; i++) {
    const bound = 1 / Math.sqrt(SIZES[i]);
    ps.push(T.tidy(() => T.sub(T.mul(T.rand([SIZES[i + 1], SIZES[i]]), 2 * bound), bound)).requiresGrad_(true));
    ps.push(T.tidy(() => T.sub(T.mul(T.rand([SIZES[i + 1]]), 2 * bound), bound)).requiresGrad_(true));
  }
  return ps;
}

function trainStep(ps: Tensor[], opt: AnyOptimizer, x: Tensor, y: Tensor): void {
  opt.zeroGrad();
  T.tidy(() => {
    const [w1, b1, w2, b2, w3, b3] = ps;
    const h1 = T.tanh(T.linear(x, w1, b1));
    const h2 = T.tanh(T.linear(h1, w2, b2));
    T.mean(T.square(T.sub(T.linear(h2, w3, b3), y))).backward();
  });
  opt.step();
}

function bench(name: string, make: (ps: Tensor[]) => AnyOptimizer, seconds = 1.5): number {
  const ps = makeParams();
  const opt = make(ps);
  const x = T.sub(T.mul(T.rand([BATCH, 2]), 4), 2);
  const y = T.tidy(() => T.mul(T.sin(T.slice(x, 1, 0, 1)), T.cos(T.slice(x, 1, 1, 2))));
  for (let i = 0; i < 2000; i++) trainStep(ps, opt, x, y); // warm-up (JIT, kernel caches)
  const runs: number[] = [];
  const before = T.memory().tensors;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || runs.length < 5) {
    const n = 1000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) trainStep(ps, opt, x, y);
    runs.push((n * 1000) / (performance.now() - t0));
  }
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)];
  const loss = T.tidy(() => {
    const [w1, b1, w2, b2, w3, b3] = ps;
    const h = T.tanh(T.linear(T.tanh(T.linear(x, w1, b1)), w2, b2));
    return T.mean(T.square(T.sub(T.linear(h, w3, b3), y))).item();
  });
  const leak = T.memory().tensors - before;
  console.log(
    `${name.padEnd(34)} ${median.toFixed(0).padStart(6)} steps/s  (${runs.length} runs of 1000, min ${runs[0].toFixed(0)}, max ${runs[runs.length - 1].toFixed(0)}; loss ${loss.toExponential(3)}; live-tensor delta ${leak})`,
  );
  opt.dispose();
  for (const t of [...ps, x, y]) t.dispose();
  return median;
}

const only = process.argv[2];
console.log(`2-16-16-1 tanh MLP, batch ${BATCH}, cpu backend, Node ${process.version}`);
if (only === undefined || only === 'sgd') bench('SGD momentum 0.9 (fused update)', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 }));
if (only === undefined || only === 'sgd-composed')
  bench('SGD momentum 0.9 (composed update)', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, fused: false }));
if (only === undefined || only === 'adam') bench('Adam (fused update)', (ps) => new Adam(ps, { lr: 1e-3 }));
if (only === undefined || only === 'adam-composed') bench('Adam (composed update)', (ps) => new Adam(ps, { lr: 1e-3, fused: false }));
