/**
 * `--overfit-batch`: @nn/train's overfitBatch with the chosen model and optimizer on a few training
 * examples. The first thing to try when a setup does not learn: a healthy model, loss and
 * optimizer memorize a small batch; if they cannot, more data or epochs will not help.
 */
import { DataLoader } from '@nn/data';
import { type Tensor, getBackend, manualSeed } from '@nn/tensor';
import { type OverfitReport, overfitBatch } from '@nn/train';
import type { DemoData, Pair } from './data.js';
import { buildModel } from './cnn.js';
import { disposeModel } from './model.js';
import { type DemoOptions, OVERFIT } from './options.js';
import { makeOptimizer } from './optimizers.js';
import { setupLines } from './report.js';
import { type Io, pct } from './ui.js';

export interface OverfitResult {
  mode: 'overfit';
  dataset: DemoOptions['dataset'];
  backend: string;
  examples: number;
  steps: number;
  report: OverfitReport;
  liveTensors: { before: number; after: number };
  seconds: number;
}

/** The first `n` training examples as one batch (the train split is already a seeded shuffle). */
async function firstBatch(data: DemoData, n: number): Promise<Pair> {
  for await (const batch of new DataLoader(data.train, { batchSize: n })) return batch;
  throw new Error('unreachable: the training split is never empty');
}

export async function overfitCheck(
  o: DemoOptions,
  steps: number,
  data: DemoData,
  loss: (out: Tensor, y: Tensor) => Tensor,
  io: Io,
): Promise<OverfitResult> {
  const n = Math.min(OVERFIT.examples, data.train.length);
  const [x, y] = await firstBatch(data, n);
  manualSeed(o.seed); // the model's initialization, as in a training run
  const model = buildModel(o, data.inFeatures, data.outFeatures);
  const optimizer = makeOptimizer(o.optimizer, model.parameters(), o.lr, o.hyper);
  try {
    io.out(`@nn demo: overfit check on ${o.dataset}, ${getBackend().name} backend, seed ${o.seed}`);
    for (const line of setupLines(o, data, model.parameterCount())) io.out(line);
    io.out(`  check  overfitBatch: ${n} training examples, ${steps} steps; a healthy setup memorizes them`);
    const report = overfitBatch(model, { x, y, loss, optimizer, steps });
    io.out('');
    const acc = report.accuracy === null ? '' : `, training accuracy ${pct(report.accuracy)}`;
    io.out(`loss ${report.initialLoss.toPrecision(4)} -> ${report.finalLoss.toPrecision(4)}${acc}`);
    if (report.ok) {
      io.out('verdict: PASS: the model, loss and optimizer can memorize a batch; on to real training');
    } else {
      io.out(`verdict: FAIL (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}):`);
      for (const p of report.problems) io.out(`  - ${p}`);
    }
    return {
      mode: 'overfit',
      dataset: o.dataset,
      backend: getBackend().name,
      examples: n,
      steps,
      report,
      liveTensors: { before: -1, after: -1 },
      seconds: -1,
    };
  } finally {
    optimizer.dispose();
    disposeModel(model);
    x.dispose();
    y.dispose();
  }
}
