/**
 * `--model cnn`: the W6 network of tooling/bench/src/cnn.ts for square grayscale images, which
 * the demo's data sets hold as flat rows [N, H*W] (so fit, evaluation and --overfit-batch are the
 * MLP's): Unflatten to [N, 1, H, W], two blocks of Conv2d(3x3, padding 1) -> ReLU -> MaxPool2d(2)
 * with 32 and 64 channels, Flatten, Linear(64 * (H/4)^2, 128) -> ReLU [-> Dropout] -> Linear(128,
 * classes). torch.nn's modules, names and default initialization (draws from the global generator:
 * call manualSeed first); the same nn.Sequential in PyTorch loads the saved weights.
 */
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential, Unflatten } from '@nn/layers';
import { buildMlp, shapeText } from './model.js';
import type { DemoOptions } from './options.js';
import { DemoError } from './ui.js';

export const MODELS = ['mlp', 'cnn'] as const;
export type ModelName = (typeof MODELS)[number];

/** Training defaults of the cnn (on fashion-mnist, the only image data set): W6's batch. */
export const CNN_DEFAULTS = { epochs: 8, batchSize: 64 };

/** The side of the square images `features` pixels make, or a DemoError. */
export function imageSide(features: number): number {
  const side = Math.round(Math.sqrt(features));
  if (side * side !== features || side < 4) {
    throw new DemoError(`--model cnn needs square images of at least 4x4 pixels; the data has ${features} features per example`);
  }
  return side;
}

/** Channels and widths of the network, for the model and its description. */
function layout(features: number, classes: number) {
  const side = imageSide(features);
  const pooled = Math.floor(Math.floor(side / 2) / 2);
  return { side, flat: 64 * pooled * pooled, classes };
}

export function buildCnn(features: number, classes: number, dropout: number): Sequential {
  const { side, flat } = layout(features, classes);
  const head: Module[] = [new Linear(flat, 128), new ReLU(), ...(dropout > 0 ? [new Dropout(dropout)] : []), new Linear(128, classes)];
  return new Sequential(
    new Unflatten(1, [1, side, side]),
    new Conv2d(1, 32, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    ...head,
  );
}

/** `Unflatten(1, [1, 28, 28]) -> Conv2d(1, 32, 3, padding=1) -> ... -> Linear(128, 10)` */
export function cnnText(features: number, classes: number, dropout: number): string {
  const { side, flat } = layout(features, classes);
  const block = (i: number, o: number) => `Conv2d(${i}, ${o}, 3, padding=1) -> ReLU -> MaxPool2d(2)`;
  const drop = dropout > 0 ? ` -> Dropout(${dropout})` : '';
  return `Unflatten(1, [1, ${side}, ${side}]) -> ${block(1, 32)} -> ${block(32, 64)} -> Flatten -> Linear(${flat}, 128) -> ReLU${drop} -> Linear(128, ${classes})`;
}

/** The model --model picks, for `features` inputs and `classes` outputs. */
export function buildModel(o: DemoOptions, features: number, classes: number): Sequential {
  return o.model === 'cnn' ? buildCnn(features, classes, o.dropout) : buildMlp(features, o.hidden, classes, o.activation, o);
}

/** A short name of the architecture: `784-256-128-10` for an MLP, `cnn` for the cnn. */
export const archText = (o: DemoOptions, features: number, classes: number): string =>
  o.model === 'cnn' ? 'cnn' : shapeText(features, o.hidden, classes);
