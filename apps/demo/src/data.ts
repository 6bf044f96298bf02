/**
 * The demo's data sets, all as train / val / test `Dataset`s of [x, y] pairs:
 *
 * - spiral: @nn/data's makeSpiral, 3 classes, seeded; split 80/20 into train/val with randomSplit,
 *   and a fresh spiral drawn with the next seed as the test set.
 * - linreg: makeRegression, y = 3 x1 - 2 x2 + 0.5 + N(0, 0.1²); split and test set as above.
 * - fashion-mnist: the IDX files (loadMnistLike), train split 90/10 into train/val, the t10k files
 *   as the test set.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Dataset,
  DataSourceError,
  type Subset,
  TensorDataset,
  loadMnistLike,
  makeRegression,
  makeSpiral,
  randomSplit,
} from '@nn/data';
import type { Tensor } from '@nn/tensor';
import { DemoError, thousands } from './ui.js';

export const DATASETS = ['spiral', 'linreg', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const SPIRAL = { classes: 3, noise: 0.05, turns: 1, samples: 3000, testSamples: 1000 } as const;
export const LINREG = { weights: [3, -2], bias: 0.5, noise: 0.1, samples: 1000, testSamples: 1000 } as const;
export const VAL_FRACTION: Record<DatasetName, number> = { spiral: 0.2, linreg: 0.2, 'fashion-mnist': 0.1 };

/** Where Fashion-MNIST is looked for when --data is not given, in order. */
export function defaultFashionDirs(): string[] {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return [resolve(repoRoot, '../shared/datasets/fashion-mnist'), '/usr/share/datasets/fashion-mnist'];
}

export const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

const INSTALL_HINT =
  'Install it with `apt-get install dataset-fashion-mnist` (Debian; the files go to /usr/share/datasets/fashion-mnist), ' +
  'or download the four files from https://github.com/zalandoresearch/fashion-mnist and pass --data DIR.';

/** Why `dir` does not hold an MNIST-format data set, or null if it does. */
function problemWith(dir: string): string | null {
  if (!existsSync(dir)) return 'no such directory';
  if (!statSync(dir).isDirectory()) return 'not a directory';
  const missing = MNIST_FILES.filter((f) => !existsSync(resolve(dir, f)) && !existsSync(resolve(dir, `${f}.gz`)));
  return missing.length === 0 ? null : `missing ${missing.map((f) => `${f}[.gz]`).join(', ')}`;
}

/** The Fashion-MNIST directory: `explicit` if given, else the first default that holds the files. */
export function locateFashionMnist(explicit: string | undefined, candidates: readonly string[] = defaultFashionDirs()): string {
  if (explicit !== undefined) {
    const dir = resolve(explicit);
    const problem = problemWith(dir);
    if (problem !== null)
      throw new DemoError(`--data ${explicit}: ${problem} (expected ${MNIST_FILES.join(', ')}, each plain or .gz). ${INSTALL_HINT}`);
    return dir;
  }
  const tried: string[] = [];
  for (const dir of candidates) {
    const problem = problemWith(dir);
    if (problem === null) return dir;
    tried.push(`  ${dir} (${problem})`);
  }
  throw new DemoError(`Fashion-MNIST not found. Tried:\n${tried.join('\n')}\n${INSTALL_HINT}`);
}

export type Pair = [Tensor, Tensor];

export interface DemoData {
  name: DatasetName;
  task: 'classification' | 'regression';
  inFeatures: number;
  outFeatures: number;
  /** Class names (classification). */
  classes: string[] | null;
  train: Dataset<Pair>;
  val: Dataset<Pair>;
  test: Dataset<Pair>;
  /** One line each: what the data is, where the test set comes from. */
  description: string;
  testDescription: string;
  /** The tensors behind the data sets, freed at the end of the run. */
  owned: Tensor[];
}

export interface DataOptions {
  seed: number;
  /** Examples to generate (spiral, linreg) or to use from the training file (fashion-mnist). */
  samples: number | null;
  /** --data (fashion-mnist). */
  dataDir?: string;
  /** Default directories for fashion-mnist (tests replace them). */
  fashionDirs?: readonly string[];
}

function split(ds: TensorDataset<Pair>, name: DatasetName, seed: number): [Subset<Pair>, Subset<Pair>] {
  const f = VAL_FRACTION[name];
  const [train, val] = randomSplit(ds, [1 - f, f], { seed });
  return [train, val];
}

export async function loadData(name: DatasetName, o: DataOptions): Promise<DemoData> {
  if (name === 'spiral') {
    const n = o.samples ?? SPIRAL.samples;
    const opts = { classes: SPIRAL.classes, noise: SPIRAL.noise, turns: SPIRAL.turns };
    const all = makeSpiral({ n, seed: o.seed, ...opts });
    const test = makeSpiral({ n: SPIRAL.testSamples, seed: o.seed + 1, ...opts });
    const [train, val] = split(new TensorDataset(all.x, all.y), name, o.seed);
    return {
      name,
      task: 'classification',
      inFeatures: 2,
      outFeatures: SPIRAL.classes,
      classes: Array.from({ length: SPIRAL.classes }, (_, c) => `arm ${c}`),
      train,
      val,
      test: new TensorDataset(test.x, test.y),
      description: `spiral: ${SPIRAL.classes} classes, ${thousands(n)} points (noise ${SPIRAL.noise}, seed ${o.seed}), ${thousands(train.length)} train / ${thousands(val.length)} val`,
      testDescription: `${thousands(SPIRAL.testSamples)} fresh points, seed ${o.seed + 1}`,
      owned: [all.x, all.y, test.x, test.y],
    };
  }
  if (name === 'linreg') {
    const n = o.samples ?? LINREG.samples;
    const opts = { weights: LINREG.weights, bias: LINREG.bias, noise: LINREG.noise };
    const all = makeRegression({ n, seed: o.seed, ...opts });
    const test = makeRegression({ n: LINREG.testSamples, seed: o.seed + 1, ...opts });
    const [train, val] = split(new TensorDataset(all.x, all.y), name, o.seed);
    return {
      name,
      task: 'regression',
      inFeatures: 2,
      outFeatures: 1,
      classes: null,
      train,
      val,
      test: new TensorDataset(test.x, test.y),
      description:
        `linreg: y = ${LINREG.weights[0]}*x1 - ${-LINREG.weights[1]}*x2 + ${LINREG.bias} + N(0, ${LINREG.noise}^2), ` +
        `${thousands(n)} samples (seed ${o.seed}), ${thousands(train.length)} train / ${thousands(val.length)} val`,
      testDescription: `${thousands(LINREG.testSamples)} fresh samples, seed ${o.seed + 1}`,
      owned: [all.x, all.y, test.x, test.y],
    };
  }
  const dir = locateFashionMnist(o.dataDir, o.fashionDirs);
  const owned: Tensor[] = [];
  try {
    const train = await loadMnistLike(dir, { split: 'train' });
    owned.push(train.images, train.labels);
    const test = await loadMnistLike(dir, { split: 'test' });
    owned.push(test.images, test.labels);
    const total = train.labels.shape[0];
    const n = Math.min(o.samples ?? total, total);
    let images = train.images;
    let labels = train.labels;
    if (n < total) {
      images = train.images.slice(0, 0, n); // views of the first n
      labels = train.labels.slice(0, 0, n);
      owned.push(images, labels);
    }
    if (n < 2) throw new DemoError(`fashion-mnist: need at least 2 training images for a train/val split, got ${n}`);
    const [trainSet, valSet] = split(new TensorDataset<Pair>(images, labels), 'fashion-mnist', o.seed);
    return {
      name,
      task: 'classification',
      inFeatures: train.images.shape[1],
      outFeatures: FASHION_CLASSES.length,
      classes: [...FASHION_CLASSES],
      train: trainSet,
      val: valSet,
      test: new TensorDataset(test.images, test.labels),
      description:
        `fashion-mnist from ${dir}: ${thousands(n)}${n < total ? ` of ${thousands(total)}` : ''} training images ` +
        `(${train.images.shape[1]} pixels each), ${thousands(trainSet.length)} train / ${thousands(valSet.length)} val`,
      testDescription: `the ${thousands(test.labels.shape[0])} t10k test images`,
      owned,
    };
  } catch (e) {
    for (const t of owned) t.dispose();
    if (e instanceof DataSourceError) throw new DemoError(`fashion-mnist: ${e.message}`);
    throw e;
  }
}
