/**
 * The comparison every PyTorch parity harness (conv, recurrent, attention) makes: a tensor against
 * a committed reference within rtol (atol = atolScale * max(1, max |reference|)), keeping the worst
 * error seen for one summary line per backend.
 */
import type * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { afterAll, expect } from 'vitest';

/** A reference tensor as the generators write it. */
export interface RefT {
  shape: number[];
  dtype: T.DType;
  data: number[];
}

export interface ParityOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** atol = atolScale * max(1, max |reference|) (default 1e-6). */
  atolScale?: number;
}

/** `close(actual, want, label)` for one backend; prints the worst error after the file's tests. */
export function parityComparer(what: string, backend: string, options: ParityOptions = {}) {
  const rtol = options.rtol ?? 1e-5;
  const atolScale = options.atolScale ?? 1e-6;
  const worst = { abs: 0, rel: 0, used: 0, where: '' };

  async function close(actual: Tensor | null | undefined, want: RefT, label: string): Promise<void> {
    expect(actual, `${label} exists`).toBeTruthy();
    expect(actual!.shape, `${label} shape`).toEqual(want.shape);
    expect(actual!.backend.name, `${label} backend`).toBe(backend);
    const got = await actual!.data();
    const atol = atolScale * Math.max(1, ...want.data.map(Math.abs));
    want.data.forEach((w, i) => {
      const err = Math.abs(got[i] - w);
      const used = err / (atol + rtol * Math.abs(w));
      if (err > worst.abs) worst.abs = err;
      if (Math.abs(w) > 1e-3 && err / Math.abs(w) > worst.rel) worst.rel = err / Math.abs(w);
      if (used > worst.used) [worst.used, worst.where] = [used, `${label}[${i}]`];
      if (!(used <= 1)) expect.fail(`${label}[${i}]: got ${got[i]}, PyTorch ${w} (on ${backend})`);
    });
  }

  afterAll(() => {
    console.log(
      `${what} parity on ${backend}: max abs error ${worst.abs.toExponential(2)}, max rel error (|ref| > 1e-3) ${worst.rel.toExponential(2)}, ` +
        `worst ${(worst.used * 100).toFixed(1)}% of tolerance at ${worst.where}`,
    );
  });
  return close;
}
