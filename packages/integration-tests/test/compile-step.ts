/**
 * A W3-style training step (2-16-16-1 tanh MLP, mean squared error, SGD momentum as tensor ops,
 * gradients from valueAndGrad) run through compile or eagerly, for the compile tests of each backend.
 */
import { noGrad, valueAndGrad } from '@nn/autograd';
import * as O from '@nn/optim';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { seeded } from './mlp.js';

const SIZES = [2, 16, 16, 1];
const BATCH = 8;
const LR = 0.05;
const MOMENTUM = 0.9;

/** One step: the loss, and the parameters and velocities after a momentum update. */
export function w3Step(ps: Tensor[], vs: Tensor[], x: Tensor, y: Tensor): { loss: Tensor; params: Tensor[]; vel: Tensor[] } {
  const lossOf = (...q: Tensor[]): Tensor => {
    let h = x;
    for (let l = 0; l < q.length; l += 2) {
      const z = T.add(T.matmul(h, q[l]), q[l + 1]);
      h = l + 2 < q.length ? T.tanh(z) : z;
    }
    return T.mean(T.square(T.sub(h, y)));
  };
  const [loss, grads] = valueAndGrad(
    lossOf,
    ps.map((_, k) => k),
  )(...ps) as [Tensor, Tensor[]];
  return noGrad(() => {
    const vel = vs.map((v, k) => T.add(T.mul(v, MOMENTUM), grads[k]));
    return { loss, params: ps.map((p, k) => T.sub(p, T.mul(vel[k], LR))), vel };
  });
}

/** Seeded weights [in, out], biases [out] and 4 batches of a smooth target, identical on every backend. */
function problem(backend: string) {
  const r = seeded(3);
  const uniform = (n: number, bound: number) => Float32Array.from({ length: n }, () => (2 * r() - 1) * bound);
  const params: Tensor[] = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const bound = 1 / Math.sqrt(SIZES[l]);
    params.push(T.tensor(uniform(SIZES[l] * SIZES[l + 1], bound), { backend, shape: [SIZES[l], SIZES[l + 1]] }));
    params.push(T.tensor(uniform(SIZES[l + 1], bound), { backend, shape: [SIZES[l + 1]] }));
  }
  const batches = Array.from({ length: 4 }, () => {
    const x = uniform(BATCH * 2, 1);
    const y = Float32Array.from({ length: BATCH }, (_, i) => Math.sin(3 * x[2 * i]) * x[2 * i + 1]);
    return { x: T.tensor(x, { backend, shape: [BATCH, 2] }), y: T.tensor(y, { backend, shape: [BATCH, 1] }) };
  });
  return { params, vel: params.map((p) => T.zerosLike(p)), batches };
}

/** Runs `steps` steps (compiled or eager): each loss and the final parameters, everything disposed after. */
export async function trainW3(
  backend: string,
  compiled: boolean,
  steps = 20,
): Promise<{ losses: number[]; params: number[][]; recordings: number }> {
  const { params, vel, batches } = problem(backend);
  let recordings = 0;
  const step = compiled
    ? T.compile((ps: Tensor[], vs: Tensor[], x: Tensor, y: Tensor) => {
        recordings++;
        return w3Step(ps, vs, x, y);
      })
    : (ps: Tensor[], vs: Tensor[], x: Tensor, y: Tensor) => T.tidy(() => w3Step(ps, vs, x, y));
  let ps = params;
  let vs = vel;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, y } = batches[i % batches.length];
    const r = step(ps, vs, x, y);
    for (const t of [...ps, ...vs]) t.dispose();
    ps = r.params;
    vs = r.vel;
    losses.push((await r.loss.data())[0]);
    r.loss.dispose();
  }
  const out = await Promise.all(ps.map(async (p) => Array.from(await p.data())));
  for (const t of [...ps, ...vs, ...batches.flatMap((b) => [b.x, b.y])]) t.dispose();
  return { losses, params: out, recordings };
}

/** Optimizers stepped inside fn, each refused at the recording: fused (a step count) or composed (state kept from the first step). */
export const OPTIMIZERS: [string, (ps: Tensor[]) => O.AnyOptimizer][] = [
  ['SGD momentum', (ps) => new O.SGD(ps, { lr: 0.1, momentum: 0.9 })],
  ['Adam', (ps) => new O.Adam(ps, { lr: 0.1 })],
  ['SGD momentum, fused: false', (ps) => new O.SGD(ps, { lr: 0.1, momentum: 0.9, fused: false })],
  ['Adam, fused: false', (ps) => new O.Adam(ps, { lr: 0.1, fused: false })],
];

/**
 * Steps `make`'s optimizer inside a compiled fn: the CompileError it throws (or null), with the
 * backend's methods and memory checked to be as before once the optimizer and parameter are gone.
 */
export async function stepInside(backend: string, make: (ps: Tensor[]) => O.AnyOptimizer): Promise<Error | null> {
  const be = T.getBackend(backend) as unknown as Record<string, unknown>;
  const methods = { ...be };
  const fused = { ...(be.fused as object) };
  const start = T.memory().backends[backend];
  const w = T.tensor([1, -2, 3], { backend }).requiresGrad_();
  const opt = make([w]);
  const f = T.compile((w: Tensor) => {
    opt.zeroGrad();
    const loss = T.sum(T.square(w));
    loss.backward();
    opt.step();
    return loss.detach();
  });
  let error: Error | null = null;
  try {
    f(w).dispose();
  } catch (e) {
    error = e as Error;
  }
  for (const k of Object.keys(methods)) if (be[k] !== methods[k]) throw new Error(`backend.${k} was left wrapped`);
  for (const [k, v] of Object.entries(fused))
    if ((be.fused as Record<string, unknown>)[k] !== v) throw new Error(`backend.fused.${k} was left wrapped`);
  await T.getBackend(backend).sync?.();
  opt.dispose?.();
  w.dispose();
  const end = T.memory().backends[backend];
  if (end.buffers !== start.buffers || end.bytes !== start.bytes)
    throw new Error(`buffers ${start.buffers} -> ${end.buffers} after the refusal`);
  return error;
}
