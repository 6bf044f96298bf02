/**
 * The WebAssembly benchmark: @nn's wasm backend (one and two threads) against @nn's cpu backend,
 * tfjs with its wasm backend, and jax-js's wasm device, in one process on identical inputs.
 *
 *   W1  square float32 matmul, GFLOP/s (2 n^3 / median time), n = 128, 256, 512, 1024
 *   W2  one Adam training step of a 784-256-256-10 ReLU MLP, batch 128 (ms/step)
 *   W3  SGD-momentum steps/s of the 2-16-16-1 tanh MLP, batch 32
 *   W4  RSS growth over 500 W2 steps on the wasm backend
 *
 * @nn's wasm backend runs its plain SIMD builds and, where the engine has relaxed SIMD (Node 20:
 * turned on at run time), its relaxed-SIMD builds; PyTorch (python3-torch, native) gives the
 * native W1/W2 reference with 1 and 2 threads (--no-torch skips it).
 *
 * Run: node --conditions=@nn/source --import tsx tooling/bench/src/wasm.ts
 *      [--only w1,w2,w3,w4] [--budget MS] [--sizes 128,256] [--no-torch]
 * The machine should be otherwise idle: two-thread numbers need both cores. The load average is
 * printed at the start and the end.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Tensor, matmul, tensor } from '@nn/tensor';
import type { WasmBackend } from '@nn/wasm-backend';
import { type Sample, fmt, maxAbsDiff, measure, prng, table, uniformArray } from './harness.js';
import { loadJax } from './libs.js';
import { registerMlpGradients } from './tfjs-gradients.js';
import { loadNnWasm, loadNnWasmRelaxed, loadTfWasm } from './wasm-libs.js';
import { type TorchResult, runTorch } from './wasm-torch.js';
import {
  type Trainer,
  W2_BATCH,
  jaxAdamTrainer,
  makeW2Problem,
  nnAdamTrainer,
  nnSgdTrainer,
  registerReluGradient,
  tfAdamTrainer,
  tfSgdTrainer,
} from './wasm-mlp.js';

const { values: args } = parseArgs({
  options: { only: { type: 'string' }, budget: { type: 'string' }, sizes: { type: 'string' }, 'no-torch': { type: 'boolean' } },
  strict: true,
});
const only = new Set((args.only ?? 'w1,w2,w3,w4').split(','));
const budgetMs = Number(args.budget ?? 1000);
const sizes = (args.sizes ?? '128,256,512,1024').split(',').map(Number);

const cpu = cpus();
console.log(`@nn wasm benchmark — Node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown cpu'}`);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
console.log(`  load average at start: ${load()}`);
const nnw = await loadNnWasm();
const nnr = await loadNnWasmRelaxed();
const tfL = await loadTfWasm();
const jaxL = await loadJax();
const notes = [
  ...nnw.notes,
  ...(nnr?.notes ?? ['@nn wasm relaxed SIMD: this engine has none, its rows are skipped']),
  tfL.ok ? tfL.note : `tfjs-wasm skipped: ${tfL.reason}`,
  jaxL.ok ? jaxL.note : `jax-js skipped: ${jaxL.reason}`,
];
for (const n of notes) console.log(`  ${n}`);
const wasmBackends: Record<string, WasmBackend> = { wasm: nnw.one };
if (nnw.two) wasmBackends['wasm-2t'] = nnw.two;
if (nnr) wasmBackends['wasm-relaxed'] = nnr.one;
if (nnr?.two) wasmBackends['wasm-2t-relaxed'] = nnr.two;
const nnBackends = ['cpu', ...Object.keys(wasmBackends)];
const LABELS: Record<string, string> = {
  cpu: '@nn cpu',
  wasm: '@nn wasm 1 thread',
  'wasm-2t': '@nn wasm 2 threads',
  'wasm-relaxed': '@nn wasm relaxed 1 thread',
  'wasm-2t-relaxed': '@nn wasm relaxed 2 threads',
};
const label = (b: string): string => LABELS[b];
const problem = makeW2Problem();
let torch: TorchResult | null = null;
if (!args['no-torch'] && (only.has('w1') || only.has('w2'))) {
  const r = runTorch(problem, only.has('w1') ? sizes : [], budgetMs);
  if (typeof r === 'string') console.log(`  PyTorch skipped: ${r}`);
  else {
    torch = r;
    console.log(`  PyTorch ${r.version} (native, CPU, BLAS: ${r.blas}), 1 and 2 intra-op threads, in a child process`);
  }
}
const ratio = (a: number | null, b: number | null): string => (a === null || b === null ? '-' : `${fmt(a / b)}x`);

/** The first run is a warm-up; slow ones get fewer warm-ups and at least 3 timed runs. */
function timed(fn: () => void): Sample {
  const t0 = performance.now();
  fn();
  const slow = performance.now() - t0 > budgetMs / 3;
  return measure(fn, { warmup: slow ? 0 : 3, minRuns: slow ? 3 : 5, budgetMs });
}

// --- W1 ------------------------------------------------------------------------------------------
if (only.has('w1')) {
  console.log('\nW1: square float32 matmul, GFLOP/s (median)');
  const rows: string[][] = [];
  const gf = (n: number, s: Sample | null): number | null => (s === null ? null : (2 * n ** 3) / (s.medianMs * 1e6));
  for (const n of sizes) {
    const rand = prng(1000 + n);
    const aData = uniformArray(rand, n * n);
    const bData = uniformArray(rand, n * n);
    const res: Record<string, number | null> = {};
    let ref: ArrayLike<number> | null = null;
    let maxDiff = 0;
    for (const b of nnBackends) {
      const a: Tensor = tensor(aData, { shape: [n, n], backend: b });
      const bb: Tensor = tensor(bData, { shape: [n, n], backend: b });
      const first = matmul(a, bb);
      const d = first.dataSync();
      first.dispose();
      if (ref === null) ref = d;
      else maxDiff = Math.max(maxDiff, maxAbsDiff(ref, d));
      res[b] = gf(
        n,
        timed(() => {
          const c = matmul(a, bb);
          c.dataSync();
          c.dispose();
        }),
      );
      a.dispose();
      bb.dispose();
    }
    res.tfjs = null;
    if (tfL.ok) {
      const tf = tfL.lib;
      const ta = tf.tensor2d(aData, [n, n]);
      const tb = tf.tensor2d(bData, [n, n]);
      const first = tf.matMul(ta, tb);
      if (ref !== null) maxDiff = Math.max(maxDiff, maxAbsDiff(ref, first.dataSync()));
      tf.dispose(first);
      res.tfjs = gf(
        n,
        timed(() => {
          const c = tf.matMul(ta, tb);
          c.dataSync();
          tf.dispose(c);
        }),
      );
      tf.dispose([ta, tb]);
    }
    res.jax = null;
    if (jaxL.ok) {
      const np = jaxL.lib.numpy;
      const ja = np.array(aData).reshape([n, n]);
      const jb = np.array(bData).reshape([n, n]);
      if (ref !== null) maxDiff = Math.max(maxDiff, maxAbsDiff(ref, np.matmul(ja.ref, jb.ref).dataSync()));
      res.jax = gf(
        n,
        timed(() => {
          np.matmul(ja.ref, jb.ref).dataSync();
        }),
      );
      ja.dispose();
      jb.dispose();
    }
    const best = Math.max(...Object.keys(wasmBackends).map((b) => res[b] ?? 0));
    const pt1 = torch?.w1['1']?.[n] ?? null;
    const pt2 = torch?.w1['2']?.[n] ?? null;
    rows.push([
      String(n),
      ...nnBackends.map((b) => fmt(res[b])),
      fmt(res.tfjs),
      fmt(res.jax),
      fmt(pt1),
      fmt(pt2),
      ratio(best, res.tfjs),
      ratio(best, res.jax),
      ratio(best, pt2),
      maxDiff.toExponential(1),
    ]);
    console.log(`  n=${n} done`);
  }
  console.log(
    table([
      [
        'n',
        ...nnBackends.map(label),
        'tfjs-wasm',
        'jax-js',
        'PyTorch 1t',
        'PyTorch 2t',
        'best wasm/tfjs',
        'best wasm/jax',
        'best wasm/PyTorch 2t',
        'max|diff|',
      ],
      ...rows,
    ]),
  );
}

// --- W2 / W3 ---------------------------------------------------------------------------------------

/** Steps whose losses every library reports (same weights, same batches: a parity check). */
const PARITY_STEPS = 20;

/** Losses at steps 0 and PARITY_STEPS - 1, then the median ms per step over timed runs of `per` steps. */
function timeSteps(t: Trainer, per: number): { ms: number; loss0: number; lossN: number } {
  const loss0 = t.step(0);
  for (let i = 1; i < PARITY_STEPS - 1; i++) t.step(i);
  const lossN = t.step(PARITY_STEPS - 1);
  let i = PARITY_STEPS;
  const s = measure(
    () => {
      for (let k = 0; k < per; k++) t.step(i++);
    },
    { warmup: 1, budgetMs, minRuns: 5 },
  );
  return { ms: s.medianMs / per, loss0, lossN };
}

if (only.has('w2')) {
  console.log(`\nW2: one Adam step, MLP 784-256-256-10 ReLU, batch ${W2_BATCH} (median ms/step)`);
  const rows: string[][] = [];
  const ms: Record<string, number | null> = {};
  const add = (name: string, make: () => Trainer, per: number): void => {
    try {
      const t = make();
      const r = timeSteps(t, per);
      t.dispose();
      ms[name] = r.ms;
      rows.push([name, fmt(r.ms), fmt(1000 / r.ms, 0), `${r.loss0.toFixed(4)} -> ${r.lossN.toFixed(4)}`]);
    } catch (e) {
      ms[name] = null;
      rows.push([name, '-', '-', `failed: ${(e as Error).message}`]);
    }
    console.log(`  ${name} done`);
  };
  for (const b of nnBackends) {
    add(`${label(b)}, Adam as tensor ops`, () => nnAdamTrainer(b, problem, false), b === 'cpu' ? 2 : 10);
    add(`${label(b)}, fused Adam`, () => nnAdamTrainer(b, problem, true), b === 'cpu' ? 2 : 10);
  }
  if (tfL.ok) {
    registerMlpGradients(tfL.lib);
    registerReluGradient(tfL.lib);
    add('tfjs-wasm, tf.train.adam', () => tfAdamTrainer(tfL.lib, problem), 10);
  }
  if (jaxL.ok) add('jax-js wasm, jit', () => jaxAdamTrainer(jaxL.lib, problem), 10);
  for (const [threads, r] of Object.entries(torch?.w2 ?? {})) {
    const name = `PyTorch ${torch!.version} (BLAS ${torch!.blas}), ${threads} thread${threads === '1' ? '' : 's'}`;
    ms[name] = r.ms;
    rows.push([name, fmt(r.ms), fmt(1000 / r.ms, 0), `${r.loss0.toFixed(4)} -> ${r.lossN.toFixed(4)}`]);
  }
  const best = Math.min(...Object.entries(ms).flatMap(([k, v]) => (k.startsWith('@nn wasm') && v !== null ? [v] : [])));
  console.log(table([['library', 'ms/step', 'steps/s', `loss at steps 0 -> ${PARITY_STEPS - 1}`], ...rows]));
  const theirs = (k: string): number | null => ms[k] ?? null;
  const pt1 = torch?.w2['1']?.ms ?? null;
  console.log(
    `  best @nn wasm ${fmt(best)} ms/step: ${ratio(theirs('tfjs-wasm, tf.train.adam'), best)} faster than tfjs-wasm, ${ratio(theirs('jax-js wasm, jit'), best)} than jax-js, ${ratio(theirs(`${label('cpu')}, fused Adam`), best)} than @nn cpu, ${ratio(pt1, best)} of PyTorch's 1-thread speed`,
  );
  console.log(
    '  (tfjs-wasm runs the backward products, whose operands are transposed, on a slow path: its BatchMatMul kernel is ~95% of a step)',
  );
}

if (only.has('w3')) {
  console.log('\nW3: SGD-momentum steps/s, MLP 2-16-16-1 tanh, batch 32 (median)');
  const rows: string[][] = [];
  const sps: Record<string, number> = {};
  const runs: [string, () => Trainer][] = nnBackends.map((b) => [label(b), () => nnSgdTrainer(b)]);
  if (tfL.ok) {
    registerMlpGradients(tfL.lib);
    runs.push(['tfjs-wasm, tf.train.momentum', () => tfSgdTrainer(tfL.lib)]);
  }
  for (const [name, make] of runs) {
    const t = make();
    const r = timeSteps(t, 25);
    t.dispose();
    sps[name] = 1000 / r.ms;
    rows.push([name, fmt(1000 / r.ms, 0), fmt(r.ms * 1000, 1), `${r.loss0.toFixed(5)} -> ${r.lossN.toFixed(5)}`]);
  }
  console.log(table([['library', 'steps/s', 'us/step', `loss at steps 0 -> ${PARITY_STEPS - 1}`], ...rows]));
  console.log(
    `  @nn wasm 1 thread / @nn cpu: ${ratio(sps[label('wasm')], sps[label('cpu')])}; / tfjs-wasm: ${ratio(sps[label('wasm')], sps['tfjs-wasm, tf.train.momentum'] ?? null)}`,
  );
}

// --- W4 ------------------------------------------------------------------------------------------

/** A full garbage collection (V8's gc(), reached without --expose-gc), or null if unavailable. */
function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

if (only.has('w4')) {
  const gc = gcFunction();
  console.log(
    `\nW4: memory over 500 W2 steps after 200 warm-up steps; RSS read every 50 steps${gc ? ' after a full GC' : ''}.` +
      '\n    RSS moves by MBs as V8 resizes its heap, so the growth reported is the least-squares trend x 500 steps.',
  );
  const rows: string[][] = [];
  const mb = (x: number): string => (x / 2 ** 20).toFixed(2);
  for (const b of ['wasm', 'wasm-2t'].filter((x) => x in wasmBackends)) {
    for (const fused of [false, true]) {
      const t = nnAdamTrainer(b, problem, fused);
      for (let i = 0; i < 200; i++) t.step(i);
      const be = wasmBackends[b];
      const mem0 = be.footprint().memoryBytes;
      const steps: number[] = [];
      const rss: number[] = [];
      const heap: number[] = [];
      for (let i = 200; i <= 700; i++) {
        if (i % 50 === 0) {
          gc?.();
          const m = process.memoryUsage();
          steps.push(i);
          rss.push(m.rss);
          heap.push(m.heapUsed);
        }
        if (i < 700) t.step(i);
      }
      const mem1 = be.footprint().memoryBytes;
      t.dispose();
      rows.push([
        `${label(b)}${fused ? ', fused Adam' : ', Adam as tensor ops'}`,
        mb(rss[0]),
        mb(rss[rss.length - 1]),
        mb(slope(steps, rss) * 500),
        mb(slope(steps, heap) * 500),
        mb(mem1 - mem0),
      ]);
    }
  }
  console.log(
    table([
      ['backend', 'RSS at 200 MB', 'RSS at 700 MB', 'RSS trend MB/500 steps', 'JS heap trend MB/500', 'wasm memory growth MB'],
      ...rows,
    ]),
  );
}

for (const be of Object.values(wasmBackends)) be.dispose();
console.log(`\nload average at the end: ${load()}`);
