/**
 * W3 steps in one process with step markers, to read V8's optimizer traces against the step count:
 * which functions TurboFan compiles, when, and which it throws away again (deopts).
 *
 * Run: node --conditions=@nn/source --import tsx --trace-opt --trace-deopt src/w3-trace.ts
 *      [cpu|wasm] [steps]
 * `STEP i t ms` lines mark every 50th step; the last line is steps/s over steps 100 to the end.
 * Count compilations with `grep -c 'completed optimizing'` and deopts with `grep bailout`; add
 * `--trace-deopt-verbose` for the position of each deopt (an offset into tsx's one-line output).
 */
import '@nn/autograd';
import { registerBackend } from '@nn/tensor';
import { nnSgdTrainer } from './wasm-mlp.js';

const kind = process.argv[2] ?? 'cpu';
const steps = Number(process.argv[3] ?? 1100);
if (kind !== 'cpu' && kind !== 'wasm') throw new Error(`w3-trace: backend must be cpu or wasm, got ${kind}`);
if (!Number.isInteger(steps) || steps <= 100) throw new Error(`w3-trace: steps must be an integer above 100, got ${process.argv[3]}`);
if (kind === 'wasm') {
  const { createWasmBackend } = await import('@nn/wasm-backend');
  registerBackend(await createWasmBackend({ threads: 1, name: 'wasm' }));
}
const trainer = nnSgdTrainer(kind);
const t0 = performance.now();
let cold = 0;
for (let i = 0; i < steps; i++) {
  if (i === 100) cold = performance.now();
  if (i % 50 === 0) console.log(`STEP ${i} ${(performance.now() - t0).toFixed(1)} ms`);
  trainer.step(i);
}
console.log(`steps 100-${steps - 1}: ${((1000 * (steps - 100)) / (performance.now() - cold)).toFixed(0)} steps/s`);
trainer.dispose();
