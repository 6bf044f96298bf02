/**
 * Training and sampling for the character-level language models: AdamW, gradient clipping, a
 * linear warmup then cosine decay per step, validation loss and perplexity after every epoch, and
 * sampling with temperature and top-k. Loss sums stay on the device and are read once per epoch,
 * so the loop works on every backend (WebGPU included).
 */
import * as T from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { crossEntropy, type Module } from '@nn/layers';
import { AdamW, clipGradNorm, lr as schedules } from '@nn/optim';
import { type Corpus, type CharVocab, batchAt, prng, randomBatch, validationStarts } from './data.js';

export interface TrainConfig {
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  /** Characters per training window (the Transformer's context length). */
  context: number;
  lr: number;
  weightDecay: number;
  /** clipGradNorm's maxNorm. */
  clip: number;
  /** Steps of linear warmup before the cosine decay (to lr / 10 at the last step). */
  warmup: number;
  /** At most this many validation windows of `context` characters (0: the whole validation text). */
  valWindows: number;
  seed: number;
}

export interface EpochLog {
  epoch: number;
  steps: number;
  trainLoss: number;
  valLoss: number;
  /** exp(valLoss): the per-character perplexity. */
  valPerplexity: number;
  /** Mean gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
  seconds: number;
}

/** Mean cross-entropy of the next character over validation windows (eval mode, no graph). */
export async function validationLoss(
  model: Module,
  corpus: Corpus,
  context: number,
  batchSize: number,
  maxWindows: number,
): Promise<number> {
  const starts = validationStarts(corpus.val, context, maxWindows > 0 ? maxWindows : Number.POSITIVE_INFINITY);
  const wasTraining = model.training;
  model.eval();
  let total = T.zeros([]);
  try {
    for (let i = 0; i < starts.length; i += batchSize) {
      const chunk = starts.slice(i, i + batchSize);
      const next = noGrad(() =>
        T.tidy(() => {
          const { x, y } = batchAt(corpus.val, chunk, context);
          const logits = model(x) as T.Tensor;
          // Weighted by windows, so a short last batch counts for what it holds.
          return T.add(total, T.mul(crossEntropy(T.reshape(logits, [-1, logits.shape[2]]), y), chunk.length));
        }),
      );
      total.dispose();
      total = next;
    }
    return (await total.data())[0] / starts.length;
  } finally {
    total.dispose();
    model.train(wasTraining);
  }
}

/**
 * Trains `model` on the corpus; calls onEpoch after each epoch's validation. Returns the logs.
 * Batches come from a seeded generator, so a run is reproducible with manualSeed(seed) before
 * the model is built.
 */
export async function trainLM(model: Module, corpus: Corpus, cfg: TrainConfig, onEpoch?: (log: EpochLog) => void): Promise<EpochLog[]> {
  const rand = prng(cfg.seed);
  const params = model.parameters();
  // Decay weights (matrices), not biases, norms or embeddings' ... as nanoGPT: only >= 2-D tensors,
  // embeddings included.
  const decay = params.filter((p) => p.ndim >= 2);
  const noDecay = params.filter((p) => p.ndim < 2);
  const opt = new AdamW(
    [
      { params: decay, weightDecay: cfg.weightDecay },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr: cfg.lr, betas: [0.9, 0.99] },
  );
  const total = cfg.epochs * cfg.stepsPerEpoch;
  const warmup = Math.min(cfg.warmup, total - 1);
  const cosine = new schedules.CosineAnnealingLR(opt, { tMax: Math.max(1, total - warmup), etaMin: cfg.lr / 10 });
  const sched =
    warmup > 0
      ? new schedules.SequentialLR(opt, {
          schedulers: [new schedules.LinearLR(opt, { startFactor: 1 / warmup, totalIters: warmup }), cosine],
          milestones: [warmup],
        })
      : cosine;
  const logs: EpochLog[] = [];
  model.train();
  try {
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = T.zeros([]);
      let normSum = T.zeros([]);
      for (let s = 0; s < cfg.stepsPerEpoch; s++) {
        opt.zeroGrad();
        const [l, n] = T.tidy(() => {
          const { x, y } = randomBatch(corpus.train, cfg.batchSize, cfg.context, rand);
          const logits = model(x) as T.Tensor;
          const loss = crossEntropy(T.reshape(logits, [-1, logits.shape[2]]), y);
          loss.backward();
          const norm = clipGradNorm(params, cfg.clip);
          return [T.add(lossSum, loss.detach()), T.add(normSum, norm)];
        });
        opt.step();
        sched.step();
        lossSum.dispose();
        normSum.dispose();
        [lossSum, normSum] = [l, n];
      }
      const trainLoss = (await lossSum.data())[0] / cfg.stepsPerEpoch;
      const gradNorm = (await normSum.data())[0] / cfg.stepsPerEpoch;
      lossSum.dispose();
      normSum.dispose();
      const valLoss = await validationLoss(model, corpus, cfg.context, cfg.batchSize, cfg.valWindows);
      const log: EpochLog = {
        epoch,
        steps: epoch * cfg.stepsPerEpoch,
        trainLoss,
        valLoss,
        valPerplexity: Math.exp(valLoss),
        gradNorm,
        lr: opt.paramGroups[0].lr,
        seconds: (performance.now() - t0) / 1000,
      };
      logs.push(log);
      onEpoch?.(log);
    }
  } finally {
    opt.zeroGrad();
    opt.dispose();
  }
  return logs;
}

export interface SampleOptions {
  /** Text to continue (default a newline: the start of an entry). */
  prompt: string;
  /** Characters to generate. */
  length: number;
  /** Divides the logits; 0 picks the most likely character (greedy). */
  temperature: number;
  /** Sample among the k most likely characters only (0: all). */
  topK: number;
  /** The model reads at most this many trailing characters. */
  context: number;
}

/**
 * Continues the prompt one character at a time: the model reads the last `context` characters,
 * the last position's logits are divided by the temperature, cut to the top k, and one character is
 * drawn with multinomial (seeded by manualSeed).
 */
export async function sample(model: Module, vocab: CharVocab, o: SampleOptions): Promise<string> {
  const ids = [...vocab.encode(o.prompt.length > 0 ? o.prompt : '\n')];
  const wasTraining = model.training;
  model.eval();
  try {
    for (let i = 0; i < o.length; i++) {
      const window = ids.slice(-o.context);
      const next = noGrad(() =>
        T.tidy(() => {
          const logits = model(T.tensor(Int32Array.from(window), { shape: [1, window.length], dtype: 'int32' })) as T.Tensor;
          const last = T.reshape(T.narrow(logits, 1, window.length - 1, 1), [vocab.size]);
          if (o.temperature === 0) return T.argmax(last, 0);
          const scaled = T.div(last, o.temperature);
          if (o.topK > 0 && o.topK < vocab.size) {
            const { values, indices } = T.topk(scaled, o.topK);
            return T.gather(indices, 0, T.multinomial(T.softmax(values, 0), 1));
          }
          return T.multinomial(T.softmax(scaled, 0), 1);
        }),
      );
      ids.push((await next.data())[0]);
      next.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  return vocab.decode(ids.slice(ids.length - o.length));
}
