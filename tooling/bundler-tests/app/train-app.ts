/**
 * The program every bundle runs in the page: a small MLP on a seeded spiral, trained with @nn/train's
 * fit and Adam for a few dozen steps on the backend named in the query string
 * (`?backend=cpu|wasm|webgpu&threads=N`). It publishes its result as `window.__nnTraining`.
 */
import '@nn/autograd';
import { DataLoader, TensorDataset, makeSpiral } from '@nn/data';
import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import * as nn from '@nn/tensor';
import { ProgressEvents, fit } from '@nn/train';
import { type KernelSources, initWasm } from '@nn/wasm-backend';
import { initWebGPU } from '@nn/webgpu-backend';

export interface AppResult {
  ok: boolean;
  error?: string;
  backend?: string;
  /** Threads the wasm backend runs on. */
  threads?: number;
  /** Whether the wasm backend picked its relaxed-SIMD build (Chromium has relaxed SIMD). */
  relaxedSimd?: boolean;
  /** wasm with 2 threads: parts of large matmuls that the worker (not the page's thread) ran. */
  workerParts?: number;
  crossOriginIsolated?: boolean;
  /** Mean training loss per epoch. */
  epochLosses?: number[];
  steps?: number;
  ms?: number;
}

declare global {
  interface Window {
    __nnTraining?: AppResult;
  }
}

async function train(kernels: KernelSources): Promise<AppResult> {
  const q = new URLSearchParams(location.search);
  const backend = q.get('backend') ?? 'cpu';
  const result: AppResult = { ok: false, backend, crossOriginIsolated };
  let dispose = () => {};
  if (backend === 'wasm') {
    const be = await initWasm({ threads: Number(q.get('threads') ?? 1), ...kernels });
    result.threads = be.threads;
    result.relaxedSimd = be.relaxedSimd;
    if (be.threads > 1) {
      // Calls this large are split: the worker, started from the bundled page, takes a part.
      for (let i = 0; i < 5; i++)
        nn.tidy(() => nn.matmul(nn.rand([256, 256], { backend: 'wasm' }), nn.rand([256, 256], { backend: 'wasm' })).dataSync());
      const { posted, takenBack } = be.threadStats();
      result.workerParts = posted - takenBack;
    }
    dispose = () => be.dispose();
  } else if (backend === 'webgpu') {
    const be = await initWebGPU();
    dispose = () => be.dispose();
  }
  nn.setBackend(backend);
  const t0 = performance.now();
  nn.manualSeed(0);
  const { x, y } = makeSpiral({ n: 240, classes: 3, seed: 0 });
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 40, shuffle: true, seed: 0 });
  const model = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 32), new ReLU(), new Linear(32, 3));
  let steps = 0;
  const history = await fit(model, {
    train: loader,
    loss: (out, target) => crossEntropy(out, target),
    optimizer: new Adam(model.parameters(), { lr: 0.02 }),
    epochs: 8,
    // In a page fit reports progress through callbacks and events, never a terminal bar.
    callbacks: [new ProgressEvents((e) => void (e.type === 'batchEnd' && steps++))],
  });
  result.epochLosses = history.epochs.map((e) => e.loss);
  result.steps = steps;
  result.ms = Math.round(performance.now() - t0);
  dispose();
  result.ok = true;
  return result;
}

/** Trains and publishes the result (errors included) for the test to read. */
export function start(kernels: KernelSources = {}): void {
  train(kernels).then(
    (r) => {
      window.__nnTraining = r;
    },
    (e: unknown) => {
      window.__nnTraining = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    },
  );
}
