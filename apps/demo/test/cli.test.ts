import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataLoader, TensorDataset, makeSpiral } from '@nn/data';
import { loadInto } from '@nn/layers';
import { getBackend, manualSeed, memory } from '@nn/tensor';
import { confusionMatrix, predict } from '@nn/train';
import { afterAll, describe, expect, it } from 'vitest';
import { FLAGS, HELP, main } from '../src/cli.js';
import { FASHION_CLASSES, LINREG, SPIRAL, locateFashionMnist } from '../src/data.js';
import { ACTIVATION_NAMES, INIT_NAMES, NORM_NAMES, buildMlp, disposeModel } from '../src/model.js';
import { OPTIMIZERS, OPTIMIZER_NAMES, optimizerText } from '../src/optimizers.js';
import { SCHEDULE_NAMES } from '../src/schedules.js';
import { DemoError } from '../src/ui.js';
import { capture } from './capture.js';
import { idx } from './idx.js';

const tmp = mkdtempSync(join(tmpdir(), 'nn-demo-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A tiny Fashion-MNIST look-alike: 4x4 images, class c lights pixels c and c + 6 over noise.
 * `gzip` stores the training images gzipped (loadMnistLike reads both forms).
 */
function writeTinyFashion(dir: string, { train = 200, test = 60 } = {}): void {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const make = (n: number) => {
    const images = new Uint8Array(n * 16);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 10;
      labels[i] = c;
      for (let p = 0; p < 16; p++) images[i * 16 + p] = Math.floor(rand() * 60);
      images[i * 16 + c] = 230;
      images[i * 16 + c + 6] = 200;
    }
    return { images: idx([n, 4, 4], images), labels: idx([n], labels) };
  };
  const tr = make(train);
  const te = make(test);
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(tr.images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), tr.labels);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), te.images);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), te.labels);
}

describe('demo CLI: training', () => {
  it('trains the spiral MLP above 90% test accuracy and saves a safetensors file that loads into the same architecture', async () => {
    const out = join(tmp, 'spiral.safetensors');
    const io = capture();
    const { exitCode, result } = await main(['--epochs', '8', '--seed', '3', '--out', out], io);
    expect(exitCode).toBe(0);
    const r = result!;
    expect(r.history).toHaveLength(8);
    expect(r.history[7].valAccuracy).toBeGreaterThan(0.9);
    expect(r.test.accuracy).toBeGreaterThan(0.9);
    expect(r.savedTo).toBe(out);
    expect(r.liveTensors.after).toBe(r.liveTensors.before);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/epoch\s+train loss\s+train acc\s+val loss\s+val acc\s+lr\s+seconds/);
    expect(text).toMatch(/test accuracy \d+\.\d\d% .* on 1,000 fresh points, seed 4/);
    expect(text).toContain(`model saved to ${out}`);
    expect(text).toMatch(/live tensors: (\d+) before, \1 after \(no leaks\)/);
    expect(io.stderrLines).toEqual([]);
    expect(io.stderrText()).toBe(''); // not a TTY: no bar

    // The file holds the trained weights: the same architecture loaded from it predicts the
    // test set (the spiral drawn with seed + 1) exactly as the run reported.
    const before = memory().tensors;
    manualSeed(99); // a different initialization, overwritten by loadInto
    const model = buildMlp(2, [64, 64], 3, 'relu');
    await loadInto(model, out);
    const test = makeSpiral({ n: SPIRAL.testSamples, classes: SPIRAL.classes, noise: SPIRAL.noise, turns: SPIRAL.turns, seed: 4 });
    const logits = await predict(model, new DataLoader(new TensorDataset(test.x, test.y), { batchSize: 500 }));
    expect(confusionMatrix(logits, test.y, 3)).toEqual(r.test.confusion);
    for (const t of [logits, test.x, test.y]) t.dispose();
    disposeModel(model);
    expect(memory().tensors).toBe(before);
  });

  it('is deterministic per seed', async () => {
    const go = async () =>
      (await main(['--epochs', '2', '--samples', '600', '--seed', '5', '--out', join(tmp, 'det.safetensors')], capture())).result!;
    const strip = (h: Record<string, number>[]) => h.map(({ seconds: _, ...rest }) => rest);
    const a = await go();
    const b = await go();
    expect(strip(b.history)).toEqual(strip(a.history));
    expect(b.test).toEqual(a.test);
  });

  it('fits the linear-regression coefficients with a linear model (--dataset linreg)', async () => {
    const io = capture();
    const { exitCode, result } = await main(['--dataset', 'linreg', '--out', join(tmp, 'linreg.safetensors')], io);
    expect(exitCode).toBe(0);
    const truth = [...LINREG.weights, LINREG.bias];
    result!.coefficients!.forEach((c, i) => expect(Math.abs(c - truth[i])).toBeLessThan(0.05));
    expect(result!.test.loss).toBeLessThan(2 * LINREG.noise ** 2);
    expect(result!.liveTensors.after).toBe(result!.liveTensors.before);
    expect(io.stdout.join('\n')).toMatch(/coefficient\s+true\s+learned\s+\|error\|/);
  });

  it('stops early and restores the best weights with --patience', async () => {
    const io = capture();
    const { result } = await main(
      ['--patience', '1', '--schedule', 'none', '--epochs', '40', '--samples', '900', '--out', join(tmp, 'es.safetensors')],
      io,
    );
    const r = result!;
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBeLessThan(40);
    const best = Math.min(...r.history.map((h) => h.valLoss));
    expect(r.history[r.finalEpoch - 1].valLoss).toBe(best);
    expect(io.stdout.join('\n')).toContain('its weights were restored');
    expect(r.liveTensors.after).toBe(r.liveTensors.before);
  });

  it('draws the progress bar lines on stderr with --progress', async () => {
    const io = capture();
    await main(['--epochs', '2', '--samples', '300', '--progress', '--out', join(tmp, 'p.safetensors')], io);
    expect(io.stderrText()).toMatch(/^epoch 1: loss \S+ {2}accuracy \S+ {2}valLoss \S+ {2}valAccuracy \S+ {2}lr 0\.0100/m);
    expect(io.stderrText()).toMatch(/^epoch 2: /m);
  });

  it('trains on Fashion-MNIST IDX files (a tiny hand-made set) and prints the named confusion matrix', async () => {
    const dir = join(tmp, 'fashion');
    mkdirSync(dir);
    writeTinyFashion(dir);
    const out = join(tmp, 'fashion.safetensors');
    const io = capture();
    const { exitCode, result } = await main(
      ['--dataset', 'fashion-mnist', '--data', dir, '--epochs', '15', '--hidden', '32', '--batch-size', '16', '--lr', '0.01', '--out', out],
      io,
    );
    expect(io.stderrLines).toEqual([]);
    expect(exitCode).toBe(0);
    const r = result!;
    expect(r.test.accuracy).toBeGreaterThan(0.9);
    expect(r.test.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(60);
    const text = io.stdout.join('\n');
    expect(text).toContain('200 training images (16 pixels each), 180 train / 20 val');
    for (const name of FASHION_CLASSES) expect(text).toContain(name);
    expect(text).toMatch(/true \\ predicted\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+recall/);
    expect(r.liveTensors.after).toBe(r.liveTensors.before);
    const model = buildMlp(16, [32], 10, 'relu');
    await loadInto(model, out);
    disposeModel(model);

    // --samples uses the first N training images.
    const small = await main(['--dataset', 'fashion-mnist', '--data', dir, '--samples', '50', '--epochs', '1', '--out', out], capture());
    expect(small.exitCode).toBe(0);
    expect(small.result!.history).toHaveLength(1);
  });

  it('runs on the wasm backend (--backend wasm) like on cpu, and restores the cpu backend afterwards', async () => {
    const args = ['--epochs', '3', '--samples', '900', '--out', join(tmp, 'wasm.safetensors')];
    const cpu = (await main(args, capture())).result!;
    const io = capture();
    const { exitCode, result } = await main(['--backend', 'wasm', ...args], io);
    expect(io.stderrLines).toEqual([]);
    expect(exitCode).toBe(0);
    const wasm = result!;
    expect(wasm.backend).toBe('wasm');
    expect(io.stdout[0]).toContain('on the wasm backend');
    // Same data, initialization and shuffling; only float rounding inside kernels may differ.
    wasm.history.forEach((h, i) => {
      expect(h.loss).toBeCloseTo(cpu.history[i].loss, 3);
      expect(h.valLoss).toBeCloseTo(cpu.history[i].valLoss, 3);
    });
    expect(Math.abs(wasm.test.accuracy! - cpu.test.accuracy!)).toBeLessThanOrEqual(0.01);
    expect(wasm.liveTensors.after).toBe(wasm.liveTensors.before);
    expect(getBackend().name).toBe('cpu');
  });

  it('runs on webgpu where a WebGPU adapter exists (like on cpu), and otherwise exits 1 with the reason', async () => {
    const args = ['--epochs', '2', '--samples', '900', '--out', join(tmp, 'gpu.safetensors')];
    const io = capture();
    const { exitCode, result } = await main(['--backend', 'webgpu', ...args], io);
    if (exitCode === 0) {
      const cpu = (await main(args, capture())).result!;
      const gpu = result!;
      expect(gpu.backend).toBe('webgpu');
      gpu.history.forEach((h, i) => {
        expect(h.loss).toBeCloseTo(cpu.history[i].loss, 2);
        expect(h.valAccuracy).toBeCloseTo(cpu.history[i].valAccuracy, 1); // computed asynchronously there
        expect(h.accuracy).toBeUndefined(); // fit's metric needs synchronous reads
      });
      expect(Math.abs(gpu.test.accuracy! - cpu.test.accuracy!)).toBeLessThanOrEqual(0.03);
      expect(gpu.liveTensors.after).toBe(gpu.liveTensors.before);
    } else {
      expect(exitCode).toBe(1);
      expect(io.stderrLines.join('\n')).toMatch(/^demo: --backend webgpu: /);
    }
    expect(getBackend().name).toBe('cpu');
  }, 120_000);
});

describe('demo CLI: flags and errors', () => {
  it('--help documents every flag and exits 0', async () => {
    const io = capture();
    expect((await main(['--help'], io)).exitCode).toBe(0);
    expect(io.stdout.join('\n')).toBe(HELP);
    expect(FLAGS).toHaveLength(40);
    for (const flag of FLAGS) expect(HELP).toContain(flag);
    for (const word of [
      'spiral',
      'linreg',
      'fashion-mnist',
      'cpu',
      'wasm',
      'webgpu',
      'apt-get install dataset-fashion-mnist',
      'Exit codes',
    ]) {
      expect(HELP).toContain(word);
    }
    // Every choice of every table, with its torch name and defaults.
    for (const name of [...OPTIMIZER_NAMES, ...ACTIVATION_NAMES, ...NORM_NAMES, ...INIT_NAMES, ...SCHEDULE_NAMES])
      expect(HELP).toMatch(new RegExp(`^ {23}${name} `, 'm'));
    for (const name of OPTIMIZER_NAMES) expect(HELP).toContain(optimizerText(name, OPTIMIZERS[name].defaults));
    expect(HELP).toContain('SGD(momentum=0.9, nesterov=False, weight_decay=0)');
    expect(HELP).toContain('AdamW(betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)');
    expect(HELP).toMatch(/^ {23}lion +0\.002 \/ 0\.03 \/ 0\.0003$/m);
  });

  it('rejects an unknown flag with a clear message and exit code 2', async () => {
    const io = capture();
    const { exitCode, result } = await main(['--epoch', '3'], io);
    expect(exitCode).toBe(2);
    expect(result).toBeUndefined();
    expect(io.stderrLines.join('\n')).toBe("demo: unknown option '--epoch'\nRun with --help to see the options.");
    expect(io.stdout).toEqual([]);
  });

  it.each([
    [['--epochs', 'ten'], "--epochs must be a positive integer, got 'ten'"],
    [['--epochs', '0'], "--epochs must be a positive integer, got '0'"],
    [['--batch-size', '2.5'], "--batch-size must be a positive integer, got '2.5'"],
    [['--samples', '-'], "--samples must be a positive integer, got '-'"],
    [['--patience', '0'], "--patience must be a positive integer, got '0'"],
    [['--lr', 'fast'], "--lr must be a positive number, got 'fast'"],
    [['--lr', '-1'], "--lr needs a value; for one starting with '-', write --lr=VALUE"],
    [['--lr=-1'], "--lr must be a positive number, got '-1'"],
    [['--seed', '1.5'], "--seed must be a non-negative integer, got '1.5'"],
    [['--dataset', 'mnist'], "--dataset must be one of spiral, linreg, fashion-mnist, got 'mnist'"],
    [['--backend', 'tpu'], "--backend must be one of cpu, wasm, webgpu, got 'tpu'"],
    [['--optimizer', 'adadelta'], "--optimizer must be one of sgd, adagrad, rmsprop, adam, adamw, adamax, lion, got 'adadelta'"],
    [
      ['--schedule', 'linear'],
      "--schedule must be one of none, step, exponential, cosine, warmup-cosine, restarts, onecycle, got 'linear'",
    ],
    [
      ['--activation', 'swish'],
      "--activation must be one of relu, leaky-relu, elu, gelu, silu, tanh, sigmoid, softplus, prelu, maxout, got 'swish'",
    ],
    [['--norm', 'groupnorm'], "--norm must be one of none, batchnorm, layernorm, got 'groupnorm'"],
    [
      ['--init', 'orthogonal'],
      "--init must be one of default, kaiming-uniform, kaiming-normal, xavier-uniform, xavier-normal, normal, uniform, zeros, got 'orthogonal'",
    ],
    [['--lr=-0.1'], "--lr must be a positive number, got '-0.1'"],
    [['--lr', '0'], "--lr must be a positive number, got '0'"],
    // Optimizer hyperparameters: ranges, and only where the optimizer takes them.
    [
      ['--optimizer', 'sgd', '--momentum', '0', '--nesterov'],
      '--nesterov needs --momentum > 0 (Nesterov momentum without momentum is plain SGD; PyTorch refuses it too)',
    ],
    [['--nesterov'], '--nesterov does not apply to --optimizer adam, the default (only to sgd)'],
    [['--optimizer', 'adam', '--momentum', '0.9'], '--momentum does not apply to --optimizer adam (only to sgd, rmsprop)'],
    [['--optimizer', 'sgd', '--alpha', '0.9'], '--alpha does not apply to --optimizer sgd (only to rmsprop)'],
    [['--optimizer', 'lion', '--eps', '1e-8'], '--eps does not apply to --optimizer lion (only to adagrad, rmsprop, adam, adamw, adamax)'],
    [['--optimizer', 'sgd', '--beta1', '0.8'], '--beta1 does not apply to --optimizer sgd (only to adam, adamw, adamax, lion)'],
    [['--optimizer', 'sgd', '--momentum', '1.5'], "--momentum must be a number in [0, 1), got '1.5'"],
    [['--betas', '0.9'], "--betas must be two numbers separated by a comma, each in [0, 1) (e.g. 0.9,0.999), got '0.9'"],
    [['--betas', '0.9,0.999', '--beta1', '0.8'], 'give --betas or --beta1/--beta2, not both'],
    [['--beta2', '1'], "--beta2 must be a number in [0, 1), got '1'"],
    [['--weight-decay=-1'], "--weight-decay must be a number >= 0, got '-1'"],
    [['--optimizer', 'rmsprop', '--alpha', 'x'], "--alpha must be a number in [0, 1), got 'x'"],
    // Model.
    [['--dropout', '1'], "--dropout must be a probability in [0, 1), got '1'"],
    [['--dataset', 'linreg', '--norm', 'batchnorm'], '--norm needs hidden layers (--hidden none is a linear model)'],
    [['--hidden', 'none', '--residual'], '--residual needs hidden layers (--hidden none is a linear model)'],
    // Schedule parameters.
    [['--gamma', '0.5'], '--gamma does not apply to --schedule cosine, the default (only to step, exponential)'],
    [
      ['--schedule', 'onecycle', '--eta-min', '0'],
      '--eta-min does not apply to --schedule onecycle (only to cosine, warmup-cosine, restarts)',
    ],
    [['--schedule', 'step', '--gamma', '2'], "--gamma must be a number in (0, 1], got '2'"],
    [
      ['--schedule', 'warmup-cosine', '--epochs', '5', '--warmup-epochs', '5'],
      '--warmup-epochs (5) must be less than --epochs (5): the cosine part needs an epoch',
    ],
    [['--schedule', 'restarts', '--t0', '0'], "--t0 must be a positive integer, got '0'"],
    [['--schedule', 'onecycle', '--max-lr=-1'], "--max-lr must be a positive number, got '-1'"],
    // --history and --overfit-batch.
    [['--history', 'run.txt'], "--history must name a .json or .csv file (the extension picks the format), got 'run.txt'"],
    [['--history', 'run'], "--history must name a .json or .csv file (the extension picks the format), got 'run'"],
    [['--history', ''], '--history needs a file path, got an empty string'],
    [
      ['--overfit-batch', '--epochs', '3'],
      '--epochs does not apply to --overfit-batch (it trains one batch of 16 examples for --overfit-steps steps and saves nothing)',
    ],
    [
      ['--overfit-batch', '--history', 'h.json'],
      '--history does not apply to --overfit-batch (it trains one batch of 16 examples for --overfit-steps steps and saves nothing)',
    ],
    [['--overfit-steps', '10'], '--overfit-steps applies to --overfit-batch only'],
    [['--overfit-batch', '--backend', 'webgpu'], '--overfit-batch needs a backend that reads synchronously: --backend cpu or wasm'],
    [['--hidden', '64,,64'], "--hidden must be comma-separated positive integers (e.g. 64,64) or 'none', got '64,,64'"],
    [['--hidden', '0'], "--hidden must be comma-separated positive integers (e.g. 64,64) or 'none', got '0'"],
    [['--data', '/tmp'], '--data applies to --dataset fashion-mnist only (the spiral data is generated)'],
    [['--progress', '--no-progress'], '--progress and --no-progress contradict each other'],
    [['--out', ''], '--out needs a file path, got an empty string'],
    [['--epochs'], "option '--epochs <value>' argument missing"],
    [['stray'], "unexpected argument 'stray' (options start with --)"],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const io = capture();
    expect((await main(argv, io)).exitCode).toBe(2);
    expect(io.stderrLines.join('\n')).toBe(`demo: ${message}\nRun with --help to see the options.`);
    expect(io.stdout).toEqual([]);
  });

  it('exits 1 with the paths tried and how to install when the Fashion-MNIST directory is missing', async () => {
    const missing = join(tmp, 'no-such-dir');
    const io = capture();
    const before = memory().tensors;
    const { exitCode } = await main(['--dataset', 'fashion-mnist', '--data', missing], io);
    expect(exitCode).toBe(1);
    const msg = io.stderrLines.join('\n');
    expect(msg).toContain(
      `demo: --data ${missing}: no such directory (expected train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz)`,
    );
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(memory().tensors).toBe(before);
    expect(getBackend().name).toBe('cpu');
  });

  it('names the missing files of an incomplete directory, and lists every default place tried', () => {
    const partial = join(tmp, 'partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 't10k-labels-idx1-ubyte.gz'), '');
    expect(() => locateFashionMnist(partial)).toThrow(
      /: missing train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\] \(/,
    );
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    let err: unknown;
    try {
      locateFashionMnist(undefined, [a, b]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DemoError);
    expect((err as Error).message).toBe(
      `Fashion-MNIST not found. Tried:\n  ${a} (no such directory)\n  ${b} (no such directory)\n` +
        'Install it with `apt-get install dataset-fashion-mnist` (Debian; the files go to /usr/share/datasets/fashion-mnist), ' +
        'or download the four files from https://github.com/zalandoresearch/fashion-mnist and pass --data DIR.',
    );
  });

  it('exits 1 on a truncated IDX file, naming the file, without leaking', async () => {
    const dir = join(tmp, 'truncated');
    mkdirSync(dir);
    writeTinyFashion(dir);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([60, 4, 4], new Uint8Array(100)));
    const io = capture();
    const before = memory().tensors;
    expect((await main(['--dataset', 'fashion-mnist', '--data', dir], io)).exitCode).toBe(1);
    expect(io.stderrLines.join('\n')).toMatch(/^demo: .*t10k-images-idx3-ubyte.*truncated/);
    expect(memory().tensors).toBe(before);
  });

  it('exits 1 when the model cannot be saved', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    const io = capture();
    const before = memory().tensors;
    const { exitCode } = await main(['--epochs', '1', '--samples', '300', '--out', join(file, 'model.safetensors')], io);
    expect(exitCode).toBe(1);
    expect(io.stderrLines.join('\n')).toContain(`demo: cannot save the model to ${join(file, 'model.safetensors')}`);
    expect(memory().tensors).toBe(before);
  });
});
