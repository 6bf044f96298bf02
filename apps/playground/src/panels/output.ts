/**
 * The main picture: the decision boundary under the data points (classification in the plane),
 * the fitted curve through the points (regression), or validation digits with their predictions.
 */
import { el } from '../dom.js';
import type { DataInfo, Pictures } from '../protocol.js';
import { CLASS_COLORS, css, paintGrid } from './colors.js';

const SIZE = 420;

export class OutputPanel {
  readonly canvas: HTMLCanvasElement;
  private data: DataInfo | null = null;
  private last: Pictures | null = null;

  constructor(parent: HTMLElement) {
    this.canvas = el('canvas', { id: 'boundary', width: SIZE, height: SIZE, 'aria-label': 'decision boundary and data' });
    parent.append(this.canvas);
  }

  setData(d: DataInfo): void {
    this.data = d;
    this.last = null;
    this.draw();
  }

  setPictures(p: Pictures): void {
    this.last = p;
    this.draw();
  }

  private draw(): void {
    const d = this.data;
    if (d === null) return;
    const ctx = this.canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, SIZE, SIZE);
    if (d.task === 'regression') this.drawRegression(ctx, d);
    else if (d.inputs === 2) this.drawPlane(ctx, d);
    else this.drawDigits(ctx, d);
  }

  private toCanvas(d: DataInfo, x: number, y: number): [number, number] {
    const [x0, x1, y0, y1] = d.extent;
    return [((x - x0) / (x1 - x0)) * SIZE, ((y1 - y) / (y1 - y0)) * SIZE];
  }

  private drawPoints(ctx: CanvasRenderingContext2D, d: DataInfo, ys: ArrayLike<number>, color: (i: number) => string): void {
    const n = d.isVal.length;
    for (let i = 0; i < n; i++) {
      const [cx, cy] = this.toCanvas(d, d.points[i * d.inputs], ys[i]);
      ctx.beginPath();
      ctx.arc(cx, cy, 3.5, 0, 2 * Math.PI);
      if (d.isVal[i]) {
        // Validation points: hollow rings.
        ctx.strokeStyle = color(i);
        ctx.lineWidth = 2;
        ctx.stroke();
      } else {
        ctx.fillStyle = color(i);
        ctx.fill();
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 1;
        ctx.stroke();
      }
    }
  }

  private drawPlane(ctx: CanvasRenderingContext2D, d: DataInfo): void {
    const p = this.last;
    if (p !== null && p.grid > 0) {
      const k = d.classes;
      paintGrid(this.canvas, p.grid, (i) => {
        // Each class's colour weighted by its probability, washed out towards white (uncertain).
        let r = 0;
        let g = 0;
        let b = 0;
        let max = 0;
        for (let c = 0; c < k; c++) {
          const q = p.output[i * k + c];
          const col = CLASS_COLORS[c % CLASS_COLORS.length];
          r += q * col[0];
          g += q * col[1];
          b += q * col[2];
          max = Math.max(max, q);
        }
        const strength = k > 1 ? ((max - 1 / k) / (1 - 1 / k)) * 0.55 + 0.1 : 0.5;
        return [255 + (r - 255) * strength, 255 + (g - 255) * strength, 255 + (b - 255) * strength];
      });
    }
    const ys = Float32Array.from({ length: d.isVal.length }, (_, i) => d.points[i * 2 + 1]);
    this.drawPoints(ctx, d, ys, (i) => css(CLASS_COLORS[d.labels[i] % CLASS_COLORS.length]));
  }

  private drawRegression(ctx: CanvasRenderingContext2D, d: DataInfo): void {
    ctx.strokeStyle = '#ddd';
    ctx.lineWidth = 1;
    const [ox, oy] = this.toCanvas(d, 0, 0);
    ctx.beginPath();
    ctx.moveTo(0, oy);
    ctx.lineTo(SIZE, oy);
    ctx.moveTo(ox, 0);
    ctx.lineTo(ox, SIZE);
    ctx.stroke();
    this.drawPoints(ctx, d, d.targets, () => css(CLASS_COLORS[1]));
    const p = this.last;
    if (p === null || p.grid === 0) return;
    const [x0, x1] = d.extent;
    ctx.strokeStyle = css(CLASS_COLORS[0]);
    ctx.lineWidth = 3;
    ctx.beginPath();
    for (let i = 0; i < p.grid; i++) {
      const [cx, cy] = this.toCanvas(d, x0 + (i / (p.grid - 1)) * (x1 - x0), p.output[i]);
      if (i === 0) ctx.moveTo(cx, cy);
      else ctx.lineTo(cx, cy);
    }
    ctx.stroke();
  }

  private drawDigits(ctx: CanvasRenderingContext2D, d: DataInfo): void {
    const count = d.imageLabels.length;
    const cols = 6;
    const cell = SIZE / cols;
    const px = (cell - 16) / 8;
    const pred = this.last?.predictions;
    for (let k = 0; k < count; k++) {
      const ox = (k % cols) * cell + 8;
      const oy = Math.floor(k / cols) * (cell + 2) + 4;
      for (let i = 0; i < 64; i++) {
        const v = 255 - Math.round(d.images[k * 64 + i] * 255);
        ctx.fillStyle = `rgb(${v},${v},${v})`;
        ctx.fillRect(ox + (i % 8) * px, oy + Math.floor(i / 8) * px, Math.ceil(px), Math.ceil(px));
      }
      if (pred !== undefined && pred.length === count) {
        const ok = pred[k] === d.imageLabels[k];
        ctx.fillStyle = ok ? '#2e7d32' : '#c62828';
        ctx.font = 'bold 13px sans-serif';
        ctx.fillText(ok ? `${pred[k]} ✓` : `${pred[k]} (is ${d.imageLabels[k]})`, ox, oy + 8 * px + 13);
      }
    }
  }
}
