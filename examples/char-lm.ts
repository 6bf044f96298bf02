// A character-level language model: read a text, learn to predict each next character, and write
// new text one character at a time. Two models see the same kind of batches: a small causal
// Transformer (token + learned position embeddings, pre-norm encoder layers whose causal mask lets
// position t look at positions <= t only) and an LSTM, each trained with AdamW, gradient clipping
// and a warmup + cosine learning-rate schedule. After every epoch: the validation loss and its
// perplexity exp(loss), "how many characters the model hesitates between". Then samples with a
// temperature and top-k. The text is Ambrose Bierce's The Devil's Dictionary (1911, public domain;
// apps/demo/data/README.md). The demo has the same with flags: pnpm demo --task char-lm.
import { readFileSync } from 'node:fs';
import { noGrad } from '@nn/autograd';
import {
  Dropout,
  Embedding,
  LSTM,
  LayerNorm,
  LearnedPositionalEmbedding,
  Linear,
  Module,
  TransformerEncoder,
  TransformerEncoderLayer,
  crossEntropy,
} from '@nn/layers';
import { AdamW, clipGradNorm, lr } from '@nn/optim';
import * as T from '@nn/tensor';
import { initWasm } from '@nn/wasm-backend';
import { report, size } from './lib/options.js';
import { lineChart } from './lib/plot.js';

if (!process.argv.includes('--cpu')) {
  await initWasm();
  T.setBackend('wasm'); // several times faster than the pure-TypeScript cpu backend
}

// --- data: characters -> ids, a 90/10 split, random windows ---------------------------------------
const text = readFileSync(new URL('../apps/demo/data/devils-dictionary.txt', import.meta.url), 'utf8');
const chars = [...new Set(text)].sort();
const id = new Map(chars.map((c, i) => [c, i]));
const ids = Int32Array.from(text, (c) => id.get(c)!);
const cut = Math.round(ids.length * 0.9);
const [trainIds, valIds] = [ids.subarray(0, cut), ids.subarray(cut)];
const vocab = chars.length;

const context = size(64, 32); // characters the model reads at once
const batchSize = 32;
const dModel = size(64, 32);
const epochs = size(3, 2);
const stepsPerEpoch = size(Math.floor(trainIds.length / (batchSize * context)), 20); // full: one pass over the text
const valWindows = size(Infinity, 96);

let seed = 1;
const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;

/** x: windows of `context` ids; y: the id after each (the same windows shifted by one). */
function batch(source: Int32Array, starts: number[]): { x: T.Tensor; y: T.Tensor } {
  const x = new Int32Array(starts.length * context);
  const y = new Int32Array(starts.length * context);
  starts.forEach((s, b) => {
    x.set(source.subarray(s, s + context), b * context);
    y.set(source.subarray(s + 1, s + context + 1), b * context);
  });
  return { x: T.tensor(x, { shape: [starts.length, context], dtype: 'int32' }), y: T.tensor(y, { dtype: 'int32' }) };
}

// --- the two models ----------------------------------------------------------------------------------
class TransformerLM extends Module {
  tok = new Embedding(vocab, dModel);
  pos = new LearnedPositionalEmbedding(context, dModel, { batchFirst: true }); // an Embedding over positions
  drop = new Dropout(0.1);
  encoder = new TransformerEncoder(
    new TransformerEncoderLayer(dModel, 4, {
      dimFeedforward: 4 * dModel,
      dropout: 0.1,
      activation: 'gelu',
      batchFirst: true,
      normFirst: true,
    }),
    size(2, 1),
    { norm: new LayerNorm(dModel) },
  );
  head = new Linear(dModel, vocab);
  forward(x: T.Tensor): T.Tensor {
    return this.head(this.encoder(this.drop(this.pos(this.tok(x))), { isCausal: true }));
  }
}

class LstmLM extends Module {
  tok = new Embedding(vocab, dModel);
  lstm = new LSTM(dModel, 2 * dModel, { batchFirst: true });
  head = new Linear(2 * dModel, vocab);
  forward(x: T.Tensor): T.Tensor {
    return this.head(this.lstm(this.tok(x))[0]);
  }
}

/** Mean next-character cross-entropy on validation windows, without dropout or a graph. */
function validationLoss(model: Module): number {
  model.eval();
  const n = Math.min(valWindows, Math.floor((valIds.length - 1) / context));
  let total = 0;
  for (let i = 0; i < n; i += batchSize) {
    const starts = Array.from({ length: Math.min(batchSize, n - i) }, (_, k) => (i + k) * context);
    total += noGrad(() =>
      T.tidy(() => {
        const { x, y } = batch(valIds, starts);
        return crossEntropy(model(x).reshape([-1, vocab]), y).item() * starts.length;
      }),
    );
  }
  model.train();
  return total / n;
}

function train(name: string, model: Module): { epoch: number; perplexity: number }[] {
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: 3e-3, weightDecay: 0.1, betas: [0.9, 0.99] });
  const total = epochs * stepsPerEpoch;
  const warmup = Math.min(50, Math.floor(total / 4));
  const schedule = new lr.SequentialLR(optimizer, {
    schedulers: [
      new lr.LinearLR(optimizer, { startFactor: 1 / warmup, totalIters: warmup }),
      new lr.CosineAnnealingLR(optimizer, { tMax: total - warmup, etaMin: 3e-4 }),
    ],
    milestones: [warmup],
  });
  const curve = [{ epoch: 0, perplexity: Math.exp(validationLoss(model)) }];
  console.log(
    `${name}: ${model.parameterCount().toLocaleString('en-US')} parameters, val perplexity ${curve[0].perplexity.toFixed(1)} before training (${vocab} characters)`,
  );
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    let trainLoss = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      optimizer.zeroGrad();
      trainLoss += T.tidy(() => {
        const { x, y } = batch(
          trainIds,
          Array.from({ length: batchSize }, () => Math.floor(rand() * (trainIds.length - context - 1))),
        );
        const loss = crossEntropy(model(x).reshape([-1, vocab]), y);
        loss.backward();
        clipGradNorm(params, 1.0); // keeps a rare huge gradient from wrecking the weights
        return loss.item();
      });
      optimizer.step();
      schedule.step();
    }
    const val = validationLoss(model);
    curve.push({ epoch, perplexity: Math.exp(val) });
    console.log(
      `  epoch ${epoch}: train loss ${(trainLoss / stepsPerEpoch).toFixed(3)}, val loss ${val.toFixed(3)}, val perplexity ${Math.exp(val).toFixed(2)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  optimizer.dispose();
  return curve;
}

/** Writes `length` characters after `prompt`: softmax(logits / temperature) over the top k, one draw each. */
function sample(model: Module, prompt: string, length: number, temperature = 0.8, topK = 10): string {
  model.eval();
  const out = Array.from(prompt, (c) => id.get(c)!);
  for (let i = 0; i < length; i++) {
    const window = out.slice(-context);
    out.push(
      noGrad(() =>
        T.tidy(() => {
          const logits = model(T.tensor(Int32Array.from(window), { shape: [1, window.length], dtype: 'int32' }));
          const last = logits
            .reshape([-1, vocab])
            .narrow(0, window.length - 1, 1)
            .reshape([vocab])
            .div(temperature);
          const { values, indices } = T.topk(last, topK);
          return indices.gather(0, T.multinomial(values.softmax(0), 1)).item();
        }),
      ),
    );
  }
  model.train();
  return out
    .slice(prompt.length)
    .map((i) => chars[i])
    .join('');
}

T.manualSeed(0);
const transformer = new TransformerLM();
const transformerCurve = train('Transformer', transformer);
seed = 1; // the LSTM sees the same batches
T.manualSeed(0);
const lstm = new LstmLM();
const lstmCurve = train('LSTM', lstm);

T.manualSeed(0);
const samples = { transformer: sample(transformer, '\n', size(400, 80)), lstm: sample(lstm, '\n', size(400, 80)) };
for (const [name, s] of Object.entries(samples)) console.log(`\n${name} writes:\n${s}`);

await lineChart(
  'char-lm-perplexity',
  [...transformerCurve.map((r) => ({ ...r, model: 'Transformer' })), ...lstmCurve.map((r) => ({ ...r, model: 'LSTM' }))],
  { title: 'Validation perplexity per epoch', x: 'epoch', y: 'perplexity', series: 'model', logY: true, points: true },
);

report({
  vocabulary: vocab,
  transformerPerplexity: transformerCurve.map((r) => r.perplexity),
  lstmPerplexity: lstmCurve.map((r) => r.perplexity),
  transformerSample: samples.transformer,
  lstmSample: samples.lstm,
});
