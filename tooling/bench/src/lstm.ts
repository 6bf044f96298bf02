/**
 * W7-LSTM: one Adam training step of a sequence model, @nn (cpu backend, wasm backend with one and
 * two threads) against TensorFlow.js (tfjs-core with its cpu and wasm backends) in one process.
 *
 *   LSTM(64 -> 128) over 64 steps, batch 32, returning the whole sequence, then Linear(128, 65) on
 *   every step and cross-entropy against a class per (step, sample): a character-level language
 *   model's shape. Adam (lr 1e-3).
 *
 * @nn uses @nn/layers' LSTM, Linear and crossEntropy and @nn/optim's Adam. tfjs builds the same
 * model from tfjs-core ops the way @nn computes it (one input-projection matmul for all steps,
 * `h W_hh^T` per step, gates split i, f, g, o, outputs stacked once) and trains it with
 * tf.train.adam; tfjs-core's Node entry registers no gradients, so the ones used are registered
 * from line-for-line ports of tfjs-core 4.22.0's configs (tfjs-gradients.ts and below). Both start
 * from the same weights and see the same batches; every step reads its loss back.
 *
 * Run: node --conditions=@nn/source --import tsx tooling/bench/src/lstm.ts [--budget MS] [--only nn,tfjs]
 *      (pnpm --filter @nn/bench bench:lstm)
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as T from '@nn/tensor';
import * as L from '@nn/layers';
import { Adam } from '@nn/optim';
import type * as TfCore from '@tensorflow/tfjs-core';
import { fmt, measure, prng, table, uniformArray } from './harness.js';
import { type Tf, loadTf } from './libs.js';
import { registerMlpGradients } from './tfjs-gradients.js';
import { loadNnWasm, loadTfWasm } from './wasm-libs.js';
import type { Trainer } from './wasm-mlp.js';

export const SEQ = 64;
export const BATCH = 32;
export const INPUT = 64;
export const HIDDEN = 128;
export const CLASSES = 65;
const LR = 1e-3;
const BATCHES = 4;

export interface LstmProblem {
  /** PyTorch layout and names: weight_ih_l0 [4H, in], weight_hh_l0 [4H, H], biases [4H]; head [65, 128], [65]. */
  lstm: Record<'weight_ih_l0' | 'weight_hh_l0' | 'bias_ih_l0' | 'bias_hh_l0', { data: Float32Array; shape: number[] }>;
  head: Record<'weight' | 'bias', { data: Float32Array; shape: number[] }>;
  /** x [seq, batch, input] and labels [seq * batch]. */
  batches: { x: Float32Array; labels: Int32Array }[];
}

export function makeLstmProblem(seed = 7): LstmProblem {
  const rand = prng(seed);
  const k = 1 / Math.sqrt(HIDDEN);
  const u = (shape: number[]) => ({
    data: uniformArray(
      rand,
      shape.reduce((a, b) => a * b, 1),
      -k,
      k,
    ),
    shape,
  });
  const lstm = {
    weight_ih_l0: u([4 * HIDDEN, INPUT]),
    weight_hh_l0: u([4 * HIDDEN, HIDDEN]),
    bias_ih_l0: u([4 * HIDDEN]),
    bias_hh_l0: u([4 * HIDDEN]),
  };
  const head = { weight: u([CLASSES, HIDDEN]), bias: u([CLASSES]) };
  const batches = Array.from({ length: BATCHES }, () => ({
    x: uniformArray(rand, SEQ * BATCH * INPUT),
    labels: Int32Array.from({ length: SEQ * BATCH }, () => Math.floor(rand() * CLASSES)),
  }));
  return { lstm, head, batches };
}

/** The model and Adam from @nn/layers and @nn/optim on one backend. */
export function nnLstmTrainer(backend: string, p: LstmProblem): Trainer {
  const lstm = new L.LSTM(INPUT, HIDDEN);
  const head = new L.Linear(HIDDEN, CLASSES);
  const load = (m: L.Module, s: Record<string, { data: Float32Array; shape: number[] }>) =>
    T.tidy(() => void m.loadStateDict(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, T.tensor(v.data, { shape: v.shape })]))));
  load(lstm, p.lstm);
  load(head, p.head);
  lstm.to(backend);
  head.to(backend);
  const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: LR });
  const batches = p.batches.map(({ x, labels }) => ({
    x: T.tensor(x, { shape: [SEQ, BATCH, INPUT], backend }),
    y: T.tensor(labels, { dtype: 'int32', backend }),
  }));
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      opt.zeroGrad();
      const loss = T.tidy(() => {
        const [out] = lstm(x);
        const l = L.crossEntropy(head(T.reshape(out, [SEQ * BATCH, HIDDEN])) as T.Tensor, y);
        l.backward();
        return l;
      });
      opt.step();
      const v = loss.item();
      loss.dispose();
      return v;
    },
    dispose(): void {
      opt.dispose();
      for (const t of [...lstm.parameters(), ...head.parameters(), ...batches.flatMap((b) => [b.x, b.y])]) t.dispose();
    },
  };
}

type TfT = TfCore.Tensor;

/** Gradients of the kernels the tfjs LSTM uses beyond the MLP's: ports of tfjs-core 4.22.0's configs. */
export function registerLstmGradients(tf: Tf): void {
  registerMlpGradients(tf);
  const configs: TfCore.GradConfig[] = [
    {
      kernelName: 'Sigmoid', // Sigmoid_grad.js
      outputsToSave: [true],
      gradFunc: (dy, saved) => {
        const [y] = saved;
        return { x: () => tf.mul(dy as TfT, tf.mul(y, tf.sub(tf.scalar(1), y))) };
      },
    },
    {
      kernelName: 'Multiply', // Multiply_grad.js (the broadcast reduction is not needed here: equal shapes)
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved;
        const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const der = (res: TfT, shape: number[]) => {
          const axes = tf.backend_util.getReductionAxes(shape, out);
          return axes.length > 0 ? tf.reshape(tf.sum(res, axes), shape) : res;
        };
        return {
          a: () => der(tf.mul(dy as TfT, tf.cast(b, 'float32')), a.shape),
          b: () => der(tf.mul(dy as TfT, tf.cast(a, 'float32')), b.shape),
        };
      },
    },
    { kernelName: 'SplitV', gradFunc: (dy, _s, attrs) => ({ x: () => tf.concat(dy as TfT[], (attrs as { axis: number }).axis) }) },
    { kernelName: 'Unpack', gradFunc: (dy, _s, attrs) => ({ value: () => tf.stack(dy as TfT[], (attrs as { axis: number }).axis) }) },
    {
      kernelName: 'Pack',
      saveAllInputs: true,
      // Pack_grad.js returns an array (one gradient per input), which tfjs indexes like the inputs.
      gradFunc: (dy, _s, attrs) =>
        tf.unstack(dy as TfT, (attrs as { axis: number }).axis).map((t) => () => t) as unknown as ReturnType<TfCore.GradConfig['gradFunc']>,
    },
    {
      kernelName: 'Reshape',
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as TfT, saved[0].shape) }),
    },
  ];
  for (const c of configs) if (tf.getGradient(c.kernelName) == null) tf.registerGradient(c);
}

/** The same model in tfjs-core ops (weights as [in, out]), tf.train.adam; on tfjs's current backend. */
export function tfLstmTrainer(tf: Tf, p: LstmProblem): Trainer {
  const t2 = (v: { data: Float32Array; shape: number[] }) => tf.transpose(tf.tensor2d(v.data, [v.shape[0], v.shape[1]]));
  const wih = tf.variable(t2(p.lstm.weight_ih_l0));
  const whh = tf.variable(t2(p.lstm.weight_hh_l0));
  const bih = tf.variable(tf.tensor1d(p.lstm.bias_ih_l0.data));
  const bhh = tf.variable(tf.tensor1d(p.lstm.bias_hh_l0.data));
  const wout = tf.variable(t2(p.head.weight));
  const bout = tf.variable(tf.tensor1d(p.head.bias.data));
  const vars = [wih, whh, bih, bhh, wout, bout];
  const batches = p.batches.map(({ x, labels }) => ({
    x: tf.tensor2d(x, [SEQ * BATCH, INPUT]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), 'float32'),
  }));
  const opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  const n = SEQ * BATCH;
  // mean over rows of -sum(onehot * logSoftmax(z)); gradient (softmax(z) - onehot) / n (as wasm-mlp.ts).
  const crossEntropy = tf.customGrad((z, y, save) => {
    const ls = tf.logSoftmax(z as TfT);
    (save as TfCore.GradSaveFunc)([ls, y as TfT]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(y as TfT, ls), 1))),
      gradFunc: (dy, saved) => [tf.mul(dy, tf.div(tf.sub(tf.exp(saved[0]), saved[1]), n)), tf.zerosLike(saved[1])],
    };
  });
  const forward = (x: TfT, y: TfT): TfCore.Scalar => {
    const xs = tf.unstack(tf.reshape(tf.add(tf.matMul(x, wih), tf.add(bih, bhh)), [SEQ, BATCH, 4 * HIDDEN]));
    let h: TfT | null = null;
    let c: TfT | null = null;
    const hs: TfT[] = [];
    for (let t = 0; t < SEQ; t++) {
      const g: TfT = h === null ? xs[t] : tf.add(xs[t], tf.matMul(h, whh));
      const [i, f, cand, o] = tf.split(g, 4, 1);
      const ig = tf.mul(tf.sigmoid(i), tf.tanh(cand));
      c = c === null ? ig : tf.add(tf.mul(tf.sigmoid(f), c), ig);
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      hs.push(h);
    }
    const out = tf.reshape(tf.stack(hs), [n, HIDDEN]);
    return crossEntropy(tf.add(tf.matMul(out, wout), bout), y) as TfCore.Scalar;
  };
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      return tf.tidy(() => opt.minimize(() => forward(x, y), true, vars)!.dataSync()[0]);
    },
    dispose(): void {
      opt.dispose();
      tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.y])]);
    },
  };
}

// --- the run ---------------------------------------------------------------------------------------

const { values: args } = parseArgs({ options: { budget: { type: 'string' }, only: { type: 'string' } }, strict: true });
const budgetMs = Number(args.budget ?? 4000);
const only = new Set((args.only ?? 'nn,tfjs').split(','));
const cpu = cpus();
console.log(`W7-LSTM benchmark — Node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown cpu'}`);
console.log(
  `LSTM(${INPUT} -> ${HIDDEN}) over ${SEQ} steps, batch ${BATCH}, Linear(${HIDDEN}, ${CLASSES}) on every step, cross-entropy, Adam lr ${LR}`,
);

const nnw = await loadNnWasm();
const tfCpu = only.has('tfjs') ? await loadTf() : null;
const tfWasm = only.has('tfjs') ? await loadTfWasm() : null;
for (const n of nnw.notes) console.log(`  ${n}`);
if (tfCpu !== null) console.log(`  ${tfCpu.ok ? tfCpu.note : `tfjs cpu skipped: ${tfCpu.reason}`}`);
if (tfWasm !== null) console.log(`  ${tfWasm.ok ? tfWasm.note : `tfjs wasm skipped: ${tfWasm.reason}`}`);

const PARITY = 3;
const problem = makeLstmProblem();
const rows: string[][] = [];
const ms: Record<string, number> = {};

/**
 * Losses of steps 0..PARITY-1, then the median ms of a step over timed steps; `live` counts the
 * library's live tensors, which must not change from step to step.
 */
function run(name: string, make: () => Trainer, live: () => number): void {
  const t = make();
  const losses: number[] = [];
  for (let i = 0; i < PARITY; i++) losses.push(t.step(i));
  const live0 = live();
  let i = PARITY;
  const s = measure(() => void t.step(i++), { warmup: 1, budgetMs, minRuns: 3 });
  const live1 = live();
  t.dispose();
  ms[name] = s.medianMs;
  rows.push([
    name,
    fmt(s.medianMs, 1),
    fmt(s.minMs, 1),
    String(s.runs),
    `${live0} -> ${live1}`,
    losses.map((l) => l.toFixed(5)).join(', '),
  ]);
  console.log(`  ${name}: ${fmt(s.medianMs, 1)} ms/step`);
}

const nnBackends = ['cpu', 'wasm', ...(nnw.two ? ['wasm-2t'] : [])];
const label = (b: string): string => (b === 'cpu' ? '@nn cpu' : b === 'wasm' ? '@nn wasm 1 thread' : '@nn wasm 2 threads');
if (only.has('nn'))
  for (const b of nnBackends)
    run(
      label(b),
      () => nnLstmTrainer(b, problem),
      () => T.memory().tensors,
    );
for (const [lib, name] of [
  [tfCpu, 'tfjs cpu'],
  [tfWasm, 'tfjs wasm'],
] as const) {
  if (lib === null || !lib.ok) continue;
  const tf = lib.lib;
  await tf.setBackend(name === 'tfjs cpu' ? 'cpu' : 'wasm');
  registerLstmGradients(tf);
  run(
    name,
    () => tfLstmTrainer(tf, problem),
    () => tf.memory().numTensors,
  );
}

console.log(
  `\nW7-LSTM: one Adam step (median ms/step; losses of the first ${PARITY} steps: same weights and batches, so they should agree)`,
);
console.log(table([['library', 'ms/step', 'min', 'runs', 'live tensors', 'losses'], ...rows]));
const r = (a: string, b: string): string => (ms[a] !== undefined && ms[b] !== undefined ? `${fmt(ms[b] / ms[a])}x` : '-');
console.log(`  @nn cpu vs tfjs cpu: ${r('@nn cpu', 'tfjs cpu')} faster`);
console.log(
  `  @nn wasm 1 thread vs tfjs wasm: ${r('@nn wasm 1 thread', 'tfjs wasm')} faster; 2 threads: ${r('@nn wasm 2 threads', 'tfjs wasm')}`,
);
console.log(
  `  @nn wasm 1 thread vs @nn cpu: ${r('@nn wasm 1 thread', '@nn cpu')}; 2 threads vs 1: ${r('@nn wasm 2 threads', '@nn wasm 1 thread')}`,
);
nnw.one.dispose();
nnw.two?.dispose();
