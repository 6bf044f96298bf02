/**
 * One forward + backward of Conv2d(32, 64, 3, { padding: 1 }) on a [64, 32, 14, 14] input (the
 * second conv layer of a small MNIST CNN), on cpu and wasm; median of timed runs.
 *
 *   node --conditions=@nn/source --import tsx tooling/bench/src/conv.ts [--budget MS]
 */
import { parseArgs } from 'node:util';
import * as L from '@nn/layers';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { createWasmBackend } from '@nn/wasm-backend';
import { measure } from './harness.js';

const { values } = parseArgs({ options: { budget: { type: 'string' } } });
const budgetMs = Number(values.budget ?? 3000);

function bench(backend: string): { forward: number; step: number } {
  T.manualSeed(0);
  const conv = new L.Conv2d(32, 64, 3, { padding: 1 }).to(backend);
  const x = T.randn([64, 32, 14, 14]).to(backend);
  const forward = measure(() => T.tidy(() => void (conv(x) as Tensor).dataSync()), { budgetMs });
  const xg = x.detach().requiresGrad_(true);
  const step = measure(
    () => {
      conv.zeroGrad();
      T.tidy(() => {
        const y = conv(xg) as Tensor;
        T.sum(y).backward();
        conv.weight.grad!.dataSync();
        xg.grad!.dataSync();
      });
      xg.grad = null;
    },
    { budgetMs },
  );
  return { forward: forward.medianMs, step: step.medianMs };
}

T.registerBackend(await createWasmBackend({ threads: 1 }));
const rows: [string, { forward: number; step: number }][] = [
  ['cpu', bench('cpu')],
  ['wasm (1 thread)', bench('wasm')],
];
const wasm2 = await createWasmBackend({ threads: 2 });
T.registerBackend(wasm2);
rows.push(['wasm (2 threads)', bench('wasm')]);
wasm2.dispose?.();
console.log('Conv2d(32, 64, 3, padding 1) on [64, 32, 14, 14] (median ms)');
for (const [name, r] of rows)
  console.log(`  ${name.padEnd(18)} forward ${r.forward.toFixed(1).padStart(7)}   forward+backward ${r.step.toFixed(1).padStart(7)}`);
