/**
 * The loss landscape around the current weights: a heat map of log(loss) over (α, β) with
 * iso-loss bands, the current weights marked at the centre.
 */
import { el, fmt } from '../dom.js';
import type { Reply } from '../protocol.js';
import { paintGrid, sequential } from './colors.js';

type Landscape = Extract<Reply, { type: 'landscape' }>;
const SIZE = 300;
const BANDS = 12;

export class LandscapePanel {
  private readonly canvas: HTMLCanvasElement;
  private readonly note: HTMLElement;

  constructor(parent: HTMLElement, run: (resolution: number, span: number) => void) {
    const resolution = el(
      'select',
      { id: 'landscape-resolution' },
      ...[15, 21, 31].map((r) => el('option', { value: r, selected: r === 21 }, `${r}×${r}`)),
    );
    const span = el(
      'select',
      { id: 'landscape-span' },
      ...[0.25, 0.5, 1, 2].map((s) => el('option', { value: s, selected: s === 1 }, `±${s}`)),
    );
    const button = el('button', { type: 'button', id: 'landscape-run' }, 'Compute around the current weights');
    this.canvas = el('canvas', { id: 'landscape', width: SIZE, height: SIZE });
    this.note = el('div', { class: 'verdict', id: 'landscape-note' });
    button.addEventListener('click', () => {
      this.note.textContent = 'evaluating the training loss on the grid…';
      run(Number(resolution.value), Number(span.value));
    });
    parent.append(
      el('p', {
        class: 'hint',
        text: 'L(θ + α·d₁ + β·d₂) with random directions normalized filter by filter (Li et al., 2018); biases and norm parameters stay fixed.',
      }),
      el('div', { class: 'row' }, el('label', {}, 'Grid ', resolution), el('label', {}, 'Span ', span), button),
      this.canvas,
      this.note,
    );
  }

  show(r: Landscape): void {
    const logs = Array.from(r.losses, (v) => Math.log(Math.max(v, 1e-12)));
    const lo = Math.min(...logs);
    const hi = Math.max(...logs);
    const norm = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0);
    // Quantized into bands so iso-loss contours show as edges.
    paintGrid(this.canvas, r.resolution, (i) => sequential(Math.floor(norm(logs[i]) * BANDS) / BANDS));
    const ctx = this.canvas.getContext('2d')!;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(SIZE / 2 - 7, SIZE / 2);
    ctx.lineTo(SIZE / 2 + 7, SIZE / 2);
    ctx.moveTo(SIZE / 2, SIZE / 2 - 7);
    ctx.lineTo(SIZE / 2, SIZE / 2 + 7);
    ctx.stroke();
    ctx.fillStyle = '#fff';
    ctx.font = '12px sans-serif';
    ctx.fillText(`α →  (±${r.span})`, SIZE - 84, SIZE - 6);
    ctx.fillText('β ↑', 4, 14);
    const min = Math.min(...r.losses);
    const max = Math.max(...r.losses);
    this.note.textContent = `loss at θ ${fmt(r.center)} · min ${fmt(min)} · max ${fmt(max)} · ${r.resolution * r.resolution} evaluations in ${r.seconds.toFixed(1)} s`;
    this.canvas.dataset.center = String(r.center);
  }
}
