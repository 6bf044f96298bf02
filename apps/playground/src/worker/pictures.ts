/**
 * The live pictures: a forward pass (eval mode, no gradients) over a grid of the input plane gives
 * the decision boundary, and one over a coarser grid, block by block, every hidden neuron's activation; regression
 * evaluates a line of x values; digits classify the shown validation images.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import type { Sequential } from '@nn/layers';
import type { DataInfo, Pictures } from '../protocol.js';

export const GRID = 50;
/** The neuron thumbnails use a coarser grid (a second, smaller forward pass). */
export const NEURON_GRID = 24;
const CURVE_POINTS = 160;
/** Neuron thumbnails are drawn for networks up to this many hidden units per layer. */
export const MAX_NEURONS_PER_LAYER = 16;

/** Grid cell centres, row 0 at the top (largest y), as [GRID², 2]. */
export function gridPoints([x0, x1, y0, y1]: DataInfo['extent'], grid: number): Float32Array {
  const pts = new Float32Array(grid * grid * 2);
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      const i = (r * grid + c) * 2;
      pts[i] = x0 + ((c + 0.5) / grid) * (x1 - x0);
      pts[i + 1] = y1 - ((r + 0.5) / grid) * (y1 - y0);
    }
  }
  return pts;
}

async function read(t: Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

export async function computePictures(model: Sequential, view: DataInfo, showNeurons: boolean): Promise<Pictures> {
  const wasTraining = model.training;
  model.eval();
  try {
    const empty = { neurons: null, neuronGrid: 0, predictions: new Int32Array(0) };
    if (view.task === 'regression') {
      const [x0, x1] = view.extent;
      const xs = Float32Array.from({ length: CURVE_POINTS }, (_, i) => x0 + (i / (CURVE_POINTS - 1)) * (x1 - x0));
      const out = noGrad(() => T.tidy(() => T.reshape(model(T.tensor(xs, { shape: [CURVE_POINTS, 1] })) as Tensor, [CURVE_POINTS])));
      return { ...empty, output: await read(out), grid: CURVE_POINTS };
    }
    if (view.inputs !== 2) {
      const k = view.imageLabels.length;
      const pred = noGrad(() => T.tidy(() => T.argmax(model(T.tensor(view.images, { shape: [k, view.inputs] })) as Tensor, -1)));
      const predictions = Int32Array.from(await pred.data());
      pred.dispose();
      return { ...empty, output: new Float32Array(0), grid: 0, predictions };
    }
    const probs = noGrad(() =>
      T.tidy(() => T.softmax(model(T.tensor(gridPoints(view.extent, GRID), { shape: [GRID * GRID, 2] })) as Tensor, -1)),
    );
    const hidden: Tensor[] = [];
    if (showNeurons) {
      // Block by block, keeping each hidden block's output.
      noGrad(() =>
        T.tidy(() => {
          let h = T.tensor(gridPoints(view.extent, NEURON_GRID), { shape: [NEURON_GRID * NEURON_GRID, 2] });
          for (const block of model.layers.slice(0, -1)) hidden.push(T.keep((h = block(h) as Tensor)));
        }),
      );
    }
    const neurons = showNeurons ? await Promise.all(hidden.map(async (h) => ({ units: h.shape[1], values: await read(h) }))) : null;
    return { output: await read(probs), grid: GRID, neurons, neuronGrid: NEURON_GRID, predictions: new Int32Array(0) };
  } finally {
    model.train(wasTraining);
  }
}
