/**
 * fit on backends without synchronous reads (WebGPU, or the cpu backend posing as one): the
 * running loss and metric sums stay on the device, detached from the graph, so memory is flat
 * within an epoch, and the epoch's loss is still the mean of the per-step losses.
 */
import * as T from '@nn/tensor';
import { type MemorySummary, type Tensor, registerBackend } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import * as L from '@nn/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from '@nn/train';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const STEPS = 50;
const BATCH = 8;

interface Run {
  epochLoss: number;
  epochMse: number;
  stepLosses: number[];
  /** memory() after steps 10 and STEPS. */
  at10: MemorySummary;
  atEnd: MemorySummary;
}

/** One epoch of STEPS steps of a small regression MLP, created on `backend`. */
async function fitOneEpoch(backend: string): Promise<Run> {
  T.setBackend(backend);
  try {
    T.manualSeed(0);
    const x = T.randn([STEPS * BATCH, 4]);
    const y = T.tidy(() => T.sum(T.sin(x), 1, true));
    const model = new L.Sequential(new L.Linear(4, 16), new L.Tanh(), new L.Linear(16, 1));
    const params = model.parameters();
    const train = {
      length: STEPS,
      *[Symbol.iterator]() {
        for (let i = 0; i < STEPS * BATCH; i += BATCH) yield [T.slice(x, 0, i, i + BATCH), T.slice(y, 0, i, i + BATCH)] as const;
      },
    };
    // Each step's loss, read in the callback (the read is enqueued before fit disposes the loss).
    let pending: Promise<ArrayLike<number>> | null = null;
    const stepLosses: number[] = [];
    const snaps = new Map<number, MemorySummary>();
    const history = await fit(model, {
      train,
      loss: (o, t) => {
        const l = L.mseLoss(o, t);
        pending = l.data();
        return l;
      },
      optimizer: {
        step: () =>
          noGrad(() => {
            for (const p of params) if (p.grad) T.tidy(() => void p.copy_(T.sub(p, T.mul(p.grad!, 0.05))));
          }),
        zeroGrad: () => model.zeroGrad(),
      },
      epochs: 1,
      metrics: ['mse'], // differentiable: its running sum must not record a graph either
      progress: false,
      callbacks: [
        {
          onBatchEnd: async (step, logs) => {
            expect(logs.loss).toBe(null); // the async path: no per-step read by fit
            stepLosses.push((await pending!)[0]);
            if (step === 10 || step === STEPS) snaps.set(step, T.memory());
          },
        },
      ],
    });
    for (const t of [x, y, ...params] as Tensor[]) t.dispose();
    const logs = history.epochs[0];
    return { epochLoss: logs.loss, epochMse: logs.mse, stepLosses, at10: snaps.get(10)!, atEnd: snaps.get(STEPS)! };
  } finally {
    T.setBackend('cpu');
  }
}

function expectFlat(run: Run, backend: string): void {
  const { at10, atEnd } = run;
  console.log(
    `${backend} fit: buffers ${at10.backends[backend].buffers} at step 10, ${atEnd.backends[backend].buffers} at step ${STEPS}; ` +
      `tensors ${at10.tensors} -> ${atEnd.tensors}; saved ${at10.saved} -> ${atEnd.saved}`,
  );
  expect(atEnd.tensors, 'live tensors').toBe(at10.tensors);
  expect(atEnd.saved, "autograd's saved references").toBe(at10.saved);
  expect(atEnd.backends[backend].buffers, `${backend} buffers`).toBe(at10.backends[backend].buffers);
}

function expectMeanLoss(run: Run): void {
  expect(run.stepLosses).toHaveLength(STEPS);
  const mean = run.stepLosses.reduce((a, b) => a + b, 0) / STEPS;
  expect(Math.abs(run.epochLoss - mean) / mean).toBeLessThan(1e-5);
  // The mse metric of the same outputs and targets is the loss.
  expect(Math.abs(run.epochMse - mean) / mean).toBeLessThan(1e-5);
}

describe('fit on a backend without synchronous reads (cpu posing as one)', () => {
  beforeAll(() => registerBackend({ ...T.getBackend('cpu'), name: 'async-cpu', readSync: undefined }));

  it(`memory stays flat over an epoch of ${STEPS} steps; the epoch loss is the mean of the step losses`, async () => {
    const run = await fitOneEpoch('async-cpu');
    expectFlat(run, 'async-cpu');
    expectMeanLoss(run);
  });
});

const ok = await webgpuAvailable('train-fit-async.test.ts');

describe.skipIf(!ok)('fit on webgpu', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  it(`memory stays flat over an epoch of ${STEPS} steps; the epoch loss is the mean of the step losses`, async () => {
    const run = await fitOneEpoch('webgpu');
    expectFlat(run, 'webgpu');
    expectMeanLoss(run);
  }, 120_000);
});
