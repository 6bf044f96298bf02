/**
 * W2 on WebGPU: one Adam step of the 784-256-256-10 ReLU MLP, batch 128, cross-entropy (the
 * workload of wasm-mlp.ts), for @nn/webgpu-backend and @tensorflow/tfjs-backend-webgpu on the same
 * Dawn adapter, with the loss read back every step.
 *
 * The headline is the GPU work per step, counted the same way for both libraries by wrapping the
 * WebGPU API's prototypes (see `instrumentWebGPU`): compute dispatches, queue submits, buffers
 * created, pipelines created and queue writes. On SwiftShader (software Vulkan) the times say
 * nothing about GPUs; they are printed for completeness.
 *
 * @nn's step is what a user writes: `relu(linear(...))` twice, `linear`, `logSoftmax` + `gather`
 * for the loss, `backward()`, and `Adam` from @nn/optim (which uses the backend's fused update).
 *
 * Run alone: node --conditions=@nn/source --import tsx src/webgpu-w2.ts [--steps 10] [--no-tfjs] [--no-unfused]
 * (also run by webgpu.ts). The row 'fusion off' is @nn with `fuseElementwise: false`: the counts
 * before the backend fused elementwise chains and matmul epilogues.
 */
import { existsSync } from 'node:fs';
import { type Tensor, gather, linear, logSoftmax, mean, neg, registerBackend, relu, tensor, tidy } from '@nn/tensor';
import '@nn/autograd';
import { Adam } from '@nn/optim';
import type * as TfCore from '@tensorflow/tfjs-core';
import { create, globals } from 'webgpu';
import { initWebGPU, type WebGPUBackend } from '@nn/webgpu-backend/node';
import { fmt, isMain, summarize, table, type Sample } from './harness.js';
import { registerMlpGradients } from './tfjs-gradients.js';
import { ADAM, makeW2Problem, registerReluGradient, W2_BATCH, W2_SIZES, type W2Problem } from './wasm-mlp.js';

/** GPU API calls counted for both libraries alike (monotonic). */
export interface GpuCounts {
  dispatches: number;
  submits: number;
  buffers: number;
  pipelines: number;
  writes: number;
}

export const gpuCounts: GpuCounts = { dispatches: 0, submits: 0, buffers: 0, pipelines: 0, writes: 0 };
let instrumented = false;

type Proto = Record<string, (...args: unknown[]) => unknown>;

function count(proto: Proto, method: string, key: keyof GpuCounts): void {
  const original = proto[method];
  if (typeof original !== 'function') return;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    gpuCounts[key]++;
    return original.apply(this, args);
  };
}

/** Wraps Dawn's GPU prototypes so every library's calls are counted (once per process). */
export function instrumentWebGPU(): void {
  if (instrumented) return;
  instrumented = true;
  const g = globals as unknown as Record<string, { prototype: Proto }>;
  count(g.GPUComputePassEncoder.prototype, 'dispatchWorkgroups', 'dispatches');
  count(g.GPUComputePassEncoder.prototype, 'dispatchWorkgroupsIndirect', 'dispatches');
  count(g.GPUQueue.prototype, 'submit', 'submits');
  count(g.GPUQueue.prototype, 'writeBuffer', 'writes');
  count(g.GPUDevice.prototype, 'createBuffer', 'buffers');
  count(g.GPUDevice.prototype, 'createComputePipeline', 'pipelines');
  count(g.GPUDevice.prototype, 'createComputePipelineAsync', 'pipelines');
}

/** Uses Debian chromium's SwiftShader when no Vulkan driver was chosen. */
export function defaultVulkanDriver(): void {
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) {
    process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  }
}

export interface W2Result {
  msPerStep: Sample;
  /** Losses of the first steps (a cross-check between libraries). */
  losses: number[];
  /** Per step, after warm-up. */
  perStep: GpuCounts;
}

type AsyncTrainer = { step(i: number): Promise<number>; dispose(): void };

async function measureW2(trainer: AsyncTrainer, steps: number, warmup = 3): Promise<W2Result> {
  const losses: number[] = [];
  for (let k = 0; k < warmup; k++) losses.push(await trainer.step(k));
  const c0 = { ...gpuCounts };
  const times: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await trainer.step(warmup + k);
    times.push(performance.now() - t0);
  }
  const perStep = { ...gpuCounts };
  for (const key of Object.keys(perStep) as (keyof GpuCounts)[]) perStep[key] = (gpuCounts[key] - c0[key]) / steps;
  trainer.dispose();
  return { msPerStep: summarize(times), losses, perStep };
}

/** W2 with @nn on a registered backend: layers of ops, autograd, @nn/optim's Adam. */
function nnTrainer(backend: string, p: W2Problem): AsyncTrainer {
  const o = { backend };
  const params = p.init.map(({ data, shape }) => tensor(data, { ...o, shape }).requiresGrad_());
  const opt = new Adam(params, { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
  const batches = p.batches.map(({ x, labels }) => ({
    x: tensor(x, { ...o, shape: [W2_BATCH, 784] }),
    y: tensor(labels, { ...o, dtype: 'int32', shape: [W2_BATCH, 1] }),
  }));
  return {
    async step(i: number): Promise<number> {
      const { x, y } = batches[i % batches.length];
      opt.zeroGrad();
      const loss: Tensor = tidy(() => {
        const h1 = relu(linear(x, params[0], params[1]));
        const h2 = relu(linear(h1, params[2], params[3]));
        const l = neg(mean(gather(logSoftmax(linear(h2, params[4], params[5]), 1), 1, y)));
        l.backward();
        return l.detach();
      });
      opt.step();
      const v = (await loss.data())[0];
      loss.dispose();
      return v;
    },
    dispose(): void {
      opt.zeroGrad();
      for (const t of [...params, ...batches.flatMap((b) => [b.x, b.y])]) t.dispose();
    },
  };
}

/** W2 with tfjs: the model of wasm-mlp.ts's tfAdamTrainer, reading the loss asynchronously. */
function tfTrainer(tf: typeof TfCore, p: W2Problem): AsyncTrainer {
  registerMlpGradients(tf);
  registerReluGradient(tf);
  const vars = p.init.map(({ data, shape }) =>
    tf.variable(shape.length === 2 ? tf.transpose(tf.tensor2d(data, [shape[0], shape[1]])) : tf.tensor1d(data)),
  );
  const batches = p.batches.map(({ x, labels }) => ({
    x: tf.tensor2d(x, [W2_BATCH, 784]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32'),
  }));
  const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  const crossEntropy = tf.customGrad((z, y, save) => {
    const ls = tf.logSoftmax(z as TfCore.Tensor);
    (save as TfCore.GradSaveFunc)([ls, y as TfCore.Tensor]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(y as TfCore.Tensor, ls), 1))),
      gradFunc: (dy, saved) => {
        const [s, yy] = saved;
        return [tf.mul(dy, tf.div(tf.sub(tf.exp(s), yy), W2_BATCH)), tf.zerosLike(yy)];
      },
    };
  });
  return {
    async step(i: number): Promise<number> {
      const { x, y } = batches[i % batches.length];
      const cost: TfCore.Scalar = tf.tidy(
        () =>
          opt.minimize(
            () => {
              const h1 = tf.relu(tf.add(tf.matMul(x, vars[0]), vars[1]));
              const h2 = tf.relu(tf.add(tf.matMul(h1, vars[2]), vars[3]));
              return crossEntropy(tf.add(tf.matMul(h2, vars[4]), vars[5]), y) as TfCore.Scalar;
            },
            true,
            vars,
          )!,
      );
      const v = (await cost.data())[0];
      cost.dispose();
      return v;
    },
    dispose(): void {
      opt.dispose();
      tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.y])]);
    },
  };
}

/** Loads tfjs-webgpu on Dawn's adapter (navigator.gpu from the `webgpu` package), or says why not. */
export async function loadTfWebGPU(): Promise<{ tf: typeof TfCore; note: string } | { reason: string }> {
  try {
    const g = globalThis as { navigator?: unknown };
    if (g.navigator === undefined || (g.navigator as { gpu?: unknown }).gpu === undefined) {
      Object.assign(globalThis, globals);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    }
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    const warn = console.warn;
    console.warn = () => {};
    let ok: boolean;
    try {
      ok = await tf.setBackend('webgpu');
      await tf.ready();
    } finally {
      console.warn = warn;
    }
    if (!ok) return { reason: "tf.setBackend('webgpu') returned false" };
    const r = await tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).data();
    if (r[0] !== 3) return { reason: `smoke test gave ${r[0]} instead of 3` };
    return { tf, note: `tfjs-core ${tf.version_core}, backend ${tf.getBackend()}` };
  } catch (e) {
    return { reason: `failed: ${(e as Error).message}` };
  }
}

/**
 * Runs W2 for @nn on `be` (registered), on `unfused` (registered, `fuseElementwise: false`: the
 * counts before fusion) when given, and on tfjs-webgpu when given; prints the table.
 */
export async function runW2(
  be: WebGPUBackend,
  tf: typeof TfCore | null,
  steps: number,
  unfused: WebGPUBackend | null = null,
): Promise<{ nn: W2Result; unfused: W2Result | null; tf: W2Result | null }> {
  const problem = makeW2Problem();
  const s0 = be.stats();
  const nn = await measureW2(nnTrainer(be.name, problem), steps);
  const s1 = be.stats();
  const plain = unfused === null ? null : await measureW2(nnTrainer(unfused.name, problem), steps);
  const tfr = tf === null ? null : await measureW2(tfTrainer(tf, problem), steps);
  const head = [
    `W2 ${W2_SIZES.join('-')} ReLU, batch ${W2_BATCH}, Adam`,
    'dispatches/step',
    'submits/step',
    'buffers created/step',
    'pipelines/step',
    'queue writes/step',
    'ms/step (median)',
    'first losses',
  ];
  const row = (name: string, r: W2Result): string[] => [
    name,
    fmt(r.perStep.dispatches, 1),
    fmt(r.perStep.submits, 2),
    fmt(r.perStep.buffers, 2),
    fmt(r.perStep.pipelines, 2),
    fmt(r.perStep.writes, 1),
    fmt(r.msPerStep.medianMs, 1),
    r.losses.map((l) => l.toFixed(5)).join(' '),
  ];
  const rows = [head, row('@nn webgpu', nn)];
  if (plain !== null) rows.push(row('@nn webgpu, fusion off', plain));
  if (tfr !== null) rows.push(row('tfjs webgpu', tfr));
  console.log(table(rows));
  console.log(
    `@nn (own counters, whole run incl. warm-up): ${s1.dispatches - s0.dispatches} dispatches, ` +
      `${s1.fusedOps - s0.fusedOps} elementwise ops in ${s1.fusedChains - s0.fusedChains} fused chains, ` +
      `${s1.pipelines - s0.pipelines} pipelines compiled in ${fmt(s1.compileMs - s0.compileMs, 0)} ms`,
  );
  if (tfr !== null) {
    console.log(
      `tfjs / @nn per step: dispatches ${fmt(tfr.perStep.dispatches / nn.perStep.dispatches, 2)}, ` +
        `submits ${fmt(tfr.perStep.submits / nn.perStep.submits, 2)}, time ${fmt(tfr.msPerStep.medianMs / nn.msPerStep.medianMs, 2)} (> 1: @nn does less)`,
    );
  }
  return { nn, unfused: plain, tf: tfr };
}

/** The W2 WebGPU bench as a script: --steps N, --no-tfjs, --no-unfused (skip the fusion-off row). */
export async function runW2Bench(): Promise<void> {
  const i = process.argv.indexOf('--steps');
  const steps = i >= 0 ? Number(process.argv[i + 1]) : 10;
  defaultVulkanDriver();
  instrumentWebGPU();
  let be: WebGPUBackend;
  try {
    be = await initWebGPU({ register: false });
  } catch (e) {
    console.log(`webgpu W2 bench: skipped: ${(e as Error).message}`);
    return;
  }
  registerBackend(be);
  let unfused: WebGPUBackend | null = null;
  if (!process.argv.includes('--no-unfused')) {
    unfused = await initWebGPU({ register: false, name: 'webgpu-unfused', fuseElementwise: false });
    registerBackend(unfused);
  }
  const tfl = process.argv.includes('--no-tfjs') ? { reason: '--no-tfjs' } : await loadTfWebGPU();
  console.log(`@tensorflow/tfjs-backend-webgpu 4.22.0: ${'tf' in tfl ? `runs (${tfl.note})` : `not run: ${tfl.reason}`}`);
  await runW2(be, 'tf' in tfl ? tfl.tf : null, steps, unfused);
  unfused?.dispose();
  be.dispose();
}

if (isMain(import.meta.url)) await runW2Bench();
