/**
 * Training-step throughput of a small MLP: 2-16-16-1 with tanh, batch 32, MSE loss, SGD with
 * momentum 0.9 (PyTorch/tfjs convention: v = 0.9 v + g; p = p - lr v).
 *
 * - @nn: forward + `loss.backward()` + a hand-written update with tensor ops under `noGrad`, all
 *   inside one `tidy` per step; old parameters and velocity buffers are disposed every step.
 *   Also timed: forward + backward only (grads dropped each step).
 * - tfjs (tfjs-backend-cpu): `tf.train.momentum(lr, 0.9).minimize(...)` in `tf.tidy`.
 * - jax-js (wasm), when it runs: `jit` of valueAndGrad + the same update as a pytree map.
 *
 * Every library starts from identical weights and sees identical batches, so a short parity run
 * (losses after a fixed number of steps) doubles as a correctness cross-check and as warm-up.
 * A timed run is `STEPS_PER_RUN` steps; the median run gives steps/s.
 *
 * Run alone: node --conditions=@nn/source --import tsx src/mlp.ts [--budget 1000]
 */
import { type Tensor, add, matmul, mean, memory, square, sub, tanh, tensor, tidy, zerosLike } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as Jax from '@jax-js/jax';
import { type Log, type Sample, fmt, isMain, measure, prng, stdoutLog, table, uniformArray } from './harness.js';
import { loadJax, loadTf } from './libs.js';
import { registerMlpGradients } from './tfjs-gradients.js';
import type { Trainer } from './wasm-mlp.js';

export const LAYERS = [2, 16, 16, 1] as const;
export const BATCH = 32;
export const LR = 0.05;
export const MOMENTUM = 0.9;
const N_BATCHES = 16;
const STEPS_PER_RUN = 25;
const PARITY_STEPS = 200;

interface Problem {
  /** Per parameter: data and shape, in the order w1, b1, w2, b2, w3, b3 (w as [in, out]). */
  init: { data: Float32Array; shape: number[] }[];
  batches: { x: Float32Array; y: Float32Array }[];
}

/** Seeded weights (uniform +-1/sqrt(fan_in), like torch.nn.Linear) and regression batches. */
export function makeProblem(seed = 7): Problem {
  const rand = prng(seed);
  const init: Problem['init'] = [];
  for (let l = 0; l + 1 < LAYERS.length; l++) {
    const fanIn = LAYERS[l];
    const bound = 1 / Math.sqrt(fanIn);
    init.push({ data: uniformArray(rand, fanIn * LAYERS[l + 1], -bound, bound), shape: [fanIn, LAYERS[l + 1]] });
    init.push({ data: uniformArray(rand, LAYERS[l + 1], -bound, bound), shape: [LAYERS[l + 1]] });
  }
  const batches: Problem['batches'] = [];
  for (let b = 0; b < N_BATCHES; b++) {
    const x = uniformArray(rand, BATCH * 2, -2, 2);
    const y = new Float32Array(BATCH);
    for (let i = 0; i < BATCH; i++) y[i] = Math.sin(x[2 * i]) * Math.cos(x[2 * i + 1]);
    batches.push({ x, y });
  }
  return { init, batches };
}

/** What one library's run produced. */
export interface MlpLibResult {
  /** Full training step (forward + backward + update). */
  train: Sample;
  /** Forward + backward only (no update), when measured. */
  fwdBwd: Sample | null;
  /** Batch loss at step 0 and after PARITY_STEPS steps. */
  loss0: number;
  lossN: number;
  /** Live tensors before/after all timed steps (library's own counter). */
  tensorsBefore: number | null;
  tensorsAfter: number | null;
  memoryNote: string;
}

export interface MlpResult {
  nn: MlpLibResult;
  tfjs: MlpLibResult | null;
  jax: MlpLibResult | null;
  notes: string[];
}

export const stepsPerSecond = (s: Sample | null | undefined): number | null => (s ? (STEPS_PER_RUN * 1000) / s.medianMs : null);

// --- @nn -------------------------------------------------------------------------------------

function nnForward(params: Tensor[], x: Tensor): Tensor {
  let h = x;
  for (let l = 0; l < params.length; l += 2) {
    const z = add(matmul(h, params[l]), params[l + 1]);
    h = l + 2 < params.length ? tanh(z) : z;
  }
  return h;
}

function nnLoss(params: Tensor[], x: Tensor, y: Tensor): Tensor {
  return mean(square(sub(nnForward(params, x), y)));
}

class NnTrainer {
  params: Tensor[];
  velocity: Tensor[];

  constructor(p: Problem) {
    this.params = p.init.map(({ data, shape }) => tensor(data, { shape }).requiresGrad_());
    this.velocity = this.params.map((t) => zerosLike(t));
  }

  /** One SGD-momentum step; returns the batch loss before the update when asked. */
  step(x: Tensor, y: Tensor, readLoss = false): number | undefined {
    let value: number | undefined;
    const next = tidy(() => {
      const loss = nnLoss(this.params, x, y);
      if (readLoss) value = loss.item();
      loss.backward();
      return noGrad(() =>
        this.params.map((p, i) => {
          const v = add(this.velocity[i].mul(MOMENTUM), p.grad!);
          return { p: sub(p, v.mul(LR)), v };
        }),
      );
    });
    for (let i = 0; i < this.params.length; i++) {
      this.params[i].dispose(); // also frees its .grad
      this.velocity[i].dispose();
      this.params[i] = next[i].p.requiresGrad_();
      this.velocity[i] = next[i].v;
    }
    return value;
  }

  /** Forward + backward, then drop the gradients (no update). */
  forwardBackward(x: Tensor, y: Tensor): void {
    tidy(() => nnLoss(this.params, x, y).backward());
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  dispose(): void {
    for (const t of [...this.params, ...this.velocity]) t.dispose();
  }
}

function benchNn(p: Problem, budgetMs: number): MlpLibResult {
  const batches = p.batches.map(({ x, y }) => ({ x: tensor(x, { shape: [BATCH, 2] }), y: tensor(y, { shape: [BATCH, 1] }) }));
  const trainer = new NnTrainer(p);
  let loss0 = 0;
  let lossN = 0;
  for (let s = 0; s <= PARITY_STEPS; s++) {
    const b = batches[s % N_BATCHES];
    const l = trainer.step(b.x, b.y, s === 0 || s === PARITY_STEPS)!;
    if (s === 0) loss0 = l;
    if (s === PARITY_STEPS) lossN = l;
  }
  const before = memory();
  let k = 0;
  const train = measure(
    () => {
      for (let i = 0; i < STEPS_PER_RUN; i++, k++) trainer.step(batches[k % N_BATCHES].x, batches[k % N_BATCHES].y);
    },
    { budgetMs },
  );
  const fwdBwd = measure(
    () => {
      for (let i = 0; i < STEPS_PER_RUN; i++, k++) trainer.forwardBackward(batches[k % N_BATCHES].x, batches[k % N_BATCHES].y);
    },
    { budgetMs },
  );
  const after = memory();
  trainer.dispose();
  for (const b of batches) {
    b.x.dispose();
    b.y.dispose();
  }
  const bytes = (m: typeof before) => Object.values(m.backends).reduce((s, b) => s + b.bytes, 0);
  return {
    train,
    fwdBwd,
    loss0,
    lossN,
    tensorsBefore: before.tensors,
    tensorsAfter: after.tensors,
    memoryNote:
      `live tensors ${before.tensors} -> ${after.tensors}, autograd-saved ${before.saved} -> ${after.saved}, ` +
      `backend bytes ${bytes(before)} -> ${bytes(after)} (over ${k} timed steps)`,
  };
}

// --- tfjs ------------------------------------------------------------------------------------

function benchTf(tf: typeof TfCore, p: Problem, budgetMs: number): MlpLibResult {
  const vars = p.init.map(({ data, shape }) => tf.variable(tf.tensor(data, shape)));
  const batches = p.batches.map(({ x, y }) => ({ x: tf.tensor2d(x, [BATCH, 2]), y: tf.tensor2d(y, [BATCH, 1]) }));
  const opt = tf.train.momentum(LR, MOMENTUM);
  const lossOf = (x: TfCore.Tensor, y: TfCore.Tensor) => () => {
    let h: TfCore.Tensor = x;
    for (let l = 0; l < vars.length; l += 2) {
      const z = tf.add(tf.matMul(h, vars[l]), vars[l + 1]);
      h = l + 2 < vars.length ? tf.tanh(z) : z;
    }
    return tf.mean(tf.square(tf.sub(h, y))) as TfCore.Scalar;
  };
  const step = (x: TfCore.Tensor, y: TfCore.Tensor, readLoss = false): number | undefined =>
    tf.tidy(() => {
      const cost = opt.minimize(lossOf(x, y), readLoss, vars);
      return cost === null ? undefined : cost.dataSync()[0];
    });
  let loss0 = 0;
  let lossN = 0;
  for (let s = 0; s <= PARITY_STEPS; s++) {
    const b = batches[s % N_BATCHES];
    const l = step(b.x, b.y, s === 0 || s === PARITY_STEPS)!;
    if (s === 0) loss0 = l;
    if (s === PARITY_STEPS) lossN = l;
  }
  const before = tf.memory();
  let k = 0;
  const train = measure(
    () => {
      for (let i = 0; i < STEPS_PER_RUN; i++, k++) step(batches[k % N_BATCHES].x, batches[k % N_BATCHES].y);
    },
    { budgetMs },
  );
  const after = tf.memory();
  opt.dispose();
  tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.y])]);
  return {
    train,
    fwdBwd: null,
    loss0,
    lossN,
    tensorsBefore: before.numTensors,
    tensorsAfter: after.numTensors,
    memoryNote: `tf.memory().numTensors ${before.numTensors} -> ${after.numTensors}, bytes ${before.numBytes} -> ${after.numBytes}`,
  };
}

// --- jax-js ----------------------------------------------------------------------------------

function benchJax(jax: typeof Jax, p: Problem, budgetMs: number): MlpLibResult {
  const trainer = jaxSgdTrainer(jax, p);
  let loss0 = 0;
  let lossN = 0;
  for (let s = 0; s <= PARITY_STEPS; s++) {
    const l = trainer.step(s);
    if (s === 0) loss0 = l;
    if (s === PARITY_STEPS) lossN = l;
  }
  let k = 0;
  const train = measure(
    () => {
      for (let i = 0; i < STEPS_PER_RUN; i++, k++) trainer.step(k);
    },
    { budgetMs },
  );
  trainer.dispose();
  return {
    train,
    fwdBwd: null,
    loss0,
    lossN,
    tensorsBefore: null,
    tensorsAfter: null,
    memoryNote: 'jax-js exposes no live-array counter; arrays are freed by ownership',
  };
}

/**
 * W3 in jax-js: one jit of valueAndGrad plus the momentum update; reads the loss every step (which
 * also forces jax-js's deferred work). jax-js ownership: every function consumes its array
 * arguments; `.ref` / tree.ref keep one.
 */
export function jaxSgdTrainer(jax: typeof Jax, p: Problem = makeProblem()): Trainer {
  const { numpy: np, tree } = jax;
  type Arr = Jax.Array;
  let params: Arr[] = p.init.map(({ data, shape }) => np.array(data).reshape(shape));
  let vel: Arr[] = params.map((a) => np.zerosLike(a.ref));
  const batches = p.batches.map(({ x, y }) => ({ x: np.array(x).reshape([BATCH, 2]), y: np.array(y).reshape([BATCH, 1]) }));
  const lossFn = (ps: Arr[], x: Arr, y: Arr): Arr => {
    let h = x;
    for (let l = 0; l < ps.length; l += 2) {
      const z = np.matmul(h, ps[l]).add(ps[l + 1]);
      h = l + 2 < ps.length ? np.tanh(z) : z;
    }
    const d = h.sub(y);
    return d.ref.mul(d).mean();
  };
  const step = jax.jit((ps: Arr[], vs: Arr[], x: Arr, y: Arr) => {
    const [loss, g] = jax.valueAndGrad(lossFn)(tree.ref(ps), x, y);
    const v2 = vs.map((v, i) => v.mul(MOMENTUM).add(g[i]));
    const p2 = ps.map((q, i) => q.sub(v2[i].ref.mul(LR)));
    return { p: p2, v: v2, loss };
  });
  return {
    step(i: number): number {
      const b = batches[i % batches.length];
      const out = step(params, vel, b.x.ref, b.y.ref);
      params = out.p;
      vel = out.v;
      return out.loss.dataSync()[0];
    },
    dispose(): void {
      tree.dispose([params, vel, batches.map((b) => [b.x, b.y])]);
      step.dispose();
    },
  };
}

// --- driver ----------------------------------------------------------------------------------

export interface MlpOptions {
  budgetMs?: number;
  log?: Log;
}

export async function benchMlp(options: MlpOptions = {}): Promise<MlpResult> {
  const { budgetMs = 1000, log = stdoutLog } = options;
  const problem = makeProblem();
  const notes: string[] = [];
  const nn = benchNn(problem, budgetMs);
  log(`  @nn: ${fmt(stepsPerSecond(nn.train), 0)} steps/s (fwd+bwd only ${fmt(stepsPerSecond(nn.fwdBwd), 0)}); ${nn.memoryNote}`);
  if (nn.tensorsBefore !== nn.tensorsAfter) notes.push(`WARNING: @nn live tensors grew during training: ${nn.memoryNote}`);

  const tfL = await loadTf();
  let tfjs: MlpLibResult | null = null;
  if (tfL.ok) {
    const added = registerMlpGradients(tfL.lib);
    if (added.length > 0)
      notes.push(`tfjs: registered ported tfjs-core gradients for ${added.join(', ')} (the Node bundle of tfjs-core ships none)`);
    tfjs = benchTf(tfL.lib, problem, budgetMs);
    log(`  tfjs: ${fmt(stepsPerSecond(tfjs.train), 0)} steps/s; ${tfjs.memoryNote}`);
  } else notes.push(`tfjs skipped: ${tfL.reason}`);

  const jaxL = await loadJax();
  let jax: MlpLibResult | null = null;
  if (jaxL.ok) {
    try {
      jax = benchJax(jaxL.lib, problem, budgetMs);
      log(`  jax-js: ${fmt(stepsPerSecond(jax.train), 0)} steps/s (jit)`);
    } catch (e) {
      notes.push(`jax-js MLP failed: ${(e as Error).message}`);
    }
  } else notes.push(`jax-js skipped: ${jaxL.reason}`);
  return { nn, tfjs, jax, notes };
}

export function mlpTable(r: MlpResult): string {
  const ours = stepsPerSecond(r.nn.train)!;
  const row = (name: string, res: MlpLibResult | null, s: Sample | null | undefined, withRatio: boolean) => {
    const sps = stepsPerSecond(s);
    return [
      name,
      fmt(sps, 0),
      s ? fmt((s.medianMs * 1000) / STEPS_PER_RUN, 1) : '-',
      withRatio && sps !== null ? `${fmt(ours / sps)}x` : '-',
      res ? `${res.loss0.toFixed(5)} -> ${res.lossN.toFixed(5)}` : '-',
    ];
  };
  return table([
    ['library', 'steps/s', 'us/step', 'ours/theirs', `loss step 0 -> ${PARITY_STEPS}`],
    row('@nn (fwd+bwd+update)', r.nn, r.nn.train, false),
    row('@nn (fwd+bwd only)', null, r.nn.fwdBwd, false),
    row('tfjs cpu (minimize)', r.tfjs, r.tfjs?.train, true),
    row('jax-js wasm (jit)', r.jax, r.jax?.train, true),
  ]);
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--budget');
  const budgetMs = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  console.log(`mlp: ${LAYERS.join('-')} tanh, batch ${BATCH}, MSE, SGD momentum ${MOMENTUM}, lr ${LR}`);
  const result = await benchMlp({ budgetMs });
  console.log(`\n${mlpTable(result)}`);
  for (const n of result.notes) console.log(`  ${n}`);
}
