/**
 * The char-lm task: a few training steps of the Transformer and LSTM language models on a tiny
 * string (the loss falls, perplexity is exp(loss), samples come from the vocabulary), the CLI end to
 * end on a tiny text file, the bundled text's provenance, and its flag errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@nn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { BUNDLED_TEXT, CharVocab, makeCorpus } from '../src/lm/data.js';
import { LstmLM, TransformerLM } from '../src/lm/model.js';
import { sample, trainLM, validationLoss } from '../src/lm/train.js';
import { capture } from './capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'nn-char-lm-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY = 'the cat sat on the mat. the dog sat on the log. '.repeat(12);
const train = {
  epochs: 3,
  stepsPerEpoch: 15,
  batchSize: 8,
  context: 12,
  lr: 1e-2,
  weightDecay: 0.01,
  clip: 1,
  warmup: 3,
  valWindows: 0,
  seed: 1,
};

describe('a few steps on a tiny string', () => {
  it('the Transformer LM learns: loss falls, perplexity = exp(val loss), no tensors leak', async () => {
    T.manualSeed(0);
    const corpus = makeCorpus(TINY);
    expect(corpus.vocab.size).toBe(new Set(TINY).size);
    const model = new TransformerLM({
      vocab: corpus.vocab.size,
      context: 12,
      dModel: 16,
      heads: 2,
      layers: 1,
      feedForward: 32,
      dropout: 0,
      positions: 'learned',
    });
    const before = await validationLoss(model, corpus, 12, 8, 0);
    expect(before).toBeGreaterThan(Math.log(corpus.vocab.size) * 0.8); // near uniform at the start
    const live = T.memory().tensors;
    const logs = await trainLM(model, corpus, train);
    expect(T.memory().tensors).toBe(live);
    expect(logs.map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(logs[2].trainLoss).toBeLessThan(logs[0].trainLoss);
    expect(logs[2].valLoss).toBeLessThan(before * 0.6);
    for (const l of logs) expect(l.valPerplexity).toBeCloseTo(Math.exp(l.valLoss), 6);
    expect(logs[2].lr).toBeLessThan(train.lr); // cosine decay after the warmup
  });

  it('the LSTM LM learns, with sinusoidal positions not needed', async () => {
    T.manualSeed(0);
    const corpus = makeCorpus(TINY);
    const model = new LstmLM({ vocab: corpus.vocab.size, embed: 16, hidden: 24, layers: 1, dropout: 0 });
    const logs = await trainLM(model, corpus, train);
    expect(logs[2].valLoss).toBeLessThan(logs[0].valLoss);
  });

  it('sampling: vocabulary characters, greedy = top-k 1, seeded', async () => {
    T.manualSeed(0);
    const corpus = makeCorpus(TINY);
    const model = new TransformerLM({
      vocab: corpus.vocab.size,
      context: 12,
      dModel: 16,
      heads: 2,
      layers: 1,
      feedForward: 32,
      dropout: 0,
      positions: 'sinusoidal',
    });
    await trainLM(model, corpus, { ...train, epochs: 2 });
    const o = { prompt: 'the ', length: 30, temperature: 1, topK: 0, context: 12 };
    const greedy = await sample(model, corpus.vocab, { ...o, temperature: 0 });
    expect(greedy.length).toBe(30);
    expect(await sample(model, corpus.vocab, { ...o, topK: 1 })).toBe(greedy);
    T.manualSeed(5);
    const a = await sample(model, corpus.vocab, { ...o, topK: 4 });
    T.manualSeed(5);
    expect(await sample(model, corpus.vocab, { ...o, topK: 4 })).toBe(a);
    expect([...a].every((c) => corpus.vocab.chars.includes(c))).toBe(true);
  });
});

describe('--task char-lm', () => {
  const text = join(tmp, 'tiny.txt');
  writeFileSync(text, TINY);
  const small = [
    '--text',
    text,
    '--context',
    '12',
    '--batch-size',
    '8',
    '--d-model',
    '16',
    '--heads',
    '2',
    '--feed-forward',
    '32',
    '--layers',
    '1',
    '--backend',
    'cpu',
  ];

  it('trains both models, prints per-epoch perplexity, samples and a comparison', async () => {
    const io = capture();
    const r = await main(
      [
        '--task',
        'char-lm',
        ...small,
        '--epochs',
        '2',
        '--steps-per-epoch',
        '8',
        '--lstm-hidden',
        '16',
        '--sample-length',
        '24',
        '--lr',
        '0.01',
      ],
      io,
    );
    expect(io.stderrLines.filter((l) => l.startsWith('demo:'))).toEqual([]);
    expect(r.exitCode).toBe(0);
    const lm = r.lm!;
    expect(lm.models.map((m) => m.name)).toEqual(['transformer', 'lstm']);
    for (const m of lm.models) {
      expect(m.logs.length).toBe(2);
      expect(m.sample.length).toBe(24);
      expect(m.logs[1].valLoss).toBeLessThan(m.logs[0].valLoss + 0.05);
    }
    const out = io.stdout.join('\n');
    expect(out).toContain('val ppl');
    expect(out).toMatch(/comparison \(validation, last epoch\):/);
    expect(out).toMatch(/transformer\s+[\d,]+\s+\d\.\d{4}\s+\d+\.\d{2}/);
    expect(T.getBackend().name).toBe('cpu');
  });

  it('flag errors exit 2 naming the flag; a prompt outside the vocabulary exits 1', async () => {
    const run = async (...args: string[]) => {
      const io = capture();
      const r = await main(args, io);
      return { code: r.exitCode, err: io.stderrLines.join('\n') };
    };
    expect(await run('--task', 'poetry')).toEqual({
      code: 2,
      err: "demo: --task must be one of mlp, char-lm, got 'poetry'\nRun with --help to see the options.",
    });
    expect((await run('--task', 'char-lm', '--heads', '3')).err).toMatch(/^demo: --heads \(3\) must divide --d-model \(64\)/);
    expect((await run('--task', 'char-lm', '--model', 'lstm', '--positions', 'sinusoidal')).err).toMatch(
      /--positions applies to the Transformer/,
    );
    expect((await run('--task', 'char-lm', '--model', 'gru')).err).toMatch(/--model must be one of transformer, lstm, both, got 'gru'/);
    expect((await run('--task', 'char-lm', '--hidden', '64')).err).toMatch(/unknown option '--hidden' for --task char-lm/);
    expect((await run('--task', 'char-lm', '--dropout', '1')).code).toBe(2);
    expect(await run('--task', 'char-lm', ...small, '--prompt', 'THE')).toEqual({
      code: 1,
      err: 'demo: the character "T" is not in the text\'s vocabulary of 14 characters',
    });
    const help = capture();
    expect((await main(['--task=char-lm', '--help'], help)).exitCode).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/The Devil's Dictionary/);
  });
});

it("the bundled text is the public-domain Devil's Dictionary, with its provenance", () => {
  const text = readFileSync(BUNDLED_TEXT, 'utf8');
  expect(text.length).toBe(383157);
  expect(text).toMatch(/A Public Domain Text, Copyright Expired/);
  expect(text.trimEnd().endsWith('sheds its horn every two years.')).toBe(true);
  expect(new CharVocab(text).size).toBe(84);
  const readme = readFileSync(new URL('../data/README.md', import.meta.url), 'utf8');
  expect(readme).toMatch(/Public domain/i);
});
