/** An optimizer built before the model moved: a clear error, then optimizer.to / toAsync move its state. */
import * as T from '@nn/tensor';
import { BackendError } from '@nn/tensor';
import * as O from '@nn/optim';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(() => {
  T.registerBackend({ ...T.getBackend('cpu'), name: 'cpu2' });
  T.registerBackend({ ...T.getBackend('cpu'), name: 'async-cpu', readSync: undefined });
});

function problem(): { w: T.Tensor; step: (opt: O.AnyOptimizer) => void } {
  T.manualSeed(3);
  const w = T.randn([4, 2]).requiresGrad_();
  const x = T.randn([8, 4]);
  const step = (opt: O.AnyOptimizer) => {
    opt.zeroGrad();
    T.tidy(() =>
      x
        .to(w.backend.name === 'async-cpu' ? 'cpu' : w.backend.name)
        .matmul(w)
        .pow(2)
        .mean()
        .backward(),
    );
    opt.step();
  };
  return { w, step };
}

describe('optimizer state follows a moved model', () => {
  it('same trajectory as never moving: Adam steps, move params and state, more steps', async () => {
    const ref = problem();
    const refOpt = new O.Adam([ref.w], { lr: 0.1 });
    for (let i = 0; i < 6; i++) ref.step(refOpt);

    const { w, step } = problem();
    const opt = new O.Adam([w], { lr: 0.1 });
    for (let i = 0; i < 3; i++) step(opt);
    T.moveInPlace('test', [w], 'cpu2', 'toAsync');
    expect(() => step(opt)).toThrow(BackendError);
    expect(() => opt.step()).toThrow(
      /^Adam\.step: state 'expAvg' is on backend 'cpu' but its parameter is on 'cpu2' \(the model moved after the optimizer was built\); move the state too: optimizer\.to\('cpu2'\)/,
    );
    opt.to('cpu2');
    for (let i = 0; i < 3; i++) step(opt);
    expect(w.backend.name).toBe('cpu2');
    expect(w.arraySync()).toEqual(ref.w.arraySync());
  });

  it('a step that finds state on the wrong backend changes no parameter', () => {
    const a = T.ones([2]).requiresGrad_();
    const b = T.ones([2]).requiresGrad_();
    const opt = new O.SGD([a, b], { lr: 0.5, momentum: 0.9 });
    const grads = () => {
      a.grad = T.keep(T.ones([2], { backend: a.backend.name }));
      b.grad = T.keep(T.ones([2], { backend: b.backend.name }));
    };
    grads();
    opt.step();
    T.moveInPlace('test', [b], 'cpu2', 'toAsync');
    grads();
    expect(() => opt.step()).toThrow(/state 'momentumBuffer' is on backend 'cpu' but its parameter is on 'cpu2'/);
    expect(a.arraySync()).toEqual([0.5, 0.5]);
    expect(b.arraySync()).toEqual([0.5, 0.5]);
  });

  it('toAsync moves state from a backend without synchronous reads; to() names toAsync', async () => {
    const { w, step } = problem();
    const opt = new O.SGD([w], { lr: 0.1, momentum: 0.9 });
    step(opt);
    await T.moveInPlaceAsync('test', [w], 'async-cpu');
    await opt.toAsync('async-cpu');
    await T.moveInPlaceAsync('test', [w], 'cpu');
    expect(() => opt.to('cpu')).toThrow(
      /^SGD\.to: a tensor is on backend 'async-cpu', which cannot be read synchronously; use `await optimizer\.toAsync\('cpu'\)`/,
    );
    await opt.toAsync('cpu');
    step(opt);
    expect([...opt.state.values()].every((s) => Object.values(s).every((v) => !(v instanceof T.Tensor) || v.backend.name === 'cpu'))).toBe(
      true,
    );
  });
});
