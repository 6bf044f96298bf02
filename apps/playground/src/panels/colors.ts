/** Colours shared by the pictures: one per class, and a diverging scale for activations and losses. */

export const CLASS_COLORS: [number, number, number][] = [
  [245, 147, 34],
  [8, 119, 189],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export const css = ([r, g, b]: [number, number, number], a = 1): string => `rgba(${r},${g},${b},${a})`;

/** Orange (-1) through white (0) to blue (+1), as playground.tensorflow.org. */
export function diverging(v: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v));
  const [r, g, b] = t < 0 ? CLASS_COLORS[0] : CLASS_COLORS[1];
  const a = Math.abs(t);
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}

/** A perceptual sequential scale (viridis, 5 stops) for t in [0, 1]. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
export function sequential(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Draws a grid of colours (row-major, row 0 at the top) scaled smoothly onto a canvas. */
const scratch = new Map<number, OffscreenCanvasRenderingContext2D>();

export function paintGrid(canvas: HTMLCanvasElement, grid: number, color: (i: number) => [number, number, number]): void {
  let sctx = scratch.get(grid);
  if (sctx === undefined) {
    sctx = new OffscreenCanvas(grid, grid).getContext('2d')!;
    scratch.set(grid, sctx);
  }
  const small = sctx.canvas;
  const img = sctx.createImageData(grid, grid);
  const px = img.data;
  for (let i = 0; i < grid * grid; i++) {
    const [r, g, b] = color(i);
    px[i * 4] = r;
    px[i * 4 + 1] = g;
    px[i * 4 + 2] = b;
    px[i * 4 + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
