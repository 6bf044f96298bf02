/**
 * --model cnn: a few training steps on a tiny synthetic 28x28 image set written as IDX files
 * (Fashion-MNIST's format), the flags it refuses, and images that are not square.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInto } from '@nn/layers';
import { getBackend } from '@nn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { buildCnn } from '../src/cnn.js';
import { disposeModel } from '../src/model.js';
import { capture } from './capture.js';
import { idx } from './idx.js';

const tmp = mkdtempSync(join(tmpdir(), 'nn-demo-cnn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** rows x cols images over noise; class c is a bright 6x6 square at one of 10 places (5 across, 2 down). */
function writeImages(dir: string, rows: number, cols: number, { train = 160, test = 40 } = {}): void {
  mkdirSync(dir, { recursive: true });
  let s = 777;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const make = (n: number) => {
    const px = rows * cols;
    const images = new Uint8Array(n * px);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 10;
      labels[i] = c;
      for (let p = 0; p < px; p++) images[i * px + p] = Math.floor(rand() * 70);
      const [r0, c0] = [1 + 12 * Math.floor(c / 5), 1 + 5 * (c % 5)];
      for (let r = r0; r < Math.min(r0 + 6, rows); r++)
        for (let q = c0; q < Math.min(c0 + 6, cols); q++) images[i * px + r * cols + q] = 240;
    }
    return { images: idx([n, rows, cols], images), labels: idx([n], labels) };
  };
  const tr = make(train);
  const te = make(test);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), tr.images);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), tr.labels);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), te.images);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), te.labels);
}

describe('demo CLI: --model cnn', () => {
  it('trains the CNN for a few steps on synthetic 28x28 images and saves weights that load into it', async () => {
    const dir = join(tmp, 'images');
    writeImages(dir, 28, 28);
    const out = join(tmp, 'cnn.safetensors');
    const io = capture();
    const args = [
      '--model',
      'cnn',
      '--dataset',
      'fashion-mnist',
      '--data',
      dir,
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--lr',
      '0.003',
      '--out',
      out,
    ];
    const { exitCode, result } = await main([...args, '--backend', 'wasm'], io);
    expect(io.stderrLines).toEqual([]);
    expect(exitCode).toBe(0);
    const r = result!;
    const text = io.stdout.join('\n');
    expect(text).toContain('cnn Unflatten(1, [1, 28, 28]) -> Conv2d(1, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)');
    expect(text).toContain('Linear(3136, 128)');
    expect(text).toContain('421,642 parameters');
    expect(r.history).toHaveLength(2);
    expect(r.history[1].loss).toBeLessThan(r.history[0].loss);
    expect(r.test.accuracy).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
    expect(r.liveTensors.after).toBe(r.liveTensors.before);
    expect(getBackend().name).toBe('cpu');
    const model = buildCnn(784, 10, 0);
    await loadInto(model, out);
    expect(Object.keys(model.stateDict())).toEqual([
      '1.weight',
      '1.bias',
      '4.weight',
      '4.bias',
      '8.weight',
      '8.bias',
      '10.weight',
      '10.bias',
    ]);
    disposeModel(model);

    // The same run on cpu: same data and initialization, so the first epoch's loss agrees.
    const cpu = await main(args, capture());
    expect(cpu.exitCode).toBe(0);
    expect(cpu.result!.history[0].loss).toBeCloseTo(r.history[0].loss, 3);
  }, 120_000);

  it('refuses other data sets and the MLP-only flags (exit 2), and images that are not square (exit 1)', async () => {
    const cases: [string[], string][] = [
      [['--model', 'cnn'], '--model cnn needs image data: --dataset fashion-mnist (spiral, the default: points, not images)'],
      [['--model', 'cnn', '--dataset', 'linreg'], '--model cnn needs image data: --dataset fashion-mnist (linreg: points, not images)'],
      [
        ['--model', 'cnn', '--dataset', 'fashion-mnist', '--hidden', '64'],
        "--hidden applies to --model mlp only (the cnn's layers are fixed; --dropout applies to both)",
      ],
      [
        ['--model', 'cnn', '--dataset', 'fashion-mnist', '--norm', 'batchnorm'],
        "--norm applies to --model mlp only (the cnn's layers are fixed; --dropout applies to both)",
      ],
      [['--model', 'rnn'], "--model must be one of mlp, cnn, got 'rnn'"],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      const { exitCode } = await main(argv, io);
      expect(exitCode, argv.join(' ')).toBe(2);
      expect(io.stderrLines[0].split('\n')[0]).toBe(`demo: ${message}`);
    }
    const dir = join(tmp, 'wide');
    writeImages(dir, 4, 7, { train: 20, test: 10 });
    const io = capture();
    const { exitCode } = await main(['--model', 'cnn', '--dataset', 'fashion-mnist', '--data', dir, '--epochs', '1'], io);
    expect(exitCode).toBe(1);
    expect(io.stderrLines.join('\n')).toContain(
      '--model cnn needs square images of at least 4x4 pixels; the data has 28 features per example',
    );
  });
});
