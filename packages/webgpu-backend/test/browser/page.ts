/**
 * Runs in headless Chromium (bundled by browser.test.ts with esbuild): initializes the WebGPU
 * backend through navigator.gpu, runs a few ops on it and on the cpu backend, and publishes the
 * comparison as `window.__nnResult`.
 */
import * as nn from '@nn/tensor';
import { initWebGPU } from '../../src/index.js';

interface Result {
  ok: boolean;
  error?: string;
  adapter?: string;
  checks: Record<string, number>;
  stats?: unknown;
}

async function maxDiff(a: nn.Tensor, b: nn.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  if (x.length !== y.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

async function run(): Promise<Result> {
  const checks: Record<string, number> = {};
  const be = await initWebGPU();
  const both = async (label: string, f: (backend: string) => nn.Tensor): Promise<void> => {
    nn.manualSeed(42);
    const c = f('cpu');
    nn.manualSeed(42);
    const g = f('webgpu');
    checks[label] = await maxDiff(g, c);
  };
  await both('randn (Philox)', (backend) => nn.randn([1000], { backend }));
  await both('rand exact', (backend) => nn.rand([1001], { backend }));
  await both('broadcast add + exp', (backend) => nn.exp(nn.add(nn.rand([3, 1, 5], { backend }), nn.rand([4, 1], { backend }))));
  await both('matmul 64x96 @ 96x80 (tiled)', (backend) => nn.matmul(nn.rand([64, 96], { backend }), nn.rand([96, 80], { backend })));
  await both('linear + gelu', (backend) =>
    nn.linear(nn.randn([9, 13], { backend }), nn.randn([6, 13], { backend }), nn.randn([6], { backend }), 'gelu'),
  );
  await both('softmax over rows', (backend) => nn.softmax(nn.randn([7, 33], { backend }), 1));
  await both('sum of a transposed view', (backend) => nn.sum(nn.randn([40, 30], { backend }).T, 1));
  const stats = be.stats();
  be.dispose();
  return { ok: true, checks, stats };
}

declare global {
  interface Window {
    __nnResult?: Result;
  }
}

run().then(
  (r) => {
    window.__nnResult = r;
  },
  (e: unknown) => {
    window.__nnResult = { ok: false, error: e instanceof Error ? e.message : String(e), checks: {} };
  },
);
