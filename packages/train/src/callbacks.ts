/**
 * Callbacks: hooks into fit's loop. EarlyStopping, ModelCheckpoint and progress events (the
 * terminal progress bar is Node-only: '@nn/train/node').
 */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { type Module, save } from '@nn/layers';

/** One epoch's results: loss, valLoss, each metric and its val* twin, lr, seconds. */
export type EpochLogs = Record<string, number> & { epoch: number; loss: number };

export interface TrainContext {
  model: Module;
  epochs: number;
  stepsPerEpoch: number | null;
  /** Set by a callback to end training after the current epoch. */
  stop: boolean;
}

export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(step: number, logs: { loss: number | null; batchSize: number }, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

type Mode = 'min' | 'max';

/** Tracks the best value of a monitored quantity. */
class Monitor {
  best: number;
  constructor(readonly monitor: string, readonly mode: Mode, readonly minDelta: number, who: string) {
    if (mode !== 'min' && mode !== 'max') throw new ValueRangeError(`${who}: mode must be 'min' or 'max', got '${String(mode)}'`);
    if (!(minDelta >= 0)) throw new ValueRangeError(`${who}: minDelta must be >= 0, got ${minDelta}`);
    this.best = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  value(logs: EpochLogs, who: string): number {
    const v = logs[this.monitor];
    if (typeof v !== 'number') {
      throw new ValueRangeError(`${who}: monitored quantity '${this.monitor}' is not in the epoch logs (available: ${Object.keys(logs).join(', ')}); pass a val set to monitor val* values`);
    }
    return v;
  }
  improves(v: number): boolean {
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }
}

export interface EarlyStoppingOptions {
  monitor?: string;
  patience?: number;
  minDelta?: number;
  mode?: Mode;
  /** At the end of training, load the weights of the best epoch. */
  restoreBestWeights?: boolean;
}

/** Stops when the monitored value has not improved by minDelta for `patience` epochs. */
export class EarlyStopping implements Callback {
  private readonly m: Monitor;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private wait = 0;
  private bestState: Record<string, Tensor> | null = null;
  /** The epoch whose weights were best (and, with restoreBestWeights, are restored). */
  bestEpoch = -1;
  stoppedEpoch = -1;

  constructor({ monitor = 'valLoss', patience = 5, minDelta = 0, mode = 'min', restoreBestWeights = false }: EarlyStoppingOptions = {}) {
    if (!Number.isInteger(patience) || patience < 0) throw new ValueRangeError(`EarlyStopping: patience must be a non-negative integer, got ${patience}`);
    this.m = new Monitor(monitor, mode, minDelta, 'EarlyStopping');
    this.patience = patience;
    this.restoreBestWeights = restoreBestWeights;
  }
  onTrainBegin(): void {
    this.wait = 0;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.m.best = this.m.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): void {
    const v = this.m.value(logs, 'EarlyStopping');
    if (this.m.improves(v)) {
      this.m.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.snapshot(ctx.model);
    } else if (++this.wait >= Math.max(this.patience, 1)) {
      this.stoppedEpoch = epoch;
      ctx.stop = true;
    }
  }
  onTrainEnd(ctx: TrainContext): void {
    if (this.bestState === null) return;
    ctx.model.loadStateDict(this.bestState);
    this.release();
  }
  private snapshot(model: Module): void {
    this.release();
    const sd = model.stateDict();
    this.bestState = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, T.keep(T.clone(t))]));
    for (const t of Object.values(sd)) t.dispose();
  }
  private release(): void {
    if (this.bestState !== null) for (const t of Object.values(this.bestState)) t.dispose();
    this.bestState = null;
  }
}

export interface ModelCheckpointOptions {
  /** File path; `{epoch}` is replaced by the epoch number. */
  path: string;
  monitor?: string;
  mode?: Mode;
  /** Only write when the monitored value improves (default true). */
  saveBestOnly?: boolean;
}

/** Saves the model as safetensors (atomically: temp file then rename) after improving epochs. */
export class ModelCheckpoint implements Callback {
  private readonly m: Monitor;
  readonly saved: string[] = [];
  constructor(readonly options: ModelCheckpointOptions) {
    this.m = new Monitor(options.monitor ?? 'valLoss', options.mode ?? 'min', 0, 'ModelCheckpoint');
  }
  async onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): Promise<void> {
    if (this.options.saveBestOnly !== false) {
      const v = this.m.value(logs, 'ModelCheckpoint');
      if (!this.m.improves(v)) return;
      this.m.best = v;
    }
    const path = this.options.path.replace('{epoch}', String(epoch));
    await save(ctx.model, path, { epoch: String(epoch) });
    this.saved.push(path);
  }
}

/** Progress as plain events, for browsers and custom UIs. */
export type ProgressEvent =
  | { type: 'trainBegin'; epochs: number; stepsPerEpoch: number | null }
  | { type: 'epochBegin'; epoch: number }
  | { type: 'batchEnd'; epoch: number; step: number; loss: number | null }
  | { type: 'epochEnd'; epoch: number; logs: EpochLogs }
  | { type: 'trainEnd' };

export class ProgressEvents implements Callback {
  private epoch = 0;
  constructor(readonly emit: (e: ProgressEvent) => void) {}
  onTrainBegin(ctx: TrainContext): void {
    this.emit({ type: 'trainBegin', epochs: ctx.epochs, stepsPerEpoch: ctx.stepsPerEpoch });
  }
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.emit({ type: 'epochBegin', epoch });
  }
  onBatchEnd(step: number, logs: { loss: number | null }): void {
    this.emit({ type: 'batchEnd', epoch: this.epoch, step, loss: logs.loss });
  }
  onEpochEnd(epoch: number, logs: EpochLogs): void {
    this.emit({ type: 'epochEnd', epoch, logs });
  }
  onTrainEnd(): void {
    this.emit({ type: 'trainEnd' });
  }
}
