/**
 * W6: one Adam training step (batch 64) of a small Fashion-MNIST CNN,
 *
 *   Conv2d(1,32,3,p=1) ReLU MaxPool2d(2) Conv2d(32,64,3,p=1) ReLU MaxPool2d(2) Flatten
 *   Linear(3136,128) ReLU Linear(128,10), cross-entropy, Adam lr 1e-3, on 28x28x1 inputs,
 *
 * on @nn cpu, wasm (1 and 2 threads) and WebGPU (in Node that is Dawn on SwiftShader, a CPU Vulkan
 * driver: its row checks correctness, its time says nothing about GPUs), and TensorFlow.js in the
 * same process (tfjs-core with its cpu backend; its wasm backend cannot train the model and its
 * error is printed). Every library starts from the same weights and sees the same batches; the
 * losses of the first steps are printed side by side as a cross-check. Every step reads its loss.
 *
 * Peak memory of a step: @nn counts live backend bytes through alloc/free (params, Adam state and
 * batches included; "+step" is the step's own high-water mark above that) and, on wasm, the heap
 * top's high-water mark; tfjs reports tf.profile's peakBytes. RSS is the process's after the run.
 *
 * Run: node --conditions=@nn/source --import tsx tooling/bench/src/cnn.ts
 *      [--budget MS] [--only nn,webgpu,tfjs] [--tfjs-runs N] [--profile wasm-2t|wasm|cpu [--steps N] [--cpu-time]]
 *      [--without poolArgmax,addInto] (drops those fused routines from every @nn backend: the composed path)
 *      (pnpm --filter @nn/bench bench:cnn)
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as T from '@nn/tensor';
import * as L from '@nn/layers';
import { Adam } from '@nn/optim';
import type * as TfCore from '@tensorflow/tfjs-core';
import { profile, profileRows, trackPeak } from './backend-probe.js';
import { fmt, measure, prng, summarize, table, uniformArray } from './harness.js';
import { type Tf, loadTf } from './libs.js';
import { registerConvGradients } from './tfjs-conv-gradients.js';
import { loadNnWasm, loadTfWasm } from './wasm-libs.js';

export const BATCH = 64;
const LR = 1e-3;
const BATCHES = 4;
/** PyTorch 1.13 native on a 2-core x86 machine (issue 13): ms per step at 1 and 2 threads. */
const TORCH_MS = { one: 33, two: 24 };

type Param = { data: Float32Array; shape: number[] };
export interface CnnProblem {
  /** State dict of the Sequential in PyTorch's layout and keys ('0.weight', '3.bias', ...). */
  params: Record<string, Param>;
  batches: { x: Float32Array; labels: Int32Array }[];
}

/** PyTorch's default-init bounds (1/sqrt(fan_in)) for weights and biases; pixels in [0, 1). */
export function makeCnnProblem(seed = 6): CnnProblem {
  const rand = prng(seed);
  const u = (shape: number[], fanIn: number): Param => {
    const b = 1 / Math.sqrt(fanIn);
    return {
      data: uniformArray(
        rand,
        shape.reduce((a, c) => a * c, 1),
        -b,
        b,
      ),
      shape,
    };
  };
  const params = {
    '0.weight': u([32, 1, 3, 3], 9),
    '0.bias': u([32], 9),
    '3.weight': u([64, 32, 3, 3], 288),
    '3.bias': u([64], 288),
    '7.weight': u([128, 3136], 3136),
    '7.bias': u([128], 3136),
    '9.weight': u([10, 128], 128),
    '9.bias': u([10], 128),
  };
  const batches = Array.from({ length: BATCHES }, () => ({
    x: uniformArray(rand, BATCH * 784, 0, 1),
    labels: Int32Array.from({ length: BATCH }, () => Math.floor(rand() * 10)),
  }));
  return { params, batches };
}

export function w6Model(): L.Sequential {
  return new L.Sequential(
    new L.Conv2d(1, 32, 3, { padding: 1 }),
    new L.ReLU(),
    new L.MaxPool2d(2),
    new L.Conv2d(32, 64, 3, { padding: 1 }),
    new L.ReLU(),
    new L.MaxPool2d(2),
    new L.Flatten(),
    new L.Linear(3136, 128),
    new L.ReLU(),
    new L.Linear(128, 10),
  );
}

interface Trainer {
  step(i: number): Promise<number>;
  dispose(): void;
}

function nnTrainer(backend: string, p: CnnProblem): Trainer {
  const model = w6Model();
  T.tidy(
    () => void model.loadStateDict(Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, T.tensor(v.data, { shape: v.shape })]))),
  );
  model.to(backend);
  const opt = new Adam(model.parameters(), { lr: LR });
  const batches = p.batches.map(({ x, labels }) => ({
    x: T.tensor(x, { shape: [BATCH, 1, 28, 28], backend }),
    y: T.tensor(labels, { dtype: 'int32', backend }),
  }));
  return {
    async step(i: number): Promise<number> {
      const { x, y } = batches[i % batches.length];
      opt.zeroGrad();
      const loss = T.tidy(() => {
        const l = L.crossEntropy(model.forward(x), y);
        l.backward();
        return l;
      });
      opt.step();
      const v = (await loss.data())[0];
      loss.dispose();
      return v;
    },
    dispose(): void {
      opt.dispose();
      for (const t of [...model.parameters(), ...batches.flatMap((b) => [b.x, b.y])]) t.dispose();
    },
  };
}

type TfT = TfCore.Tensor;

/** The same model in tfjs-core ops, NHWC, trained by tf.train.adam; flattened in PyTorch's C,H,W order. */
function tfTrainer(tf: Tf, p: CnnProblem): Trainer {
  const w = (k: string, perm: number[]) => tf.variable(tf.transpose(tf.tensor(p.params[k].data, p.params[k].shape), perm));
  const b = (k: string) => tf.variable(tf.tensor1d(p.params[k].data));
  const vars = [
    w('0.weight', [2, 3, 1, 0]),
    b('0.bias'),
    w('3.weight', [2, 3, 1, 0]),
    b('3.bias'),
    w('7.weight', [1, 0]),
    b('7.bias'),
    w('9.weight', [1, 0]),
    b('9.bias'),
  ];
  const [c1, c1b, c2, c2b, l1, l1b, l2, l2b] = vars;
  const batches = p.batches.map(({ x, labels }) => ({
    x: tf.tensor4d(x, [BATCH, 28, 28, 1]), // C = 1: NCHW and NHWC hold the same bytes
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32'),
  }));
  const opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  // mean over rows of -sum(onehot * logSoftmax(z)); gradient (softmax(z) - onehot) / n, as lstm.ts.
  const crossEntropy = tf.customGrad((z, y, save) => {
    const ls = tf.logSoftmax(z as TfT);
    (save as TfCore.GradSaveFunc)([ls, y as TfT]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(y as TfT, ls), 1))),
      gradFunc: (dy, saved) => [tf.mul(dy, tf.div(tf.sub(tf.exp(saved[0]), saved[1]), BATCH)), tf.zerosLike(saved[1])],
    };
  });
  const forward = (x: TfT, y: TfT): TfCore.Scalar => {
    const conv = (h: TfT, f: TfT, bias: TfT) =>
      tf.maxPool(tf.relu(tf.add(tf.conv2d(h as TfCore.Tensor4D, f as TfCore.Tensor4D, 1, 'same'), bias)) as TfCore.Tensor4D, 2, 2, 'valid');
    const h = conv(conv(x, c1, c1b), c2, c2b);
    const flat = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [BATCH, 3136]);
    const z = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(flat, l1), l1b)), l2), l2b);
    return crossEntropy(z, y) as TfCore.Scalar;
  };
  return {
    async step(i: number): Promise<number> {
      const { x, y } = batches[i % batches.length];
      return tf.tidy(() => opt.minimize(() => forward(x, y), true, vars)!.dataSync()[0]);
    },
    dispose(): void {
      opt.dispose();
      tf.dispose([...vars, ...batches.flatMap((bb) => [bb.x, bb.y])]);
    },
  };
}

// --- the run ---------------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    budget: { type: 'string' },
    only: { type: 'string' },
    'tfjs-runs': { type: 'string' },
    profile: { type: 'string' },
    steps: { type: 'string' },
    'cpu-time': { type: 'boolean' },
    without: { type: 'string' },
  },
  strict: true,
});
const budgetMs = Number(args.budget ?? 5000);
const only = new Set((args.only ?? 'nn,webgpu,tfjs').split(','));
const tfjsRuns = Number(args['tfjs-runs'] ?? 2);
const cpu = cpus();
console.log(
  `W6 CNN benchmark — Node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown cpu'}, load ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `Conv2d(1,32,3,p=1) ReLU MaxPool2d(2) Conv2d(32,64,3,p=1) ReLU MaxPool2d(2) Flatten Linear(3136,128) ReLU Linear(128,10); batch ${BATCH}, Adam lr ${LR}`,
);

const PARITY = 3;
const problem = makeCnnProblem();
const rows: string[][] = [];
const ms: Record<string, number> = {};
const mib = (b: number | null | undefined): string => (b === null || b === undefined ? '-' : `${(b / 2 ** 20).toFixed(1)} MiB`);

/** Losses of the first steps, then the median ms of timed steps (async steps are timed one by one). */
async function run(
  name: string,
  t: Trainer,
  opts: { parity: number; runs?: number; memory: () => string; before?: () => void },
): Promise<void> {
  const losses: number[] = [];
  for (let i = 0; i < opts.parity; i++) losses.push(await t.step(i));
  opts.before?.();
  const times: number[] = [];
  let spent = 0;
  for (let i = opts.parity; times.length < (opts.runs ?? 5) || (opts.runs === undefined && spent < budgetMs); i++) {
    const t0 = performance.now();
    await t.step(i);
    times.push(performance.now() - t0);
    spent += times[times.length - 1];
  }
  const s = summarize(times);
  const memory = opts.memory();
  t.dispose();
  ms[name] = s.medianMs;
  const vsTorch = `${fmt(s.medianMs / TORCH_MS.one, 2)}x / ${fmt(s.medianMs / TORCH_MS.two, 2)}x`;
  rows.push([
    name,
    fmt(s.medianMs, 1),
    fmt(s.minMs, 1),
    String(s.runs),
    vsTorch,
    memory,
    `${mib(process.memoryUsage().rss)}`,
    losses.map((l) => l.toFixed(5)).join(', '),
  ]);
  console.log(`  ${name}: ${fmt(s.medianMs, 1)} ms/step (${memory})`);
}

/** An @nn backend's row: peak live bytes of a timed step (and the heap top on wasm). */
async function runNn(name: string, backend: string): Promise<void> {
  const be = T.getBackend(backend);
  dropRoutines(be);
  const peak = trackPeak(be);
  let worst = 0;
  let worstHeap = 0;
  const t = nnTrainer(backend, problem);
  const wrapped: Trainer = {
    async step(i) {
      peak.reset();
      const base = peak.live;
      const v = await t.step(i);
      worst = Math.max(worst, peak.peak - base);
      worstHeap = Math.max(worstHeap, peak.heapTopPeak ?? 0);
      return v;
    },
    dispose: () => t.dispose(),
  };
  await run(name, wrapped, {
    parity: PARITY,
    runs: backend === 'webgpu' ? 3 : undefined,
    before: () => {
      worst = 0;
      worstHeap = 0;
    },
    memory: () => `peak ${mib(peak.peak)} live (+${mib(worst)} step)${peak.heapTopPeak === null ? '' : `, heap top ${mib(worstHeap)}`}`,
  });
}

/** --without: the named fused routines are removed, so @nn runs their composed fallbacks. */
function dropRoutines(be: T.Backend): void {
  for (const name of (args.without ?? '').split(',').filter((s) => s !== '')) {
    const fused = be.fused as Record<string, unknown>;
    if (!(name in fused)) console.log(`  --without ${name}: backend ${be.name} has no such fused routine`);
    delete fused[name];
  }
}
if (args.without !== undefined) console.log(`  without the fused routines ${args.without} (composed instead)`);

if (args.profile !== undefined) {
  // Per-primitive wall time of the step on one backend (cpu, wasm, wasm-2t).
  await loadNnWasm();
  const steps = Number(args.steps ?? 5);
  dropRoutines(T.getBackend(args.profile));
  const p = profile(T.getBackend(args.profile));
  p.cpuTime = args['cpu-time'] === true;
  const t = nnTrainer(args.profile, problem);
  for (let i = 0; i < 3; i++) await t.step(i);
  const s = measure(() => void t.step(0), { warmup: 0, budgetMs: 1000, minRuns: 5 });
  p.on = true;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await t.step(i);
  const wall = (performance.now() - t0) / steps;
  p.on = false;
  t.dispose();
  console.log(`\nprofile of ${args.profile}: ${fmt(s.medianMs, 1)} ms/step unprofiled (median), ${fmt(wall, 1)} ms/step profiled`);
  console.log(table(profileRows(p, steps, 40)));
  process.exit(0);
}

const nnw = await loadNnWasm();
for (const n of nnw.notes) console.log(`  ${n}`);
if (only.has('nn')) {
  for (const [b, label] of [
    ['wasm-2t', '@nn wasm 2 threads'],
    ['wasm', '@nn wasm 1 thread'],
    ['cpu', '@nn cpu'],
  ] as const) {
    if (b === 'wasm-2t' && nnw.two === null) continue;
    await runNn(label, b);
  }
}
if (only.has('webgpu')) {
  try {
    const { initWebGPU } = await import('@nn/webgpu-backend/node');
    const gpu = await initWebGPU();
    await runNn('@nn webgpu (SwiftShader: correctness only)', gpu.name);
    gpu.dispose?.();
  } catch (e) {
    console.log(`  @nn webgpu skipped: ${(e as Error).message.split('\n')[0]}`);
  }
}
if (only.has('tfjs')) {
  const tfWasm = await loadTfWasm();
  if (tfWasm.ok) {
    registerConvGradients(tfWasm.lib);
    const t = tfTrainer(tfWasm.lib, problem);
    try {
      await t.step(0);
      console.log('  tfjs wasm: trained a step (unexpected)');
    } catch (e) {
      console.log(`  tfjs wasm (${tfWasm.note}) cannot train it: ${(e as Error).message}`);
      rows.push(['tfjs wasm', '-', '-', '0', '-', `error: ${(e as Error).message}`, '-', '-']);
    }
    t.dispose();
  } else console.log(`  tfjs wasm skipped: ${tfWasm.reason}`);
  const tfCpu = await loadTf();
  if (tfCpu.ok) {
    const tf = tfCpu.lib;
    await tf.setBackend('cpu');
    registerConvGradients(tf);
    const t = tfTrainer(tf, problem);
    // The first (parity) step runs inside tf.profile, for its peak bytes.
    let peakBytes = 0;
    let profiled = false;
    const first: Trainer = {
      async step(i) {
        if (profiled) return t.step(i);
        profiled = true;
        let loss = 0;
        peakBytes = (await tf.profile(async () => void (loss = await t.step(i)))).peakBytes;
        return loss;
      },
      dispose: () => t.dispose(),
    };
    await run('tfjs cpu', first, { parity: 1, runs: tfjsRuns, memory: () => `peak ${mib(peakBytes)} (tf.profile)` });
  } else console.log(`  tfjs cpu skipped: ${tfCpu.reason}`);
}

console.log(
  `\nW6: one Adam step, batch ${BATCH} (median ms/step; PyTorch 1.13: ${TORCH_MS.one} ms 1 thread, ${TORCH_MS.two} ms 2 threads; losses of the first steps should agree)`,
);
console.log(table([['library', 'ms/step', 'min', 'runs', 'vs torch 1t / 2t', 'peak memory of a step', 'RSS after', 'losses'], ...rows]));
const r = (a: string, b: string): string => (ms[a] !== undefined && ms[b] !== undefined ? `${fmt(ms[b] / ms[a])}x` : '-');
console.log(
  `  @nn wasm 2 threads vs tfjs cpu: ${r('@nn wasm 2 threads', 'tfjs cpu')} faster; @nn cpu vs tfjs cpu: ${r('@nn cpu', 'tfjs cpu')}`,
);
console.log(
  `  @nn wasm 2 threads vs 1: ${r('@nn wasm 2 threads', '@nn wasm 1 thread')}; goal: <= ${2 * TORCH_MS.one} ms/step on 2 threads`,
);
nnw.one.dispose();
nnw.two?.dispose();
