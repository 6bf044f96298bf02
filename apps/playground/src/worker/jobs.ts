/** Jobs on a session's model besides training: the overfit check and weights out and in. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { fromBytes, toBytesAsync } from '@nn/layers';
import { overfitBatch } from '@nn/train';
import { encodeConfig } from '../url-state.js';
import { makeModel } from './model.js';
import { makeOptimizer } from './optim.js';
import type { Post, Session } from './session.js';

/** Examples memorized by the overfit check (overfitBatch wants fewer than 30). */
const OVERFIT_EXAMPLES = 16;
const OVERFIT_STEPS = 200;

/**
 * @nn/train's overfitBatch on a fresh copy of the configured model and optimizer (same seed), on
 * the cpu backend (the check reads the loss every step): can it memorize a handful of examples?
 */
export function overfit(s: Session, post: Post): void {
  const c = s.config;
  const previous = T.getBackend().name;
  T.setBackend('cpu');
  try {
    T.manualSeed(c.seed);
    const { view } = s.data;
    const model = makeModel(c, view.inputs, view.task === 'regression' ? 1 : view.classes);
    const optimizer = makeOptimizer(c.optimizer, model.parameters(), c);
    const rows = [...s.data.train.indices].slice(0, OVERFIT_EXAMPLES);
    const idx = T.tensor(Int32Array.from(rows));
    const xAll = T.tensor(s.data.xs, { shape: [s.data.xs.length / view.inputs, view.inputs] });
    const x = T.indexSelect(xAll, 0, idx);
    const yAll = view.task === 'regression' ? T.tensor(view.targets, { shape: [view.targets.length, 1] }) : T.tensor(view.labels);
    const y = T.indexSelect(yAll, 0, idx);
    const report = overfitBatch(model, { x, y, loss: s.loss, optimizer, steps: OVERFIT_STEPS });
    post({ type: 'overfit', ...report, steps: OVERFIT_STEPS });
    for (const t of [idx, xAll, x, y, yAll, ...model.parameters(), ...model.buffers()]) t.dispose();
    optimizer.dispose();
  } finally {
    T.setBackend(previous);
  }
}

/** The model's weights as safetensors bytes, with the configuration in the metadata. */
export async function exportWeights(s: Session, post: Post): Promise<void> {
  const bytes = await toBytesAsync(s.model, { format: 'pt', playground: encodeConfig(s.config) });
  post({ type: 'weights', bytes }, [bytes.buffer]);
}

/** Loads safetensors bytes into the model (strict: names and shapes must match). */
export async function importWeights(s: Session, bytes: Uint8Array, post: Post): Promise<void> {
  const { tensors } = fromBytes(bytes, { backend: s.backend });
  try {
    s.model.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors) as Tensor[]) t.dispose();
  }
  post({ type: 'imported', tensors: Object.keys(tensors).length });
  await s.postPictures();
}
