/**
 * Time-to-accuracy on real data: a 784-256-256-10 ReLU MLP trained with Adam (lr 1e-3, batch 128,
 * PyTorch's default initialization, seeded) on Fashion-MNIST (60,000 training images, 10,000 test
 * images) until the test accuracy reaches the target (88% by default). Not part of `pnpm bench`:
 * it needs the dataset files and takes minutes.
 *
 *   node --conditions=@nn/source --import tsx tooling/bench/src/fashion.ts [--data DIR] [--target 0.88]
 *        [--max-epochs 15] [--batch-size 128] [--lr 0.001] [--seed 0] [--backend cpu|wasm] [--threads N]
 *        [--plain-simd]
 *
 * After every epoch the whole test set is evaluated (its time is counted in the wall time, and
 * also shown on its own). The wall time to the target runs from the first training step to the end
 * of the evaluation that first reaches it; loading the files is timed separately.
 *
 * The training stack (@nn/layers, @nn/optim, @nn/data, @nn/train) is imported from the packages'
 * sources by relative path: this package's dependencies list only what the library comparisons
 * need. The files resolve @nn/tensor to the same module as the bench does (pnpm symlinks to one
 * real path).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { getBackend, manualSeed, memory, setBackend } from '@nn/tensor';
import { DataLoader, TensorDataset, loadMnistLike } from '@nn/data';
import { CrossEntropyLoss, Linear, ReLU, Sequential } from '@nn/layers';
import { Adam } from '@nn/optim';
import { type Callback, type EpochLogs, evaluate, fit } from '@nn/train';
import { table } from './harness.js';
import { relaxedSimdHere } from './wasm-libs.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DATA_DIRS = [resolve(REPO, '../shared/datasets/fashion-mnist'), '/usr/share/datasets/fashion-mnist'];

const HELP = `Usage: node --conditions=@nn/source --import tsx tooling/bench/src/fashion.ts [options]

Trains a 784-256-256-10 ReLU MLP with Adam on Fashion-MNIST until the test accuracy reaches the target.

  --data DIR        directory with the four IDX files (plain or .gz); default: the first of
                    ${DATA_DIRS.join(', ')}
  --target X        test accuracy to reach (default 0.88)
  --max-epochs N    give up after N epochs (default 15)
  --batch-size N    default 128
  --lr X            Adam learning rate (default 0.001)
  --seed N          initialization and shuffling (default 0)
  --backend B       cpu (default) or wasm
  --threads N       wasm threads (default: the machine's cores)
  --plain-simd      wasm: the plain SIMD build even where the engine has relaxed SIMD (which Node 20
                    has behind a flag, turned on here at run time; Node 22+ and Chromium have it)
  -h, --help`;

function usage(msg: string): never {
  console.error(`fashion: ${msg}\n\n${HELP}`);
  process.exit(2);
}

function num(name: string, v: string | undefined, dflt: number, int = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (int && !Number.isInteger(n)))
    usage(`--${name} must be a positive ${int ? 'integer' : 'number'}, got '${v}'`);
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      data: { type: 'string' },
      target: { type: 'string' },
      'max-epochs': { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      'plain-simd': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  usage((e as Error).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const str = (k: string) => values[k] as string | undefined;
const target = num('target', str('target'), 0.88);
const maxEpochs = num('max-epochs', str('max-epochs'), 15, true);
const batchSize = num('batch-size', str('batch-size'), 128, true);
const lr = num('lr', str('lr'), 1e-3);
const seed = str('seed') === undefined ? 0 : num('seed', str('seed'), 0, true);
const backend = str('backend') ?? 'cpu';
if (backend !== 'cpu' && backend !== 'wasm') usage(`--backend must be cpu or wasm, got '${backend}'`);
const dataDir = str('data') ?? DATA_DIRS.find((d) => existsSync(d));
if (dataDir === undefined) {
  console.error(
    `fashion: Fashion-MNIST not found; tried ${DATA_DIRS.join(', ')}. Install it with \`apt-get install dataset-fashion-mnist\` or pass --data DIR.`,
  );
  process.exit(1);
}

const threads = str('threads') === undefined ? undefined : num('threads', str('threads'), 1, true);
let build = '';
if (backend === 'wasm') {
  const { initWasm } = await import('@nn/wasm-backend');
  const plain = values['plain-simd'] === true;
  if (!plain && !relaxedSimdHere()) setFlagsFromString('--experimental-wasm-relaxed-simd');
  const be = await initWasm({ threads, relaxedSimd: plain ? false : relaxedSimdHere() });
  setBackend('wasm');
  build = ` (${be.threads} thread${be.threads > 1 ? 's' : ''}, ${be.relaxedSimd ? 'relaxed' : 'plain'} SIMD)`;
}

const t0 = performance.now();
const train = await loadMnistLike(dataDir, { split: 'train' });
const test = await loadMnistLike(dataDir, { split: 'test' });
const loadSeconds = (performance.now() - t0) / 1000;

manualSeed(seed);
const model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, 10));
const ce = new CrossEntropyLoss();
const optimizer = new Adam(model.parameters(), { lr });
const trainLoader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize, shuffle: true, seed });
const testLoader = new DataLoader(new TensorDataset(test.images, test.labels), { batchSize: 1000 });

console.log(
  `Fashion-MNIST: ${train.labels.shape[0]} train / ${test.labels.shape[0]} test images from ${dataDir} (loaded in ${loadSeconds.toFixed(2)} s)\n` +
    `784-256-256-10 ReLU MLP, Adam lr ${lr}, batch ${batchSize}, seed ${seed}, backend ${getBackend().name}${build}; target test accuracy ${(target * 100).toFixed(1)}%\n`,
);

interface Row {
  epoch: number;
  loss: number;
  testAccuracy: number;
  trainSeconds: number;
  evalSeconds: number;
  wall: number;
}
const rows: Row[] = [];
let reachedAt: Row | null = null;
const start = performance.now();
let epochStart = 0;

/** After each epoch: evaluate on the test set, print a line, stop once the target is reached. */
const tracker: Callback = {
  onEpochBegin() {
    epochStart = performance.now();
  },
  async onEpochEnd(epoch: number, logs: EpochLogs, ctx) {
    const trainSeconds = (performance.now() - epochStart) / 1000;
    const e0 = performance.now();
    const { accuracy } = await evaluate(model, testLoader, { metrics: ['accuracy'] });
    const evalSeconds = (performance.now() - e0) / 1000;
    const row: Row = {
      epoch,
      loss: logs.loss,
      testAccuracy: accuracy,
      trainSeconds,
      evalSeconds,
      wall: (performance.now() - start) / 1000,
    };
    rows.push(row);
    console.log(
      `epoch ${String(epoch).padStart(2)}  train loss ${row.loss.toFixed(4)}  test accuracy ${(accuracy * 100).toFixed(2)}%  ` +
        `train ${trainSeconds.toFixed(1)} s  eval ${evalSeconds.toFixed(1)} s  wall ${row.wall.toFixed(1)} s`,
    );
    if (accuracy >= target && reachedAt === null) {
      reachedAt = row;
      ctx.stop = true;
    }
  },
};

await fit(model, { train: trainLoader, loss: (o, y) => ce(o, y), optimizer, epochs: maxEpochs, callbacks: [tracker], progress: false });

const steps = trainLoader.length;
console.log(
  `\n${table([
    ['epoch', 'train loss', 'test acc', 'train s', 'eval s', 'wall s', 'steps/s'],
    ...rows.map((r) => [
      String(r.epoch),
      r.loss.toFixed(4),
      `${(r.testAccuracy * 100).toFixed(2)}%`,
      r.trainSeconds.toFixed(1),
      r.evalSeconds.toFixed(1),
      r.wall.toFixed(1),
      (steps / r.trainSeconds).toFixed(0),
    ]),
  ])}\n`,
);
const reached = reachedAt as Row | null;
if (reached !== null) {
  console.log(
    `reached ${(reached.testAccuracy * 100).toFixed(2)}% test accuracy (target ${(target * 100).toFixed(1)}%) after ${reached.epoch} epochs ` +
      `in ${reached.wall.toFixed(1)} s wall time (${rows.reduce((s, r) => s + r.trainSeconds, 0).toFixed(1)} s training, ` +
      `${rows.reduce((s, r) => s + r.evalSeconds, 0).toFixed(1)} s test evaluation; files loaded in ${loadSeconds.toFixed(2)} s before)`,
  );
} else {
  console.log(
    `did not reach ${(target * 100).toFixed(1)}% in ${maxEpochs} epochs (best ${(Math.max(...rows.map((r) => r.testAccuracy)) * 100).toFixed(2)}%)`,
  );
  process.exitCode = 1;
}
optimizer.dispose();
for (const t of [train.images, train.labels, test.images, test.labels, ...model.parameters()]) t.dispose();
console.log(`live tensors at the end: ${memory().tensors}`);
