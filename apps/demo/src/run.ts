/**
 * One demo run: data (@nn/data), an MLP (@nn/layers), an optimizer and schedule (@nn/optim),
 * `fit` with validation, metrics and callbacks (@nn/train), then a report on stdout: the per-epoch
 * table, the test result (accuracy and confusion matrix, or MSE and coefficients) and where the
 * model was saved.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { noGrad } from '@nn/autograd';
import { DataLoader } from '@nn/data';
import { CrossEntropyLoss, MSELoss, type Module, type StateDict, save } from '@nn/layers';
import { Adam, SGD, lr as schedules } from '@nn/optim';
import { NNError, type Tensor, getBackend, manualSeed, memory } from '@nn/tensor';
import { type Callback, EarlyStopping, type EpochLogs, confusionMatrix, evaluate, fit } from '@nn/train';
import { ProgressBar } from '@nn/train/node';
import { type BackendName, readsSynchronously, useBackend } from './backend.js';
import { type DatasetName, type DemoData, LINREG, type Pair, loadData } from './data.js';
import { type Activation, buildMlp, disposeModel, shapeText } from './model.js';
import { DemoError, type Io, lrText, num, pct, table, thousands } from './ui.js';

export const OPTIMIZERS = ['adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const SCHEDULES = ['cosine', 'constant'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];
export const SGD_MOMENTUM = 0.9;
/** Batch size of the val and test passes (no gradients: larger is faster). */
const EVAL_BATCH = 1000;

export interface DemoOptions {
  dataset: DatasetName;
  /** --data: the Fashion-MNIST directory (null: search the default places). */
  data: string | null;
  /** --samples (null: the dataset's default). */
  samples: number | null;
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  lr: number;
  schedule: ScheduleName;
  epochs: number;
  batchSize: number;
  seed: number;
  /** EarlyStopping patience in epochs (null: train every epoch). */
  patience: number | null;
  out: string;
  backend: BackendName;
  /** Force the progress bar on or off (null: on when stderr is a terminal). */
  progress: boolean | null;
}

export interface TestResult {
  loss: number;
  /** Classification. */
  accuracy?: number;
  /** confusion[i][j]: test examples of class i predicted as j. */
  confusion?: number[][];
}

export interface DemoResult {
  dataset: DatasetName;
  backend: string;
  /** fit's per-epoch logs: loss, accuracy, valLoss, valAccuracy, lr, seconds. */
  history: EpochLogs[];
  /** The epoch whose weights the model ends with (the best one with --patience, else the last). */
  finalEpoch: number;
  stoppedEarly: boolean;
  test: TestResult;
  /** linreg with no hidden layers: learned [w1, w2, b]. */
  coefficients: number[] | null;
  /** Absolute path of the saved safetensors file. */
  savedTo: string;
  parameters: number;
  /** Live @nn tensors before and after the run (equal: nothing leaked). */
  liveTensors: { before: number; after: number };
  seconds: number;
}

/** Test (or val) pass for a classifier: mean loss, accuracy and confusion matrix, on any backend. */
async function classify(model: Module, data: DataLoader<Pair>, lossFn: (o: Tensor, y: Tensor) => Tensor, k: number): Promise<Required<TestResult>> {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let n = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for await (const [x, y] of data) {
      const { out, loss } = noGrad(() => {
        const out = model(x) as Tensor;
        return { out, loss: lossFn(out, y) };
      });
      // Copies on the cpu backend (asynchronous reads work everywhere, webgpu included).
      const [o, t, l] = await Promise.all([out.toAsync('cpu'), y.toAsync('cpu'), loss.data()]);
      const m = confusionMatrix(o, t, k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) confusion[i][j] += m[i][j];
      lossSum += l[0] * y.shape[0];
      n += y.shape[0];
      for (const u of [x, y, out, loss, o, t]) u.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  return { loss: lossSum / n, accuracy: correct / n, confusion };
}

/**
 * Val accuracy after every epoch for backends without synchronous reads (webgpu), where fit's
 * 'accuracy' metric cannot read its result: computed asynchronously and added to the epoch's logs.
 */
class AsyncValAccuracy implements Callback {
  constructor(
    private readonly val: DataLoader<Pair>,
    private readonly lossFn: (o: Tensor, y: Tensor) => Tensor,
    private readonly k: number,
  ) {}
  async onEpochEnd(_epoch: number, logs: EpochLogs, ctx: { model: Module }): Promise<void> {
    logs.valAccuracy = (await classify(ctx.model, this.val, this.lossFn, this.k)).accuracy;
  }
}

/** Writes the weights as safetensors; copies to cpu first, so it works from any backend. */
async function saveModel(model: Module, path: string, metadata: Record<string, string>): Promise<void> {
  const sd = model.stateDict();
  const cpu: StateDict = {};
  try {
    for (const [name, t] of Object.entries(sd)) cpu[name] = await t.toAsync('cpu');
    await mkdir(dirname(path), { recursive: true });
    await save(cpu, path, metadata);
  } catch (e) {
    if (e instanceof NNError) throw e;
    throw new DemoError(`cannot save the model to ${path}: ${(e as Error).message}`);
  } finally {
    for (const t of [...Object.values(sd), ...Object.values(cpu)]) t.dispose();
  }
}

/** Which epochs the table shows: all up to 15, else about 10 evenly spaced plus the last and the final one. */
export function epochRows(n: number, finalEpoch: number): number[] {
  if (n <= 15) return Array.from({ length: n }, (_, i) => i + 1);
  const step = Math.ceil(n / 10);
  const rows = new Set([1, n, finalEpoch]);
  for (let e = step; e < n; e += step) rows.add(e);
  return [...rows].filter((e) => e >= 1).sort((a, b) => a - b);
}

function historyTable(history: EpochLogs[], classification: boolean, mark: number | null): string {
  const rows = epochRows(history.length, mark ?? history.length);
  const header = classification
    ? ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'lr', 'seconds']
    : ['epoch', 'train MSE', 'val MSE', 'lr', 'seconds'];
  const body = rows.map((e) => {
    const h = history[e - 1];
    const epoch = `${e}${mark === e ? ' *' : ''}`;
    return classification
      ? [epoch, num(h.loss), pct(h.accuracy), num(h.valLoss), pct(h.valAccuracy), lrText(h.lr), h.seconds.toFixed(2)]
      : [epoch, num(h.loss), num(h.valLoss), lrText(h.lr), h.seconds.toFixed(2)];
  });
  return table([header, ...body], { align: header.map(() => 'r') });
}

function confusionTable(m: number[][], classes: string[]): string {
  const header = ['true \\ predicted', ...classes.map((_, j) => String(j)), 'recall'];
  const rows = m.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return [`${i} ${classes[i]}`, ...row.map(String), total === 0 ? '-' : pct(row[i] / total)];
  });
  return table([header, ...rows]);
}

export async function run(o: DemoOptions, io: Io): Promise<DemoResult> {
  const t0 = performance.now();
  const before = memory().tensors;
  const restoreBackend = await useBackend(o.backend);
  let result: DemoResult;
  try {
    const data = await loadData(o.dataset, { seed: o.seed, samples: o.samples, dataDir: o.data ?? undefined });
    try {
      result = await train(o, data, io, before, t0);
    } finally {
      for (const t of data.owned) t.dispose();
    }
  } finally {
    restoreBackend();
  }
  result.liveTensors.after = memory().tensors;
  result.seconds = (performance.now() - t0) / 1000;
  const { before: b, after: a } = result.liveTensors;
  io.out(`live tensors: ${b} before, ${a} after${a === b ? ' (no leaks)' : ` (LEAK: ${a - b})`}; ${result.seconds.toFixed(1)} s in total`);
  return result;
}

async function train(o: DemoOptions, data: DemoData, io: Io, before: number, t0: number): Promise<DemoResult> {
  const classification = data.task === 'classification';
  const k = data.outFeatures;
  manualSeed(o.seed); // the model's initialization
  const model = buildMlp(data.inFeatures, o.hidden, k, o.activation);
  const ce = new CrossEntropyLoss();
  const mse = new MSELoss();
  const lossFn = (out: Tensor, y: Tensor) => (classification ? ce(out, y) : mse(out, y));
  const optimizer = o.optimizer === 'adam' ? new Adam(model.parameters(), { lr: o.lr }) : new SGD(model.parameters(), { lr: o.lr, momentum: SGD_MOMENTUM });
  try {
    const scheduler = o.schedule === 'cosine' ? new schedules.CosineAnnealingLR(optimizer, { tMax: o.epochs }) : undefined;
    const trainLoader = new DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: o.seed });
    const valLoader = new DataLoader(data.val, { batchSize: EVAL_BATCH });
    const testLoader = new DataLoader(data.test, { batchSize: EVAL_BATCH });
    const syncReads = readsSynchronously();
    const early = o.patience === null ? null : new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true });
    const showBar = o.progress ?? io.stderrIsTTY;
    const callbacks: Callback[] = [];
    if (classification && !syncReads) callbacks.push(new AsyncValAccuracy(valLoader, lossFn, k)); // before the bar prints the logs
    if (early !== null) callbacks.push(early);
    if (showBar) callbacks.push(new ProgressBar({ stream: io.stderr }));

    const arch = shapeText(data.inFeatures, o.hidden, k);
    const params = model.parameterCount();
    const optText = o.optimizer === 'adam' ? `Adam lr ${o.lr}` : `SGD lr ${o.lr} momentum ${SGD_MOMENTUM}`;
    io.out(`@nn demo: ${o.dataset} on the ${getBackend().name} backend, seed ${o.seed}`);
    io.out(`  data   ${data.description}; test: ${data.testDescription}`);
    io.out(
      `  model  ${arch} ${o.hidden.length === 0 ? 'linear model' : `MLP with ${o.activation === 'relu' ? 'ReLU' : 'tanh'}`}, ` +
        `${thousands(params)} parameters, ${classification ? 'cross-entropy' : 'MSE'} loss`,
    );
    io.out(
      `  train  ${optText}${scheduler ? ' with cosine decay' : ''}, batch ${o.batchSize}, ${o.epochs} epochs` +
        `${early ? `, early stopping on val loss (patience ${o.patience})` : ''}`,
    );
    if (showBar) io.out('');
    else io.out(`\ntraining (no progress bar: ${o.progress === false ? '--no-progress' : 'stderr is not a terminal; --progress forces it'})...`);

    const history = await fit(model, {
      train: trainLoader, val: valLoader, loss: lossFn, optimizer, scheduler, epochs: o.epochs,
      metrics: classification && syncReads ? ['accuracy'] : [], callbacks, progress: false,
    });
    const epochs = history.epochs;
    const stoppedEarly = history.stopped === 'callback';
    const finalEpoch = early !== null && early.bestEpoch > 0 ? early.bestEpoch : epochs.length;

    io.out('');
    io.out(historyTable(epochs, classification, early !== null ? finalEpoch : null));
    if (early !== null) {
      io.out(
        `  * lowest val loss; its weights were restored${stoppedEarly ? ` (stopped after epoch ${epochs.length}: no improvement for ${o.patience} epochs)` : ''}`,
      );
    } else if (epochs.length > 15) {
      io.out(`  (${epochRows(epochs.length, epochs.length).length} of ${epochs.length} epochs shown)`);
    }

    let test: TestResult;
    let coefficients: number[] | null = null;
    io.out('');
    if (classification) {
      test = await classify(model, testLoader, lossFn, k);
      io.out(`test accuracy ${pct(test.accuracy, 2)} (loss ${num(test.loss)}) on ${data.testDescription}`);
      io.out('');
      io.out('confusion matrix on the test set (rows: true class, columns: predicted class):');
      io.out(confusionTable(test.confusion!, data.classes!));
    } else {
      test = { loss: (await evaluate(model, testLoader, { loss: lossFn })).loss };
      io.out(`test MSE ${num(test.loss)} on ${data.testDescription} (noise variance ${num(LINREG.noise ** 2)})`);
      if (o.hidden.length === 0) {
        const [[, w], [, b]] = model.namedParameters();
        const [w1, w2] = await w.data();
        coefficients = [w1, w2, (await b.data())[0]];
        const truth = [...LINREG.weights, LINREG.bias];
        io.out('');
        io.out(
          table([
            ['coefficient', 'true', 'learned', '|error|'],
            ...['w1 (x1)', 'w2 (x2)', 'b'].map((name, i) => [name, truth[i].toFixed(4), coefficients![i].toFixed(4), Math.abs(coefficients![i] - truth[i]).toFixed(4)]),
          ]),
        );
      }
    }

    const savedTo = resolve(o.out);
    await saveModel(model, savedTo, {
      dataset: o.dataset, architecture: arch, activation: o.activation, epoch: String(finalEpoch), seed: String(o.seed), backend: getBackend().name,
    });
    io.out('');
    io.out(`model saved to ${savedTo} (${arch}${o.hidden.length > 0 ? ` ${o.activation}` : ''}, weights of epoch ${finalEpoch})`);

    return {
      dataset: o.dataset, backend: getBackend().name, history: epochs, finalEpoch, stoppedEarly, test, coefficients, savedTo,
      parameters: params, liveTensors: { before, after: -1 }, seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    optimizer.dispose();
    disposeModel(model);
  }
}
