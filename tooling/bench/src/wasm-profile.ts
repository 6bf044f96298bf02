/**
 * Where a W2 step's time goes on the wasm backend: wraps every primitive and fused routine of a
 * backend with a timer, runs W2 steps (fused Adam) and prints time per primitive and shape (and
 * GFLOP/s for matmuls and fused linears).
 *
 *   node --conditions=@nn/source --import tsx tooling/bench/src/wasm-profile.ts [--threads 1|2] [--steps N] [--relaxed]
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { registerBackend } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { createWasmBackend } from '@nn/wasm-backend';
import { makeW2Problem, nnAdamTrainer } from './wasm-mlp.js';

const { values: args } = parseArgs({
  options: { threads: { type: 'string' }, steps: { type: 'string' }, relaxed: { type: 'boolean' } },
  strict: true,
});
const threads = Number(args.threads ?? 2);
const steps = Number(args.steps ?? 200);
if (args.relaxed) setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 has it behind this flag
const be = await createWasmBackend({ threads, name: 'wasm-prof', relaxedSimd: args.relaxed ?? false });
registerBackend(be);

const stats = new Map<string, { n: number; ms: number }>();
const shapeOf = (v: unknown): string => {
  const x = v as View | null;
  if (x === null || typeof x !== 'object' || !('shape' in x)) return typeof v === 'string' ? v : '';
  const contiguous = x.strides.every((s, i) => s === x.shape.slice(i + 1).reduce((a, b) => a * b, 1) || x.shape[i] === 1);
  return `[${x.shape.join(',')}]${contiguous ? '' : `s(${x.strides.join(',')})`}`;
};
let on = false;
function wrap(obj: Record<string, unknown>, prefix: string, skip: Set<string>): void {
  for (const k of Object.keys(obj)) {
    const f = obj[k];
    if (typeof f !== 'function' || skip.has(k)) continue;
    obj[k] = (...a: unknown[]) => {
      if (!on) return (f as (...x: unknown[]) => unknown)(...a);
      const t0 = performance.now();
      const r = (f as (...x: unknown[]) => unknown)(...a);
      const key = `${prefix}${k} ${a
        .map(shapeOf)
        .filter((s) => s !== '')
        .join(' ')}`;
      const s = stats.get(key) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t0;
      stats.set(key, s);
      return r;
    };
  }
}
const skip = new Set(['alloc', 'free', 'memory', 'footprint', 'threadStats', 'dispose', 'sync', 'readSync', 'read', 'write']);
wrap(be as unknown as Record<string, unknown>, '', skip);
wrap(be.fused as unknown as Record<string, unknown>, 'fused.', skip);

const t = nnAdamTrainer('wasm-prof', makeW2Problem(), true);
for (let i = 0; i < 50; i++) t.step(i);
on = true;
const t0 = performance.now();
for (let i = 0; i < steps; i++) t.step(i);
const total = (performance.now() - t0) / steps;
on = false;
t.dispose();
let prim = 0;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
for (const [, s] of rows) prim += s.ms / steps;
console.log(
  `W2 on ${be.threads} thread(s)${be.relaxedSimd ? ', relaxed SIMD' : ''}: ${total.toFixed(3)} ms/step, ${prim.toFixed(3)} ms in primitives`,
);
/** Multiply-adds x 2 of a matmul or fused linear row (from its key's shapes), or 0. */
function flops(key: string): number {
  const dims = [...key.matchAll(/\[([\d,]+)\]/g)].map((m) => m[1].split(',').map(Number));
  if (key.startsWith('matmul ') && dims.length >= 2) return 2 * dims[0][0] * dims[0][1] * dims[0][2] * dims[1][2];
  if (key.startsWith('fused.linear ') && dims.length >= 2) return 2 * dims[0][0] * dims[0][1] * dims[1][0];
  return 0;
}
for (const [k, s] of rows) {
  const f = flops(k);
  const rate = f > 0 ? `${((f * s.n) / s.ms / 1e6).toFixed(1).padStart(5)} GFLOP/s  ` : ' '.repeat(15);
  console.log(`${((s.ms / steps) * 1000).toFixed(0).padStart(6)} us  x${(s.n / steps).toFixed(0).padStart(2)}  ${rate}${k}`);
}
be.dispose();
