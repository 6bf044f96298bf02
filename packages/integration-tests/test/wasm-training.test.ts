/** A model moved with Module.to('wasm') trains to the same losses and weights as on cpu. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import * as L from '@nn/layers';
import { Adam } from '@nn/optim';
import { checkGrad, hessian } from '@nn/autograd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
  T.registerBackend(backend);
});
afterAll(() => backend.dispose?.());

function run(on: 'cpu' | 'wasm'): { losses: number[]; weights: number[] } {
  T.manualSeed(11);
  const model = new L.Sequential(new L.Linear(6, 32), new L.ReLU(), new L.LayerNorm(32), new L.Linear(32, 3)).to(on);
  const x = T.randn([16, 6]).to(on);
  const y = T.randint(0, 3, [16]).to(on);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) {
    opt.zeroGrad();
    losses.push(
      T.tidy(() => {
        const l = L.crossEntropy(model(x) as Tensor, y);
        l.backward();
        return l.item();
      }),
    );
    opt.step();
  }
  const weights = Array.from((model.at(3) as L.Linear).weight.dataSync());
  expect(model.parameters().every((p) => p.backend.name === on)).toBe(true);
  return { losses, weights };
}

describe('autograd on wasm', () => {
  it('checkGrad (float32 differences, since wasm has no float64) and hessian run on wasm tensors', () => {
    const x = T.tensor([0.3, -0.8, 1.1], { backend: 'wasm', dtype: 'float32' });
    expect(checkGrad((t) => T.sum(T.mul(T.tanh(t), T.softmax(t, 0))), [x]).ok).toBe(true);
    const h = hessian((t: Tensor) => T.sum(T.pow(t, 3)))(x);
    expect(h.backend.name).toBe('wasm');
    expect(Array.from(h.dataSync()).map((v) => Math.round(v * 1e4) / 1e4 + 0)).toEqual([1.8, 0, 0, 0, -4.8, 0, 0, 0, 6.6]);
  });
});

describe('training on wasm', () => {
  it('Module.to moves parameters; 20 Adam steps match the cpu run', () => {
    const cpu = run('cpu');
    const wasm = run('wasm');
    wasm.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i])).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.losses[i])));
    wasm.weights.forEach((w, i) => expect(Math.abs(w - cpu.weights[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(cpu.weights[i]))));
  });
});
