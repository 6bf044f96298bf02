/**
 * Training workloads of the wasm benchmark (wasm.ts), each runnable on any @nn backend by name:
 *
 * - W2: one Adam step of a 784-256-256-10 ReLU MLP on a batch of 128 (forward, cross-entropy,
 *   backward, update); @nn's hidden layers are `linear(x, w, b, 'relu')`, one recorded op each
 *   (fused forward; backward through relu and bias in one pass), and its loss is @nn/layers'
 *   `crossEntropy(logits, labels)`, also one recorded op (one fused kernel each way). @nn runs it
 *   twice: the update written with tensor ops (what an optimizer composes from primitives), and
 *   through the backend's fused Adam routine (`fused.adam` of the backend contract, what
 *   @nn/optim uses when a backend has it). tfjs-wasm: tf.train.adam;
 *   jax-js: one jit of value-and-grad plus the Adam update.
 * - W3: one SGD-momentum step of the 2-16-16-1 tanh MLP of mlp.ts (batch 32, MSE), composed
 *   update; steps/s.
 * - W4: RSS growth of the process over 500 W2 steps (after warm-up).
 *
 * Every library starts from the same weights and sees the same batches; every step reads its
 * loss back, so no library can defer work past the timer.
 */
import { noGrad, valueAndGrad } from '@nn/autograd';
import { crossEntropy } from '@nn/layers';
import {
  type Tensor,
  add,
  compile,
  div,
  getBackend,
  linear,
  matmul,
  mean,
  mul,
  sqrt,
  square,
  sub,
  tanh,
  tensor,
  tidy,
  zerosLike,
} from '@nn/tensor';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as Jax from '@jax-js/jax';
import { prng, uniformArray } from './harness.js';
import { BATCH as W3_BATCH, LR as W3_LR, MOMENTUM, makeProblem } from './mlp.js';

export const W2_SIZES = [784, 256, 256, 10] as const;
export const W2_BATCH = 128;
const W2_BATCHES = 8;
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface W2Problem {
  /** PyTorch layout: w as [out, in], then b [out], per layer. */
  init: { data: Float32Array; shape: number[] }[];
  batches: { x: Float32Array; labels: Int32Array }[];
}

export function makeW2Problem(seed = 11): W2Problem {
  const rand = prng(seed);
  const init: W2Problem['init'] = [];
  for (let l = 0; l + 1 < W2_SIZES.length; l++) {
    const fanIn = W2_SIZES[l];
    const out = W2_SIZES[l + 1];
    const bound = 1 / Math.sqrt(fanIn);
    init.push({ data: uniformArray(rand, out * fanIn, -bound, bound), shape: [out, fanIn] });
    init.push({ data: uniformArray(rand, out, -bound, bound), shape: [out] });
  }
  const batches: W2Problem['batches'] = [];
  for (let b = 0; b < W2_BATCHES; b++) {
    const x = uniformArray(rand, W2_BATCH * 784, 0, 1);
    const labels = Int32Array.from({ length: W2_BATCH }, () => Math.floor(rand() * 10));
    batches.push({ x, labels });
  }
  return { init, batches };
}

/** A trainer a workload can time: `step(i)` runs training step i (batch i mod n) and returns its loss. */
export interface Trainer {
  step(i: number): number;
  dispose(): void;
}

// --- @nn ---------------------------------------------------------------------------------------

/** W2 on an @nn backend; `fused` updates through the backend's fused Adam routine. */
export function nnAdamTrainer(backend: string, p: W2Problem, fused: boolean): Trainer {
  const o = { backend };
  const params = p.init.map(({ data, shape }) => tensor(data, { ...o, shape }).requiresGrad_());
  const m = params.map((t) => zerosLike(t));
  const v = params.map((t) => zerosLike(t));
  const batches = p.batches.map(({ x, labels }) => ({
    x: tensor(x, { ...o, shape: [W2_BATCH, 784] }),
    y: tensor(labels, { ...o, dtype: 'int32', shape: [W2_BATCH] }),
  }));
  let t = 0;
  const be = getBackend(backend);
  const fusedAdam = be.fused.adam;
  if (fused && fusedAdam === undefined) throw new Error(`backend ${backend} has no fused adam`);
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      t++;
      const loss = tidy(() => {
        // linear's activation argument: one recorded op per layer (fused forward and backward).
        const h1 = linear(x, params[0], params[1], 'relu');
        const h2 = linear(h1, params[2], params[3], 'relu');
        const logits = linear(h2, params[4], params[5]);
        // As a user writes it: one recorded op (fused forward and backward where the backend has them).
        const l = crossEntropy(logits, y);
        l.backward();
        return l;
      });
      const value = loss.item();
      loss.dispose();
      const opts = { ...ADAM, weightDecay: 0, decoupled: false, amsgrad: false, maximize: false, step: t };
      if (fused) {
        for (let k = 0; k < params.length; k++) fusedAdam!(params[k], params[k].grad!, m[k], v[k], null, opts);
      } else {
        const bc1 = 1 - ADAM.beta1 ** t;
        const bc2 = Math.sqrt(1 - ADAM.beta2 ** t);
        const next = tidy(() =>
          noGrad(() =>
            params.map((q, k) => {
              const g = q.grad!;
              const mk = add(mul(m[k], ADAM.beta1), mul(g, 1 - ADAM.beta1));
              const vk = add(mul(v[k], ADAM.beta2), mul(mul(g, 1 - ADAM.beta2), g));
              const denom = add(div(sqrt(vk), bc2), ADAM.eps);
              return { p: add(q, div(mul(mk, -ADAM.lr / bc1), denom)), m: mk, v: vk };
            }),
          ),
        );
        for (let k = 0; k < params.length; k++) {
          params[k].dispose();
          m[k].dispose();
          v[k].dispose();
          params[k] = next[k].p.requiresGrad_();
          m[k] = next[k].m;
          v[k] = next[k].v;
        }
      }
      for (const q of params) {
        q.grad?.dispose();
        q.grad = null;
      }
      return value;
    },
    dispose(): void {
      for (const q of [...params, ...m, ...v, ...batches.flatMap((b) => [b.x, b.y])]) q.dispose();
    },
  };
}

/**
 * W2 through `compile`: the step of nnAdamTrainer with Adam as tensor ops (same weights, batches
 * and bits), recorded once and replayed. Adam's step-dependent factors are 0-d tensors passed in
 * each step (a JavaScript number would be baked in at the recording).
 */
export function nnCompiledAdamTrainer(backend: string, p: W2Problem): Trainer {
  const o = { backend };
  let params = p.init.map(({ data, shape }) => tensor(data, { ...o, shape }));
  let m = params.map((t) => zerosLike(t));
  let v = params.map((t) => zerosLike(t));
  const batches = p.batches.map(({ x, labels }) => ({
    x: tensor(x, { ...o, shape: [W2_BATCH, 784] }),
    y: tensor(labels, { ...o, dtype: 'int32', shape: [W2_BATCH] }),
  }));
  const argnums = params.map((_, k) => k);
  const step = compile((ps: Tensor[], ms: Tensor[], vs: Tensor[], x: Tensor, y: Tensor, lrOverBc1: Tensor, sqrtBc2: Tensor) => {
    const lossOf = (...q: Tensor[]): Tensor => {
      const h1 = linear(x, q[0], q[1], 'relu');
      const h2 = linear(h1, q[2], q[3], 'relu');
      return crossEntropy(linear(h2, q[4], q[5]), y);
    };
    const [loss, grads] = valueAndGrad(lossOf, argnums)(...ps) as [Tensor, Tensor[]];
    const out: { loss: Tensor; params: Tensor[]; m: Tensor[]; v: Tensor[] } = { loss, params: [], m: [], v: [] };
    noGrad(() => {
      for (let k = 0; k < ps.length; k++) {
        const g = grads[k];
        const mk = add(mul(ms[k], ADAM.beta1), mul(g, 1 - ADAM.beta1));
        const vk = add(mul(vs[k], ADAM.beta2), mul(mul(g, 1 - ADAM.beta2), g));
        const denom = add(div(sqrt(vk), sqrtBc2), ADAM.eps);
        out.params.push(add(ps[k], div(mul(mk, lrOverBc1), denom)));
        out.m.push(mk);
        out.v.push(vk);
      }
    });
    return out;
  });
  let t = 0;
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      t++;
      const lrOverBc1 = tensor(-ADAM.lr / (1 - ADAM.beta1 ** t), o);
      const sqrtBc2 = tensor(Math.sqrt(1 - ADAM.beta2 ** t), o);
      const r = step(params, m, v, x, y, lrOverBc1, sqrtBc2);
      for (const q of [...params, ...m, ...v, lrOverBc1, sqrtBc2]) q.dispose();
      params = r.params;
      m = r.m;
      v = r.v;
      const value = r.loss.item();
      r.loss.dispose();
      return value;
    },
    dispose(): void {
      for (const q of [...params, ...m, ...v, ...batches.flatMap((b) => [b.x, b.y])]) q.dispose();
    },
  };
}

/** W3 on an @nn backend: 2-16-16-1 tanh, MSE, SGD momentum with tensor ops (as mlp.ts). */
export function nnSgdTrainer(backend: string): Trainer {
  const o = { backend };
  const p = makeProblem();
  let params = p.init.map(({ data, shape }) => tensor(data, { ...o, shape }).requiresGrad_());
  let vel = params.map((q) => zerosLike(q));
  const batches = p.batches.map(({ x, y }) => ({
    x: tensor(x, { ...o, shape: [W3_BATCH, 2] }),
    y: tensor(y, { ...o, shape: [W3_BATCH, 1] }),
  }));
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      let value = 0;
      const next = tidy(() => {
        let h = x;
        for (let l = 0; l < params.length; l += 2) {
          const z = add(matmul(h, params[l]), params[l + 1]);
          h = l + 2 < params.length ? tanh(z) : z;
        }
        const loss = mean(square(sub(h, y)));
        value = loss.item();
        loss.backward();
        return noGrad(() =>
          params.map((q, k) => {
            const v = add(mul(vel[k], MOMENTUM), q.grad!);
            return { p: sub(q, mul(v, W3_LR)), v };
          }),
        );
      });
      for (const q of [...params, ...vel]) q.dispose();
      params = next.map((n) => n.p.requiresGrad_());
      vel = next.map((n) => n.v);
      return value;
    },
    dispose(): void {
      for (const q of [...params, ...vel, ...batches.flatMap((b) => [b.x, b.y])]) q.dispose();
    },
  };
}

// --- tfjs (wasm backend) -------------------------------------------------------------------------

type Tf = typeof TfCore;

/** Registers the Relu gradient (tfjs-core's Node bundle ships none; port of Relu_grad.js). */
export function registerReluGradient(tf: Tf): void {
  if (tf.getGradient('Relu') != null) return;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => tf.mul(dy as TfCore.Tensor, tf.cast(tf.step(x), 'float32')) };
    },
  });
}

/** W2 in tfjs: the same model (w kept as [in, out]), softmax cross-entropy with its analytic gradient, tf.train.adam. */
export function tfAdamTrainer(tf: Tf, p: W2Problem): Trainer {
  const vars = p.init.map(({ data, shape }) =>
    tf.variable(shape.length === 2 ? tf.transpose(tf.tensor2d(data, [shape[0], shape[1]])) : tf.tensor1d(data)),
  );
  const batches = p.batches.map(({ x, labels }) => ({
    x: tf.tensor2d(x, [W2_BATCH, 784]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32'),
  }));
  const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  // mean over the batch of -sum(onehot * logSoftmax(z)); gradient (softmax(z) - onehot) / B.
  const crossEntropy = tf.customGrad((z, y, save) => {
    const zt = z as TfCore.Tensor;
    const yt = y as TfCore.Tensor;
    const ls = tf.logSoftmax(zt);
    (save as TfCore.GradSaveFunc)([ls, yt]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(yt, ls), 1))),
      gradFunc: (dy, saved) => {
        const [s, yy] = saved;
        return [tf.mul(dy, tf.div(tf.sub(tf.exp(s), yy), W2_BATCH)), tf.zerosLike(yy)];
      },
    };
  });
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      return tf.tidy(() => {
        const cost = opt.minimize(
          () => {
            const h1 = tf.relu(tf.add(tf.matMul(x, vars[0]), vars[1]));
            const h2 = tf.relu(tf.add(tf.matMul(h1, vars[2]), vars[3]));
            return crossEntropy(tf.add(tf.matMul(h2, vars[4]), vars[5]), y) as TfCore.Scalar;
          },
          true,
          vars,
        );
        return cost!.dataSync()[0];
      });
    },
    dispose(): void {
      opt.dispose();
      tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.y])]);
    },
  };
}

/** W3 in tfjs: tf.train.momentum (v = 0.9 v + g; p -= lr v), as mlp.ts. */
export function tfSgdTrainer(tf: Tf): Trainer {
  const p = makeProblem();
  const vars = p.init.map(({ data, shape }) => tf.variable(tf.tensor(data, shape)));
  const batches = p.batches.map(({ x, y }) => ({ x: tf.tensor2d(x, [W3_BATCH, 2]), y: tf.tensor2d(y, [W3_BATCH, 1]) }));
  const opt = tf.train.momentum(W3_LR, MOMENTUM);
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      return tf.tidy(() => {
        const cost = opt.minimize(
          () => {
            let h: TfCore.Tensor = x;
            for (let l = 0; l < vars.length; l += 2) {
              const z = tf.add(tf.matMul(h, vars[l]), vars[l + 1]);
              h = l + 2 < vars.length ? tf.tanh(z) : z;
            }
            return tf.mean(tf.square(tf.sub(h, y))) as TfCore.Scalar;
          },
          true,
          vars,
        );
        return cost!.dataSync()[0];
      });
    },
    dispose(): void {
      opt.dispose();
      tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.y])]);
    },
  };
}

// --- jax-js (wasm device) ------------------------------------------------------------------------

/** W2 in jax-js: one jit of value-and-grad plus the Adam update (w kept as [in, out]). */
export function jaxAdamTrainer(jax: typeof Jax, p: W2Problem): Trainer {
  const { numpy: np, tree, nn } = jax;
  type Arr = Jax.Array;
  const transpose = (d: Float32Array, r: number, c: number): Float32Array => {
    const out = new Float32Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = d[i * c + j];
    return out;
  };
  let params: Arr[] = p.init.map(({ data, shape }) =>
    shape.length === 2 ? np.array(transpose(data, shape[0], shape[1])).reshape([shape[1], shape[0]]) : np.array(data),
  );
  let m: Arr[] = params.map((a) => np.zerosLike(a.ref));
  let v: Arr[] = params.map((a) => np.zerosLike(a.ref));
  const batches = p.batches.map(({ x, labels }) => ({
    x: np.array(x).reshape([W2_BATCH, 784]),
    y: nn.oneHot(np.array(labels, { dtype: np.int32 }), 10),
  }));
  const lossFn = (ps: Arr[], x: Arr, y: Arr): Arr => {
    const h1 = nn.relu(np.matmul(x, ps[0]).add(ps[1]));
    const h2 = nn.relu(np.matmul(h1, ps[2]).add(ps[3]));
    const z = np.matmul(h2, ps[4]).add(ps[5]);
    return nn.logSoftmax(z, -1).mul(y).sum(1).mean().neg();
  };
  const step = jax.jit((ps: Arr[], ms: Arr[], vs: Arr[], x: Arr, y: Arr, scale: Arr, bc2: Arr) => {
    const [loss, g] = jax.valueAndGrad(lossFn)(tree.ref(ps), x, y);
    const gr = tree.ref(g);
    const m2 = ms.map((a, k) => a.mul(ADAM.beta1).add(g[k].mul(1 - ADAM.beta1)));
    const v2 = vs.map((a, k) => a.mul(ADAM.beta2).add(gr[k].ref.mul(1 - ADAM.beta2).mul(gr[k])));
    const p2 = ps.map((q, k) => q.add(m2[k].ref.mul(scale.ref).div(np.sqrt(v2[k].ref).div(bc2.ref).add(ADAM.eps))));
    scale.dispose();
    bc2.dispose();
    return { p: p2, m: m2, v: v2, loss };
  });
  let t = 0;
  return {
    step(i: number): number {
      const b = batches[i % batches.length];
      t++;
      const scale = np.array(new Float32Array([-ADAM.lr / (1 - ADAM.beta1 ** t)]));
      const bc2 = np.array(new Float32Array([Math.sqrt(1 - ADAM.beta2 ** t)]));
      const out = step(params, m, v, b.x.ref, b.y.ref, scale, bc2);
      params = out.p;
      m = out.m;
      v = out.v;
      return out.loss.dataSync()[0];
    },
    dispose(): void {
      tree.dispose([params, m, v, batches.map((b) => [b.x, b.y])]);
      step.dispose();
    },
  };
}
