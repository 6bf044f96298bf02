/**
 * Where a fit() step's time goes on top of the bare W2 step: the W5 recipe (784-256-256-10 ReLU
 * MLP, Adam lr 1e-3, batch 128, cross-entropy) on Fashion-MNIST, written four ways that add one
 * layer of the training stack each:
 *
 *   bare     linear(x, w, b, 'relu') x2 + linear + crossEntropy + backward + the backend's fused
 *            Adam routine per parameter, on pre-built batches (the W2 step of wasm-mlp.ts)
 *   unfused  Sequential(Linear, ReLU, ...) + CrossEntropyLoss + optim.Adam (step, zeroGrad), same
 *            batches, with each ReLU run on its own (a subclass: what Sequential did before it fused them)
 *   modules  the same with the library's ReLU (Sequential fuses each Linear → ReLU pair)
 *   loader   modules, with batches from a shuffling DataLoader over a TensorDataset
 *   fit      fit() over that DataLoader (progress off, no metrics)
 *
 * Every way reads the loss back each step (as fit does on synchronous backends) and trains the same
 * parameters. One process runs the ways interleaved, two epochs (469 steps each) per round of which the
 * second is timed, after a warm-up round, so load changes hit every way alike:
 *
 *   cd tooling/bench && node --conditions=@nn/source --import tsx src/fit-overhead.ts
 *        [--ways bare,unfused,modules,loader,fit] [--rounds 3] [--backend wasm|cpu] [--threads N] [--plain-simd] [--count]
 *
 * Prints the median and minimum ms/step, wall and the process's CPU time (all threads: with two
 * wasm threads the worker's spinning counts too, so --threads 1 shows the main thread's work), the
 * 10th and 25th percentiles of single steps' wall times (on a loaded machine, the steps that ran
 * undisturbed), and
 * with --count the backend calls per step of each way. --hidden 8 shrinks the hidden layers so that
 * the kernels take little time and the per-step overhead of the modules, loader and fit stands out.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { DataLoader, TensorDataset, loadMnistLike } from '@nn/data';
import { CrossEntropyLoss, Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { type Tensor, getBackend, linear, manualSeed, relu, narrow, setBackend, tidy, zerosLike } from '@nn/tensor';
import { fit } from '@nn/train';
import { relaxedSimdHere } from './wasm-libs.js';

const { values } = parseArgs({
  options: {
    ways: { type: 'string', default: 'bare,unfused,modules,loader,fit' },
    rounds: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    'plain-simd': { type: 'boolean' },
    count: { type: 'boolean' },
    hidden: { type: 'string', default: '256' },
  },
});
const WAYS = ['bare', 'unfused', 'modules', 'loader', 'fit'] as const;
type Way = (typeof WAYS)[number];
const ways = (values.ways as string).split(',') as Way[];
for (const w of ways) if (!WAYS.includes(w)) throw new Error(`--ways: unknown way '${w}' (known: ${WAYS.join(', ')})`);
const rounds = Number(values.rounds);
let threadsLabel = 'cpu';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = [resolve(REPO, '../shared/datasets/fashion-mnist'), '/usr/share/datasets/fashion-mnist'].find((d) => existsSync(d));
if (dataDir === undefined) throw new Error('fit-overhead: Fashion-MNIST not found');

if (values.backend === 'wasm') {
  const { initWasm } = await import('@nn/wasm-backend');
  const plain = values['plain-simd'] === true;
  if (!plain && !relaxedSimdHere()) setFlagsFromString('--experimental-wasm-relaxed-simd');
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const be = await initWasm({ threads, relaxedSimd: plain ? false : relaxedSimdHere() });
  threadsLabel = `${be.threads} thread(s), ${be.relaxedSimd ? 'relaxed' : 'plain'} SIMD`;
  setBackend('wasm');
} else setBackend(values.backend as string);

/** --count: calls of each backend method (and fused routine) during the timed epochs. */
const calls = new Map<string, number>();
let counting = false;
if (values.count === true) {
  const wrap = (obj: Record<string, unknown>, prefix: string): void => {
    const keys = new Set<string>();
    for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o))
      for (const k of Object.getOwnPropertyNames(o)) keys.add(k);
    for (const k of keys) {
      const f = obj[k];
      if (k === 'constructor' || typeof f !== 'function') continue;
      obj[k] = function (this: unknown, ...a: unknown[]) {
        if (counting) {
          const key = k === 'unary' || k === 'binary' || k === 'reduce' ? `${prefix}${k}:${String(a[0])}` : `${prefix}${k}`;
          calls.set(key, (calls.get(key) ?? 0) + 1);
        }
        return (f as (...a: unknown[]) => unknown).apply(this, a);
      };
    }
  };
  const be = getBackend() as unknown as Record<string, unknown>;
  wrap(be.fused as Record<string, unknown>, 'fused.');
  wrap(be, '');
}

const train = await loadMnistLike(dataDir, { split: 'train' });
manualSeed(0);
const H = Number(values.hidden);
const model = new Sequential(new Linear(784, H), new ReLU(), new Linear(H, H), new ReLU(), new Linear(H, 10));
const params = model.parameters();
const BATCH = 128;
const steps = Math.ceil(train.labels.shape[0]! / BATCH);

/** The pre-built batches of `bare` and `modules`: the first rows, in order. */
const fixed: [Tensor, Tensor][] = [];
if (ways.some((w) => w === 'bare' || w === 'unfused' || w === 'modules')) {
  for (let b = 0; b < steps; b++) {
    const n = Math.min(BATCH, train.labels.shape[0]! - b * BATCH);
    fixed.push([narrow(train.images, 0, b * BATCH, n).contiguous(), narrow(train.labels, 0, b * BATCH, n).contiguous()]);
  }
}

const m = params.map((p) => zerosLike(p));
const v = params.map((p) => zerosLike(p));
const adam = getBackend().fused.adam!;
let t = 0;
const ce = new CrossEntropyLoss();
const optimizer = new Adam(params, { lr: 1e-3 });
const loader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: BATCH, shuffle: true, seed: 0 });

function bareStep(x: Tensor, y: Tensor): void {
  t++;
  const loss = tidy(() => {
    const h1 = linear(x, params[0]!, params[1]!, 'relu');
    const h2 = linear(h1, params[2]!, params[3]!, 'relu');
    const l = crossEntropy(linear(h2, params[4]!, params[5]!), y);
    l.backward();
    return l;
  });
  loss.item();
  loss.dispose();
  const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false, maximize: false, step: t };
  for (let k = 0; k < params.length; k++) adam(params[k]!, params[k]!.grad!, m[k]!, v[k]!, null, o);
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}

/** A ReLU with a forward of its own, which Sequential does not fuse into the Linear before it. */
class UnfusedReLU extends ReLU {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}
const unfused = new Sequential(...model.layers.map((m) => (m instanceof ReLU ? new UnfusedReLU() : m)));

function moduleStep(x: Tensor, y: Tensor, net: Sequential = model): void {
  const loss = tidy(() => {
    const l = ce(net(x) as Tensor, y);
    l.backward();
    optimizer.step();
    optimizer.zeroGrad();
    return l;
  });
  loss.item();
  loss.dispose();
}

/** The end time of every step of the epoch being timed: single steps between load spikes show in their low percentiles. */
let stamps: number[] = [];
const stamp = (): void => {
  stamps.push(performance.now());
};

function overFixed(step: (x: Tensor, y: Tensor) => void): void {
  for (const [x, y] of fixed) {
    step(x, y);
    stamp();
  }
}

/** One epoch of a way. */
const EPOCH: Record<Way, () => Promise<void>> = {
  bare: async () => overFixed((x, y) => bareStep(x, y)),
  unfused: async () => overFixed((x, y) => moduleStep(x, y, unfused)),
  modules: async () => overFixed((x, y) => moduleStep(x, y)),
  loader: async () => {
    for await (const [x, y] of loader) {
      moduleStep(x, y);
      x.dispose();
      y.dispose();
      stamp();
    }
  },
  fit: async () => {
    await fit(model, {
      train: loader,
      loss: (o, y) => ce(o, y),
      optimizer,
      epochs: 1,
      progress: false,
      callbacks: [{ onBatchEnd: stamp }],
    });
  },
};
const stepTimes = new Map<Way, number[]>(ways.map((w) => [w, []]));

const times = new Map<Way, { wall: number; cpu: number }[]>(ways.map((w) => [w, []]));
for (let r = 0; r <= rounds; r++) {
  for (const w of ways) {
    await EPOCH[w](); // untimed: the previous way's garbage and heap layout settle here, not in the timing
    counting = r === rounds;
    calls.clear();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    stamps = [t0];
    await EPOCH[w]();
    const c = process.cpuUsage(c0);
    if (r > 0) {
      times.get(w)!.push({ wall: (performance.now() - t0) / steps, cpu: (c.user + c.system) / 1000 / steps });
      for (let i = 1; i < stamps.length; i++) stepTimes.get(w)!.push(stamps[i]! - stamps[i - 1]!);
    }
    if (counting && values.count === true) {
      const rows = [...calls].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${(n / steps).toFixed(2)}`);
      console.log(`  ${w} backend calls per step: ${rows.join(', ')}`);
    }
  }
}
const quantile = (a: number[], q: number): number => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * q)]!;
const median = (a: number[]): number => quantile(a, 0.5);
console.log(
  `${getBackend().name} (${threadsLabel}), ${rounds} rounds of two epochs (${steps} steps each, the second timed) per way after a warm-up round; ms/step:`,
);
for (const w of ways) {
  const ts = times.get(w)!;
  console.log(
    `  ${w.padEnd(8)} wall median ${median(ts.map((x) => x.wall)).toFixed(3)} min ${Math.min(...ts.map((x) => x.wall)).toFixed(3)}   ` +
      `cpu median ${median(ts.map((x) => x.cpu)).toFixed(3)} min ${Math.min(...ts.map((x) => x.cpu)).toFixed(3)}   ` +
      `single steps p10 ${quantile(stepTimes.get(w)!, 0.1).toFixed(3)} p25 ${quantile(stepTimes.get(w)!, 0.25).toFixed(3)}`,
  );
}
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
process.exit(0);
