/**
 * Optimizers side by side: the same data, seed and initial weights, one fit per optimizer with the
 * configured hyper-parameters and schedule, each epoch's losses streamed to the page.
 */
import * as T from '@nn/tensor';
import { DataLoader } from '@nn/data';
import { fit } from '@nn/train';
import type { OptimizerName } from '../config.js';
import { yieldToEventLoop } from './control.js';
import { makeModel } from './model.js';
import { makeOptimizer, makeScheduler } from './optim.js';
import type { Post, Session } from './session.js';

export async function compareOptimizers(s: Session, names: OptimizerName[], epochs: number, post: Post): Promise<void> {
  const start = performance.now();
  const c = { ...s.config, epochs };
  const { view } = s.data;
  await s.lock.run(async () => {
    for (const name of names) {
      T.setBackend('cpu');
      T.manualSeed(c.seed); // the same initial weights for every optimizer
      const model = makeModel(c, view.inputs, view.task === 'regression' ? 1 : view.classes);
      model.to(s.backend);
      T.setBackend(s.backend);
      const optimizer = makeOptimizer(name, model.parameters(), c);
      try {
        await fit(model, {
          train: new DataLoader(s.data.train, { batchSize: c.batchSize, shuffle: true, seed: c.seed }),
          val: new DataLoader(s.data.val, { batchSize: 512 }),
          loss: s.loss,
          optimizer,
          scheduler: makeScheduler(optimizer, c),
          schedulerInterval: 'step',
          epochs,
          progress: false,
          callbacks: [
            {
              onEpochEnd: async (epoch, logs) => {
                post({ type: 'compareEpoch', optimizer: name, epoch, loss: logs.loss, valLoss: logs.valLoss });
                await yieldToEventLoop();
                s.gate.check(); // a reset or a new configuration ends the comparison too
              },
            },
          ],
        });
      } finally {
        optimizer.dispose();
        for (const t of [...model.parameters(), ...model.buffers()]) t.dispose();
      }
    }
  });
  post({ type: 'compareDone', seconds: (performance.now() - start) / 1000 });
}
