/**
 * The recorded `linear` op (used when the backend fuses linear's forward): its gradients match the
 * composite matmul + add + activation path, finite differences, and higher orders.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { checkGrad, grad, jvp } from '@nn/autograd';
import { describe, expect, it } from 'vitest';

type Act = 'none' | 'relu' | 'tanh' | 'sigmoid';
const ACTS: Act[] = ['none', 'relu', 'tanh', 'sigmoid'];
const APPLY: Record<Act, (t: Tensor) => Tensor> = { none: (t) => t, relu: T.relu, tanh: T.tanh, sigmoid: T.sigmoid };

/** The composite path, written out by hand: act(x @ w^T + b). */
const composite = (act: Act) => (x: Tensor, w: Tensor, b?: Tensor) => {
  const xw = T.matmul(x, T.transpose(w, 0, 1));
  return APPLY[act](b === undefined ? xw : T.add(xw, b));
};

function inputs(dtype: 'float32' | 'float64' = 'float32'): Tensor[] {
  T.manualSeed(3);
  return [T.randn([5, 7]), T.randn([4, 7]), T.randn([4])].map((t) => T.cast(t, dtype));
}

/** A loss that weights each output differently, so every gradient element is checked. */
const weighted = (y: Tensor): Tensor => T.sum(T.mul(y, T.reshape(T.arange(y.size).cast(y.dtype), y.shape)));

describe('linear as one recorded op', () => {
  it('records LinearBackward when gradients are on, and the composite graph for gelu', () => {
    const [x, w, b] = inputs();
    w.requiresGrad_();
    expect(T.linear(x, w, b, 'relu').gradFn?.name).toBe('LinearBackward');
    expect(T.linear(x, w, null).gradFn?.name).toBe('LinearBackward');
    expect(T.linear(x, w, b, 'gelu').gradFn?.name).not.toBe('LinearBackward');
  });

  for (const act of ACTS) {
    for (const withBias of [true, false]) {
      it(`${act}${withBias ? '' : ', no bias'}: gradients equal the composite path's`, () => {
        const [x, w, b] = inputs();
        const argnums = withBias ? [0, 1, 2] : [0, 1];
        const args = withBias ? [x, w, b] : [x, w];
        const fused = grad((...a: Tensor[]) => weighted(T.linear(a[0], a[1], a[2] ?? null, act)), argnums)(...args) as Tensor[];
        const comp = grad((...a: Tensor[]) => weighted(composite(act)(a[0], a[1], a[2])), argnums)(...args) as Tensor[];
        expect(fused.length).toBe(args.length);
        fused.forEach((g, i) => {
          expect(g.shape).toEqual(args[i].shape);
          const want = comp[i].dataSync();
          const got = g.dataSync();
          // The same products in the same order; tanh/sigmoid differ only by the fused forward's
          // rounding of the pre-activation.
          for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], act === 'none' || act === 'relu' ? 6 : 4);
        });
      });
    }
    it(`${act}: passes checkGrad (reverse and forward mode, float64)`, () => {
      const [x, w, b] = inputs('float64');
      // relu: central differences (eps 1e-6) are valid only away from the kink.
      const pre = T.linear(x, w, b).dataSync();
      expect(Math.min(...Array.from(pre, Math.abs))).toBeGreaterThan(1e-3);
      const f = (xx: Tensor, ww: Tensor, bb: Tensor) => T.linear(xx, ww, bb, act);
      expect(checkGrad(f, [x, w, b], { throwOnFail: false }).ok).toBe(true);
    });
  }

  it('a 3-D input folds its leading dims into rows: same gradients as the composite path', () => {
    T.manualSeed(5);
    const [x, w, b] = [T.randn([2, 3, 7]), T.randn([4, 7]), T.randn([4])];
    const f = (lin: (x: Tensor, w: Tensor, b: Tensor) => Tensor) =>
      grad((...a: Tensor[]) => weighted(lin(a[0], a[1], a[2])), [0, 1, 2])(x, w, b) as Tensor[];
    const got = f((a, c, d) => T.linear(a, c, d, 'relu'));
    const want = f(composite('relu'));
    got.forEach((g, i) => {
      expect(g.shape).toEqual(want[i].shape);
      const e = want[i].dataSync();
      const v = g.dataSync();
      for (let k = 0; k < e.length; k++) expect(v[k]).toBeCloseTo(e[k], 5);
    });
    const y = T.linear(x, w.requiresGrad_(), b, 'relu');
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.gradFn?.nextFunctions[0]?.name).toBe('LinearBackward');
  });

  it("dW comes out contiguous in w's layout (no transposed copy)", () => {
    const [x, w, b] = inputs();
    w.requiresGrad_();
    const y = T.linear(x, w, b, 'relu');
    T.sum(y).backward();
    expect(w.grad?.strides).toEqual([7, 1]);
  });

  it('second derivatives (createGraph) match the composite path', () => {
    const [x, w, b] = inputs('float64');
    const second = (lin: (x: Tensor, w: Tensor, b: Tensor) => Tensor) =>
      grad((ww: Tensor) => {
        // ww requires grad here, so the inner gradients are recorded (createGraph).
        const [gx, gw] = grad((xx: Tensor, w2: Tensor) => T.sum(T.square(lin(xx, w2, b))), [0, 1])(x, ww) as Tensor[];
        return T.add(T.sum(T.mul(gx, gx)), T.sum(T.mul(gw, gw)));
      })(w) as Tensor;
    const got = second((a, c, d) => T.linear(a, c, d, 'tanh')).dataSync();
    const want = second(composite('tanh')).dataSync();
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.1);
    for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], 9);
  });

  it('forward mode: tangents of x, w and b together match the composite path', () => {
    const [x, w, b] = inputs('float64');
    const t = inputs('float64').map((u) => T.mul(u, 0.5));
    const [, got] = jvp((a, c, d) => T.linear(a, c, d, 'sigmoid'), [x, w, b], t);
    const [, want] = jvp(composite('sigmoid'), [x, w, b], t);
    const g = got.dataSync();
    const e = want.dataSync();
    for (let k = 0; k < e.length; k++) expect(g[k]).toBeCloseTo(e[k], 9);
  });
});
