/**
 * W3 from a cold start: how fast the 2-16-16-1 tanh MLP of mlp.ts trains (SGD momentum, batch 32,
 * the loss read every step) in a fresh process, before the engine has warmed up.
 *
 * Each library runs in its own child process (so nothing is warm from another run; warmup-child.ts,
 * bundled by esbuild and run by plain Node, as an application runs), which reports:
 * - import to first step: ms from the start of importing the library (and creating its backend)
 *   to the first finished training step, its loss read back;
 * - cold: steps/s over the 1,000 steps that follow 100 warm-up steps (steps 100-1,099);
 * - warm: steps/s of the median 250-step run once 5,000 more steps have run (WebGPU on a software
 *   adapter: 50-step runs after 300 more steps).
 * Each rate is given by wall time and by the process's CPU time (all its threads: V8's background
 * compilers and GC helpers included), which a loaded machine distorts less than wall time. The
 * cold rate is also given per second of the main thread's own CPU time (Linux only): the gap to
 * the process's is V8's background work (mostly TurboFan compiling the functions that got hot).
 *
 * The nn-cpu/nn-wasm rows train with tensor ops, the update included (wasm-mlp.ts's nnSgdTrainer);
 * the `-modules` rows train as a PyTorch course writes it: Linear and Tanh modules, mseLoss, and
 * optim.SGD's zeroGrad/backward/step (w3-trainers.ts's nnModuleTrainer: fused linear forward and
 * fused SGD update where the backend has them); the `-compiled` rows run the tensor-op step through
 * `compile` (w3-trainers.ts's nnCompiledTrainer: recorded once, then replayed), as jax-js's row
 * runs it through jit.
 *
 * Run: node --conditions=@nn/source --import tsx src/warmup.ts [--only nn-cpu,nn-wasm,...]
 *      [--repeats 3]
 * Without `--conditions=@nn/source` the children bundle the built packages (dist/): run
 * `pnpm build` first. Libraries: nn-cpu, nn-wasm, nn-wasm-2t, nn-webgpu (needs an
 * adapter: source .ci/webgpu.env), nn-cpu-modules, nn-wasm-modules, nn-cpu-compiled, nn-wasm-compiled,
 * tfjs-cpu, tfjs-wasm, jax-js.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type ChildScript, bundleChild, fromSource, runChildScript } from './child-bundle.js';
import { fmt, isMain, summarize, table } from './harness.js';

export const LIBS = [
  'nn-cpu',
  'nn-wasm',
  'nn-wasm-2t',
  'nn-webgpu',
  'nn-cpu-modules',
  'nn-wasm-modules',
  'nn-cpu-compiled',
  'nn-wasm-compiled',
  'tfjs-cpu',
  'tfjs-wasm',
  'jax-js',
] as const;
export type Lib = (typeof LIBS)[number];

export const WARMUP_STEPS = 100;
export const COLD_STEPS = 1000;
export const SETTLE_STEPS = 5000;
export const WARM_RUN = 250;
export const WARM_RUNS = 8;
/** WebGPU without a GPU (SwiftShader) runs ~100 steps/s: settle and time it for less long. */
export const SLOW: Partial<Record<Lib, { settle: number; run: number; runs: number }>> = { 'nn-webgpu': { settle: 300, run: 50, runs: 4 } };

/** What one child reports. */
export interface ColdResult {
  lib: Lib;
  firstStepMs: number;
  coldSps: number;
  warmSps: number;
  /** The same rates per second of process CPU time. */
  coldCpuSps: number;
  warmCpuSps: number;
  /** The cold rate per second of the main thread's CPU time (NaN where /proc is missing). */
  coldMainSps: number;
  loss0: number;
  /** Why the library could not run, if it could not. */
  skipped?: string;
}

/** Runs one library in a fresh Node process (the bundled warmup-child.ts) and parses its report. */
export function spawnCold(child: ChildScript, lib: Lib): ColdResult {
  const r = runChildScript(child, { NN_WARMUP_LIB: lib });
  return 'report' in r ? (r.report as ColdResult) : skippedResult(lib, r.error);
}

/** The report of a library that could not run, and why. */
export function skippedResult(lib: Lib, why: string): ColdResult {
  const nan = Number.NaN;
  return {
    lib,
    firstStepMs: nan,
    coldSps: nan,
    warmSps: nan,
    coldCpuSps: nan,
    warmCpuSps: nan,
    coldMainSps: nan,
    loss0: nan,
    skipped: why,
  };
}

const median = (xs: number[]): number => (xs.length === 0 ? Number.NaN : summarize(xs).medianMs);

/** Medians over `repeats` fresh processes per library, as table rows. */
export function coldTable(results: ColdResult[][]): string {
  const rows = results.map((rs) => {
    const ok = rs.filter((r) => r.skipped === undefined);
    const lib = rs[0].lib;
    if (ok.length === 0) return [lib, '-', '-', '-', '-', '-', '-', '-', `skipped: ${rs[0].skipped}`];
    const m = (k: 'coldSps' | 'warmSps' | 'coldCpuSps' | 'warmCpuSps' | 'coldMainSps' | 'firstStepMs'): number =>
      median(ok.map((r) => r[k]));
    return [
      lib,
      fmt(m('firstStepMs'), 0),
      fmt(m('coldSps'), 0),
      fmt(m('warmSps'), 0),
      `${fmt((100 * m('coldSps')) / m('warmSps'), 0)}%`,
      fmt(m('coldCpuSps'), 0),
      fmt(m('coldMainSps'), 0),
      fmt(m('warmCpuSps'), 0),
      `${ok[0].loss0.toFixed(5)}; cold runs ${ok.map((r) => fmt(r.coldSps, 0)).join(', ')}`,
    ];
  });
  const cold = `cold (steps ${WARMUP_STEPS}-${WARMUP_STEPS + COLD_STEPS - 1})`;
  return table([
    [
      'library',
      'import to 1st step ms',
      `${cold} steps/s`,
      'warm steps/s',
      'cold/warm',
      `${cold} per CPU s`,
      'cold per main-thread CPU s',
      'warm per CPU s',
      'loss 0; per run',
    ],
    ...rows,
  ]);
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { only: { type: 'string' }, repeats: { type: 'string' } }, strict: true });
  const only = (values.only?.split(',') ?? [...LIBS]) as Lib[];
  const bad = only.filter((l) => !(LIBS as readonly string[]).includes(l));
  if (bad.length > 0) {
    console.error(`warmup: unknown --only ${bad.join(',')} (valid: ${LIBS.join(', ')})`);
    process.exit(2);
  }
  const repeats = Number(values.repeats ?? 3);
  console.log(
    `W3 cold start — Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim()}, @nn from ${fromSource ? 'src/' : 'dist/'}, bundled by esbuild`,
  );
  const child = await bundleChild('warmup-child.ts');
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const results: ColdResult[][] = only.map(() => []);
  // Interleaved rounds, so a burst of load from elsewhere hits every library alike.
  for (let r = 0; r < repeats; r++) {
    only.forEach((lib, k) => {
      const res = spawnCold(child, lib);
      results[k].push(res);
      const rates = `cold ${fmt(res.coldSps, 0)}/s (${fmt(res.coldCpuSps, 0)}/CPU s), warm ${fmt(res.warmSps, 0)}/s (${fmt(res.warmCpuSps, 0)}/CPU s)`;
      console.log(`  round ${r + 1} ${lib}: ${res.skipped ?? `first step ${fmt(res.firstStepMs, 0)} ms, ${rates}`}`);
    });
  }
  child.cleanup();
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(`\n${coldTable(results)}`);
}
