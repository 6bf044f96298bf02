import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import * as L from '@nn/layers';
import { describe, expect, it } from 'vitest';
import {
  EarlyStopping,
  ModelCheckpoint,
  type ProgressEvent,
  ProgressEvents,
  accuracy,
  confusionMatrix,
  evaluate,
  fit,
  mse,
  overfitBatch,
  predict,
  topK,
} from '@nn/train';

/** Plain SGD (optimizers live in @nn/optim; fit needs only step/zeroGrad). */
const sgd = (model: L.Module, lr: number) => ({
  paramGroups: [{ lr }],
  step: () =>
    noGrad(() => {
      for (const p of model.parameters()) if (p.grad) T.tidy(() => void p.copy_(T.sub(p, T.mul(p.grad!, lr))));
    }),
  zeroGrad: () => model.zeroGrad(),
});

/** Re-iterable batches made fresh each epoch (fit disposes the batches it consumed). */
function batches(x: Tensor, y: Tensor, size: number) {
  const n = x.shape[0];
  return {
    length: Math.ceil(n / size),
    *[Symbol.iterator]() {
      for (let i = 0; i < n; i += size) yield [T.slice(x, 0, i, i + size), T.slice(y, 0, i, i + size)] as const;
    },
  };
}

function blobs(seed: number, n = 64) {
  T.manualSeed(seed);
  return T.tidy(() => {
    const y = T.randint(0, 2, [n]);
    const x = T.add(T.randn([n, 2]), T.mul(T.unsqueeze(T.cast(y, 'float32'), 1), 3));
    return { x, y };
  });
}

describe('fit', () => {
  it('passes the validation loss to a scheduler that steps on a metric, found by its flag, not its class name', async () => {
    const { x, y } = blobs(1);
    const model = new L.Sequential(new L.Linear(2, 2));
    const seen: (number | undefined)[] = [];
    // A minifier renames classes; the structural flag still says "give me the metric".
    const renamed = { needsMetric: true, step: (m?: number) => void seen.push(m) };
    const history = await fit(model, {
      train: batches(x, y, 32),
      val: batches(x, y, 64),
      loss: (o, t) => L.crossEntropy(o, t),
      optimizer: sgd(model, 0.1),
      scheduler: renamed,
      epochs: 3,
      progress: false,
    });
    expect(seen).toEqual(history.epochs.map((e) => e.valLoss));
  });
  it('trains, validates, records a history with metrics and lr, and keeps memory flat', async () => {
    const { x, y } = blobs(0);
    const model = new L.Sequential(new L.Linear(2, 8), new L.Tanh(), new L.Linear(8, 2));
    const before = T.memory();
    const history = await fit(model, {
      train: batches(x, y, 16),
      val: batches(x, y, 32),
      loss: (o, t) => L.crossEntropy(o, t),
      optimizer: sgd(model, 0.2),
      epochs: 8,
      metrics: ['accuracy'],
      progress: false,
    });
    const after = T.memory();
    expect(history.epochs).toHaveLength(8);
    const last = history.epochs[7];
    expect(Object.keys(last).sort()).toEqual(['accuracy', 'epoch', 'loss', 'lr', 'seconds', 'valAccuracy', 'valLoss']);
    expect(last.loss).toBeLessThan(history.epochs[0].loss);
    expect(last.valAccuracy).toBeGreaterThan(0.9);
    expect(after.tensors).toBe(before.tensors);
    expect(after.backends.cpu.buffers).toBe(before.backends.cpu.buffers);
  });

  it('validates its options', async () => {
    const model = new L.Linear(2, 1);
    await expect(fit(model, { train: [], loss: L.mseLoss, optimizer: sgd(model, 0.1), epochs: 0 })).rejects.toThrow(
      /^fit: epochs must be a positive integer, got 0/,
    );
    await expect(fit(model, { train: [], loss: L.mseLoss, optimizer: sgd(model, 0.1), epochs: 1, metrics: ['f1'] })).rejects.toThrow(
      /unknown metric 'f1'/,
    );
    await expect(fit(model, { train: [], loss: L.mseLoss, optimizer: sgd(model, 0.1), epochs: 1, progress: false })).rejects.toThrow(
      /yielded no batches/,
    );
  });

  it('early stopping restores the best weights when the validation loss rises', async () => {
    // Train towards y = x while validating against y = -x: validation loss rises from the start.
    T.manualSeed(1);
    const x = T.randn([32, 1]);
    const model = new L.Linear(1, 1);
    noGrad(() => {
      model.weight.copy_(0);
      model.bias!.copy_(0);
    });
    const stopper = new EarlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights: true });
    const val = batches(x, T.neg(x), 32);
    const history = await fit(model, {
      train: batches(x, x, 8),
      val,
      loss: (o, t) => L.mseLoss(o, t),
      optimizer: sgd(model, 0.05),
      epochs: 20,
      callbacks: [stopper],
      progress: false,
    });
    expect(history.stopped).toBe('callback');
    expect(history.epochs).toHaveLength(3); // best at epoch 1, then 2 epochs without improvement
    expect(stopper.bestEpoch).toBe(1);
    const { loss } = await evaluate(model, val, { loss: (o, t) => L.mseLoss(o, t) });
    expect(loss).toBeCloseTo(history.epochs[0].valLoss, 6);
    expect(loss).toBeLessThan(history.epochs[2].valLoss);
  });

  it('ModelCheckpoint saves improving epochs as safetensors that load back', async () => {
    const { x, y } = blobs(2);
    const dir = mkdtempSync(join(tmpdir(), 'nn-ckpt-'));
    const model = new L.Sequential(new L.Linear(2, 2));
    const ckpt = new ModelCheckpoint({ path: join(dir, 'best.safetensors'), monitor: 'loss' });
    await fit(model, {
      train: batches(x, y, 16),
      loss: (o, t) => L.crossEntropy(o, t),
      optimizer: sgd(model, 0.1),
      epochs: 3,
      callbacks: [ckpt],
      progress: false,
    });
    expect(ckpt.saved.length).toBeGreaterThan(0);
    const copy = new L.Sequential(new L.Linear(2, 2));
    await L.loadInto(copy, new Uint8Array(readFileSync(join(dir, 'best.safetensors'))));
    expect(Array.from((copy.at(0) as L.Linear).weight.dataSync())).toEqual(Array.from((model.at(0) as L.Linear).weight.dataSync()));
  });

  it('emits a plain progress event stream (for browsers)', async () => {
    const { x, y } = blobs(3, 32);
    const model = new L.Linear(2, 2);
    const events: ProgressEvent[] = [];
    await fit(model, {
      train: batches(x, y, 16),
      loss: (o, t) => L.crossEntropy(o, t),
      optimizer: sgd(model, 0.1),
      epochs: 2,
      callbacks: [new ProgressEvents((e) => events.push(e))],
      progress: false,
    });
    expect(events.map((e) => e.type)).toEqual([
      'trainBegin',
      'epochBegin',
      'batchEnd',
      'batchEnd',
      'epochEnd',
      'epochBegin',
      'batchEnd',
      'batchEnd',
      'epochEnd',
      'trainEnd',
    ]);
  });

  it('predict concatenates outputs in eval mode', async () => {
    const model = new L.Sequential(new L.Linear(2, 3), new L.Dropout(0.9));
    const x = T.randn([10, 2]);
    const out = await predict(model, [T.slice(x, 0, 0, 4), T.slice(x, 0, 4)]);
    expect(out.shape).toEqual([10, 3]);
    expect(Array.from(out.dataSync())).toEqual(Array.from((model.eval()(x) as Tensor).dataSync()));
  });
});

describe('metrics', () => {
  const logits = T.tensor(
    [
      [2, 1, 0],
      [0, 3, 1],
      [1, 0, 2],
      [5, 4, 0],
    ],
    { dtype: 'float32' },
  );
  const labels = T.tensor([0, 1, 1, 1], { dtype: 'int32' });
  it('accuracy (multi-class and binary), topK, mse, confusionMatrix', () => {
    expect(accuracy(logits, labels)).toBe(0.5);
    expect(accuracy(T.tensor([0.9, 0.2, 0.6], { dtype: 'float32' }), T.tensor([1, 0, 0], { dtype: 'float32' }))).toBeCloseTo(2 / 3);
    expect((topK(2)(logits, labels) as T.Tensor).item()).toBe(0.75);
    expect(mse(T.tensor([1, 2], { dtype: 'float32' }), T.tensor([1, 4], { dtype: 'float32' }))).toBe(2);
    expect(confusionMatrix(logits, labels, 3)).toEqual([
      [1, 0, 0],
      [1, 1, 1],
      [0, 0, 0],
    ]);
  });
});

describe('overfitBatch', () => {
  it('a healthy MLP memorizes a small batch', () => {
    const { x, y } = blobs(4, 20);
    T.manualSeed(4);
    const model = new L.Sequential(new L.Linear(2, 32), new L.Tanh(), new L.Linear(32, 2));
    const report = overfitBatch(model, { x, y, loss: (o, t) => L.crossEntropy(o, t), lr: 0.5, steps: 300 });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.accuracy).toBe(1);
  });
  it('reports dead units (all-zero gradients) and a loss that does not fall', () => {
    const { x, y } = blobs(5, 20);
    const model = new L.Sequential(new L.Linear(2, 8), new L.ReLU(), new L.Linear(8, 2));
    noGrad(() => {
      (model.at(0) as L.Linear).weight.copy_(0);
      (model.at(0) as L.Linear).bias!.copy_(-1); // every ReLU is off for every input
    });
    const report = overfitBatch(model, { x, y, loss: (o, t) => L.crossEntropy(o, t), steps: 50 });
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/all-zero gradient for 0\.weight/);
    expect(report.problems.join('\n')).toMatch(/the loss did not fall/);
  });
  it('reports NaN gradients and refuses large batches', () => {
    const x = T.tensor([[1], [2]], { dtype: 'float32' });
    const model = new L.Linear(1, 1);
    const report = overfitBatch(model, { x, y: x, loss: (o) => T.mean(T.sqrt(T.mul(o, 0))), steps: 3, classification: false });
    expect(report.problems.join('\n')).toMatch(/NaN\/Inf gradient in (weight|bias)/);
    expect(() => overfitBatch(model, { x: T.zeros([40, 1]), y: T.zeros([40, 1]), loss: L.mseLoss })).toThrow(/fewer than 30 examples/);
  });
});
