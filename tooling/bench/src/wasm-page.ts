/**
 * The browser half of wasm-chromium.ts: W1 (512² matmul) and W2 (one fused-Adam step of the
 * 784-256-256-10 MLP, batch 128) on @nn's wasm backend with 1 and 2 threads, plain and relaxed
 * SIMD, timed in the page; the result goes to `window.__nnBench`. Bundled by esbuild with the
 * .wasm files through its 'file' loader.
 */
import { matmul, registerBackend, tensor } from '@nn/tensor';
import { createWasmBackend } from '@nn/wasm-backend';
import wasmUrl from '@nn/wasm-backend/wasm/nn.wasm';
import relaxedWasmUrl from '@nn/wasm-backend/wasm/nn-relaxed.wasm';
import threadedRelaxedWasmUrl from '@nn/wasm-backend/wasm/nn-threads-relaxed.wasm';
import threadedWasmUrl from '@nn/wasm-backend/wasm/nn-threads.wasm';
import { prng, uniformArray } from './harness.js';
import { makeW2Problem, nnAdamTrainer } from './wasm-mlp.js';

export interface PageRow {
  config: string;
  threads: number;
  relaxedSimd: boolean;
  w1Gflops: number;
  w2Ms: number;
  loss: number;
}

declare global {
  interface Window {
    __nnBench?: { rows: PageRow[]; error?: string; crossOriginIsolated: boolean };
  }
}

const budgetMs = Number(new URLSearchParams(location.search).get('budget') ?? 1000);

/** Median ms of fn over runs filling the budget (at least 5), after 2 warm-up runs. */
function median(fn: () => void): number {
  fn();
  fn();
  const ts: number[] = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || ts.length < 5) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[ts.length >> 1];
}

async function run(): Promise<PageRow[]> {
  const rows: PageRow[] = [];
  const rand = prng(1512);
  const a = uniformArray(rand, 512 * 512);
  const b = uniformArray(rand, 512 * 512);
  const problem = makeW2Problem();
  for (const relaxedSimd of [false, true]) {
    for (const threads of [1, 2]) {
      const name = `wasm-${threads}${relaxedSimd ? '-relaxed' : ''}`;
      // 256 MiB of memory at most: a shared memory reserves its maximum up front.
      const sources = { wasmUrl, threadedWasmUrl, relaxedWasmUrl, threadedRelaxedWasmUrl };
      const be = await createWasmBackend({ name, threads, relaxedSimd, maxPages: 4096, ...sources });
      registerBackend(be);
      const ta = tensor(a, { shape: [512, 512], backend: name });
      const tb = tensor(b, { shape: [512, 512], backend: name });
      const w1 = median(() => {
        const c = matmul(ta, tb);
        c.dataSync();
        c.dispose();
      });
      ta.dispose();
      tb.dispose();
      const t = nnAdamTrainer(name, problem, true);
      let i = 0;
      let loss = 0;
      for (; i < 20; i++) loss = t.step(i);
      const w2 =
        median(() => {
          for (let k = 0; k < 10; k++) t.step(i++);
        }) / 10;
      t.dispose();
      console.log(`${name}: W1 ${((2 * 512 ** 3) / (w1 * 1e6)).toFixed(1)} GFLOP/s, W2 ${w2.toFixed(2)} ms`);
      rows.push({ config: name, threads: be.threads, relaxedSimd: be.relaxedSimd, w1Gflops: (2 * 512 ** 3) / (w1 * 1e6), w2Ms: w2, loss });
      be.dispose();
    }
  }
  return rows;
}

run().then(
  (rows) => (window.__nnBench = { rows, crossOriginIsolated }),
  (e) => (window.__nnBench = { rows: [], error: String((e as Error).stack ?? e), crossOriginIsolated }),
);
