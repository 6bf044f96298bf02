/**
 * A training loop in its steady state: after the first steps, a step on the cpu backend compiles no
 * new kernels (its generated loops are cached per op and dtype, not per shape or call) and leaves
 * memory exactly as it found it. Both matter for speed from a cold start: every generated kernel is
 * one more function V8 must warm up and optimize, and every step's leftovers are garbage to collect.
 */
import * as T from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { afterEach, describe, expect, it } from 'vitest';

/** Counts `new Function(...)` (and `Function(...)`) calls, the cpu backend's way of compiling a kernel. */
function countCompilations(): { count: () => number; restore: () => void } {
  const original = globalThis.Function;
  let n = 0;
  globalThis.Function = new Proxy(original, {
    construct(target, args) {
      n++;
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      n++;
      return Reflect.apply(target, self, args);
    },
  });
  return { count: () => n, restore: () => void (globalThis.Function = original) };
}

/** The W3 benchmark's model: 2-16-16-1 tanh MLP, MSE, SGD momentum written with tensor ops. */
function trainer(): { step: (i: number) => number; dispose: () => void } {
  T.manualSeed(0);
  let params = [T.randn([2, 16]), T.randn([16]), T.randn([16, 16]), T.randn([16]), T.randn([16, 1]), T.randn([1])].map((p) =>
    p.mul(0.3).requiresGrad_(),
  );
  let vel = params.map((p) => T.zerosLike(p));
  const x = T.randn([32, 2]);
  const y = T.sin(T.sum(x, 1, true));
  return {
    step(): number {
      let value = 0;
      const next = T.tidy(() => {
        let h = x;
        for (let l = 0; l < params.length; l += 2) {
          const z = T.add(T.matmul(h, params[l]), params[l + 1]);
          h = l + 2 < params.length ? T.tanh(z) : z;
        }
        const loss = T.mean(T.square(T.sub(h, y)));
        value = loss.item();
        loss.backward();
        return noGrad(() =>
          params.map((p, k) => {
            const v = T.add(T.mul(vel[k], 0.9), p.grad!);
            return { p: T.sub(p, T.mul(v, 0.05)), v };
          }),
        );
      });
      for (const t of [...params, ...vel]) t.dispose();
      params = next.map((n) => n.p.requiresGrad_());
      vel = next.map((n) => n.v);
      return value;
    },
    dispose(): void {
      for (const t of [...params, ...vel, x, y]) t.dispose();
    },
  };
}

describe('a training loop in its steady state', () => {
  let restore = (): void => {};
  afterEach(() => restore());

  it('compiles no cpu kernel after its first steps, and leaves tensors, saved tensors and bytes unchanged over 200 steps', () => {
    const t = trainer();
    const first = t.step(0);
    for (let i = 1; i < 5; i++) t.step(i);
    const counter = countCompilations();
    restore = counter.restore;
    const before = T.memory();
    let last = first;
    for (let i = 5; i < 205; i++) last = t.step(i);
    const after = T.memory();
    counter.restore();
    expect(counter.count()).toBe(0);
    expect(after.tensors).toBe(before.tensors);
    expect(after.saved).toBe(before.saved);
    expect(after.backends.cpu).toEqual(before.backends.cpu);
    expect(last).toBeLessThan(first); // it did train
    t.dispose();
  });

  it('the counter sees a kernel being compiled (so the test above can fail)', () => {
    const counter = countCompilations();
    restore = counter.restore;
    const x = T.tensor([1.5, -2.5], { dtype: 'float64' });
    // An op and dtype pair no other test in this file uses: its kernel is built now.
    const y = T.maximum(x, x);
    counter.restore();
    expect(counter.count()).toBeGreaterThan(0);
    for (const v of [x, y]) v.dispose();
  });
});
