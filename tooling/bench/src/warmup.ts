/**
 * W3 from a cold start: how fast the 2-16-16-1 tanh MLP of mlp.ts trains (SGD momentum, batch 32,
 * the loss read every step) in a fresh process, before the engine has warmed up.
 *
 * Each library runs in its own child process (so nothing is warm from another run), which reports:
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
 * fused SGD update where the backend has them).
 *
 * Run: node --conditions=@nn/source --import tsx src/warmup.ts [--only nn-cpu,nn-wasm,...]
 *      [--repeats 3]
 * Without `--conditions=@nn/source` the children import the built packages (dist/), as users
 * do: run `pnpm build` first. Libraries: nn-cpu, nn-wasm, nn-wasm-2t, nn-webgpu (needs an
 * adapter: source .ci/webgpu.env), nn-cpu-modules, nn-wasm-modules, tfjs-cpu, tfjs-wasm, jax-js.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, isMain, summarize, table } from './harness.js';

export const LIBS = [
  'nn-cpu',
  'nn-wasm',
  'nn-wasm-2t',
  'nn-webgpu',
  'nn-cpu-modules',
  'nn-wasm-modules',
  'tfjs-cpu',
  'tfjs-wasm',
  'jax-js',
] as const;
export type Lib = (typeof LIBS)[number];

const WARMUP_STEPS = 100;
const COLD_STEPS = 1000;
const SETTLE_STEPS = 5000;
const WARM_RUN = 250;
const WARM_RUNS = 8;
/** WebGPU without a GPU (SwiftShader) runs ~100 steps/s: settle and time it for less long. */
const SLOW: Partial<Record<Lib, { settle: number; run: number; runs: number }>> = { 'nn-webgpu': { settle: 300, run: 50, runs: 4 } };

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

/** One step function per library: step(i) trains on batch i mod 16 and returns the loss. */
type Step = (i: number) => number | Promise<number>;

async function nnStep(lib: Lib): Promise<Step> {
  const t = await import('@nn/tensor');
  await import('@nn/autograd');
  let backend = 'cpu';
  if (lib === 'nn-wasm' || lib === 'nn-wasm-2t' || lib === 'nn-wasm-modules') {
    const { createWasmBackend } = await import('@nn/wasm-backend');
    const threads = lib === 'nn-wasm-2t' ? 2 : 1;
    const be = await createWasmBackend({ threads, name: lib });
    if (be.threads !== threads) throw new Error(`only ${be.threads} wasm thread(s) here`);
    t.registerBackend(be);
    backend = lib;
  }
  if (lib === 'nn-webgpu') return nnWebGPUStep();
  if (lib.endsWith('-modules')) {
    const { nnModuleTrainer } = await import('./w3-trainers.js');
    const trainer = nnModuleTrainer(backend);
    return (i) => trainer.step(i);
  }
  const { nnSgdTrainer } = await import('./wasm-mlp.js');
  const trainer = nnSgdTrainer(backend);
  return (i) => trainer.step(i);
}

/** WebGPU: Dawn from the `webgpu` package; its reads are asynchronous, so the step awaits the loss. */
async function nnWebGPUStep(): Promise<Step> {
  const { initWebGPU } = await import('@nn/webgpu-backend/node');
  await initWebGPU();
  const { nnSgdTrainerAsync } = await import('./w3-trainers.js');
  const trainer = nnSgdTrainerAsync('webgpu');
  return (i) => trainer.step(i);
}

async function tfStep(lib: Lib): Promise<Step> {
  const { loadTf } = await import('./libs.js');
  const { loadTfWasm } = await import('./wasm-libs.js');
  const loaded = lib === 'tfjs-cpu' ? await loadTf() : await loadTfWasm();
  if (!loaded.ok) throw new Error(loaded.reason);
  const { registerMlpGradients } = await import('./tfjs-gradients.js');
  registerMlpGradients(loaded.lib);
  const { tfSgdTrainer } = await import('./wasm-mlp.js');
  const trainer = tfSgdTrainer(loaded.lib);
  return (i) => trainer.step(i);
}

async function jaxStep(): Promise<Step> {
  const { loadJax } = await import('./libs.js');
  const loaded = await loadJax();
  if (!loaded.ok) throw new Error(loaded.reason);
  const { jaxSgdTrainer } = await import('./mlp.js');
  const trainer = jaxSgdTrainer(loaded.lib);
  return (i) => trainer.step(i);
}

async function runChild(lib: Lib): Promise<ColdResult> {
  const t0 = performance.now();
  let step: Step;
  try {
    step = lib.startsWith('nn-') ? await nnStep(lib) : lib === 'jax-js' ? await jaxStep() : await tfStep(lib);
  } catch (e) {
    const why = (e as Error).message.split(/[.:] /)[0].slice(0, 120); // the first clause is enough for a table
    return {
      lib,
      firstStepMs: Number.NaN,
      coldSps: Number.NaN,
      warmSps: Number.NaN,
      coldCpuSps: Number.NaN,
      warmCpuSps: Number.NaN,
      coldMainSps: Number.NaN,
      loss0: Number.NaN,
      skipped: why,
    };
  }
  const loss0 = await step(0);
  const firstStepMs = performance.now() - t0;
  let i = 1;
  for (; i < WARMUP_STEPS; i++) await step(i);
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const c0 = performance.now();
  const u0 = cpuMs();
  const t0Main = mainThreadMs();
  for (const end = i + COLD_STEPS; i < end; i++) await step(i);
  const coldSps = (COLD_STEPS * 1000) / (performance.now() - c0);
  const coldCpuSps = (COLD_STEPS * 1000) / (cpuMs() - u0);
  const coldMainSps = (COLD_STEPS * 1000) / (mainThreadMs() - t0Main);
  const { settle, run, runs } = SLOW[lib] ?? { settle: SETTLE_STEPS, run: WARM_RUN, runs: WARM_RUNS };
  for (const end = i + settle; i < end; i++) await step(i);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const w0 = performance.now();
    const v0 = cpuMs();
    for (const end = i + run; i < end; i++) await step(i);
    times.push(performance.now() - w0);
    cpuTimes.push(cpuMs() - v0);
  }
  const warmSps = (run * 1000) / summarize(times).medianMs;
  const warmCpuSps = (run * 1000) / summarize(cpuTimes).medianMs;
  return { lib, firstStepMs, coldSps, warmSps, coldCpuSps, warmCpuSps, coldMainSps, loss0 };
}

/** CPU ms the main thread has used (Linux: the first field of its schedstat, in ns); NaN elsewhere. */
function mainThreadMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Runs one library in a fresh Node process (same loader flags as this one) and parses its report. */
export function spawnCold(lib: Lib): ColdResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', lib], { encoding: 'utf8', env: process.env });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) {
    const why = `child exited with ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
    return {
      lib,
      firstStepMs: Number.NaN,
      coldSps: Number.NaN,
      warmSps: Number.NaN,
      coldCpuSps: Number.NaN,
      warmCpuSps: Number.NaN,
      coldMainSps: Number.NaN,
      loss0: Number.NaN,
      skipped: why,
    };
  }
  return JSON.parse(line) as ColdResult;
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
  const { values } = parseArgs({
    options: { child: { type: 'string' }, only: { type: 'string' }, repeats: { type: 'string' } },
    strict: true,
  });
  if (values.child !== undefined) {
    if (!(LIBS as readonly string[]).includes(values.child)) throw new Error(`unknown library ${values.child}`);
    console.log(JSON.stringify(await runChild(values.child as Lib)));
    process.exit(0);
  }
  const only = (values.only?.split(',') ?? [...LIBS]) as Lib[];
  const bad = only.filter((l) => !(LIBS as readonly string[]).includes(l));
  if (bad.length > 0) {
    console.error(`warmup: unknown --only ${bad.join(',')} (valid: ${LIBS.join(', ')})`);
    process.exit(2);
  }
  const repeats = Number(values.repeats ?? 3);
  const source = process.execArgv.some((a) => a.includes('@nn/source'));
  console.log(
    `W3 cold start — Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim()}, @nn from ${source ? 'src/ (tsx)' : 'dist/'}`,
  );
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const results: ColdResult[][] = only.map(() => []);
  // Interleaved rounds, so a burst of load from elsewhere hits every library alike.
  for (let r = 0; r < repeats; r++) {
    only.forEach((lib, k) => {
      const res = spawnCold(lib);
      results[k].push(res);
      const rates = `cold ${fmt(res.coldSps, 0)}/s (${fmt(res.coldCpuSps, 0)}/CPU s), warm ${fmt(res.warmSps, 0)}/s (${fmt(res.warmCpuSps, 0)}/CPU s)`;
      console.log(`  round ${r + 1} ${lib}: ${res.skipped ?? `first step ${fmt(res.firstStepMs, 0)} ms, ${rates}`}`);
    });
  }
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(`\n${coldTable(results)}`);
}
