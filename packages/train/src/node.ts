/**
 * @nn/train/node: what only runs in Node. The terminal progress bar lives here, apart from the main
 * entry, so that browser bundles never meet cli-progress (it needs Node's events and readline).
 * `fit` loads this entry by itself for its default bar on a TTY; import it to pass the bar
 * yourself, e.g. with another stream: `callbacks: [new ProgressBar({ stream })], progress: false`.
 */
import cliProgress from 'cli-progress';
import type { Callback, EpochLogs, TrainContext } from './callbacks.js';

/**
 * Where ProgressBar writes, e.g. `process.stderr`: the members cli-progress uses. Structural, so
 * the published types do not need @types/node.
 */
export interface ProgressStream {
  /** Writes text. */
  write(chunk: string): unknown;
  /** Whether the stream is a terminal (the bar redraws in place). */
  isTTY?: boolean;
  /** The terminal's width. */
  columns?: number;
}

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

/** A terminal progress bar per epoch (cli-progress), then one summary line per epoch. */
export class ProgressBar implements Callback {
  private bar: cliProgress.SingleBar | null = null;
  private epoch = 0;
  /** @param options stream: where to draw (default process.stderr) */
  constructor(
    readonly options: {
      /** Where to draw (default process.stderr). */
      stream?: ProgressStream;
    } = {},
  ) {}
  private get stream(): ProgressStream {
    return this.options.stream ?? process.stderr;
  }
  /** Starts a bar for the epoch. */
  onEpochBegin(epoch: number, ctx: TrainContext): void {
    this.epoch = epoch;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch}/${ctx.epochs} [{bar}] {value}/{total} | loss {loss}`,
        // cli-progress types its option as a Node stream but only calls what ProgressStream has.
        stream: this.stream as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(ctx.stepsPerEpoch ?? 0, 0, { loss: '-' });
  }
  /** Advances the bar and shows the running loss. */
  onBatchEnd(step: number, logs: { loss: number | null }): void {
    this.bar?.update(step, { loss: logs.loss === null ? '-' : fmt(logs.loss) });
  }
  /** Ends the bar and prints the epoch's logs. */
  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    this.bar?.stop();
    this.bar = null;
    const parts = Object.entries(logs)
      .filter(([k]) => k !== 'epoch')
      .map(([k, v]) => `${k} ${k === 'seconds' ? v.toFixed(2) : fmt(v)}`);
    this.stream.write(`epoch ${this.epoch}: ${parts.join('  ')}\n`);
  }
  /** Stops any bar still drawn. */
  onTrainEnd(): void {
    this.bar?.stop();
  }
}
