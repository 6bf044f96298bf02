/**
 * The child of warmup.ts: trains W3 in a fresh process with one library and prints its report as
 * one JSON line. warmup.ts runs it as an esbuild bundle in plain Node (no TypeScript loader whose
 * own JIT work would share the cold window; @nn bundled from src/ or dist/), the library named by
 * NN_WARMUP_LIB.
 */
import { readFileSync } from 'node:fs';
import { summarize } from './harness.js';
import {
  COLD_STEPS,
  type ColdResult,
  LIBS,
  type Lib,
  SETTLE_STEPS,
  SLOW,
  WARM_RUN,
  WARM_RUNS,
  WARMUP_STEPS,
  skippedResult,
} from './warmup.js';

/** One step function per library: step(i) trains on batch i mod 16 and returns the loss. */
type Step = (i: number) => number | Promise<number>;

async function nnStep(lib: Lib): Promise<Step> {
  const t = await import('@nn/tensor');
  await import('@nn/autograd');
  let backend = 'cpu';
  if (lib === 'nn-wasm' || lib === 'nn-wasm-2t' || lib === 'nn-wasm-modules' || lib === 'nn-wasm-compiled') {
    const { createWasmBackend } = await import('@nn/wasm-backend');
    const threads = lib === 'nn-wasm-2t' ? 2 : 1;
    const be = await createWasmBackend({ threads, name: lib });
    if (be.threads !== threads) throw new Error(`only ${be.threads} wasm thread(s) here`);
    t.registerBackend(be);
    backend = lib;
  }
  if (lib === 'nn-webgpu') return nnWebGPUStep();
  if (lib.endsWith('-compiled')) {
    const { nnCompiledTrainer } = await import('./w3-trainers.js');
    const trainer = nnCompiledTrainer(backend);
    return (i) => trainer.step(i);
  }
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
    return skippedResult(lib, (e as Error).message.split(/[.:] /)[0].slice(0, 120)); // the first clause is enough for a table
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

const lib = process.env.NN_WARMUP_LIB;
if (lib === undefined || !(LIBS as readonly string[]).includes(lib))
  throw new Error(`warmup-child: NN_WARMUP_LIB must be one of ${LIBS.join(', ')}, got ${lib}`);
console.log(JSON.stringify(await runChild(lib as Lib)));
process.exit(0);
