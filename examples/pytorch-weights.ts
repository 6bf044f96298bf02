// Loading PyTorch weights. A model trained in PyTorch (tooling/torch-reference/example_weights.py)
// was saved with its state_dict as safetensors, the format both sides read and write. Build the
// same architecture here, with the same layer order, so parameter names match
// ("0.weight", "1.running_mean", ...), load the file, switch to eval mode (BatchNorm's running
// statistics, no dropout), and the logits agree with PyTorch's to float32 rounding.
import { readFileSync } from 'node:fs';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential, load, loadInto } from '@nn/layers';
import { tensor } from '@nn/tensor';
import { report } from './lib/options.js';
import { noGradTidy } from './lib/util.js';

const dir = new URL('../tooling/torch-reference/out/', import.meta.url);
interface Saved {
  torch: string;
  architecture: string;
  input: { shape: number[]; data: number[] };
  labels: { data: number[] };
  logits: { shape: number[]; data: number[] };
  accuracy: number;
}
const reference: Saved = JSON.parse(readFileSync(new URL('example-mlp.json', dir), 'utf8'));

// The torch.nn.Sequential, layer for layer.
const model = new Sequential(
  new Linear(2, 32),
  new BatchNorm1d(32),
  new ReLU(),
  new Dropout(0.1),
  new Linear(32, 32),
  new ReLU(),
  new Linear(32, 3),
);

// What the file holds: names, dtypes and shapes, as PyTorch wrote them.
const stateDict = await load(new URL('example-mlp.safetensors', dir));
for (const [name, t] of Object.entries(stateDict)) console.log(`  ${name.padEnd(22)} ${t.dtype.padEnd(8)} [${t.shape.join(', ')}]`);

// loadInto checks every name and shape before changing anything (strict by default).
await loadInto(model, new URL('example-mlp.safetensors', dir));
model.eval();

const x = tensor(reference.input.data).reshape(reference.input.shape);
const labels = tensor(Int32Array.from(reference.labels.data));
const expected = tensor(reference.logits.data).reshape(reference.logits.shape);
const { maxAbsDiff, accuracy } = noGradTidy(() => {
  const logits = model(x);
  return {
    maxAbsDiff: logits.sub(expected).abs().max().item(),
    accuracy: logits.argmax(1).eq(labels).cast('float32').mean().item(),
  };
});
console.log(
  `\n${reference.architecture}\ntrained in PyTorch ${reference.torch}; test accuracy there ${reference.accuracy.toFixed(4)}, here ${accuracy.toFixed(4)}`,
);
report({ tensorsInFile: Object.keys(stateDict).length, maxAbsDiff, accuracy, pytorchAccuracy: reference.accuracy });
