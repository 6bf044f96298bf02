/**
 * The seeds' training loop end to end against PyTorch: logistic regression, minibatch SGD with
 * momentum, ExponentialLR stepped per epoch, same initial weights and batch order
 * (tooling/torch-reference/train.py). Batches come from @nn/data's DataLoader, the loop is fit().
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { DataLoader, Subset, TensorDataset } from '@nn/data';
import * as L from '@nn/layers';
import { SGD, lr } from '@nn/optim';
import { describe, expect, it } from 'vitest';
import { type Batch, fit } from '@nn/train';

const ref = JSON.parse(readFileSync(fileURLToPath(new URL('../../../tooling/torch-reference/out/train.json', import.meta.url)), 'utf8'));
const toT = (r: { shape: number[]; data: number[] }) => T.tensor(r.data, { shape: r.shape, dtype: 'float32' });

describe('logistic regression matches a PyTorch run step for step', () => {
  it('same per-step losses, epoch learning rates and final weights', async () => {
    const ds = new TensorDataset(toT(ref.x), toT(ref.y));
    const model = new L.Linear(3, 1);
    noGrad(() => {
      model.weight.copy_(toT(ref.weight));
      model.bias!.copy_(toT(ref.bias));
    });
    // Each epoch iterates a DataLoader over the reference's permutation of the samples.
    let epoch = 0;
    const train = {
      length: ref.order[0].length / ref.batchSize,
      [Symbol.asyncIterator]: () =>
        new DataLoader(new Subset(ds, ref.order[epoch++]), { batchSize: ref.batchSize })[Symbol.asyncIterator]() as AsyncIterator<Batch>,
    };
    const optimizer = new SGD(model.parameters(), { lr: ref.lr, momentum: ref.momentum });
    const scheduler = new lr.ExponentialLR(optimizer, { gamma: ref.gamma });
    const losses: number[] = [];
    const history = await fit(model, {
      train,
      loss: (o: Tensor, y: Tensor) => L.binaryCrossEntropyWithLogits(o, y),
      optimizer,
      scheduler,
      epochs: ref.epochs,
      progress: false,
      callbacks: [{ onBatchEnd: (_s, logs) => void losses.push(logs.loss!) }],
    });
    const want = (ref.stepLosses as number[][]).flat();
    expect(losses).toHaveLength(want.length);
    losses.forEach((l, i) =>
      expect(Math.abs(l - want[i]), `step ${i}: ${l} vs ${want[i]}`).toBeLessThanOrEqual(1e-5 * Math.abs(want[i]) + 1e-7),
    );
    history.epochs.forEach((e, i) => expect(e.lr).toBeCloseTo(ref.epochLr[i], 12));
    const close = (t: Tensor, r: { data: number[] }) =>
      r.data.forEach((w, i) => expect(Math.abs(t.dataSync()[i] - w)).toBeLessThanOrEqual(1e-5 * Math.abs(w) + 1e-7));
    close(model.weight, ref.final.weight);
    close(model.bias!, ref.final.bias);
  });
});
