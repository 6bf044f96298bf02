/**
 * @nn/webgpu-backend against @tensorflow/tfjs-backend-webgpu 4.22, both on the same Dawn adapter
 * in Node (the `webgpu` package; without a GPU that is SwiftShader, a CPU Vulkan driver, so the
 * absolute numbers say nothing about GPUs: the ratios and the efficiency counters are the point).
 *
 * - matmul: square float32 products (256, 512) including the readback, GFLOP/s.
 * - MLP training step: 784-256-256-10 with tanh, batch 64, MSE loss, plain SGD (lr 0.01), the
 *   loss read back every step (what a training loop that logs its loss does). Same weights and
 *   batches for both libraries; the first losses are printed side by side as a cross-check.
 * - Efficiency after warm-up, per training step: queue submits and GPU buffers created
 *   (counted by wrapping GPUQueue.submit and GPUDevice.createBuffer, so both libraries are
 *   counted the same way), plus @nn's own counters (dispatches, pipelines).
 * - W2 (webgpu-w2.ts): one Adam step of the 784-256-256-10 ReLU MLP, batch 128, cross-entropy:
 *   dispatches, submits, buffers, pipelines and queue writes per step for @nn (fusion on and off)
 *   and tfjs-webgpu, all counted by wrapping the WebGPU prototypes.
 *
 * Run: node --conditions=@nn/source --import tsx src/webgpu.ts [--steps 10] [--budget 3000]
 * Needs a Vulkan driver: bash tooling/ci/install-webgpu.sh, then source .ci/webgpu.env
 * (it falls back to Debian chromium's SwiftShader when that is installed).
 */
import { existsSync } from 'node:fs';
import { type Tensor, matmul as nnMatmul, mean, registerBackend, square, sub, tanh, tensor, tidy, linear } from '@nn/tensor';
import { SGD } from '@nn/optim';
import type * as TfCore from '@tensorflow/tfjs-core';
import { globals } from 'webgpu';
import { initWebGPU, type WebGPUBackend } from '@nn/webgpu-backend/node';
import { fmt, isMain, prng, summarize, table, uniformArray, type Sample } from './harness.js';
import { registerMlpGradients } from './tfjs-gradients.js';
import { instrumentWebGPU, loadTfWebGPU, runW2 } from './webgpu-w2.js';

const LAYERS = [784, 256, 256, 10] as const;
const BATCH = 64;
const LR = 0.01;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

// --- counting submits and buffer creations, for both libraries alike ----------------------------
const counters = { submits: 0, buffers: 0 };
function instrument(): void {
  const g = globals as unknown as { GPUQueue: { prototype: GPUQueue }; GPUDevice: { prototype: GPUDevice } };
  const q = g.GPUQueue.prototype;
  const submit = q.submit;
  q.submit = function (this: GPUQueue, ...a: Parameters<GPUQueue['submit']>) {
    counters.submits++;
    return submit.apply(this, a);
  };
  const d = g.GPUDevice.prototype;
  const createBuffer = d.createBuffer;
  d.createBuffer = function (this: GPUDevice, ...a: Parameters<GPUDevice['createBuffer']>) {
    counters.buffers++;
    return createBuffer.apply(this, a);
  };
}

async function timeAsync(fn: () => Promise<void>, budgetMs: number, minRuns = 3, warmup = 2): Promise<Sample> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  let spent = 0;
  while (times.length < minRuns || spent < budgetMs) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  return summarize(times);
}

interface Problem {
  init: { data: Float32Array; shape: number[] }[];
  batches: { x: Float32Array; y: Float32Array }[];
}

/** Weights as [in, out] (x @ w + b) with torch.nn.Linear's uniform bound, regression batches. */
function makeProblem(seed = 3): Problem {
  const rand = prng(seed);
  const init: Problem['init'] = [];
  for (let l = 0; l + 1 < LAYERS.length; l++) {
    const bound = 1 / Math.sqrt(LAYERS[l]);
    init.push({ data: uniformArray(rand, LAYERS[l] * LAYERS[l + 1], -bound, bound), shape: [LAYERS[l], LAYERS[l + 1]] });
    init.push({ data: uniformArray(rand, LAYERS[l + 1], -bound, bound), shape: [LAYERS[l + 1]] });
  }
  const batches = Array.from({ length: 4 }, () => ({
    x: uniformArray(rand, BATCH * LAYERS[0], -1, 1),
    y: uniformArray(rand, BATCH * LAYERS[3], -1, 1),
  }));
  return { init, batches };
}

interface StepResult {
  msPerStep: Sample;
  losses: number[];
  submitsPerStep: number;
  buffersPerStep: number;
  extra: string;
}

// --- @nn on WebGPU ---------------------------------------------------------------------------------
async function nnMlp(be: WebGPUBackend, p: Problem, steps: number): Promise<StepResult> {
  const o = { backend: be.name };
  // linear() wants [out, in]: keep [in, out] data and transpose once.
  const params = p.init.map(({ data, shape }) => tensor(data, { ...o, shape }).requiresGrad_());
  const opt = new SGD(params, { lr: LR });
  const batches = p.batches.map(({ x, y }) => ({
    x: tensor(x, { ...o, shape: [BATCH, LAYERS[0]] }),
    y: tensor(y, { ...o, shape: [BATCH, LAYERS[3]] }),
  }));
  let i = 0;
  const step = async (): Promise<number> => {
    const b = batches[i++ % batches.length];
    opt.zeroGrad();
    const loss = tidy(() => {
      let h: Tensor = b.x;
      for (let l = 0; l < params.length; l += 2) {
        const z = linear(h, params[l].T, params[l + 1]);
        h = l + 2 < params.length ? tanh(z) : z;
      }
      const value = mean(square(sub(h, b.y)));
      value.backward();
      return value.detach();
    });
    opt.step();
    const v = (await loss.data())[0];
    loss.dispose();
    return v;
  };
  const losses: number[] = [];
  for (let k = 0; k < 3; k++) losses.push(await step());
  const c0 = { ...counters };
  const s0 = be.stats();
  const times: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  const s1 = be.stats();
  const result: StepResult = {
    msPerStep: summarize(times),
    losses,
    submitsPerStep: (counters.submits - c0.submits) / steps,
    buffersPerStep: (counters.buffers - c0.buffers) / steps,
    extra: `${(s1.dispatches - s0.dispatches) / steps} dispatches/step, ${s1.pipelines - s0.pipelines} new pipelines, memory ${JSON.stringify(be.memory())}`,
  };
  opt.dispose?.();
  for (const t of [...params, ...batches.flatMap((b) => [b.x, b.y])]) t.dispose();
  return result;
}

// --- tfjs on WebGPU --------------------------------------------------------------------------------
async function tfMlp(tf: typeof TfCore, p: Problem, steps: number): Promise<StepResult> {
  const vars = p.init.map(({ data, shape }) => tf.variable(tf.tensor(data, shape)));
  const batches = p.batches.map(({ x, y }) => ({ x: tf.tensor2d(x, [BATCH, LAYERS[0]]), y: tf.tensor2d(y, [BATCH, LAYERS[3]]) }));
  const opt = tf.train.sgd(LR);
  let i = 0;
  const step = async (): Promise<number> => {
    const b = batches[i++ % batches.length];
    const cost = opt.minimize(() => {
      let h: TfCore.Tensor = b.x;
      for (let l = 0; l < vars.length; l += 2) {
        const z = tf.add(tf.matMul(h, vars[l]), vars[l + 1]);
        h = l + 2 < vars.length ? tf.tanh(z) : z;
      }
      return tf.mean(tf.square(tf.sub(h, b.y))) as TfCore.Scalar;
    }, true)!;
    const v = (await cost.data())[0];
    cost.dispose();
    return v;
  };
  const losses: number[] = [];
  for (let k = 0; k < 3; k++) losses.push(await step());
  const c0 = { ...counters };
  const times: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  const result: StepResult = {
    msPerStep: summarize(times),
    losses,
    submitsPerStep: (counters.submits - c0.submits) / steps,
    buffersPerStep: (counters.buffers - c0.buffers) / steps,
    extra: `tf.memory(): ${tf.memory().numTensors} tensors`,
  };
  opt.dispose();
  tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.y])]);
  return result;
}

/** tfjs-webgpu (the W2 bench's loader) with the gradients the MLP workload needs. */
async function loadTfWebGPUWithGradients(): Promise<{ tf: typeof TfCore; note: string } | { reason: string }> {
  const loaded = await loadTfWebGPU();
  if ('tf' in loaded) registerMlpGradients(loaded.tf);
  return loaded;
}

export async function runWebGPUBench(): Promise<void> {
  const steps = arg('steps', 10);
  const budget = arg('budget', 3000);
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) {
    process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  }
  instrument();
  instrumentWebGPU();
  let be: WebGPUBackend;
  try {
    be = await initWebGPU({ register: false });
  } catch (e) {
    console.log(`webgpu bench: skipped: ${(e as Error).message}`);
    return;
  }
  registerBackend(be);
  const info = (be.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  console.log(
    `@nn/webgpu-backend on Dawn (webgpu 0.6.2), adapter: ${info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown'}`,
  );
  const tfl = await loadTfWebGPUWithGradients();
  console.log(`@tensorflow/tfjs-backend-webgpu 4.22.0: ${'tf' in tfl ? `runs (${tfl.note})` : `does not run: ${tfl.reason}`}`);

  // matmul
  const rows: string[][] = [['matmul (incl. readback)', '@nn ms', '@nn GFLOP/s', 'tfjs ms', 'tfjs GFLOP/s', 'tfjs / @nn time']];
  for (const n of [256, 512]) {
    const rand = prng(n);
    const a = uniformArray(rand, n * n);
    const b = uniformArray(rand, n * n);
    const ta = tensor(a, { backend: be.name, shape: [n, n] });
    const tb = tensor(b, { backend: be.name, shape: [n, n] });
    const nnS = await timeAsync(async () => {
      const c = nnMatmul(ta, tb);
      await c.data();
      c.dispose();
    }, budget);
    let tfS: Sample | null = null;
    if ('tf' in tfl) {
      const { tf } = tfl;
      const xa = tf.tensor2d(a, [n, n]);
      const xb = tf.tensor2d(b, [n, n]);
      tfS = await timeAsync(async () => {
        const c = tf.matMul(xa, xb);
        await c.data();
        c.dispose();
      }, budget);
      tf.dispose([xa, xb]);
    }
    ta.dispose();
    tb.dispose();
    const gflops = (s: Sample | null): string => (s === null ? '-' : fmt((2 * n ** 3) / (s.medianMs * 1e6), 3));
    rows.push([
      `${n}x${n}x${n}`,
      fmt(nnS.medianMs, 1),
      gflops(nnS),
      tfS ? fmt(tfS.medianMs, 1) : '-',
      gflops(tfS),
      tfS ? fmt(tfS.medianMs / nnS.medianMs, 2) : '-',
    ]);
  }
  console.log(table(rows));

  // MLP training step
  const problem = makeProblem();
  const nnR = await nnMlp(be, problem, steps);
  const tfR = 'tf' in tfl ? await tfMlp(tfl.tf, problem, steps) : null;
  const mlpRows: string[][] = [
    [`MLP ${LAYERS.join('-')} tanh, batch ${BATCH}, SGD`, 'ms/step (median)', 'submits/step', 'buffers created/step', 'first losses'],
    [
      '@nn webgpu',
      fmt(nnR.msPerStep.medianMs, 1),
      fmt(nnR.submitsPerStep, 2),
      fmt(nnR.buffersPerStep, 2),
      nnR.losses.map((l) => l.toFixed(5)).join(' '),
    ],
  ];
  if (tfR)
    mlpRows.push([
      'tfjs webgpu',
      fmt(tfR.msPerStep.medianMs, 1),
      fmt(tfR.submitsPerStep, 2),
      fmt(tfR.buffersPerStep, 2),
      tfR.losses.map((l) => l.toFixed(5)).join(' '),
    ]);
  console.log(table(mlpRows));
  console.log(`@nn: ${nnR.extra}`);
  if (tfR) {
    console.log(`tfjs: ${tfR.extra}`);
    console.log(`time ratio tfjs / @nn per training step: ${fmt(tfR.msPerStep.medianMs / nnR.msPerStep.medianMs, 2)} (> 1: @nn faster)`);
  }
  // W2 (the issue's workload): dispatches and submits per step, fused and not, and tfjs.
  const unfused = await initWebGPU({ register: false, name: 'webgpu-unfused', fuseElementwise: false });
  registerBackend(unfused);
  await runW2(be, 'tf' in tfl ? tfl.tf : null, steps, unfused);
  unfused.dispose();
  be.dispose();
}

if (isMain(import.meta.url)) await runWebGPUBench();
