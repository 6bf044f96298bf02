/**
 * Sequential runs a Linear followed by a ReLU as one linear op with relu fused. The result must be
 * the two modules' bit for bit (outputs, input and parameter gradients, NaN and ±0 included), the
 * fusion must not happen when either module's forward is not the library's own, and a bad input
 * must get Linear's error.
 */
import { noGrad } from '@nn/autograd';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as L from '../src/index.js';

const mlp = (): L.Sequential => {
  T.manualSeed(7);
  return new L.Sequential(new L.Linear(6, 5), new L.ReLU(), new L.Linear(5, 4), new L.ReLU(), new L.Linear(4, 3), new L.ReLU());
};

/** The modules one after another, each called on its own (the unfused definition). */
function oneByOne(model: L.Sequential, x: Tensor): Tensor {
  let h = x;
  for (const m of model.layers) h = m(h) as Tensor;
  return h;
}

/** Output, input gradient and every parameter gradient of sum(out * r), as arrays. */
function run(model: L.Sequential, x0: Tensor, forward: (m: L.Sequential, x: Tensor) => Tensor): number[][] {
  return T.tidy(() => {
    const x = x0.detach().requiresGrad_();
    model.zeroGrad();
    const out = forward(model, x);
    T.manualSeed(1);
    T.sum(T.mul(out, T.randn(out.shape))).backward();
    const grads = [x.grad!, ...model.parameters().map((p) => p.grad!)];
    return [out, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

/** Counts the backend's unary relu calls (a fused pair makes none). */
function reluCalls(f: () => void): number {
  const be = T.getBackend('cpu');
  const spy = vi.spyOn(be, 'unary');
  try {
    f();
    return spy.mock.calls.filter(([op]) => op === 'relu').length;
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('Sequential: Linear followed by ReLU', () => {
  it("gives the modules' outputs and gradients bit for bit, including NaN, -0 and exact zeros", () => {
    const model = mlp();
    T.manualSeed(2);
    const data = Array.from(T.randn([8, 6]).dataSync());
    data[0] = Number.NaN; // a NaN row: relu propagates it, its gradient mask is 0
    for (let j = 6; j < 12; j++) data[j] = 0; // a zero row: pre-activations equal the bias
    data[13] = -0;
    const x = T.tensor(data, { shape: [8, 6] });
    // Zero biases make pre-activations of exactly 0 on the zero row: relu'(0) = 0 either way.
    noGrad(() => (model.at(2) as L.Linear).bias!.copy_(0));
    const fused = run(model, x, (m, h) => m(h) as Tensor);
    const separate = run(model, x, oneByOne);
    expect(fused.map((a) => a.length)).toEqual(separate.map((a) => a.length));
    fused.forEach((a, i) => expect(a, i === 0 ? 'output' : `gradient ${i}`).toEqual(separate[i]));
    expect(fused[0]!.some(Number.isNaN)).toBe(true);
  });

  it('fuses each pair: no separate relu is dispatched, forward or backward', () => {
    const model = mlp();
    const x = T.randn([4, 6]);
    expect(reluCalls(() => T.tidy(() => (model(x) as Tensor).sum().backward()))).toBe(0);
    expect(reluCalls(() => T.tidy(() => oneByOne(model, x)))).toBe(3);
  });

  it('matches the modules with leading batch dims and without gradients (eval, noGrad)', () => {
    const model = mlp();
    const x = T.randn([2, 3, 6]);
    model.eval();
    const fused = noGrad(() => Array.from((model(x) as Tensor).dataSync()));
    const separate = noGrad(() => Array.from(oneByOne(model, x).dataSync()));
    expect(fused).toEqual(separate);
  });

  it("does not fuse when a forward is the user's: a subclass, or a spy on the instance", () => {
    class Clipped extends L.ReLU {
      override forward(x: Tensor): Tensor {
        return T.clamp(x, 0, 0.1);
      }
    }
    T.manualSeed(3);
    const lin = new L.Linear(6, 5);
    const x = T.mul(T.randn([4, 6]), 10);
    const clipped = new L.Sequential(lin, new Clipped())(x) as Tensor;
    expect(Array.from(clipped.dataSync())).toEqual(Array.from(T.clamp(lin(x) as Tensor, 0, 0.1).dataSync()));

    const relu = new L.ReLU();
    const seen = vi.spyOn(relu, 'forward');
    new L.Sequential(lin, relu)(x);
    expect(seen).toHaveBeenCalledTimes(1);

    class Scaled extends L.Linear {
      override forward(x: Tensor): Tensor {
        return T.mul(super.forward(x), -1);
      }
    }
    T.manualSeed(3);
    const scaled = new Scaled(6, 5);
    const y = new L.Sequential(scaled, new L.ReLU())(x) as Tensor;
    const expected = T.relu(T.mul(T.linear(x, scaled.weight, scaled.bias), -1));
    expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
  });

  it("reports a wrong input size with Linear's error", () => {
    const model = mlp();
    expect(() => model(T.randn([2, 7]))).toThrow(/Linear\(in_features=6, out_features=5\).*last dimension/);
    const separateError = (() => {
      try {
        model.at(0)(T.randn([2, 7]));
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(() => model(T.randn([2, 7]))).toThrow(separateError);
  });

  it('keeps the state dict and the parameter order of the unfused modules', () => {
    expect(Object.keys(mlp().stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
  });
});
