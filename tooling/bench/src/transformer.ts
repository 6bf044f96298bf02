/**
 * W7: one AdamW training step of a small causal Transformer language model, on @nn's cpu backend,
 * wasm backend (one and two threads) and WebGPU (Dawn in Node; skipped without an adapter), in one
 * process; then the model's validation perplexity after a fixed wall-clock training budget on wasm.
 *
 *   Embedding(65, 64) + learned positions (64) -> 2 pre-norm TransformerEncoderLayers (d_model 64,
 *   4 heads, feed-forward 256, GELU, causal mask, dropout 0) -> LayerNorm -> Linear(64, 65);
 *   context 64, batch 32 (2,048 tokens a step), cross-entropy over every position, AdamW (lr 1e-3,
 *   weight decay 0.01). 115k parameters.
 *
 * Every backend starts from the same weights (manualSeed: the Philox stream is the same on each)
 * and sees the same four batches of random tokens; the first three losses are printed (they agree
 * to float32 rounding) and live tensor counts must not change across timed steps. A step reads its
 * loss back (synchronously on cpu/wasm, `await data()` on WebGPU), so it is finished when timed.
 *
 * The budget run trains the same architecture on the bundled text (The Devil's Dictionary,
 * apps/demo/data: its vocabulary is 84 characters, not 65) on wasm with two threads when
 * available: AdamW lr 3e-3 with a warmup and a cosine decay over the budget's wall-clock time,
 * clipGradNorm 1, dropout 0.1, random windows of the first 90%, validation perplexity on the last
 * 10% every quarter of the budget.
 *
 * Run: node --conditions=@nn/source --import tsx tooling/bench/src/transformer.ts [--budget MS] [--train-seconds S] [--only step,train]
 *      (pnpm --filter @nn/bench bench:transformer)
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as T from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import * as L from '@nn/layers';
import { AdamW, clipGradNorm, lr as schedules } from '@nn/optim';
import { type WebGPUBackend, initWebGPU } from '@nn/webgpu-backend/node';
import { fmt, measure, prng, summarize, table } from './harness.js';
import { loadNnWasm } from './wasm-libs.js';

export const VOCAB = 65;
export const CONTEXT = 64;
export const BATCH = 32;
export const D_MODEL = 64;
export const HEADS = 4;
export const FEED_FORWARD = 256;
export const LAYERS = 2;
const TOKENS = BATCH * CONTEXT;

/** The W7 model: a decoder-only Transformer from @nn/layers' encoder stack with a causal mask. */
export class TransformerLM extends L.Module {
  tok: L.Embedding;
  pos: L.LearnedPositionalEmbedding;
  drop: L.Dropout;
  encoder: L.TransformerEncoder;
  head: L.Linear;
  constructor(vocab: number, dropout: number) {
    super();
    this.tok = new L.Embedding(vocab, D_MODEL);
    this.pos = new L.LearnedPositionalEmbedding(CONTEXT, D_MODEL, { batchFirst: true });
    this.drop = new L.Dropout(dropout);
    const layer = new L.TransformerEncoderLayer(D_MODEL, HEADS, {
      dimFeedforward: FEED_FORWARD,
      dropout,
      activation: 'gelu',
      batchFirst: true,
      normFirst: true,
    });
    this.encoder = new L.TransformerEncoder(layer, LAYERS, { norm: new L.LayerNorm(D_MODEL) });
    this.head = new L.Linear(D_MODEL, vocab);
  }
  forward(ids: T.Tensor): T.Tensor {
    return this.head(this.encoder(this.drop(this.pos(this.tok(ids))), { isCausal: true }));
  }
}

const lossOf = (model: L.Module, x: T.Tensor, y: T.Tensor, vocab: number): T.Tensor => L.crossEntropy(T.reshape(model(x), [-1, vocab]), y);

interface Trainer {
  /** One AdamW step on batch i; resolves to the loss. */
  step(i: number): Promise<number>;
  dispose(): void;
}

function trainer(backend: string): Trainer {
  T.setBackend(backend);
  T.manualSeed(0);
  const model = new TransformerLM(VOCAB, 0);
  const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
  const rand = prng(7);
  const batches = Array.from({ length: 4 }, () => ({
    x: T.tensor(
      Int32Array.from({ length: TOKENS }, () => Math.floor(rand() * VOCAB)),
      { shape: [BATCH, CONTEXT], dtype: 'int32' },
    ),
    y: T.tensor(
      Int32Array.from({ length: TOKENS }, () => Math.floor(rand() * VOCAB)),
      { dtype: 'int32' },
    ),
  }));
  const sync = T.getBackend().readSync !== undefined;
  return {
    async step(i: number): Promise<number> {
      const { x, y } = batches[i % batches.length];
      opt.zeroGrad();
      const loss = T.tidy(() => {
        const l = lossOf(model, x, y, VOCAB);
        l.backward();
        return l;
      });
      opt.step();
      const v = sync ? loss.item() : (await loss.data())[0];
      loss.dispose();
      return v;
    },
    dispose(): void {
      opt.dispose();
      for (const t of [...model.parameters(), ...batches.flatMap((b) => [b.x, b.y])]) t.dispose();
    },
  };
}

// --- the run ---------------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: { budget: { type: 'string' }, 'train-seconds': { type: 'string' }, only: { type: 'string' } },
  strict: true,
});
const budgetMs = Number(args.budget ?? 5000);
const trainSeconds = Number(args['train-seconds'] ?? 60);
const only = new Set((args.only ?? 'step,train').split(','));
const cpu = cpus();
console.log(`W7 benchmark — Node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown cpu'}`);
console.log(
  `Transformer LM: vocab ${VOCAB}, context ${CONTEXT}, batch ${BATCH}, ${LAYERS} pre-norm layers (d_model ${D_MODEL}, ${HEADS} heads, feed-forward ${FEED_FORWARD}, GELU), causal; AdamW`,
);

const nnw = await loadNnWasm();
for (const n of nnw.notes) console.log(`  ${n}`);
let gpu: WebGPUBackend | null = null;
if (only.has('step')) {
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) {
    process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  }
  try {
    gpu = await initWebGPU({ register: false });
    T.registerBackend(gpu);
    const info = (gpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    console.log(
      `  WebGPU: Dawn (webgpu 0.6.2), adapter ${info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown'}`,
    );
  } catch (e) {
    console.log(`  WebGPU skipped: ${(e as Error).message.split('\n')[0]}`);
  }
}

const PARITY = 3;
const rows: string[][] = [];
const stepMs: Record<string, number> = {};
const label: Record<string, string> = { cpu: '@nn cpu', wasm: '@nn wasm 1 thread', 'wasm-2t': '@nn wasm 2 threads', webgpu: '@nn WebGPU' };

async function timeAsync(fn: () => Promise<void>, budget: number, minRuns = 3): Promise<ReturnType<typeof summarize>> {
  await fn(); // warm-up (pipelines compiled, buffers pooled)
  const times: number[] = [];
  let spent = 0;
  while (spent < budget || times.length < minRuns) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  return summarize(times);
}

if (only.has('step')) {
  const backends = ['cpu', 'wasm', ...(nnw.two ? ['wasm-2t'] : []), ...(gpu ? [gpu.name] : [])];
  for (const b of backends) {
    const t = trainer(b);
    const losses: number[] = [];
    for (let i = 0; i < PARITY; i++) losses.push(await t.step(i));
    const live0 = T.memory().tensors;
    let i = PARITY;
    const s =
      T.getBackend().readSync !== undefined
        ? measure(() => void t.step(i++), { warmup: 1, budgetMs, minRuns: 3 })
        : await timeAsync(async () => void (await t.step(i++)), budgetMs);
    const live1 = T.memory().tensors;
    t.dispose();
    const name = label[b] ?? b;
    stepMs[name] = s.medianMs;
    rows.push([
      name,
      fmt(s.medianMs, 1),
      fmt(s.minMs, 1),
      String(s.runs),
      fmt(TOKENS / (s.medianMs / 1000), 0),
      `${live0} -> ${live1}`,
      losses.map((l) => l.toFixed(5)).join(', '),
    ]);
    console.log(`  ${name}: ${fmt(s.medianMs, 1)} ms/step`);
  }
  T.setBackend('cpu');
  console.log(
    `\nW7: one AdamW step (median; ${TOKENS} tokens a step; losses of the first ${PARITY} steps: same weights and batches on every backend)`,
  );
  console.log(table([['backend', 'ms/step', 'min', 'runs', 'tokens/s', 'live tensors', 'losses'], ...rows]));
}

/** Trains on the bundled text for `seconds` of wall-clock time on `backend`; prints perplexity checkpoints. */
async function budgetRun(backend: string, seconds: number): Promise<void> {
  const text = readFileSync(new URL('../../../apps/demo/data/devils-dictionary.txt', import.meta.url), 'utf8');
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c)!);
  const cut = Math.round(ids.length * 0.9);
  const [train, val] = [ids.subarray(0, cut), ids.subarray(cut)];
  const vocab = chars.length;
  T.setBackend(backend);
  T.manualSeed(0);
  const model = new TransformerLM(vocab, 0.1);
  const params = model.parameters();
  const peak = 3e-3;
  const opt = new AdamW(params, { lr: peak, weightDecay: 0.1, betas: [0.9, 0.99] });
  // The schedule follows the wall clock: warmup over the first 3%, cosine to peak/10 by the end.
  const elapsed = { frac: 0 };
  const sched = new schedules.LambdaLR(opt, {
    lrLambda: () =>
      elapsed.frac < 0.03
        ? Math.max(0.02, elapsed.frac / 0.03)
        : 0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, (elapsed.frac - 0.03) / 0.97))),
  });
  const rand = prng(11);
  const batchAt = (src: Int32Array, starts: number[]) => {
    const x = new Int32Array(starts.length * CONTEXT);
    const y = new Int32Array(starts.length * CONTEXT);
    starts.forEach((s, b) => {
      x.set(src.subarray(s, s + CONTEXT), b * CONTEXT);
      y.set(src.subarray(s + 1, s + CONTEXT + 1), b * CONTEXT);
    });
    return { x: T.tensor(x, { shape: [starts.length, CONTEXT], dtype: 'int32' }), y: T.tensor(y, { dtype: 'int32' }) };
  };
  const perplexity = (): number => {
    model.eval();
    const windows = Math.floor((val.length - 1) / CONTEXT);
    let total = 0;
    for (let i = 0; i < windows; i += BATCH) {
      const starts = Array.from({ length: Math.min(BATCH, windows - i) }, (_, k) => (i + k) * CONTEXT);
      total += noGrad(() =>
        T.tidy(() => {
          const { x, y } = batchAt(val, starts);
          return lossOf(model, x, y, vocab).item() * starts.length;
        }),
      );
    }
    model.train();
    return Math.exp(total / windows);
  };
  console.log(
    `\nLM budget run on ${label[backend] ?? backend}: ${seconds} s of training on The Devil's Dictionary (${train.length} train / ${val.length} val characters, vocabulary ${vocab})`,
  );
  const points: string[][] = [['0', '0', fmt(perplexity(), 2), '-']];
  const t0 = performance.now();
  let steps = 0;
  let evalMs = 0;
  let next = 0.25;
  for (;;) {
    const trainMs = performance.now() - t0 - evalMs;
    elapsed.frac = trainMs / (seconds * 1000);
    if (elapsed.frac >= next || elapsed.frac >= 1) {
      const e0 = performance.now();
      points.push([fmt(trainMs / 1000, 1), String(steps), fmt(perplexity(), 2), fmt(trainMs / steps, 1)]);
      evalMs += performance.now() - e0;
      next += 0.25;
      if (elapsed.frac >= 1) break;
    }
    opt.zeroGrad();
    T.tidy(() => {
      const { x, y } = batchAt(
        train,
        Array.from({ length: BATCH }, () => Math.floor(rand() * (train.length - CONTEXT - 1))),
      );
      const l = lossOf(model, x, y, vocab);
      l.backward();
      clipGradNorm(params, 1);
    });
    opt.step();
    sched.step();
    steps++;
  }
  console.log(table([['train seconds', 'steps', 'val perplexity', 'ms/step'], ...points]));
  opt.dispose();
  for (const p of params) p.dispose();
}

if (only.has('train')) await budgetRun(nnw.two ? 'wasm-2t' : 'wasm', trainSeconds);
T.setBackend('cpu');
nnw.one.dispose();
nnw.two?.dispose();
gpu?.dispose();
