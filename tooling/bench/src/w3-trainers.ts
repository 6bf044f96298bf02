/**
 * W3 trainers the other files lack: jax-js (jit of value-and-grad plus the momentum update, as
 * mlp.ts times it, but behind the `Trainer` interface of wasm-mlp.ts) and @nn on a backend whose
 * reads are asynchronous (WebGPU). Same problem as mlp.ts: 2-16-16-1 tanh, batch 32, MSE, SGD
 * momentum 0.9, lr 0.05, the loss read back every step.
 */
import { noGrad } from '@nn/autograd';
import { add, matmul, mean, mul, square, sub, tanh, tensor, tidy, zerosLike } from '@nn/tensor';
import type * as Jax from '@jax-js/jax';
import { BATCH, LR, MOMENTUM, makeProblem } from './mlp.js';
import type { Trainer } from './wasm-mlp.js';

/** W3 in jax-js: one jit of valueAndGrad plus the momentum update; reads the loss every step. */
export function jaxSgdTrainer(jax: typeof Jax): Trainer {
  const { numpy: np, tree } = jax;
  type Arr = Jax.Array;
  const p = makeProblem();
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
