/**
 * One demo run: data (@nn/data), an MLP (@nn/layers), an optimizer and schedule (@nn/optim),
 * `fit` with validation, metrics and callbacks (@nn/train), then a report on stdout: the per-epoch
 * table, the test result (accuracy and confusion matrix, or MSE and coefficients), where the model
 * (and --history) went. With --overfit-batch, overfit.ts runs instead of fit.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { noGrad } from '@nn/autograd';
import { DataLoader } from '@nn/data';
import { CrossEntropyLoss, MSELoss, type Module, type StateDict, save } from '@nn/layers';
import { NNError, type Tensor, getBackend, manualSeed, memory } from '@nn/tensor';
import { type Callback, EarlyStopping, type EpochLogs, confusionMatrix, evaluate, fit } from '@nn/train';
import { ProgressBar } from '@nn/train/node';
import { readsSynchronously, useBackend } from './backend.js';
import { type DatasetName, type DemoData, LINREG, type Pair, loadData } from './data.js';
import { type RunInfo, writeHistory } from './history.js';
import { archText, buildModel } from './cnn.js';
import { disposeModel } from './model.js';
import type { DemoOptions } from './options.js';
import { makeOptimizer } from './optimizers.js';
import { type OverfitResult, overfitCheck } from './overfit.js';
import { confusionTable, epochRows, historyTable, modelText, setupLines } from './report.js';
import { SCHEDULES, makeScheduler, scheduleText } from './schedules.js';
import { DemoError, type Io, num, pct, table } from './ui.js';

/** Batch size of the val and test passes (no gradients: larger is faster). */
const EVAL_BATCH = 1000;

export interface TestResult {
  loss: number;
  /** Classification. */
  accuracy?: number;
  /** confusion[i][j]: test examples of class i predicted as j. */
  confusion?: number[][];
}

export interface DemoResult {
  mode: 'fit';
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
  /** Absolute path of the --history file, or null. */
  historyFile: string | null;
  parameters: number;
  /** Live @nn tensors before and after the run (equal: nothing leaked). */
  liveTensors: { before: number; after: number };
  seconds: number;
}

/** Test (or val) pass for a classifier: mean loss, accuracy and confusion matrix, on any backend. */
async function classify(
  model: Module,
  data: DataLoader<Pair>,
  lossFn: (o: Tensor, y: Tensor) => Tensor,
  k: number,
): Promise<Required<TestResult>> {
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

/** The loss for the data set's task. */
function lossFor(data: DemoData): (out: Tensor, y: Tensor) => Tensor {
  const ce = new CrossEntropyLoss();
  const mse = new MSELoss();
  return data.task === 'classification' ? (out, y) => ce(out, y) : (out, y) => mse(out, y);
}

/** Fits (or with --overfit-batch checks) on the chosen backend; nothing is left allocated or switched. */
export async function run(o: DemoOptions, io: Io): Promise<DemoResult | OverfitResult> {
  const t0 = performance.now();
  const before = memory().tensors;
  const restoreBackend = await useBackend(o.backend);
  let result: DemoResult | OverfitResult;
  try {
    const data = await loadData(o.dataset, { seed: o.seed, samples: o.samples, dataDir: o.data ?? undefined });
    try {
      result = o.overfitSteps !== null ? await overfitCheck(o, o.overfitSteps, data, lossFor(data), io) : await train(o, data, io);
    } finally {
      for (const t of data.owned) t.dispose();
    }
  } finally {
    restoreBackend();
  }
  result.liveTensors = { before, after: memory().tensors };
  result.seconds = (performance.now() - t0) / 1000;
  const { before: b, after: a } = result.liveTensors;
  io.out(`live tensors: ${b} before, ${a} after${a === b ? ' (no leaks)' : ` (LEAK: ${a - b})`}; ${result.seconds.toFixed(1)} s in total`);
  return result;
}

/** What --history's JSON records about the run. */
function runInfo(o: DemoOptions, data: DemoData, backend: string): RunInfo {
  return {
    dataset: o.dataset,
    model: modelText(o, data),
    hidden: o.hidden,
    activation: o.activation,
    norm: o.norm,
    dropout: o.dropout,
    residual: o.residual,
    init: o.init,
    optimizer: o.optimizer,
    lr: o.lr,
    ...o.hyper,
    schedule: o.schedule,
    ...o.scheduleParams,
    epochs: o.epochs,
    batchSize: o.batchSize,
    patience: o.patience,
    seed: o.seed,
    backend,
  };
}

async function train(o: DemoOptions, data: DemoData, io: Io): Promise<DemoResult> {
  const classification = data.task === 'classification';
  const k = data.outFeatures;
  manualSeed(o.seed); // the model's initialization
  const model = buildModel(o, data.inFeatures, k);
  const lossFn = lossFor(data);
  const optimizer = makeOptimizer(o.optimizer, model.parameters(), o.lr, o.hyper);
  try {
    // BatchNorm cannot normalize a batch of one example in training (PyTorch raises too).
    const dropLast = o.norm === 'batchnorm' && data.train.length % o.batchSize === 1;
    const trainLoader = new DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: o.seed, dropLast });
    // OneCycleLR cycles momentum (or beta1) only where there is some to cycle.
    const ctx = {
      epochs: o.epochs,
      lr: o.lr,
      stepsPerEpoch: trainLoader.length,
      cycleMomentum: 'betas' in o.hyper || (o.hyper.momentum ?? 0) > 0,
    };
    const scheduler = makeScheduler(o.schedule, optimizer, o.scheduleParams, ctx);
    const valLoader = new DataLoader(data.val, { batchSize: EVAL_BATCH });
    const testLoader = new DataLoader(data.test, { batchSize: EVAL_BATCH });
    const syncReads = readsSynchronously();
    const early = o.patience === null ? null : new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true });
    const showBar = o.progress ?? io.stderrIsTTY;
    const callbacks: Callback[] = [];
    if (classification && !syncReads) callbacks.push(new AsyncValAccuracy(valLoader, lossFn, k)); // before the bar prints the logs
    if (early !== null) callbacks.push(early);
    if (showBar) callbacks.push(new ProgressBar({ stream: io.stderr }));

    const arch = archText(o, data.inFeatures, k);
    const params = model.parameterCount();
    io.out(`@nn demo: ${o.dataset} on the ${getBackend().name} backend, seed ${o.seed}`);
    for (const line of setupLines(o, data, params)) io.out(line);
    io.out(`  lr     ${scheduleText(o.schedule, o.scheduleParams, ctx)}`);
    io.out(
      `  train  batch ${o.batchSize}${dropLast ? ' (last batch of 1 dropped for BatchNorm)' : ''}, ${o.epochs} epochs` +
        `${early ? `, early stopping on val loss (patience ${o.patience})` : ''}`,
    );
    if (showBar) io.out('');
    else
      io.out(
        `\ntraining (no progress bar: ${o.progress === false ? '--no-progress' : 'stderr is not a terminal; --progress forces it'})...`,
      );

    const history = await fit(model, {
      train: trainLoader,
      val: valLoader,
      loss: lossFn,
      optimizer,
      scheduler,
      schedulerInterval: SCHEDULES[o.schedule].interval,
      epochs: o.epochs,
      metrics: classification && syncReads ? ['accuracy'] : [],
      callbacks,
      progress: false,
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
            ...['w1 (x1)', 'w2 (x2)', 'b'].map((name, i) => [
              name,
              truth[i].toFixed(4),
              coefficients![i].toFixed(4),
              Math.abs(coefficients![i] - truth[i]).toFixed(4),
            ]),
          ]),
        );
      }
    }

    const savedTo = resolve(o.out);
    await saveModel(model, savedTo, {
      dataset: o.dataset,
      model: o.model,
      architecture: arch,
      activation: o.activation,
      norm: o.norm,
      dropout: String(o.dropout),
      residual: String(o.residual),
      init: o.init,
      optimizer: o.optimizer,
      epoch: String(finalEpoch),
      seed: String(o.seed),
      backend: getBackend().name,
    });
    io.out('');
    io.out(
      `model saved to ${savedTo} (${arch}${o.model === 'mlp' && o.hidden.length > 0 ? ` ${o.activation}` : ''}, weights of epoch ${finalEpoch})`,
    );
    if (o.history !== null) {
      await writeHistory(o.history, epochs, runInfo(o, data, getBackend().name));
      io.out(`history of ${epochs.length} epochs written to ${o.history}`);
    }

    return {
      mode: 'fit',
      dataset: o.dataset,
      backend: getBackend().name,
      history: epochs,
      finalEpoch,
      stoppedEarly,
      test,
      coefficients,
      savedTo,
      historyFile: o.history,
      parameters: params,
      liveTensors: { before: -1, after: -1 },
      seconds: -1,
    };
  } finally {
    optimizer.dispose();
    disposeModel(model);
  }
}
