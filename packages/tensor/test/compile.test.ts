/** compile: a replay computes what running fn again computes (bit for bit), frees what it makes, and refuses what it cannot repeat. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const data = (t: Tensor) => Array.from(t.dataSync());

describe('compile', () => {
  it('replays an SGD-with-momentum step of a small MLP exactly as running it again would', () => {
    T.manualSeed(1);
    const init = [T.randn([3, 5]), T.randn([5]), T.randn([5, 1]), T.randn([1])];
    const stepFn = (ps: Tensor[], vs: Tensor[], x: Tensor, y: Tensor) => {
      const h = T.tanh(T.add(T.matmul(x, ps[0]), ps[1]));
      const out = T.add(T.matmul(h, ps[2]), ps[3]);
      const loss = T.mean(T.square(T.sub(out, y)));
      const grads = ps.map((q) => T.mul(q, T.mul(loss, 0.01))); // depends on the parameters and the batch
      const vel = vs.map((v, k) => T.add(T.mul(v, 0.9), grads[k]));
      return { loss, params: ps.map((p, k) => T.sub(p, T.mul(vel[k], 0.1))), vel };
    };
    const compiled = T.compile(stepFn);
    let a = { params: init.map((t) => t.clone()), vel: init.map((t) => T.zerosLike(t)) };
    let b = { params: init.map((t) => t.clone()), vel: init.map((t) => T.zerosLike(t)) };
    const before = T.memory().tensors;
    for (let i = 0; i < 5; i++) {
      const x = T.randn([4, 3]);
      const y = T.randn([4, 1]);
      const r = compiled(a.params, a.vel, x, y);
      const e = T.tidy(() => stepFn(b.params, b.vel, x, y));
      expect(data(r.loss)).toEqual(data(e.loss));
      r.params.forEach((p, k) => expect(data(p)).toEqual(data(e.params[k])));
      for (const t of [...a.params, ...a.vel, ...b.params, ...b.vel, x, y, r.loss, e.loss]) t.dispose();
      a = r;
      b = e;
    }
    expect(T.memory().tensors).toBe(before);
  });

  it('refuses to record a read of tensor values', () => {
    const f = T.compile((x: Tensor) => (x.item() > 0 ? T.neg(x) : x));
    expect(() => f(T.tensor([1]))).toThrow(/compile: fn reads tensor values/);
  });
});
