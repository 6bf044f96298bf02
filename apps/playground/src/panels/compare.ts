/**
 * Optimizers side by side: pick several, train a copy per optimizer (same data, seed and initial
 * weights), and overlay their training (solid) and validation (dashed) losses.
 */
import { type Config, OPTIMIZERS, type OptimizerName, keysOf } from '../config.js';
import { el, fmt } from '../dom.js';
import type { Reply } from '../protocol.js';
import { CLASS_COLORS, css } from './colors.js';
import { LineChart } from './chart.js';

export class ComparePanel {
  private readonly chart: LineChart;
  private readonly boxes: Map<OptimizerName, HTMLInputElement>;
  private readonly epochs: HTMLInputElement;
  private readonly note: HTMLElement;
  private names: OptimizerName[] = [];
  private losses = new Map<OptimizerName, { loss: number[]; val: number[] }>();
  readonly results: Record<string, { loss: number[]; val: number[] }> = {};

  constructor(parent: HTMLElement, actions: { select(names: OptimizerName[]): void; run(names: OptimizerName[], epochs: number): void }) {
    this.boxes = new Map(keysOf(OPTIMIZERS).map((o) => [o, el('input', { type: 'checkbox', name: 'compare', value: o })]));
    this.epochs = el('input', { type: 'number', min: 1, max: 500, value: 30, id: 'compare-epochs' });
    const button = el('button', { type: 'button', id: 'compare-run' }, 'Train side by side');
    this.note = el('div', { class: 'verdict', id: 'compare-note' });
    const picks = el('div', { class: 'picks' }, ...[...this.boxes].map(([o, box]) => el('label', {}, box, ` ${OPTIMIZERS[o]}`)));
    for (const box of this.boxes.values()) box.addEventListener('change', () => actions.select(this.selected()));
    button.addEventListener('click', () => {
      const names = this.selected();
      if (names.length === 0) return;
      this.start(names);
      actions.run(names, Math.max(1, Math.round(Number(this.epochs.value) || 30)));
    });
    parent.append(
      el('p', { class: 'hint', text: 'Same data, seed, initial weights, hyper-parameters and schedule; only the optimizer differs.' }),
      picks,
      el('label', {}, 'Epochs ', this.epochs),
      button,
      this.note,
    );
    this.chart = new LineChart(parent, [], { title: 'Training loss by optimizer (dashed: validation)', log: true, height: 200 });
  }

  private selected(): OptimizerName[] {
    return [...this.boxes].filter(([, b]) => b.checked).map(([o]) => o);
  }

  update(c: Config): void {
    for (const [o, box] of this.boxes) box.checked = c.compare.includes(o);
  }

  private start(names: OptimizerName[]): void {
    this.names = names;
    this.losses = new Map(names.map((n) => [n, { loss: [], val: [] }]));
    this.note.textContent = `training ${names.length} copies…`;
    this.chart.reset(
      names.flatMap((n, i) => [
        { label: OPTIMIZERS[n], color: css(CLASS_COLORS[i % CLASS_COLORS.length]) },
        { label: `${OPTIMIZERS[n]} (val)`, color: css(CLASS_COLORS[i % CLASS_COLORS.length]), dash: true },
      ]),
    );
  }

  epoch(r: Extract<Reply, { type: 'compareEpoch' }>): void {
    const s = this.losses.get(r.optimizer);
    if (s === undefined) return;
    s.loss[r.epoch - 1] = r.loss;
    s.val[r.epoch - 1] = r.valLoss;
    this.results[r.optimizer] = s;
    const n = Math.max(...[...this.losses.values()].map((v) => v.loss.length));
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const pad = (a: number[]) => x.map((_, i) => a[i] ?? null);
    this.chart.setData(
      x,
      this.names.flatMap((name) => [pad(this.losses.get(name)!.loss), pad(this.losses.get(name)!.val)]),
    );
  }

  done(seconds: number): void {
    const finals = this.names.map((n) => `${OPTIMIZERS[n]} ${fmt(this.losses.get(n)!.loss.at(-1))}`);
    this.note.textContent = `done in ${seconds.toFixed(1)} s · final training loss: ${finals.join(', ')}`;
  }
}
