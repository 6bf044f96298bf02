/** The demo's model: an MLP as a Sequential of Linear layers and activations. */
import { Linear, type Module, ReLU, Sequential, Tanh } from '@nn/layers';

export const ACTIVATIONS = ['relu', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * `in - hidden[0] - ... - out` with the activation after every hidden Linear; no hidden layers is
 * a single Linear (a linear model). Parameter names are those of the equivalent torch.nn.Sequential
 * (`0.weight`, `0.bias`, `2.weight`, ...), so a saved file loads into either. Initialization
 * (PyTorch's default) draws from the global generator: call manualSeed first.
 */
export function buildMlp(inFeatures: number, hidden: readonly number[], outFeatures: number, activation: Activation): Sequential {
  const layers: Module[] = [];
  let width = inFeatures;
  for (const h of hidden) {
    layers.push(new Linear(width, h), activation === 'relu' ? new ReLU() : new Tanh());
    width = h;
  }
  layers.push(new Linear(width, outFeatures));
  return new Sequential(...layers);
}

/** `2-64-64-3` */
export const shapeText = (inFeatures: number, hidden: readonly number[], outFeatures: number): string => [inFeatures, ...hidden, outFeatures].join('-');

/** Frees the model's parameters and buffers. */
export function disposeModel(model: Module): void {
  for (const t of [...model.parameters(), ...model.buffers()]) t.dispose();
}
