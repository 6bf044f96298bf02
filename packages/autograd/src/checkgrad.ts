/** Gradient checking: autodiff (reverse and forward mode) against central finite differences. */
import * as T from '@nn/tensor';
import { NNError, type Tensor } from '@nn/tensor';
import { grad, jvp, noGrad } from './functional.js';

/** Options of {@link checkGrad}. */
export interface CheckGradOptions {
  /** Finite-difference step (default 1e-6 in float64, 1e-3 in float32). */
  eps?: number;
  /** Absolute tolerance of the comparison. */
  atol?: number;
  /** Relative tolerance of the comparison. */
  rtol?: number;
  /** Which modes to check (default both). */
  modes?: ('reverse' | 'forward')[];
  /** Seed for the random cotangent/tangent directions. */
  seed?: number;
}

/** What {@link checkGrad} found. */
export interface CheckGradResult {
  /** True when every autodiff gradient matched the finite differences within tolerance. */
  ok: boolean;
  /** Largest |autodiff - numeric| found, and where. */
  maxError: number;
  /** One line per mismatch: input, position, both values. */
  details: string[];
}

/**
 * Compares autodiff with central differences for f at `inputs` (float inputs), in float64 where
 * the backend supports it. Non-scalar outputs are reduced with a fixed random weighting, so every
 * output element is exercised. Throws a readable error on mismatch unless `throwOnFail` is false.
 */
export function checkGrad(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: CheckGradOptions & { throwOnFail?: boolean } = {},
): CheckGradResult {
  const be = inputs[0]?.backend;
  if (be === undefined) throw new NNError('checkGrad: needs at least one input');
  const f64 = be.dtypes.includes('float64');
  const dtype = f64 ? 'float64' : 'float32';
  const { eps = f64 ? 1e-6 : 1e-3, atol = f64 ? 1e-7 : 1e-3, rtol = f64 ? 1e-5 : 1e-2, modes = ['reverse', 'forward'] } = options;
  const xs = T.tidy(() => inputs.map((x) => (x.dtype === 'float32' || x.dtype === 'float64' ? T.cast(x.detach(), dtype) : x.detach())));
  const diffIdx = xs.map((x, i) => (x.dtype === dtype ? i : -1)).filter((i) => i >= 0);
  const saved = T.getRngState();
  T.manualSeed(options.seed ?? 1234);
  const y0 = T.tidy(() => noGrad(() => f(...xs)));
  const w = T.tidy(() => T.cast(T.randn(y0.shape, { backend: be.name }), dtype));
  T.setRngState(saved);
  const scalarF = (...a: Tensor[]) => T.sum(T.mul(f(...a), w));
  // tidy: every finite-difference evaluation frees what f made (thousands of them per check).
  const evalAt = (a: Tensor[]) => T.tidy(() => noGrad(() => scalarF(...a).item()));
  const details: string[] = [];
  let maxError = 0;
  const compare = (label: string, got: number, want: number) => {
    const err = Math.abs(got - want);
    maxError = Math.max(maxError, err);
    if (!(err <= atol + rtol * Math.abs(want))) details.push(`${label}: autodiff ${got}, finite differences ${want}`);
  };
  // Numeric gradient, element by element.
  const numeric = diffIdx.map((i) => {
    const xi = xs[i]!; // diffIdx holds indices into xs
    const base = xi.dataSync();
    const g = new Float64Array(base.length);
    for (let k = 0; k < base.length; k++) {
      const plus = Float64Array.from(base, (v, j) => (j === k ? v + eps : v));
      const minus = Float64Array.from(base, (v, j) => (j === k ? v - eps : v));
      const at = (vals: Float64Array) => {
        const t = T.tensor(dtype === 'float64' ? vals : Float32Array.from(vals), { shape: xi.shape, backend: be.name, dtype });
        const args = xs.map((x, j) => (j === i ? t : x));
        const v = evalAt(args);
        t.dispose();
        return v;
      };
      g[k] = (at(plus) - at(minus)) / (2 * eps);
    }
    return g;
  });
  if (modes.includes('reverse')) {
    const gs = grad(scalarF, diffIdx)(...xs) as Tensor[];
    gs.forEach((g, k) => {
      const want = numeric[k]!; // one numeric gradient per diffIdx entry, one grad per argnum
      g.dataSync().forEach((got, e) => compare(`reverse d/d input ${diffIdx[k]}[${e}]`, got, want[e]!));
      g.dispose();
    });
  }
  if (modes.includes('forward')) {
    // Directional derivative along a random tangent vs the numeric gradient's projection.
    T.manualSeed((options.seed ?? 1234) + 1);
    const tangents = xs.map((x, i) =>
      diffIdx.includes(i) ? T.tidy(() => T.cast(T.randn(x.shape, { backend: be.name }), dtype)) : T.zerosLike(x),
    );
    T.setRngState(saved);
    const [yv, tv] = jvp(scalarF, xs, tangents);
    let want = 0;
    diffIdx.forEach((i, k) => {
      const num = numeric[k]!;
      tangents[i]!.dataSync().forEach((td, e) => {
        want += td * num[e]!; // the tangent and the numeric gradient have x's size
      });
    });
    compare('forward directional derivative', tv.item(), want);
    for (const t of [yv, tv, ...tangents]) t.dispose();
  }
  for (const t of [y0, w, ...xs]) t.dispose();
  const ok = details.length === 0;
  if (!ok && options.throwOnFail !== false) throw new NNError(`checkGrad failed:\n  ${details.slice(0, 10).join('\n  ')}`);
  return { ok, maxError, details };
}
