/**
 * `pnpm demo --task char-lm`: a character-level language model on the bundled public-domain text
 * (The Devil's Dictionary), a small causal Transformer and an LSTM trained on the same batches'
 * distribution and compared: validation loss and perplexity per epoch, generated samples
 * (temperature, top-k), and a summary table. Its own flag table, parsed before anything loads.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as T from '@nn/tensor';
import { type BackendName, BACKENDS, useBackend } from '../backend.js';
import { NON_NEGATIVE, POSITIVE, UNIT, nonNegativeInt, numberIn, oneOf, positiveInt } from '../flags.js';
import { type Io, UsageError, lrText, num, table, thousands } from '../ui.js';
import { BUNDLED_TEXT, type Corpus, makeCorpus, readText } from './data.js';
import { LstmLM, type Positions, TransformerLM } from './model.js';
import { type EpochLog, sample, trainLM } from './train.js';

export const LM_MODELS = ['transformer', 'lstm', 'both'] as const;
export type LmModelChoice = (typeof LM_MODELS)[number];
export const POSITIONS: readonly Positions[] = ['learned', 'sinusoidal'];

export interface LmOptions {
  model: LmModelChoice;
  text: string;
  epochs: number;
  /** null: one pass over the training text per epoch (characters / (batch * context)). */
  stepsPerEpoch: number | null;
  batchSize: number;
  context: number;
  dModel: number;
  heads: number;
  layers: number;
  feedForward: number;
  dropout: number;
  positions: Positions;
  lstmHidden: number;
  lstmLayers: number;
  lr: number;
  weightDecay: number;
  clip: number;
  warmup: number;
  valWindows: number;
  temperature: number;
  topK: number;
  sampleLength: number;
  prompt: string;
  seed: number;
  backend: BackendName;
}

export const LM_DEFAULTS: Omit<LmOptions, 'text' | 'stepsPerEpoch'> = {
  model: 'both',
  epochs: 2,
  batchSize: 32,
  context: 64,
  dModel: 64,
  heads: 4,
  layers: 2,
  feedForward: 256,
  dropout: 0.1,
  positions: 'learned',
  lstmHidden: 128,
  lstmLayers: 1,
  lr: 3e-3,
  weightDecay: 0.1,
  clip: 1,
  warmup: 50,
  valWindows: 0,
  temperature: 0.8,
  topK: 10,
  sampleLength: 300,
  prompt: '\n',
  seed: 0,
  backend: 'wasm',
};

const LM_FLAGS = {
  task: { type: 'string' },
  model: { type: 'string' },
  text: { type: 'string' },
  epochs: { type: 'string' },
  'steps-per-epoch': { type: 'string' },
  'batch-size': { type: 'string' },
  context: { type: 'string' },
  'd-model': { type: 'string' },
  heads: { type: 'string' },
  layers: { type: 'string' },
  'feed-forward': { type: 'string' },
  dropout: { type: 'string' },
  positions: { type: 'string' },
  'lstm-hidden': { type: 'string' },
  'lstm-layers': { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  clip: { type: 'string' },
  warmup: { type: 'string' },
  'val-windows': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'sample-length': { type: 'string' },
  prompt: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every flag of the char-lm task (for the help test). */
export const LM_FLAG_NAMES = Object.keys(LM_FLAGS).map((k) => `--${k}`);

export const LM_HELP = `Usage: pnpm demo --task char-lm [options]

Trains a character-level language model on a bundled public-domain text, Ambrose Bierce's
The Devil's Dictionary (1911; apps/demo/data/README.md), with @nn/layers' Transformer layers and
LSTM: a small causal Transformer (token + position embeddings, pre-norm encoder layers with a
causal mask, GELU) and an LSTM see the same kind of batches (random windows of the first 90% of
the text), trained with AdamW, clipGradNorm and a warmup + cosine schedule. After every epoch:
validation loss and perplexity on the last 10%. Then samples (temperature, top-k) and a comparison.

  --model M           transformer, lstm or both (default ${LM_DEFAULTS.model})
  --text PATH         another UTF-8 text to model (default: the bundled one)
  --epochs N          (default ${LM_DEFAULTS.epochs})
  --steps-per-epoch N AdamW steps per epoch (default: one pass over the training text,
                      its characters / (batch size * context))
  --batch-size N      windows per step (default ${LM_DEFAULTS.batchSize})
  --context N         characters per window, the Transformer's context (default ${LM_DEFAULTS.context})
  --d-model N         Transformer width, also the LSTM's embedding size (default ${LM_DEFAULTS.dModel})
  --heads N           attention heads, dividing --d-model (default ${LM_DEFAULTS.heads})
  --layers N          Transformer layers (default ${LM_DEFAULTS.layers})
  --feed-forward N    width of the feed-forward blocks (default ${LM_DEFAULTS.feedForward})
  --dropout P         in [0, 1) (default ${LM_DEFAULTS.dropout})
  --positions P       learned (an Embedding over positions) or sinusoidal (default ${LM_DEFAULTS.positions})
  --lstm-hidden N     LSTM hidden size (default ${LM_DEFAULTS.lstmHidden})
  --lstm-layers N     (default ${LM_DEFAULTS.lstmLayers})
  --lr X              AdamW peak learning rate (default ${LM_DEFAULTS.lr})
  --weight-decay X    AdamW weight decay on matrices and embeddings (default ${LM_DEFAULTS.weightDecay})
  --clip X            clipGradNorm max norm (default ${LM_DEFAULTS.clip})
  --warmup N          linear warmup steps, then cosine to lr/10 (default ${LM_DEFAULTS.warmup})
  --val-windows N     validation windows to score, 0 = the whole 10% (default ${LM_DEFAULTS.valWindows})
  --temperature T     sampling temperature, 0 = greedy (default ${LM_DEFAULTS.temperature})
  --top-k K           sample among the K likeliest characters, 0 = all (default ${LM_DEFAULTS.topK})
  --sample-length N   characters to generate (default ${LM_DEFAULTS.sampleLength})
  --prompt S          text the samples continue (default a newline)
  --seed N            weights, batches and samples (default ${LM_DEFAULTS.seed})
  --backend B         ${BACKENDS.join(', ')} (default ${LM_DEFAULTS.backend}: about 10x the cpu backend here)
`;

export function parseLmOptions(argv: readonly string[]): LmOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: LM_FLAGS, strict: true, allowPositionals: true }));
  } catch (e) {
    const msg = (e as Error).message;
    if ((e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown option '${/'([^']+)'/.exec(msg)?.[1] ?? msg}' for --task char-lm`);
    }
    throw new UsageError(msg.replace(/\s*\n\s*/g, ' ').replace(/^Option '/, "option '"));
  }
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (options start with --)`);
  const str = (k: string) => values[k] as string | undefined;
  const int = (k: string, fallback: number, parse = positiveInt) => (str(k) === undefined ? fallback : parse(`--${k}`, str(k)!));
  const real = (k: string, fallback: number, range = POSITIVE, what?: string) =>
    str(k) === undefined ? fallback : numberIn(`--${k}`, str(k)!, range, what);
  const d = LM_DEFAULTS;
  const o: LmOptions = {
    model: str('model') === undefined ? d.model : oneOf('--model', str('model')!, LM_MODELS),
    text: resolve(str('text') ?? BUNDLED_TEXT),
    epochs: int('epochs', d.epochs),
    stepsPerEpoch: str('steps-per-epoch') === undefined ? null : positiveInt('--steps-per-epoch', str('steps-per-epoch')!),
    batchSize: int('batch-size', d.batchSize),
    context: int('context', d.context),
    dModel: int('d-model', d.dModel),
    heads: int('heads', d.heads),
    layers: int('layers', d.layers),
    feedForward: int('feed-forward', d.feedForward),
    dropout: real('dropout', d.dropout, UNIT, 'a probability in [0, 1)'),
    positions: str('positions') === undefined ? d.positions : oneOf('--positions', str('positions')!, POSITIONS),
    lstmHidden: int('lstm-hidden', d.lstmHidden),
    lstmLayers: int('lstm-layers', d.lstmLayers),
    lr: real('lr', d.lr),
    weightDecay: real('weight-decay', d.weightDecay, NON_NEGATIVE),
    clip: real('clip', d.clip),
    warmup: int('warmup', d.warmup, nonNegativeInt),
    valWindows: int('val-windows', d.valWindows, nonNegativeInt),
    temperature: real('temperature', d.temperature, NON_NEGATIVE),
    topK: int('top-k', d.topK, nonNegativeInt),
    sampleLength: int('sample-length', d.sampleLength),
    prompt: str('prompt') ?? d.prompt,
    seed: int('seed', d.seed, nonNegativeInt),
    backend: str('backend') === undefined ? d.backend : oneOf('--backend', str('backend')!, BACKENDS),
  };
  if (o.dModel % o.heads !== 0) throw new UsageError(`--heads (${o.heads}) must divide --d-model (${o.dModel})`);
  if (o.model === 'lstm') {
    const t = (['heads', 'layers', 'feed-forward', 'positions'] as const).find((k) => str(k) !== undefined);
    if (t !== undefined) throw new UsageError(`--${t} applies to the Transformer; --model lstm trains the LSTM only`);
  }
  if (o.model === 'transformer') {
    const t = (['lstm-hidden', 'lstm-layers'] as const).find((k) => str(k) !== undefined);
    if (t !== undefined) throw new UsageError(`--${t} applies to the LSTM; --model transformer trains the Transformer only`);
  }
  return o;
}

export interface LmModelResult {
  name: 'transformer' | 'lstm';
  description: string;
  parameters: number;
  logs: EpochLog[];
  sample: string;
}

export interface LmResult {
  mode: 'char-lm';
  vocab: number;
  trainChars: number;
  valChars: number;
  stepsPerEpoch: number;
  models: LmModelResult[];
}

function epochTable(logs: EpochLog[]): string {
  const header = ['epoch', 'steps', 'train loss', 'val loss', 'val ppl', 'grad norm', 'lr', 'seconds'];
  const rows = logs.map((l) => [
    String(l.epoch),
    String(l.steps),
    num(l.trainLoss),
    num(l.valLoss),
    l.valPerplexity.toFixed(2),
    l.gradNorm.toFixed(2),
    lrText(l.lr),
    l.seconds.toFixed(1),
  ]);
  return table([header, ...rows], { align: header.map(() => 'r') });
}

const indentText = (s: string): string =>
  s
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');

/** Trains the chosen models one after the other and reports; the backend is restored afterwards. */
export async function runLm(o: LmOptions, io: Io): Promise<LmResult> {
  const corpus: Corpus = makeCorpus(readText(o.text));
  // The default prompt (a newline: the start of an entry) falls back to the validation text's
  // first character for a text without newlines; a given prompt is checked before anything trains.
  const prompt = o.prompt === LM_DEFAULTS.prompt && !corpus.vocab.chars.includes('\n') ? corpus.vocab.decode([corpus.val[0]]) : o.prompt;
  corpus.vocab.encode(prompt);
  const restore = await useBackend(o.backend);
  try {
    const stepsPerEpoch = o.stepsPerEpoch ?? Math.max(1, Math.floor(corpus.train.length / (o.batchSize * o.context)));
    io.out(
      `char-lm on ${T.getBackend().name}: ${o.text === BUNDLED_TEXT ? "The Devil's Dictionary (Bierce, 1911, public domain)" : o.text}`,
    );
    io.out(
      `  data   ${thousands(corpus.train.length)} training and ${thousands(corpus.val.length)} validation characters, vocabulary ${corpus.vocab.size}`,
    );
    io.out(
      `  train  ${o.epochs} epochs x ${stepsPerEpoch} steps, batch ${o.batchSize} x ${o.context} characters; AdamW(lr=${o.lr}, weight_decay=${o.weightDecay}), clip ${o.clip}, warmup ${o.warmup} + cosine`,
    );
    const names: ('transformer' | 'lstm')[] = o.model === 'both' ? ['transformer', 'lstm'] : [o.model];
    const models: LmModelResult[] = [];
    for (const name of names) {
      T.manualSeed(o.seed);
      const model =
        name === 'transformer'
          ? new TransformerLM({
              vocab: corpus.vocab.size,
              context: o.context,
              dModel: o.dModel,
              heads: o.heads,
              layers: o.layers,
              feedForward: o.feedForward,
              dropout: o.dropout,
              positions: o.positions,
            })
          : new LstmLM({ vocab: corpus.vocab.size, embed: o.dModel, hidden: o.lstmHidden, layers: o.lstmLayers, dropout: o.dropout });
      const description =
        name === 'transformer'
          ? `Transformer: ${o.layers} pre-norm layers, d_model ${o.dModel}, ${o.heads} heads, feed-forward ${o.feedForward}, ${o.positions} positions, causal`
          : `LSTM: embedding ${o.dModel}, ${o.lstmLayers} layer${o.lstmLayers > 1 ? 's' : ''} of ${o.lstmHidden}`;
      io.out(`\n${description}; ${thousands(model.parameterCount())} parameters`);
      const logs = await trainLM(
        model,
        corpus,
        {
          epochs: o.epochs,
          stepsPerEpoch,
          batchSize: o.batchSize,
          context: o.context,
          lr: o.lr,
          weightDecay: o.weightDecay,
          clip: o.clip,
          warmup: o.warmup,
          valWindows: o.valWindows,
          seed: o.seed,
        },
        (l) =>
          io.err(
            `  ${name} epoch ${l.epoch}/${o.epochs}: val loss ${num(l.valLoss)}, perplexity ${l.valPerplexity.toFixed(2)} (${l.seconds.toFixed(1)} s)`,
          ),
      );
      io.out(epochTable(logs));
      T.manualSeed(o.seed);
      const text = await sample(model, corpus.vocab, {
        prompt,
        length: o.sampleLength,
        temperature: o.temperature,
        topK: o.topK,
        context: o.context,
      });
      io.out(`  sample (temperature ${o.temperature}, top-k ${o.topK || 'all'}):\n${indentText(prompt === '\n' ? text : prompt + text)}`);
      models.push({ name, description, parameters: model.parameterCount(), logs, sample: text });
      for (const p of [...model.parameters(), ...model.buffers()]) p.dispose();
    }
    if (models.length > 1) {
      io.out('\ncomparison (validation, last epoch):');
      const rows = models.map((m) => {
        const last = m.logs[m.logs.length - 1];
        const secs = m.logs.reduce((a, l) => a + l.seconds, 0);
        return [m.name, thousands(m.parameters), num(last.valLoss), last.valPerplexity.toFixed(2), (secs / m.logs.length).toFixed(1)];
      });
      io.out(table([['model', 'parameters', 'val loss', 'val ppl', 's/epoch'], ...rows]));
    }
    return {
      mode: 'char-lm',
      vocab: corpus.vocab.size,
      trainChars: corpus.train.length,
      valChars: corpus.val.length,
      stepsPerEpoch,
      models,
    };
  } finally {
    restore();
  }
}
