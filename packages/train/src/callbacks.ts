/**
 * Callbacks: hooks into fit's loop. EarlyStopping, ModelCheckpoint and progress events (the
 * terminal progress bar is Node-only: '@nn/train/node').
 */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { type Module, save } from '@nn/layers';

/** One epoch's results: loss, valLoss, each metric and its val* twin, lr, seconds. */
export type EpochLogs = Record<string, number> & {
  /** The epoch, from 0. */
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
};

/** What callbacks see of the run. */
export interface TrainContext {
  /** The model being trained. */
  model: Module;
  /** The planned number of epochs. */
  epochs: number;
  /** Batches per epoch, when the loader knows (else null). */
  stepsPerEpoch: number | null;
  /** Set by a callback to end training after the current epoch. */
  stop: boolean;
}

/**
 * Hooks `fit` calls during training; implement any of them (all may be async). Set `ctx.stop = true` to end training after the epoch.
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  /** Before each epoch (0-based). */
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  /** After each optimizer step, with the batch's loss (null where reading it would stall an async backend). */
  onBatchEnd?(step: number, logs: { loss: number | null; batchSize: number }, ctx: TrainContext): void | Promise<void>;
  /** After each epoch's training and validation, with its logs. */
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  /** After the last epoch (also when stopped early). */
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

type Mode = 'min' | 'max';

/** Tracks the best value of a monitored quantity. */
class Monitor {
  best: number;
  constructor(
    readonly monitor: string,
    readonly mode: Mode,
    readonly minDelta: number,
    who: string,
  ) {
    if (mode !== 'min' && mode !== 'max') throw new ValueRangeError(`${who}: mode must be 'min' or 'max', got '${String(mode)}'`);
    if (!(minDelta >= 0)) throw new ValueRangeError(`${who}: minDelta must be >= 0, got ${minDelta}`);
    this.best = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  value(logs: EpochLogs, who: string): number {
    const v = logs[this.monitor];
    if (typeof v !== 'number') {
      throw new ValueRangeError(
        `${who}: monitored quantity '${this.monitor}' is not in the epoch logs (available: ${Object.keys(logs).join(', ')}); pass a val set to monitor val* values`,
      );
    }
    return v;
  }
  improves(v: number): boolean {
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** The log to watch (default `'valLoss'`). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** `'min'` (default: lower is better) or `'max'`. */
  mode?: Mode;
  /** At the end of training, load the weights of the best epoch. */
  restoreBestWeights?: boolean;
}

/** Stops when the monitored value has not improved by minDelta for `patience` epochs. */
export class EarlyStopping implements Callback {
  private readonly m: Monitor;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** Whether the best epoch's weights are loaded back at the end. */
  readonly restoreBestWeights: boolean;
  private wait = 0;
  private bestState: Record<string, Tensor> | null = null;
  /** The epoch whose weights were best (and, with restoreBestWeights, are restored). */
  bestEpoch = -1;
  /** The epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;

  constructor({ monitor = 'valLoss', patience = 5, minDelta = 0, mode = 'min', restoreBestWeights = false }: EarlyStoppingOptions = {}) {
    if (!Number.isInteger(patience) || patience < 0)
      throw new ValueRangeError(`EarlyStopping: patience must be a non-negative integer, got ${patience}`);
    this.m = new Monitor(monitor, mode, minDelta, 'EarlyStopping');
    this.patience = patience;
    this.restoreBestWeights = restoreBestWeights;
  }
  /** Resets the state, so one instance can serve several runs. */
  onTrainBegin(): void {
    this.wait = 0;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.m.best = this.m.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  /** Records the monitored value; asks fit to stop after `patience` epochs without improvement. */
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
  /** Restores the best epoch's weights (with `restoreBestWeights`). */
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

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** File path; `{epoch}` is replaced by the epoch number. */
  path: string;
  /** The log to watch (default `'valLoss'`). */
  monitor?: string;
  /** `'min'` (default) or `'max'`. */
  mode?: Mode;
  /** Only write when the monitored value improves (default true). */
  saveBestOnly?: boolean;
}

/** Saves the model as safetensors (atomically: temp file then rename) after improving epochs. */
export class ModelCheckpoint implements Callback {
  private readonly m: Monitor;
  /** Paths written so far. */
  readonly saved: string[] = [];
  /** @param options path, monitor, mode, saveBestOnly */
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
  | {
      /** Training starts. */
      type: 'trainBegin';
      /** Planned epochs. */
      epochs: number;
      /** Batches per epoch, if known. */
      stepsPerEpoch: number | null;
    }
  | {
      /** An epoch starts. */
      type: 'epochBegin';
      /** The epoch, from 0. */
      epoch: number;
    }
  | {
      /** An optimizer step ended. */
      type: 'batchEnd';
      /** The epoch, from 0. */
      epoch: number;
      /** The step within the epoch, from 0. */
      step: number;
      /** The batch's loss (null where reading it would stall an async backend). */
      loss: number | null;
    }
  | {
      /** An epoch ended. */
      type: 'epochEnd';
      /** The epoch, from 0. */
      epoch: number;
      /** Its logs. */
      logs: EpochLogs;
    }
  | {
      /** Training ended. */
      type: 'trainEnd';
    };

/** A callback that turns training progress into plain events, e.g. to update a page: `new ProgressEvents((e) => ...)`. */
export class ProgressEvents implements Callback {
  private epoch = 0;
  /** @param emit called with each event */
  constructor(readonly emit: (e: ProgressEvent) => void) {}
  /** Emits `trainBegin`. */
  onTrainBegin(ctx: TrainContext): void {
    this.emit({ type: 'trainBegin', epochs: ctx.epochs, stepsPerEpoch: ctx.stepsPerEpoch });
  }
  /** Emits `epochBegin`. */
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.emit({ type: 'epochBegin', epoch });
  }
  /** Emits `batchEnd` with the step and loss. */
  onBatchEnd(step: number, logs: { loss: number | null }): void {
    this.emit({ type: 'batchEnd', epoch: this.epoch, step, loss: logs.loss });
  }
  /** Emits `epochEnd` with the epoch's logs. */
  onEpochEnd(epoch: number, logs: EpochLogs): void {
    this.emit({ type: 'epochEnd', epoch, logs });
  }
  /** Emits `trainEnd`. */
  onTrainEnd(): void {
    this.emit({ type: 'trainEnd' });
  }
}
