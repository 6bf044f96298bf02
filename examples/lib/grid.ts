// Points of a regular grid over the data's range, for drawing a classifier's decision regions.
import { type Tensor, tensor } from '@nn/tensor';

/** A [steps², 2] tensor of grid points covering `x`'s two features (with a margin), and its rows. */
export function grid2d(x: Tensor, steps = 40): { points: Tensor; rows: { x: number; y: number }[] } {
  const d = x.dataSync();
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < d.length; i += 2) {
    x0 = Math.min(x0, d[i]);
    x1 = Math.max(x1, d[i]);
    y0 = Math.min(y0, d[i + 1]);
    y1 = Math.max(y1, d[i + 1]);
  }
  const [mx, my] = [(x1 - x0) * 0.1, (y1 - y0) * 0.1];
  const rows: { x: number; y: number }[] = [];
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) {
      rows.push({ x: x0 - mx + ((x1 - x0 + 2 * mx) * j) / (steps - 1), y: y0 - my + ((y1 - y0 + 2 * my) * i) / (steps - 1) });
    }
  }
  return { points: tensor(rows.map((r) => [r.x, r.y])), rows };
}

/** Rows `{ x, y, label }` of a 2-feature dataset, for plotting. */
export function pointRows(x: Tensor, labels: Tensor): { x: number; y: number; label: string }[] {
  const d = x.dataSync();
  const l = labels.dataSync();
  return Array.from(l, (v, i) => ({ x: d[2 * i], y: d[2 * i + 1], label: String(v) }));
}
