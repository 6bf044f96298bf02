/**
 * The W3 trainer the other files lack: @nn on a backend whose reads are asynchronous (WebGPU); the
 * jax-js one is mlp.ts's `jaxSgdTrainer`. Same problem as mlp.ts: 2-16-16-1 tanh, batch 32, MSE, SGD
 * momentum 0.9, lr 0.05, the loss read back every step.
 */
import { noGrad } from '@nn/autograd';
import { add, matmul, mean, mul, square, sub, tanh, tensor, tidy, zerosLike } from '@nn/tensor';
import { BATCH, LR, MOMENTUM, makeProblem } from './mlp.js';

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
