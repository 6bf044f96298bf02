/**
 * clipGradNorm with huge but finite gradients: the norm is computed scaled (as LAPACK's snrm2),
 * so squaring 1e30 does not overflow float32 to Infinity and zero every gradient. Ordinary
 * gradients give the same bits as the plain computation (PyTorch's); a true Inf or NaN gradient
 * keeps PyTorch's semantics.
 */
import * as T from '@nn/tensor';
import { type Tensor, ValueRangeError, registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipGradNorm } from '@nn/optim';
import type { WebGPUBackend } from '@nn/webgpu-backend';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const F32_MAX = 3.4028234663852886e38;

function withGrads(grads: number[][], backend?: string): Tensor[] {
  return grads.map((g) => {
    const p = T.zeros([g.length], { requiresGrad: true, backend });
    p.grad = T.keep(T.tensor(g, { dtype: 'float32', backend }));
    return p;
  });
}
const gradsOf = async (ps: Tensor[]) => Promise.all(ps.map(async (p) => Array.from(await p.grad!.data())));
const norm2 = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0));

function expectRel(actual: number, expected: number, tol: number, what: string): void {
  expect(Math.abs(actual - expected) / Math.abs(expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(tol);
}

/** The cases, on any backend (the cpu one always; webgpu when there is one). */
function hugeCases(backend: string, tol: number): void {
  it('every element 1e30: the true norm, and the grads clipped to maxNorm in the same direction', async () => {
    const g = [[1e30, -1e30, 1e30], [-1e30]];
    const ps = withGrads(g, backend);
    const n = clipGradNorm(ps, 1);
    expect(n.backend.name).toBe(backend);
    expectRel((await n.data())[0], 2e30, tol, 'total norm');
    const out = (await gradsOf(ps)).flat();
    expectRel(norm2(out), 1, tol, 'clipped norm');
    g.flat().forEach((v, i) => expectRel(out[i], v / 2e30, tol, `grad ${i}`));
  });

  it('mixed 1e30 and 1 elements: the small ones keep their (tiny) share', async () => {
    const ps = withGrads([[1e30, 1, -1e30, 2]], backend);
    const n = clipGradNorm(ps, 2);
    const total = Math.SQRT2 * 1e30;
    expectRel((await n.data())[0], total, tol, 'total norm');
    const out = (await gradsOf(ps))[0];
    [1e30, 1, -1e30, 2].forEach((v, i) => expectRel(out[i], (v * 2) / total, tol, `grad ${i}`));
  });

  it('a norm beyond float32 returns Infinity, yet the grads are still scaled to maxNorm', async () => {
    const v = 0.9 * F32_MAX;
    const ps = withGrads(
      [
        [v, -v],
        [v, v],
      ],
      backend,
    ); // norm 2v > float32's max
    const n = clipGradNorm(ps, 3);
    expect((await n.data())[0]).toBe(Number.POSITIVE_INFINITY);
    const out = (await gradsOf(ps)).flat();
    [1.5, -1.5, 1.5, 1.5].forEach((e, i) => expectRel(out[i], e, tol, `grad ${i}`));
  });

  it('1-norm and 3-norm of huge grads', async () => {
    const ps1 = withGrads([[3e37, -1e37], [2e37]], backend);
    expectRel((await clipGradNorm(ps1, 6, 1).data())[0], 6e37, tol, '1-norm');
    (await gradsOf(ps1)).flat().forEach((x, i) => expectRel(x, [3, -1, 2][i], tol, `1-norm grad ${i}`));
    const ps3 = withGrads([[1e30, 1e30]], backend);
    expectRel((await clipGradNorm(ps3, 1, 3).data())[0], 2 ** (1 / 3) * 1e30, tol, '3-norm');
    (await gradsOf(ps3)).flat().forEach((x, i) => expectRel(x, 2 ** (-1 / 3), tol, `3-norm grad ${i}`));
  });
}

describe('clipGradNorm with huge finite gradients (cpu)', () => {
  hugeCases('cpu', 1e-6);

  it('tiny gradients (norm below 1e-19, whose squares underflow) are measured too, and left alone', () => {
    const ps = withGrads([[3e-25, -4e-25]]);
    expectRel(clipGradNorm(ps, 1).item(), 5e-25, 1e-6, 'total norm');
    expect(Array.from(ps[0].grad!.dataSync())).toEqual([Math.fround(3e-25), Math.fround(-4e-25)]);
  });

  it('errorIfNonfinite: finite grads whose norm overflows are no error (they can be clipped)', () => {
    const v = 0.9 * F32_MAX;
    const ps = withGrads([[v, -v]]);
    expect(clipGradNorm(ps, 1, 2, { errorIfNonfinite: true }).item()).toBe(Number.POSITIVE_INFINITY);
    expectRel(ps[0].grad!.dataSync()[0], Math.SQRT1_2, 1e-6, 'grad 0');
  });

  it('ordinary gradients: the same bits as the plain (PyTorch) computation, for p = 1, 2, 3 and inf', () => {
    T.manualSeed(3);
    for (const p of [1, 2, 3, Infinity]) {
      for (const [maxNorm, std] of [
        [1, 1],
        [0.5, 1e-3],
        [100, 7],
      ]) {
        const raw = T.tidy(() => [T.mul(T.randn([37]), std), T.mul(T.randn([5, 4]), std)].map((t) => Array.from(t.dataSync())));
        const ps = withGrads(raw);
        const n = clipGradNorm(ps, maxNorm, p).item();
        // The plain computation, as torch.nn.utils.clip_grad_norm_ does it.
        const [want, coef] = T.tidy(() => {
          const gs = raw.map((r) => T.tensor(r, { dtype: 'float32' }));
          const norm = (x: Tensor) =>
            p === Infinity
              ? T.max(T.abs(x))
              : p === 2
                ? T.sqrt(T.sum(T.mul(x, x)))
                : p === 1
                  ? T.sum(T.abs(x))
                  : T.pow(T.sum(T.pow(T.abs(x), p)), 1 / p);
          const total = p === Infinity ? T.max(T.stack(gs.map(norm))) : norm(T.stack(gs.map(norm)));
          return [total.item(), T.clamp(T.div(maxNorm, T.add(total, 1e-6)), null, 1)];
        });
        if (p === 3)
          expectRel(n, want, 1e-6, 'p = 3'); // pow does not commute with scaling exactly
        else expect(n, `p = ${p}`).toBe(want);
        const expected = T.tidy(() => raw.map((r) => Array.from(T.mul(T.tensor(r, { dtype: 'float32' }), coef).dataSync())));
        coef.dispose();
        const got = ps.map((q) => Array.from(q.grad!.dataSync()));
        if (p === 3)
          got.flat().forEach((x, i) => expect(Math.abs(x - expected.flat()[i])).toBeLessThanOrEqual(1e-6 * Math.abs(expected.flat()[i])));
        else expect(got, `grads, p = ${p}, maxNorm ${maxNorm}`).toEqual(expected);
      }
    }
  });

  it('a true Inf keeps PyTorch semantics: norm Infinity, coefficient 0 (finite grads 0, the Inf one NaN)', () => {
    const ps = withGrads([[1, Number.POSITIVE_INFINITY], [2]]);
    expect(clipGradNorm(ps, 1).item()).toBe(Number.POSITIVE_INFINITY);
    expect(ps.map((p) => Array.from(p.grad!.dataSync()))).toEqual([[0, Number.NaN], [0]]);
    expect(clipGradNorm(withGrads([[-Infinity, 1]]), 1, 'inf').item()).toBe(Number.POSITIVE_INFINITY);
    expect(() => clipGradNorm(withGrads([[1e30, Number.NEGATIVE_INFINITY]]), 1, 2, { errorIfNonfinite: true })).toThrow(ValueRangeError);
  });

  it('a NaN keeps PyTorch semantics: norm NaN and every grad NaN; errorIfNonfinite throws', () => {
    for (const p of [2, 1, Infinity]) {
      const ps = withGrads([[1, Number.NaN], [1e30]]);
      expect(clipGradNorm(ps, 1, p).item()).toBeNaN();
      expect(ps.map((q) => Array.from(q.grad!.dataSync()))).toEqual([[Number.NaN, Number.NaN], [Number.NaN]]);
    }
    expect(() => clipGradNorm(withGrads([[Number.NaN]]), 1, 2, { errorIfNonfinite: true })).toThrow(
      'clipGradNorm: the total norm of order 2 of the gradients is NaN, so they cannot be clipped',
    );
  });

  it('zero and empty gradients: norm 0, grads unchanged', () => {
    const ps = withGrads([[0, 0], []]);
    expect(clipGradNorm(ps, 1).item()).toBe(0);
    expect(ps.map((q) => Array.from(q.grad!.dataSync()))).toEqual([[0, 0], []]);
  });
});

const ok = await webgpuAvailable('optim-clip-huge.test.ts');

describe.skipIf(!ok)('clipGradNorm with huge finite gradients (webgpu)', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  hugeCases('webgpu', 1e-5);
});
