/** fit / evaluate / predict: the PyTorch training loop, once, with callbacks and a history. */
import * as T from '@nn/tensor';
import { NNError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import type { Module } from '@nn/layers';
import { type Batch, type Batches, batchSize, disposeBatch, splitBatch } from './batch.js';
import type { Callback, EpochLogs, TrainContext } from './callbacks.js';
import { METRICS, type Metric } from './metrics.js';
import { stderrIsTTY, terminalProgressBar } from './terminal.js';

export type LossFn = (output: Tensor, target: Tensor) => Tensor;

export interface OptimizerLike {
  /** Updates the parameters from their gradients. */
  step(): void;
  /** Clears the gradients. */
  zeroGrad(options?: unknown): void;
  /** Read for the `lr` log, when present. */
  paramGroups?: readonly {
    /** The group's current learning rate. */
    lr: number;
  }[];
}

export interface SchedulerLike {
  /** Advances the schedule (given the validation loss when `needsMetric`). */
  step(metric?: number): void;
  /** Set by schedulers that step on a validation metric (ReduceLROnPlateau): fit passes it. */
  readonly needsMetric?: boolean;
}

export interface FitOptions {
  /** Training batches, iterated once per epoch (e.g. a shuffling DataLoader). */
  train: Batches;
  /** Validation batches, evaluated after each epoch (adds `valLoss` and `val*` metrics). */
  val?: Batches;
  /** `(output, target) => scalar loss`, e.g. `crossEntropy`. */
  loss: LossFn;
  /** Anything with `step()` and `zeroGrad()`, e.g. `new Adam(model.parameters())`. */
  optimizer: OptimizerLike;
  /** An lr scheduler, stepped per epoch (or per step, see `schedulerInterval`). */
  scheduler?: SchedulerLike;
  /** Step the scheduler after every epoch (default, as most PyTorch recipes) or every batch. */
  schedulerInterval?: 'epoch' | 'step';
  /** Number of epochs (callbacks may stop earlier). */
  epochs: number;
  /** Metrics by name ('accuracy', 'mse', 'top5') or as functions. */
  metrics?: (string | [string, Metric])[];
  /** Callbacks: EarlyStopping, ModelCheckpoint, ProgressEvents, your own. */
  callbacks?: Callback[];
  /** A terminal progress bar, Node only (default: on when stderr is a TTY; '@nn/train/node', loaded on demand). */
  progress?: boolean;
}

export interface History {
  /** Each epoch's logs, in order. */
  epochs: EpochLogs[];
  /** Why training ended. */
  stopped: 'completed' | 'callback';
}

function resolveMetrics(list: FitOptions['metrics'] = []): [string, Metric][] {
  return list.map((m) => {
    if (Array.isArray(m)) return m as [string, Metric];
    const f = METRICS[m as string];
    if (f === undefined)
      throw new ValueRangeError(`fit: unknown metric '${String(m)}' (known: ${Object.keys(METRICS).join(', ')}; or pass [name, fn])`);
    return [m as string, f];
  });
}

function lengthOf(b: Batches): number | null {
  const n = (b as { length?: unknown }).length;
  return typeof n === 'number' ? n : null;
}

/** A running example-weighted sum, kept on the device when values are tensors (read once at the end). */
class Sum {
  private host = 0;
  private device: Tensor | null = null;
  add(v: number | Tensor, n: number): void {
    if (typeof v === 'number') {
      this.host += v * n;
      return;
    }
    const prev = this.device;
    // Without gradients: a loss (or differentiable metric) would otherwise chain every step's
    // graph into the sum, holding all of the epoch's activations until the read.
    this.device = T.keep(noGrad(() => T.tidy(() => (prev === null ? T.mul(v, n) : T.add(prev, T.mul(v, n))))));
    prev?.dispose();
  }
  async total(): Promise<number> {
    if (this.device === null) return this.host;
    const d = this.device;
    this.device = null;
    const [v = Number.NaN] = await d.data(); // d is a 0-d sum
    d.dispose();
    return this.host + v;
  }
}

/** Runs one pass; returns the example-weighted mean loss and metrics. */
async function runEpoch(
  data: Batches,
  metrics: [string, Metric][],
  onBatch: (x: Tensor, y: Tensor) => { loss: Tensor; output: Tensor },
  afterBatch?: (step: number, loss: number | null, n: number) => Promise<void>,
): Promise<Record<string, number>> {
  let count = 0;
  const loss = new Sum();
  const sums = new Map(metrics.map(([name]) => [name, new Sum()]));
  let step = 0;
  for await (const batch of data as AsyncIterable<Batch>) {
    const [x, y] = splitBatch(batch, 'fit');
    const n = batchSize(x);
    const l = T.tidy(() => {
      const { loss: l, output } = onBatch(x, y);
      for (const [name, f] of metrics) sums.get(name)!.add(f(output, y), n);
      return l;
    });
    // Reading the loss is cheap on synchronous backends (the progress bar shows it); async
    // backends keep the sum on the device and read it once per epoch.
    const v = l.backend.readSync !== undefined ? l.item() : null;
    loss.add(v ?? l, n);
    count += n;
    l.dispose();
    disposeBatch(batch);
    step++;
    if (afterBatch) await afterBatch(step, v, n);
  }
  if (count === 0) throw new NNError('fit: a data set yielded no batches');
  const out: Record<string, number> = { loss: (await loss.total()) / count };
  for (const [name, s] of sums) out[name] = (await s.total()) / count;
  return out;
}

/** Trains model for `epochs` epochs; returns the per-epoch history. */
export async function fit(model: Module, options: FitOptions): Promise<History> {
  const { train, val, loss, optimizer, scheduler, epochs, schedulerInterval = 'epoch' } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ValueRangeError(`fit: epochs must be a positive integer, got ${epochs}`);
  if (schedulerInterval !== 'epoch' && schedulerInterval !== 'step')
    throw new ValueRangeError(`fit: schedulerInterval must be 'epoch' or 'step', got '${String(schedulerInterval)}'`);
  const metrics = resolveMetrics(options.metrics);
  const showBar = options.progress ?? stderrIsTTY();
  const callbacks: Callback[] = [...(showBar ? [await terminalProgressBar()] : []), ...(options.callbacks ?? [])];
  const ctx: TrainContext = { model, epochs, stepsPerEpoch: lengthOf(train), stop: false };
  // A structural flag, not the class name: bundlers that minify rename classes.
  const needsMetric = scheduler?.needsMetric === true;
  const history: History = { epochs: [], stopped: 'completed' };
  for (const c of callbacks) await c.onTrainBegin?.(ctx);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const c of callbacks) await c.onEpochBegin?.(epoch, ctx);
    const start = performance.now();
    const lr = optimizer.paramGroups?.[0]?.lr;
    model.train();
    const trainLogs = await runEpoch(
      train,
      metrics,
      (x, y) => {
        const output = model(x) as Tensor;
        const l = loss(output, y);
        l.backward();
        optimizer.step();
        optimizer.zeroGrad();
        return { loss: l, output };
      },
      async (step, v, n) => {
        if (scheduler !== undefined && schedulerInterval === 'step' && !needsMetric) scheduler.step();
        for (const c of callbacks) await c.onBatchEnd?.(step, { loss: v, batchSize: n }, ctx);
      },
    );
    const logs: EpochLogs = { epoch, ...trainLogs } as EpochLogs;
    if (val !== undefined) {
      const v = await evaluate(model, val, { loss, metrics: options.metrics });
      for (const [k, value] of Object.entries(v)) logs[`val${k.charAt(0).toUpperCase()}${k.slice(1)}`] = value;
    }
    if (lr !== undefined) logs.lr = lr;
    logs.seconds = (performance.now() - start) / 1000;
    if (scheduler !== undefined && (schedulerInterval === 'epoch' || needsMetric)) {
      if (needsMetric) scheduler.step(logs.valLoss ?? logs.loss);
      else if (schedulerInterval === 'epoch') scheduler.step();
    }
    history.epochs.push(logs);
    for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, ctx);
    if (ctx.stop) {
      history.stopped = 'callback';
      break;
    }
  }
  for (const c of callbacks) await c.onTrainEnd?.(ctx);
  return history;
}

/** Mean loss (if a loss is given) and metrics over a data set, in eval mode without gradients. */
export async function evaluate(
  model: Module,
  data: Batches,
  { loss, metrics }: { loss?: LossFn; metrics?: FitOptions['metrics'] } = {},
): Promise<Record<string, number>> {
  const wasTraining = model.training;
  model.eval();
  try {
    // noGrad per batch: a noGrad around an async function would end at its first await.
    return await runEpoch(data, resolveMetrics(metrics), (x, y) =>
      noGrad(() => {
        const output = model(x) as Tensor;
        return { loss: loss ? loss(output, y) : T.zeros([]), output };
      }),
    );
  } finally {
    model.train(wasTraining);
  }
}

/** The model's outputs over a data set (inputs only, or [input, ...] batches), concatenated. */
export async function predict(model: Module, data: Iterable<Tensor | Batch> | AsyncIterable<Tensor | Batch>): Promise<Tensor> {
  const wasTraining = model.training;
  model.eval();
  const outs: Tensor[] = [];
  try {
    for await (const item of data as AsyncIterable<Tensor | Batch>) {
      const x = T.isTensor(item) ? item : splitBatch(item as Batch, 'predict')[0];
      outs.push(noGrad(() => model(x) as Tensor));
      if (!T.isTensor(item)) disposeBatch(item as Batch);
    }
    if (outs.length === 0) throw new NNError('predict: the data set yielded no batches');
    return T.concat(outs, 0);
  } finally {
    for (const o of outs) o.dispose();
    model.train(wasTraining);
  }
}
