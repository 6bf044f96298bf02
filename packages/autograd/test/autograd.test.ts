import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { AnomalyError, customGrad, detectAnomaly, grad, gradNorms, hessian, jacfwd, jacrev, jvp, noGrad, valueAndGrad } from '@nn/autograd';
import { type FnCase, expectClose, loadJson, toTensor } from './reference.js';

const arr = (t: Tensor) => Array.from(t.dataSync());
const close = (got: number[], want: number[], tol = 1e-5) =>
  want.forEach((w, i) => expect(Math.abs(got[i] - w), `[${i}] ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));

describe("the seeds' examples", () => {
  it('(x1 + x2) * x3 - x4 at (5, 4, 3, 2) has gradients (3, 3, 9, -1)', () => {
    const xs = [5, 4, 3, 2].map((v) => T.tensor(v, { dtype: 'float32', requiresGrad: true }));
    const [x1, x2, x3, x4] = xs;
    const y = x1.add(x2).mul(x3).sub(x4);
    expect(y.item()).toBe(25);
    y.backward();
    expect(xs.map((x) => x.grad!.item())).toEqual([3, 3, 9, -1]);
  });

  it('forward mode on f(x1, x2) = x1 x2 + exp(x1 x2) - sin(x2) gives the partials', () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).add(a.mul(b).exp()).sub(b.sin());
    const x1 = T.tensor(1.5);
    const x2 = T.tensor(0.5);
    const e = Math.exp(0.75);
    const [y, d1] = jvp(f, [x1, x2], [T.tensor(1), T.tensor(0)]);
    const [, d2] = jvp(f, [x1, x2], [T.tensor(0), T.tensor(1)]);
    close([y.item()], [0.75 + e - Math.sin(0.5)]);
    close([d1.item(), d2.item()], [0.5 + 0.5 * e, 1.5 + 1.5 * e - Math.cos(0.5)]);
    const [ga, gb] = grad(f, [0, 1])(x1, x2) as Tensor[];
    close([ga.item(), gb.item()], [d1.item(), d2.item()]);
  });
});

describe('composite functions match PyTorch (gradients, Hessians, Hessian-vector products)', () => {
  const fns: FnCase[] = loadJson('autograd.json').functions;
  const byName: Record<string, (...xs: Tensor[]) => Tensor> = {
    seed_scalar: (a, b) => a.mul(b).add(a.mul(b).exp()).sub(b.sin()),
    tanh_cubed: (x) => x.tanh().pow(3).sum(),
    softmax_weighted: (x, w) => x.softmax(-1).mul(w).sum(),
    log_softmax_nll: (x, t) => x.logSoftmax(-1).mul(t).sum().neg().div(3),
    matmul_tanh: (a, b) => a.matmul(b).tanh().sum(),
    normalize: (x, w) => x.mul(w).div(x.mul(x).sum().add(1).sqrt()).sum(),
    sigmoid_logsumexp: (x) => x.logsumexp([0, 1]).add(x.sigmoid().mul(x.pow(2)).sum()),
    prod_pow: (x, y) => x.prod().add(x.pow(y).sum()),
    mlp_2_16_16_1: (x, y, w1, b1, w2, b2, w3, b3) =>
      T.linear(T.linear(T.linear(x, w1, b1).tanh(), w2, b2).tanh(), w3, b3)
        .sub(y)
        .pow(2)
        .mean(),
  };
  it('has a function for every reference entry', () => expect(fns.map((f) => f.name).filter((n) => !(n in byName))).toEqual([]));
  for (const c of fns) {
    const f = byName[c.name];
    const diff = c.inputs.map((r, i) => (r.requiresGrad ? i : -1)).filter((i) => i >= 0);
    it(`${c.name}: value and gradients`, () => {
      const xs = c.inputs.map((r) => toTensor(r));
      const [v, gs] = valueAndGrad(f, diff)(...xs);
      expectClose(v, c.output, `${c.name} value`);
      (gs as Tensor[]).forEach((g, k) => expectClose(g, c.grads[diff[k]]!, `${c.name} grad ${diff[k]}`));
    });
    // Second derivatives over all differentiable inputs, flattened and concatenated (as the reference).
    const sizes = diff.map((i) => c.inputs[i].data.length);
    const flatF = (z: Tensor) => {
      const parts = T.split(z, sizes, 0);
      const xs = c.inputs.map((r) => toTensor(r));
      diff.forEach((i, k) => (xs[i] = T.reshape(parts[k], c.inputs[i].shape)));
      return f(...xs);
    };
    const z0 = () =>
      T.tensor(
        diff.flatMap((i) => c.inputs[i].data),
        { dtype: 'float32' },
      );
    if (c.hessian !== null) {
      it(`${c.name}: Hessian (forward-over-reverse and reverse-over-reverse)`, () => {
        expectClose(hessian(flatF)(z0()), c.hessian!, `${c.name} hessian`, 1e-4);
        expectClose(jacrev(grad(flatF) as (z: Tensor) => Tensor)(z0()), c.hessian!, `${c.name} jacrev(grad)`, 1e-4);
      });
    }
    if (c.hvp !== null) {
      it(`${c.name}: Hessian-vector products by double backward`, () => {
        // One H·v: the vectors (one per input, null for constants) concatenated like z.
        const v = T.tensor(
          diff.flatMap((i) => c.hvp!.vectors[i]!.data),
          { dtype: 'float32' },
        );
        const want = { shape: [v.size], dtype: 'float32' as const, data: diff.flatMap((i) => c.hvp!.result[i]!.data) };
        const hv = grad((z: Tensor) => T.sum(T.mul(grad(flatF)(z) as Tensor, v)))(z0()) as Tensor;
        expectClose(hv, want, `${c.name} hvp`, 1e-4);
      });
    }
  }
});

describe('backward semantics (as PyTorch)', () => {
  it('accumulates into .grad across calls and broadcasts back to the leaf shape', () => {
    const w = T.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const x = T.tensor(
      [
        [1, 1, 1],
        [2, 2, 2],
      ],
      { dtype: 'float32' },
    );
    x.mul(w).sum().backward();
    expect(arr(w.grad!)).toEqual([3, 3, 3]);
    x.mul(w).sum().backward();
    expect(arr(w.grad!)).toEqual([6, 6, 6]);
  });

  it('gives every leaf its own gradient storage (add hands one gradient to both inputs)', () => {
    const a = T.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const b = T.tensor([4, 5, 6], { dtype: 'float32', requiresGrad: true });
    T.add(a, b).sum().backward();
    expect(a.grad!.storage).not.toBe(b.grad!.storage);
    noGrad(() => T.tidy(() => void a.grad!.copy_(T.mul(a.grad!, 0.5))));
    expect(arr(b.grad!)).toEqual([1, 1, 1]);
    expect(arr(a.grad!)).toEqual([0.5, 0.5, 0.5]);
  });

  it('refuses a second backward through a freed graph, allows it with retainGraph', () => {
    const x = T.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(arr(x.grad!)).toEqual(arr(x.exp().mul(2)));
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph/);
  });

  it('needs a gradient for non-scalar outputs, and checks its shape', () => {
    const x = T.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = x.mul(3);
    expect(() => y.backward()).toThrow(/implicitly created only for scalar outputs.*shape \[2\]/);
    expect(() => y.backward(T.ones([3]))).toThrow(/gradient shape \[3\] does not match.*\[2\]/);
    y.backward(T.tensor([1, 10], { dtype: 'float32' }));
    expect(arr(x.grad!)).toEqual([3, 30]);
  });

  it('explains a backward on a tensor that does not require grad', () => {
    expect(() => T.tensor([1, 2], { dtype: 'float32' }).sum().backward()).toThrow(/does not require grad/);
  });

  it('noGrad and detach stop recording; integer tensors cannot require grad', () => {
    const x = T.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.detach().mul(2).requiresGrad).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(() => T.tensor([1, 2], { dtype: 'int32' }).requiresGrad_()).toThrow(
      /only floating-point tensors can require gradients, got int32/,
    );
  });

  it('createGraph gives differentiable gradients (second derivative of x^3 is 6x)', () => {
    const x = T.tensor(2, { dtype: 'float32', requiresGrad: true });
    const [g] = [grad((t: Tensor) => t.pow(3))(x) as Tensor];
    expect(g.item()).toBeCloseTo(12);
    const g2 = grad(grad((t: Tensor) => t.pow(3)) as (t: Tensor) => Tensor)(x) as Tensor;
    expect(g2.item()).toBeCloseTo(12);
    const g3 = grad(grad(grad((t: Tensor) => t.pow(3)) as (t: Tensor) => Tensor) as (t: Tensor) => Tensor)(x) as Tensor;
    expect(g3.item()).toBeCloseTo(6);
  });

  it('jacrev and jacfwd agree with the analytic Jacobian', () => {
    const a = T.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { dtype: 'float32' },
    );
    const f = (x: Tensor) => T.matmul(a, x).tanh();
    const x = T.tensor([0.1, -0.2], { dtype: 'float32' });
    const y = arr(f(x));
    const want: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++)
        want.push(
          (1 - y[i] ** 2) *
            [
              [1, 2],
              [3, 4],
              [5, 6],
            ][i][j],
        );
    const jr = jacrev(f)(x);
    const jf = jacfwd(f)(x);
    expect(jr.shape).toEqual([3, 2]);
    expect(jf.shape).toEqual([3, 2]);
    close(arr(jr), want);
    close(arr(jf), want);
  });

  it('in-place writes to a leaf that requires grad are allowed only inside noGrad', () => {
    const p = T.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    expect(() => p.copy_(T.zeros([2]))).toThrow(/^copy_: a tensor that requires grad cannot be modified in place.*noGrad/);
    noGrad(() => p.copy_(T.tensor([5, 6], { dtype: 'float32' })));
    expect(arr(p)).toEqual([5, 6]);
  });

  it('customGrad uses the given backward', () => {
    const clipGrad = customGrad(
      (x: Tensor) => T.mul(x, 1),
      (g: Tensor) => [T.clamp(g, -1, 1)],
    );
    const x = T.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    clipGrad(x).mul(5).sum().backward();
    expect(arr(x.grad!)).toEqual([1, 1]);
  });
});

describe('diagnostics', () => {
  it('anomaly mode names the op producing NaN in forward', () => {
    const x = T.tensor([-1, 1], { dtype: 'float32', requiresGrad: true });
    expect(() => detectAnomaly(() => x.log())).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => x.log())).toThrow(/op 'log' produced NaN in its forward output/);
  });
  it('anomaly mode names the op producing Inf in backward', () => {
    const x = T.tensor([0, 1], { dtype: 'float32', requiresGrad: true });
    const y = x.sqrt().sum();
    expect(() => detectAnomaly(() => y.backward())).toThrow(/op 'sqrt' produced Inf in its backward/);
  });
  it('gradNorms reports per-parameter L2 norms', () => {
    const w = T.tensor([3, 4], { dtype: 'float32', requiresGrad: true });
    const b = T.tensor([1], { dtype: 'float32', requiresGrad: true });
    w.mul(T.tensor([1, 1], { dtype: 'float32' }))
      .sum()
      .backward();
    expect(
      gradNorms([
        ['w', w],
        ['b', b],
      ]),
    ).toEqual([
      { name: 'w', norm: Math.SQRT2 },
      { name: 'b', norm: null },
    ]);
  });
});

describe('memory', () => {
  it('a 10,000-step training loop keeps live tensors and saved tensors flat', () => {
    T.manualSeed(0);
    const w1 = T.mul(T.randn([16, 2]), 0.5).requiresGrad_();
    const b1 = T.zeros([16]).requiresGrad_();
    const w2 = T.mul(T.randn([1, 16]), 0.5).requiresGrad_();
    const b2 = T.zeros([1]).requiresGrad_();
    const params = [w1, b1, w2, b2];
    const x = T.randn([32, 2]);
    const y = T.sum(x, 1, true).sin();
    const step = () => {
      T.tidy(() => {
        const loss = T.linear(T.linear(x, w1, b1).tanh(), w2, b2)
          .sub(y)
          .pow(2)
          .mean();
        loss.backward();
      });
      noGrad(() => {
        for (const p of params) {
          const upd = T.tidy(() => p.sub(p.grad!.mul(0.05)));
          // In-place update by swapping storage is the optimizer's job; here: copy values back.
          p.grad!.dispose();
          p.grad = null;
          (p as any)._tmp = upd;
        }
      });
      for (const p of params) {
        const upd = (p as any)._tmp as Tensor;
        p.backend.copyInto(p, upd);
        upd.dispose();
      }
    };
    for (let i = 0; i < 50; i++) step();
    const before = T.memory();
    for (let i = 0; i < 10_000; i++) step();
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.saved).toBe(before.saved);
    expect(after.backends.cpu.buffers).toBe(before.backends.cpu.buffers);
  });

  it('functional transforms free everything they create', () => {
    const x = T.tensor([0.3, -0.7], { dtype: 'float32' });
    const f = (t: Tensor) => t.tanh().pow(2).sum();
    const before = T.memory();
    for (let i = 0; i < 5; i++) {
      (grad(f)(x) as Tensor).dispose();
      hessian(f)(x).dispose();
      jacrev(grad(f) as (t: Tensor) => Tensor)(x).dispose();
      const [a, b] = jvp(f, [x], [x]);
      a.dispose();
      b.dispose();
    }
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.saved).toBe(before.saved);
    expect(after.backends.cpu.buffers).toBe(before.backends.cpu.buffers);
  });
});
