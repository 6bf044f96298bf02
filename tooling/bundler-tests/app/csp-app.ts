/**
 * The program of the CSP test (test/csp.test.ts): served with `Content-Security-Policy:
 * script-src 'self'` (no 'unsafe-eval'), where the cpu backend's kernels, compiled with
 * `new Function`, cannot run. It never picks a backend: @nn/tensor's default must be the
 * eval-free 'reference' backend. A 2-16-2 MLP on seeded XOR clusters, shuffled by a DataLoader (whose
 * permutation is made on the backend named 'cpu'), takes 12 SGD steps; the result, with the
 * backend's name and the policy violations seen, is published as `window.__nnTraining`.
 */
import { type Violation, violations } from './csp-violations.js';
import '@nn/autograd';
import { DataLoader, TensorDataset, makeXor } from '@nn/data';
import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { SGD } from '@nn/optim';
import * as nn from '@nn/tensor';
import type { AppResult } from './train-app.js';

export interface CspResult extends AppResult {
  /** Loss of each step. */
  losses?: number[];
  violations?: Violation[];
}

async function train(): Promise<CspResult> {
  const t0 = performance.now();
  nn.manualSeed(0);
  const { x, y } = makeXor({ n: 96, seed: 0 });
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
  const model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 2));
  const optimizer = new SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
  const losses: number[] = [];
  for (let epoch = 0; epoch < 4; epoch++) {
    for await (const [xb, yb] of loader) {
      const loss = nn.tidy(() => {
        optimizer.zeroGrad();
        const l = crossEntropy(model(xb), yb);
        l.backward();
        optimizer.step();
        return l;
      });
      losses.push(loss.item());
      loss.dispose();
      xb.dispose();
      yb.dispose();
    }
  }
  return { ok: true, backend: nn.getBackend().name, losses, steps: losses.length, ms: Math.round(performance.now() - t0) };
}

train().then(
  (r) => {
    // Violation events are dispatched as tasks: let any pending one arrive before publishing.
    setTimeout(() => {
      window.__nnTraining = { ...r, violations } as CspResult;
    }, 0);
  },
  (e: unknown) => {
    window.__nnTraining = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), violations } as CspResult;
  },
);
