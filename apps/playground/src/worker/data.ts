/**
 * The data set of a configuration: seeded synthetic sets from @nn/data (or the sklearn digits read
 * with readCsv), split into train and validation with randomSplit, plus a plain copy for drawing.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import {
  type SyntheticData,
  type Subset,
  TensorDataset,
  makeCircles,
  makeGaussians,
  makeRegression,
  makeSpiral,
  makeXor,
  randomSplit,
  readCsv,
} from '@nn/data';
import type { Config, DatasetName } from '../config.js';
import type { DataInfo } from '../protocol.js';

export interface Data {
  view: DataInfo;
  /** All samples; train and val are Subsets of them (moved in place when the backend changes). */
  x: Tensor;
  y: Tensor;
  /** A host copy of x ([n, inputs], row-major) for jobs that run on cpu. */
  xs: Float32Array;
  train: Subset<Tensor[]>;
  val: Subset<Tensor[]>;
}

/** Each generator with the page's noise slider mapped to its own noise scale. */
const SYNTHETIC: Record<Exclude<DatasetName, 'digits'>, (c: Config) => SyntheticData> = {
  circles: (c) => makeCircles({ n: c.samples, noise: c.noise, factor: 0.5, seed: c.seed }),
  xor: (c) => makeXor({ n: c.samples, noise: 0.1 + c.noise * 2, seed: c.seed }),
  gaussians: (c) => makeGaussians({ n: c.samples, noise: 0.3 + c.noise * 2, seed: c.seed }),
  spiral: (c) => makeSpiral({ n: c.samples, classes: 2, turns: 1, noise: c.noise, seed: c.seed }),
  regression: (c) => makeRegression({ n: c.samples, weights: [1.5], bias: 0.5, noise: c.noise * 2, xRange: [-2, 2], seed: c.seed }),
};

/** Images shown for the digits task. */
const SHOWN_IMAGES = 24;

async function digits(url: string | null): Promise<SyntheticData> {
  if (url === null) throw new Error('the digits are not part of this build (see the Playground README)');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the digits from ${url} (HTTP ${response.status})`);
  const { x, y } = await readCsv(new Uint8Array(await response.arrayBuffer()), { header: false, labelColumn: -1 });
  const scaled = T.div(x, 16); // pixel values 0..16
  x.dispose();
  return { x: scaled, y: y! };
}

function extentOf(points: Float32Array): [number, number, number, number] {
  let m = 0;
  for (const v of points) m = Math.max(m, Math.abs(v));
  m = Math.ceil(m * 11) / 10 || 1;
  return [-m, m, -m, m];
}

export async function makeData(c: Config, digitsUrl: string | null): Promise<Data> {
  const { x, y } = c.dataset === 'digits' ? await digits(digitsUrl) : SYNTHETIC[c.dataset](c);
  const [train, val] = randomSplit(new TensorDataset(x, y), [1 - c.valSplit, c.valSplit], { seed: c.seed }) as Subset<Tensor[]>[];
  const n = x.shape[0];
  const inputs = x.shape[1];
  const xs = x.dataSync() as Float32Array;
  const isVal = new Uint8Array(n);
  for (const i of val.indices) isVal[i] = 1;
  const regression = c.dataset === 'regression';
  const labels = regression ? new Int32Array(0) : Int32Array.from(y.dataSync());
  const classes = regression ? 1 : Math.max(...labels) + 1;
  const view: DataInfo = {
    task: regression ? 'regression' : 'classification',
    classes,
    inputs,
    points: inputs <= 2 ? xs.slice() : new Float32Array(0),
    labels,
    targets: regression ? Float32Array.from(y.dataSync()) : new Float32Array(0),
    isVal,
    extent: [0, 0, 0, 0],
    images: new Float32Array(0),
    imageLabels: new Int32Array(0),
  };
  if (regression) {
    const [lo, hi] = [Math.min(...view.targets), Math.max(...view.targets)];
    view.extent = [-2.2, 2.2, lo - 0.5, hi + 0.5];
  } else if (inputs === 2) view.extent = extentOf(xs);
  else {
    const shown = [...val.indices].slice(0, SHOWN_IMAGES);
    view.images = new Float32Array(shown.length * inputs);
    shown.forEach((i, k) => view.images.set(xs.subarray(i * inputs, (i + 1) * inputs), k * inputs));
    view.imageLabels = Int32Array.from(shown, (i) => labels[i]);
  }
  return { view, x, y, xs, train, val };
}

export function disposeData(d: Data): void {
  d.x.dispose();
  d.y.dispose();
}
