// Every --optimizer, --activation, --init and --schedule, and the --norm/--dropout/--residual
// combinations: the tables build what they name, and a short CLI run with each trains.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader, TensorDataset, makeSpiral } from '@nn/data';
import {
  ELU,
  GELU,
  LeakyReLU,
  Linear,
  Maxout,
  type Module,
  PReLU,
  ReLU,
  Residual,
  Sigmoid,
  Softplus,
  Tanh,
  load,
  loadInto,
} from '@nn/layers';
import { Adagrad, Adam, AdamW, Adamax, Lion, RMSprop, SGD } from '@nn/optim';
import { manualSeed, memory, sigmoid, tensor } from '@nn/tensor';
import { confusionMatrix, predict } from '@nn/train';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { SPIRAL } from '../src/data.js';
import {
  ACTIVATIONS,
  ACTIVATION_NAMES,
  type Activation,
  INIT_NAMES,
  type InitName,
  type MlpOptions,
  SiLU,
  buildMlp,
  disposeModel,
} from '../src/model.js';
import { OPTIMIZERS, OPTIMIZER_NAMES, type OptimizerName, makeOptimizer, resolveHyper } from '../src/optimizers.js';
import { SCHEDULE_NAMES, type ScheduleName } from '../src/schedules.js';
import { capture } from './capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'nn-demo-choices-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small fast spiral run (600 points, 480 train, 15 batches of 32 per epoch). */
const SMALL = ['--samples', '600', '--hidden', '16,16', '--no-progress'];

async function train(args: string[]) {
  const io = capture();
  const { exitCode, result } = await main([...SMALL, '--out', join(tmp, 'model.safetensors'), ...args], io);
  expect(io.stderrLines).toEqual([]);
  expect(exitCode).toBe(0);
  const r = result!;
  expect(r.liveTensors.after).toBe(r.liveTensors.before);
  return { r, text: io.stdout.join('\n') };
}

const decreased = (h: { loss: number }[]) => Number.isFinite(h[h.length - 1].loss) && h[h.length - 1].loss < h[0].loss;

describe('--optimizer', () => {
  const CLASSES: Record<OptimizerName, abstract new (...a: never[]) => object> = {
    sgd: SGD,
    adagrad: Adagrad,
    rmsprop: RMSprop,
    adam: Adam,
    adamw: AdamW,
    adamax: Adamax,
    lion: Lion,
  };

  it.each(OPTIMIZER_NAMES)('%s: the table builds its class with the flags over the defaults', (name) => {
    const p = tensor([1, 2]).requiresGrad_();
    const spec = OPTIMIZERS[name];
    const given = 'betas' in spec.defaults ? { betas: [0.8, 0.95] as [number, number], weightDecay: 0.1 } : { weightDecay: 0.1 };
    const opt = makeOptimizer(name, [p], 0.5, resolveHyper(name, given));
    expect(opt).toBeInstanceOf(CLASSES[name]);
    const d = opt.defaults as unknown as Record<string, unknown>;
    expect(d.lr).toBe(0.5);
    expect(d.weightDecay).toBe(0.1);
    for (const [k, v] of Object.entries({ ...spec.defaults, ...given })) expect(d[k]).toEqual(v);
    opt.dispose();
    p.dispose();
  });

  it('passes every sgd and rmsprop flag through', () => {
    const p = tensor([1, 2]).requiresGrad_();
    const sgd = makeOptimizer('sgd', [p], 0.1, resolveHyper('sgd', { momentum: 0.5, nesterov: true }));
    expect(sgd.defaults).toMatchObject({ momentum: 0.5, nesterov: true });
    const rms = makeOptimizer('rmsprop', [p], 0.1, resolveHyper('rmsprop', { alpha: 0.9, eps: 1e-6, momentum: 0.3 }));
    expect(rms.defaults).toMatchObject({ alpha: 0.9, eps: 1e-6, momentum: 0.3, weightDecay: 0 });
    for (const o of [sgd, rms]) o.dispose();
    p.dispose();
  });

  it.each(OPTIMIZER_NAMES)('%s trains the spiral with its default lr', async (name) => {
    const { r, text } = await train(['--optimizer', name, '--epochs', '3']);
    expect(text).toContain(`  optim  ${OPTIMIZERS[name].torch}(lr=${OPTIMIZERS[name].lr.spiral}, `);
    expect(decreased(r.history)).toBe(true);
  });

  it('prints the hyperparameters it was given, PyTorch style', async () => {
    const { text } = await train([
      '--optimizer',
      'rmsprop',
      '--alpha',
      '0.9',
      '--momentum',
      '0.5',
      '--eps',
      '1e-6',
      '--weight-decay',
      '1e-4',
      '--epochs',
      '1',
    ]);
    expect(text).toContain('  optim  RMSprop(lr=0.003, alpha=0.9, eps=0.000001, momentum=0.5, weight_decay=0.0001)');
    const adam = await train(['--optimizer', 'adamw', '--beta2', '0.99', '--lr', '0.02', '--epochs', '1']);
    expect(adam.text).toContain('  optim  AdamW(lr=0.02, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)');
    const sgd = await train(['--optimizer', 'sgd', '--nesterov', '--epochs', '1']);
    expect(sgd.text).toContain('  optim  SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0)');
  });
});

describe('--activation', () => {
  const CLASSES: Record<Activation, abstract new (...a: never[]) => Module> = {
    relu: ReLU,
    'leaky-relu': LeakyReLU,
    elu: ELU,
    gelu: GELU,
    silu: SiLU,
    tanh: Tanh,
    sigmoid: Sigmoid,
    softplus: Softplus,
    prelu: PReLU,
    maxout: Maxout,
  };

  it.each(ACTIVATION_NAMES)('%s: one module of its class per hidden layer', (name) => {
    manualSeed(0);
    const model = buildMlp(2, [8, 8], 3, name);
    expect(model.modules().filter((m) => m instanceof CLASSES[name])).toHaveLength(2);
    // Three linear maps either way (Maxout holds the hidden ones itself).
    expect(model.modules().filter((m) => m instanceof Linear)).toHaveLength(3);
    disposeModel(model);
  });

  it('SiLU is x * sigmoid(x)', () => {
    const x = tensor([-2, -0.5, 0, 1, 3]);
    const s = sigmoid(x);
    const y = new SiLU()(x) as ReturnType<typeof sigmoid>;
    const want = x.mul(s);
    expect([...y.dataSync()].map((v) => Number(v.toFixed(6)))).toEqual([...want.dataSync()].map((v) => Number(v.toFixed(6))));
    for (const t of [x, s, y, want]) t.dispose();
  });

  it.each(ACTIVATION_NAMES)('%s trains the spiral', async (name) => {
    const { r, text } = await train(['--activation', name, '--epochs', '3']);
    expect(text).toContain(ACTIVATIONS[name].torch);
    expect(decreased(r.history)).toBe(true);
  });
});

describe('--init', () => {
  /** The std of the first hidden Linear's weight of a 256-256 ReLU (or tanh) layer, and of all biases. */
  function stats(initName: InitName, activation: Activation = 'relu') {
    manualSeed(1);
    const model = buildMlp(256, [256], 10, activation, { init: initName });
    const w = [...(model.at(0) as Linear).weight.dataSync()];
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    const maxAbs = Math.max(...w.map(Math.abs));
    const biases = [...(model.at(0) as Linear).bias!.dataSync(), ...(model.at(2) as Linear).bias!.dataSync()];
    disposeModel(model);
    return { std, maxAbs, biasesZero: biases.every((b) => b === 0) };
  }
  const fan = 256;

  it.each<[InitName, Activation, number, number | null]>([
    // [init, activation, expected std, bound of a uniform]
    ['default', 'relu', Math.sqrt(1 / (3 * fan)), 1 / Math.sqrt(fan)],
    ['kaiming-uniform', 'relu', Math.sqrt(2 / fan), Math.sqrt(6 / fan)],
    ['kaiming-normal', 'relu', Math.sqrt(2 / fan), null],
    ['kaiming-normal', 'leaky-relu', Math.sqrt(2 / (1 + 0.01 ** 2) / fan), null],
    ['xavier-uniform', 'tanh', (5 / 3) * Math.sqrt(2 / (2 * fan)), (5 / 3) * Math.sqrt(6 / (2 * fan))],
    ['xavier-normal', 'sigmoid', Math.sqrt(2 / (2 * fan)), null],
    ['normal', 'relu', 0.02, null],
    ['uniform', 'relu', 0.05 / Math.sqrt(3), 0.05],
    ['zeros', 'relu', 0, 0],
  ])('%s (before %s): weight std %f', (initName, activation, std, bound) => {
    const s = stats(initName, activation);
    expect(s.std).toBeGreaterThanOrEqual(std * 0.95);
    expect(s.std).toBeLessThanOrEqual(std * 1.05);
    if (bound !== null) expect(s.maxAbs).toBeLessThanOrEqual(bound);
    expect(s.biasesZero).toBe(initName !== 'default');
  });

  it('covers every choice of the table', () => {
    expect(new Set(INIT_NAMES)).toEqual(
      new Set(['default', 'kaiming-uniform', 'kaiming-normal', 'xavier-uniform', 'xavier-normal', 'normal', 'uniform', 'zeros']),
    );
  });

  it('trains with --init from the CLI', async () => {
    const { r, text } = await train(['--init', 'xavier-uniform', '--activation', 'tanh', '--epochs', '2']);
    expect(text).toContain('xavier-uniform init');
    expect(decreased(r.history)).toBe(true);
  });
});

describe('--schedule', () => {
  const cos = (lr: number, t: number, T: number) => (lr * (1 + Math.cos((Math.PI * t) / T))) / 2;
  /** The lr of each of 6 epochs at lr 0.1 (fit logs the lr an epoch starts with). */
  const CASES: Record<ScheduleName, [string[], number[] | null]> = {
    none: [[], [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]],
    step: [
      ['--step-size', '2', '--gamma', '0.5'],
      [0.1, 0.1, 0.05, 0.05, 0.025, 0.025],
    ],
    exponential: [
      ['--gamma', '0.5'],
      [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125],
    ],
    cosine: [[], [0, 1, 2, 3, 4, 5].map((t) => cos(0.1, t, 6))],
    'warmup-cosine': [
      ['--warmup-epochs', '2'],
      [0.1 / 3, 0.2 / 3, 0.1, cos(0.1, 1, 4), cos(0.1, 2, 4), cos(0.1, 3, 4)],
    ],
    restarts: [
      ['--t0', '2', '--t-mult', '2', '--eta-min', '0.01'],
      [0.1, 0.055, 0.1, 0.01 + cos(0.09, 1, 4), 0.055, 0.01 + cos(0.09, 3, 4)],
    ],
    onecycle: [['--max-lr', '0.2'], null],
  };

  it.each(SCHEDULE_NAMES)('%s sets the lr of every epoch', async (name) => {
    const [args, want] = CASES[name];
    const { r, text } = await train(['--optimizer', 'sgd', '--lr', '0.1', '--epochs', '6', '--schedule', name, ...args]);
    const lrs = r.history.map((h) => h.lr);
    if (want !== null) lrs.forEach((lr, i) => expect(lr).toBeCloseTo(want[i], 10));
    else {
      // Stepped per batch: starts at max-lr / 25, climbs, peaks below max-lr and comes down.
      expect(lrs[0]).toBeCloseTo(0.2 / 25, 10);
      expect(lrs[1]).toBeGreaterThan(lrs[0]);
      expect(Math.max(...lrs)).toBeLessThanOrEqual(0.2);
      expect(lrs[5]).toBeLessThan(Math.max(...lrs));
      expect(text).toContain('OneCycleLR(max_lr=0.2, cycle_momentum=True) per batch');
    }
    expect(decreased(r.history)).toBe(true);
  });

  it('onecycle also runs with an optimizer without momentum or betas (adagrad: no momentum cycling)', async () => {
    const { r, text } = await train(['--optimizer', 'adagrad', '--schedule', 'onecycle', '--epochs', '2']);
    expect(r.history[0].lr).toBeCloseTo(OPTIMIZERS.adagrad.lr.spiral / 25, 10);
    expect(text).toContain(`OneCycleLR(max_lr=${OPTIMIZERS.adagrad.lr.spiral}, cycle_momentum=False) per batch`);
  });

  it('defaults its parameters from the run (step: a third of the epochs, gamma 0.1)', async () => {
    const { r, text } = await train(['--schedule', 'step', '--epochs', '6', '--lr', '0.01']);
    expect(text).toContain('StepLR(step_size=2, gamma=0.1) per epoch');
    r.history.forEach((h, i) => expect(h.lr).toBeCloseTo([0.01, 0.01, 0.001, 0.001, 0.0001, 0.0001][i], 12));
  });
});

describe('--norm, --dropout, --residual', () => {
  it.each<[string[], Activation, MlpOptions, string, string[]]>([
    [
      ['--norm', 'batchnorm'],
      'relu',
      { norm: 'batchnorm' },
      'Linear -> BatchNorm1d -> ReLU',
      ['1.running_mean', '1.num_batches_tracked', '3.weight'],
    ],
    [
      ['--norm', 'layernorm', '--dropout', '0.2'],
      'relu',
      { norm: 'layernorm', dropout: 0.2 },
      'Linear -> LayerNorm -> ReLU -> Dropout(0.2)',
      ['1.weight', '5.weight'],
    ],
    [
      ['--residual'],
      'relu',
      { residual: true },
      'Residual(Linear -> ReLU)',
      ['0.body.0.weight', '0.projection.weight', '1.body.0.weight', '2.weight'],
    ],
    [
      ['--norm', 'batchnorm', '--dropout', '0.1', '--residual', '--activation', 'gelu'],
      'gelu',
      { norm: 'batchnorm', dropout: 0.1, residual: true },
      'Residual(Linear -> BatchNorm1d -> GELU -> Dropout(0.1))',
      ['0.body.1.running_var', '0.projection.weight', '1.body.1.running_mean'],
    ],
  ])(
    '%j trains, and its saved file loads into the same architecture and predicts the same',
    async (args, activation, opts, layer, keys) => {
      const out = join(tmp, `combo-${args.join('')}.safetensors`);
      const { r, text } = await train([...args, '--epochs', '4', '--out', out]);
      expect(text).toContain(`each hidden layer ${layer}`);
      expect(decreased(r.history)).toBe(true);
      const tensors = await load(out);
      for (const k of keys) expect(Object.keys(tensors)).toContain(k);
      for (const t of Object.values(tensors)) t.dispose();

      // In eval mode (running statistics, no dropout) the loaded model reproduces the test result.
      const before = memory().tensors;
      const model = buildMlp(2, [16, 16], 3, activation, opts);
      await loadInto(model, out);
      const test = makeSpiral({ n: SPIRAL.testSamples, classes: SPIRAL.classes, noise: SPIRAL.noise, turns: SPIRAL.turns, seed: 1 });
      const logits = await predict(model, new DataLoader(new TensorDataset(test.x, test.y), { batchSize: 500 }));
      expect(confusionMatrix(logits, test.y, 3)).toEqual(r.test.confusion);
      for (const t of [logits, test.x, test.y]) t.dispose();
      disposeModel(model);
      expect(memory().tensors).toBe(before);
    },
  );

  it('wraps only where widths match without a projection', () => {
    manualSeed(0);
    const model = buildMlp(2, [8, 8, 4], 3, 'relu', { residual: true });
    const res = model.modules().filter((m): m is Residual => m instanceof Residual);
    expect(res.map((m) => m.projection !== null)).toEqual([true, false, true]);
    disposeModel(model);
  });

  it('drops a last training batch of one example with batchnorm', async () => {
    // 600 points: 480 train; batches of 479 leave one example over.
    const { r, text } = await train(['--norm', 'batchnorm', '--batch-size', '479', '--epochs', '2']);
    expect(text).toContain('batch 479 (last batch of 1 dropped for BatchNorm)');
    expect(r.history).toHaveLength(2);
  });
});
