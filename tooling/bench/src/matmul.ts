/**
 * Square float32 matmul throughput (GFLOP/s = 2 n^3 / time) on @nn's cpu backend, next to
 * tfjs-core + tfjs-backend-cpu and (when it runs) jax-js's wasm device, in the same process and on
 * identical inputs. Each timed run computes one product and reads it back (dataSync), so lazy or
 * asynchronous execution cannot hide work; results are disposed every run.
 *
 * Run alone: node --conditions=@nn/source --import tsx src/matmul.ts [--sizes 128,256] [--budget 1000]
 */
import { type Tensor, getBackend, matmul, memory, tensor } from '@nn/tensor';
import { type Log, type Sample, fmt, isMain, maxAbsDiff, measure, prng, stdoutLog, table, uniformArray } from './harness.js';
import { loadJax, loadTf } from './libs.js';

export interface MatmulRow {
  n: number;
  nn: Sample;
  tfjs: Sample | null;
  jax: Sample | null;
  /** Max |ours - theirs| over the product (inputs uniform in [-1, 1)). */
  diffTfjs: number | null;
  diffJax: number | null;
}

export interface MatmulResult {
  rows: MatmulRow[];
  notes: string[];
}

export interface MatmulOptions {
  sizes?: number[];
  /** Time budget per size and library, ms (default 1000). */
  budgetMs?: number;
  log?: Log;
}

export const gflops = (n: number, s: Sample | null): number | null => (s === null ? null : (2 * n ** 3) / (s.medianMs * 1e6));

/**
 * The first (probe) run is a warm-up already; slow sizes (over ~1/3 of the budget per run, e.g.
 * tfjs at 1024) get no further warm-up and a minimum of 3 timed runs instead of 5.
 */
function adaptive(probeMs: number, budgetMs: number) {
  const slow = probeMs > budgetMs / 3;
  return { warmup: slow ? 0 : 3, minRuns: slow ? 3 : 5, budgetMs };
}

function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function benchMatmul(options: MatmulOptions = {}): Promise<MatmulResult> {
  const { sizes = [128, 256, 512, 1024], budgetMs = 1000, log = stdoutLog } = options;
  const tfL = await loadTf();
  const jaxL = await loadJax();
  const notes = [
    `@nn: backend ${getBackend().name} (pure TypeScript, single thread)`,
    tfL.ok ? tfL.note : `tfjs skipped: ${tfL.reason}`,
    jaxL.ok ? jaxL.note : `jax-js skipped: ${jaxL.reason}`,
  ];
  for (const n of notes) log(`  ${n}`);
  const rows: MatmulRow[] = [];
  const before = memory().tensors;

  for (const n of sizes) {
    const rand = prng(1000 + n);
    const aData = uniformArray(rand, n * n);
    const bData = uniformArray(rand, n * n);

    // --- @nn ---
    const a: Tensor = tensor(aData, { shape: [n, n] });
    const b: Tensor = tensor(bData, { shape: [n, n] });
    const nnRun = () => {
      const c = matmul(a, b);
      c.dataSync();
      c.dispose();
    };
    const ref = (() => {
      const c = matmul(a, b);
      const d = c.dataSync();
      c.dispose();
      return d;
    })();
    const nnS = measure(nnRun, adaptive(timeOnce(nnRun), budgetMs));
    a.dispose();
    b.dispose();

    // --- tfjs ---
    let tfS: Sample | null = null;
    let diffTfjs: number | null = null;
    if (tfL.ok) {
      const tf = tfL.lib;
      const ta = tf.tensor2d(aData, [n, n]);
      const tb = tf.tensor2d(bData, [n, n]);
      const tfRun = () => {
        const c = tf.matMul(ta, tb);
        c.dataSync();
        tf.dispose(c);
      };
      const first = tf.matMul(ta, tb);
      diffTfjs = maxAbsDiff(ref, first.dataSync());
      tf.dispose(first);
      tfS = measure(tfRun, adaptive(timeOnce(tfRun), budgetMs));
      tf.dispose([ta, tb]);
    }

    // --- jax-js (wasm) ---
    let jaxS: Sample | null = null;
    let diffJax: number | null = null;
    if (jaxL.ok) {
      const np = jaxL.lib.numpy;
      try {
        const ja = np.array(aData).reshape([n, n]);
        const jb = np.array(bData).reshape([n, n]);
        // jax-js arguments are consumed (ref-counted ownership): pass .ref to keep ja/jb alive;
        // dataSync() consumes (frees) the product.
        const jaxRun = () => {
          np.matmul(ja.ref, jb.ref).dataSync();
        };
        diffJax = maxAbsDiff(ref, np.matmul(ja.ref, jb.ref).dataSync());
        jaxS = measure(jaxRun, adaptive(timeOnce(jaxRun), budgetMs));
        ja.dispose();
        jb.dispose();
      } catch (e) {
        notes.push(`jax-js failed at n=${n}: ${(e as Error).message}`);
      }
    }

    const row: MatmulRow = { n, nn: nnS, tfjs: tfS, jax: jaxS, diffTfjs, diffJax };
    rows.push(row);
    log(
      `  n=${n}: @nn ${fmt(gflops(n, nnS))} GFLOP/s (${nnS.runs} runs)` +
        (tfS ? `, tfjs ${fmt(gflops(n, tfS))} (${tfS.runs} runs)` : '') +
        (jaxS ? `, jax-js ${fmt(gflops(n, jaxS))} (${jaxS.runs} runs)` : ''),
    );
  }
  const leaked = memory().tensors - before;
  if (leaked !== 0) notes.push(`WARNING: @nn live tensors changed by ${leaked} during the matmul benchmark`);
  return { rows, notes };
}

export function matmulTable(result: MatmulResult): string {
  const header = [
    'n',
    '@nn ms',
    '@nn GFLOP/s',
    'tfjs ms',
    'tfjs GFLOP/s',
    'ours/tfjs',
    'jax-js GFLOP/s',
    'ours/jax-js',
    'max|diff| tfjs/jax',
  ];
  const rows = result.rows.map((r) => {
    const ours = gflops(r.n, r.nn)!;
    const tfG = gflops(r.n, r.tfjs);
    const jaxG = gflops(r.n, r.jax);
    return [
      String(r.n),
      fmt(r.nn.medianMs, 2),
      fmt(ours),
      fmt(r.tfjs?.medianMs, 2),
      fmt(tfG),
      tfG === null ? '-' : `${fmt(ours / tfG)}x`,
      fmt(jaxG),
      jaxG === null ? '-' : `${fmt(ours / jaxG)}x`,
      `${r.diffTfjs === null ? '-' : r.diffTfjs.toExponential(1)}/${r.diffJax === null ? '-' : r.diffJax.toExponential(1)}`,
    ];
  });
  return table([header, ...rows]);
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (isMain(import.meta.url)) {
  const sizes = argValue('--sizes')?.split(',').map(Number);
  const budgetMs = argValue('--budget') !== undefined ? Number(argValue('--budget')) : undefined;
  console.log('matmul: square float32, median of timed runs after warm-up');
  const result = await benchMatmul({ sizes, budgetMs });
  console.log(`\n${matmulTable(result)}`);
}
