/**
 * The training curves: loss and accuracy (train and validation, the best epoch marked), the
 * learning rate (the schedule drawn before training, the lr actually used drawn over it), and the
 * gradient norm of each layer at every step (log scale: vanishing and exploding gradients show).
 */
import type { Config } from '../config.js';
import type { EpochLog, Reply } from '../protocol.js';
import { scheduleCurve } from '../schedule.js';
import { LineChart } from './chart.js';
import { CLASS_COLORS, css } from './colors.js';

const TRAIN = css(CLASS_COLORS[1]);
const VAL = css(CLASS_COLORS[0]);

export class CurvesPanel {
  private readonly loss: LineChart;
  private readonly accuracy: LineChart;
  private readonly lr: LineChart;
  private readonly grads: LineChart;
  readonly history: EpochLog[] = [];
  private lrPlan: [number[], number[]] = [[], []];
  /** The lr used at each step, keyed by the step's position in epochs. */
  private lrUsed = new Map<number, number>();
  private gradSteps: number[] = [];
  /** Per layer, the gradient norm of each epoch (null: zero or not finite). */
  gradValues: (number | null)[][] = [];
  private gradNames: string[] = [];
  private stepsPerEpoch = 1;

  constructor(parent: HTMLElement) {
    this.loss = new LineChart(
      parent,
      [
        { label: 'train', color: TRAIN },
        { label: 'validation', color: VAL },
      ],
      { title: 'Loss', log: true },
    );
    this.accuracy = new LineChart(
      parent,
      [
        { label: 'train', color: TRAIN },
        { label: 'validation', color: VAL },
      ],
      { title: 'Accuracy', yRange: [0, 1] },
    );
    this.lr = new LineChart(
      parent,
      [
        { label: 'schedule', color: '#9e9e9e', dash: true },
        { label: 'used', color: '#6a1b9a' },
      ],
      { title: 'Learning rate', height: 130 },
    );
    this.grads = new LineChart(parent, [], { title: 'Gradient norm per layer (mean over each epoch)', log: true });
  }

  /** A new session: clears the curves and draws the planned schedule. */
  reset(c: Config, stepsPerEpoch: number, layerNames: string[]): void {
    this.history.length = 0;
    this.stepsPerEpoch = stepsPerEpoch;
    this.accuracy.root.hidden = c.dataset === 'regression';
    this.loss.setData([], [[], []]);
    this.accuracy.setData([], [[], []]);
    this.loss.setMarker(null);
    this.accuracy.setMarker(null);
    this.lrPlan = scheduleCurve(c);
    this.lrUsed.clear();
    this.drawLr();
    this.gradSteps = [];
    this.gradNames = layerNames;
    this.gradValues = layerNames.map(() => []);
    this.grads.reset(layerNames.map((name, i) => ({ label: name, color: css(CLASS_COLORS[(i + 2) % CLASS_COLORS.length]) })));
  }

  /** Only the schedule changed (before training): redraw the plan. */
  plan(c: Config): void {
    this.lrPlan = scheduleCurve(c);
    this.drawLr();
  }

  epoch(r: Extract<Reply, { type: 'epoch' }>): void {
    this.history.push(r.log);
    for (const [x, v] of r.lrs) this.lrUsed.set(Math.round(x * this.stepsPerEpoch), v);
    // One point per epoch and layer: the geometric mean over the epoch's steps (steps are noisy).
    const { values } = r.gradNorms;
    if (values.length === 0) return;
    this.gradSteps.push(r.log.epoch);
    this.gradValues.forEach((series, layer) => {
      const logs = values.map((v) => Math.log(v[layer]));
      const mean = Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
      // Log scale: a zero norm (a dead layer) cannot be drawn; leave a gap.
      series.push(mean > 0 && Number.isFinite(mean) ? mean : null);
    });
  }

  /** Redraws the charts (called at most once per animation frame). */
  render(bestEpoch: number | null): void {
    const h = this.history;
    const x = h.map((l) => l.epoch);
    this.loss.setData(x, [h.map((l) => l.loss), h.map((l) => l.valLoss)]);
    this.accuracy.setData(x, [h.map((l) => l.accuracy), h.map((l) => l.valAccuracy)]);
    this.loss.setMarker(bestEpoch);
    this.accuracy.setMarker(bestEpoch);
    this.drawLr();
    if (this.gradNames.length > 0) this.grads.setData(this.gradSteps, this.gradValues);
  }

  private drawLr(): void {
    const [xs, plan] = this.lrPlan;
    const used = xs.map((x) => this.lrUsed.get(Math.round(x * this.stepsPerEpoch)) ?? null);
    this.lr.setData(xs, [plan, used]);
  }
}
