/**
 * The W3 trainers the other files lack: @nn on a backend whose reads are asynchronous (WebGPU), and
 * @nn written as a PyTorch-course user writes it (modules, a loss function, an optimizer); the
 * jax-js one is mlp.ts's `jaxSgdTrainer`. Same problem as mlp.ts: 2-16-16-1 tanh, batch 32, MSE, SGD
 * momentum 0.9, lr 0.05, the loss read back every step.
 */
import { noGrad, valueAndGrad } from '@nn/autograd';
import { Linear, Sequential, Tanh, mseLoss } from '@nn/layers';
import { SGD } from '@nn/optim';
import { type Tensor, add, compile, matmul, mean, mul, square, sub, tanh, tensor, tidy, zerosLike } from '@nn/tensor';
import { BATCH, LAYERS, LR, MOMENTUM, makeProblem } from './mlp.js';
import type { Trainer } from './wasm-mlp.js';

/** A trainer whose step ends with an asynchronous read of the loss. */
export interface AsyncTrainer {
  step(i: number): Promise<number>;
  dispose(): void;
}

/** W3 on an @nn backend without synchronous reads: the step of wasm-mlp.ts's nnSgdTrainer, loss awaited. */
export function nnSgdTrainerAsync(backend: string): AsyncTrainer {
  const o = { backend };
  const p = makeProblem();
  let params = p.init.map(({ data, shape }) => tensor(data, { ...o, shape }).requiresGrad_());
  let vel = params.map((q) => zerosLike(q));
  const batches = p.batches.map(({ x, y }) => ({ x: tensor(x, { ...o, shape: [BATCH, 2] }), y: tensor(y, { ...o, shape: [BATCH, 1] }) }));
  return {
    async step(i: number): Promise<number> {
      const { x, y } = batches[i % batches.length];
      const { loss, next } = tidy(() => {
        let h = x;
        for (let l = 0; l < params.length; l += 2) {
          const z = add(matmul(h, params[l]), params[l + 1]);
          h = l + 2 < params.length ? tanh(z) : z;
        }
        const l = mean(square(sub(h, y)));
        l.backward();
        const updated = noGrad(() =>
          params.map((q, k) => {
            const v = add(mul(vel[k], MOMENTUM), q.grad!);
            return { p: sub(q, mul(v, LR)), v };
          }),
        );
        return { loss: l, next: updated };
      });
      for (const q of [...params, ...vel]) q.dispose();
      params = next.map((n) => n.p.requiresGrad_());
      vel = next.map((n) => n.v);
      const value = (await loss.data())[0];
      loss.dispose();
      return value;
    },
    dispose(): void {
      for (const q of [...params, ...vel, ...batches.flatMap((b) => [b.x, b.y])]) q.dispose();
    },
  };
}

/**
 * W3 as a PyTorch course writes it: `Sequential(Linear, Tanh, Linear, Tanh, Linear)`, `mseLoss`,
 * `SGD({ lr, momentum })` and `zeroGrad(); loss.backward(); step()`. Linear runs the backend's fused
 * linear and SGD its fused update where the backend has them (cpu and wasm do), so this is not the
 * tensor-op step of wasm-mlp.ts's nnSgdTrainer; same weights and batches, same losses to rounding.
 */
export function nnModuleTrainer(backend: string): Trainer {
  const p = makeProblem();
  const layers = [];
  for (let l = 0; l + 1 < LAYERS.length; l++) {
    if (l > 0) layers.push(new Tanh());
    layers.push(new Linear(LAYERS[l], LAYERS[l + 1], { backend }));
  }
  const model = new Sequential(...layers);
  // mlp.ts keeps w as [in, out]; Linear's weight is [out, in].
  const linears = layers.filter((m): m is Linear => m instanceof Linear);
  linears.forEach((lin, l) => {
    const w = p.init[2 * l];
    const [fanIn, out] = w.shape;
    const wt = new Float32Array(fanIn * out);
    for (let i = 0; i < fanIn; i++) for (let j = 0; j < out; j++) wt[j * fanIn + i] = w.data[i * out + j];
    tidy(() =>
      noGrad(() => {
        lin.weight.copy_(tensor(wt, { backend, shape: [out, fanIn] }));
        lin.bias!.copy_(tensor(p.init[2 * l + 1].data, { backend, shape: [out] }));
      }),
    );
  });
  const optimizer = new SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
  const batches = p.batches.map(({ x, y }) => ({
    x: tensor(x, { backend, shape: [BATCH, 2] }),
    y: tensor(y, { backend, shape: [BATCH, 1] }),
  }));
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      optimizer.zeroGrad();
      const value = tidy(() => {
        const loss = mseLoss(model(x), y);
        loss.backward();
        return loss.item();
      });
      optimizer.step();
      return value;
    },
    dispose(): void {
      for (const q of [...model.parameters(), ...batches.flatMap((b) => [b.x, b.y])]) q.dispose();
    },
  };
}

/**
 * W3's tensor-op step (wasm-mlp.ts's nnSgdTrainer: same ops, weights and batches) through
 * `compile`: the first call records the backend calls, later calls replay them, so each step runs
 * its kernels without the per-op JavaScript (tensor objects, autograd graph, scopes). Written as
 * jax-js's W3 is (a pure function of parameters, velocities and batch, gradients by valueAndGrad).
 */
export function nnCompiledTrainer(backend: string): Trainer {
  const p = makeProblem();
  let params = p.init.map(({ data, shape }) => tensor(data, { backend, shape }));
  let vel = params.map((q) => zerosLike(q));
  const batches = p.batches.map(({ x, y }) => ({
    x: tensor(x, { backend, shape: [BATCH, 2] }),
    y: tensor(y, { backend, shape: [BATCH, 1] }),
  }));
  const argnums = params.map((_, k) => k);
  const step = compile((ps: Tensor[], vs: Tensor[], x: Tensor, y: Tensor) => {
    const lossOf = (...q: Tensor[]): Tensor => {
      let h = x;
      for (let l = 0; l < q.length; l += 2) {
        const z = add(matmul(h, q[l]), q[l + 1]);
        h = l + 2 < q.length ? tanh(z) : z;
      }
      return mean(square(sub(h, y)));
    };
    const [loss, grads] = valueAndGrad(lossOf, argnums)(...ps) as [Tensor, Tensor[]];
    const next = noGrad(() => {
      const out: { params: Tensor[]; vel: Tensor[] } = { params: [], vel: [] };
      for (let k = 0; k < ps.length; k++) {
        const v = add(mul(vs[k], MOMENTUM), grads[k]);
        out.vel.push(v);
        out.params.push(sub(ps[k], mul(v, LR)));
      }
      return out;
    });
    return { loss, ...next };
  });
  return {
    step(i: number): number {
      const { x, y } = batches[i % batches.length];
      const r = step(params, vel, x, y);
      for (let k = 0; k < params.length; k++) {
        params[k].dispose();
        vel[k].dispose();
      }
      params = r.params;
      vel = r.vel;
      const value = r.loss.item();
      r.loss.dispose();
      return value;
    },
    dispose(): void {
      for (const q of [...params, ...vel, ...batches.flatMap((b) => [b.x, b.y])]) q.dispose();
    },
  };
}
