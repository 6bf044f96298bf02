/** Shared test plumbing: the suite context, tensors built from references in various layouts, comparison. */
import { type Backend, type DType, type Tensor, scope, tensor } from '@nn/tensor';
import { expect, it } from 'vitest';
import { type Ref, makeRef, permuteRef, ravel, size, toDType, unravel } from './reference.js';

/** What every area's tests receive: the backend under test, resolved in beforeAll. */
export class Ctx {
  backend: Backend | null = null;
  constructor(
    readonly name: string,
    readonly skipDTypes: readonly DType[],
    readonly createBackend: () => Backend | Promise<Backend>,
  ) {}
  /** Whether tests of this dtype run: the backend stores it and it is not skipped. */
  supports(dtype: DType): boolean {
    return (this.backend?.dtypes.includes(dtype) ?? false) && !this.skipDTypes.includes(dtype);
  }
  /** The float dtypes under test (float32, plus float64 when the backend lists it). */
  floatDTypes(): DType[] {
    return (['float32', 'float64'] as const).filter((d) => this.supports(d));
  }
}

type TestFn = (t: { skip: (condition: boolean, note?: string) => void }) => Promise<void> | void;

/** An `it` whose tensors are all disposed afterwards (an async scope around the body). */
export function test(name: string, fn: TestFn): void {
  it(name, async ({ skip }) => {
    await scope(async () => {
      await fn({ skip: (condition, note) => skip(condition, note) });
    });
  });
}

/** Skips the test unless the backend under test supports every listed dtype. */
export function needs(ctx: Ctx, t: { skip: (condition: boolean, note?: string) => void }, ...dtypes: DType[]): void {
  for (const d of dtypes) t.skip(!ctx.supports(d), `backend '${ctx.name}' does not test ${d}`);
}

// --- data --------------------------------------------------------------------------------------

/** mulberry32: a tiny seeded generator for reproducible test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'float' | 'unit' | 'positive' | 'nearone' | 'ties' | 'int' | 'smallint' | 'bool';

/** n values of a kind: float [-3, 3), unit [-1, 1), positive [0.1, 4), nearone [0.6, 1.4), ties {-1..1 by 0.5}, int [-9, 9], smallint [-2, 2], bool. */
export function values(n: number, seed: number, kind: Kind): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    switch (kind) {
      case 'float':
        out.push(u * 6 - 3);
        break;
      case 'unit':
        out.push(u * 2 - 1);
        break;
      case 'positive':
        out.push(0.1 + u * 3.9);
        break;
      case 'nearone':
        out.push(0.6 + u * 0.8);
        break;
      case 'ties':
        out.push(Math.floor(u * 5) / 2 - 1);
        break;
      case 'int':
        out.push(Math.floor(u * 19) - 9);
        break;
      case 'smallint':
        out.push(Math.floor(u * 5) - 2);
        break;
      case 'bool':
        out.push(u < 0.5 ? 0 : 1);
        break;
    }
  }
  return out;
}

/** A reference of the given shape and dtype with seeded values (the kind defaults by dtype). */
export function randomRef(shape: readonly number[], dtype: DType, seed: number, kind?: Kind): Ref {
  const k = kind ?? (dtype === 'bool' ? 'bool' : dtype === 'int32' ? 'int' : 'float');
  return makeRef(shape, dtype, values(size(shape), seed, k));
}

/** 0, 1, 2, ... (identifies every element's source position in movement tests). */
export function iotaRef(shape: readonly number[], dtype: DType = 'float32'): Ref {
  return makeRef(
    shape,
    dtype,
    Array.from({ length: size(shape) }, (_, i) => (dtype === 'bool' ? i % 2 : i)),
  );
}

// --- tensors from references -------------------------------------------------------------------

export function typed(dtype: DType, data: readonly number[]): Float32Array | Int32Array | Uint8Array | Float64Array {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(data);
    case 'int32':
      return Int32Array.from(data);
    case 'bool':
      return Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0));
    case 'float64':
      return Float64Array.from(data);
  }
}

/**
 * How a logical tensor is laid out in memory:
 * - contiguous: a fresh row-major tensor;
 * - permuted: stored with reversed dims, then permuted back (strides not row-major);
 * - strided: every other element of a wider last dim (slice with step 2, nonzero offset);
 * - offset: rows after a junk row (a contiguous view with nonzero offset);
 * - permuted-strided: both.
 */
export const LAYOUTS = ['contiguous', 'permuted', 'strided', 'offset', 'permuted-strided'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Junk written around views: a read from the wrong position shows up as a wrong value. */
function junk(dtype: DType): number {
  return toDType(dtype, dtype === 'bool' ? 1 : 7777);
}

export function fromRef(ctx: Ctx, r: Ref, layout: Layout = 'contiguous'): Tensor {
  const opts = { backend: ctx.name, dtype: r.dtype };
  const rank = r.shape.length;
  switch (layout) {
    case 'contiguous':
      return tensor(typed(r.dtype, r.data), { ...opts, shape: r.shape });
    case 'permuted': {
      if (rank < 2) return fromRef(ctx, r, 'strided');
      const rev = r.shape.map((_, i) => rank - 1 - i);
      return fromRef(ctx, permuteRef(r, rev), 'contiguous').permute(rev);
    }
    case 'permuted-strided': {
      if (rank < 2) return fromRef(ctx, r, 'strided');
      const rev = r.shape.map((_, i) => rank - 1 - i);
      return fromRef(ctx, permuteRef(r, rev), 'strided').permute(rev);
    }
    case 'strided': {
      if (rank === 0) return fromRef(ctx, r, 'offset');
      const n = r.shape[rank - 1];
      const wide = [...r.shape.slice(0, -1), 2 * n + 1];
      const data = new Array<number>(size(wide)).fill(junk(r.dtype));
      r.data.forEach((v, i) => {
        const idx = unravel(i, r.shape);
        idx[rank - 1] = 2 * idx[rank - 1] + 1;
        data[ravel(idx, wide)] = v;
      });
      return tensor(typed(r.dtype, data), { ...opts, shape: wide }).slice(-1, 1, 2 * n + 1, 2);
    }
    case 'offset': {
      if (rank === 0)
        return tensor(typed(r.dtype, [junk(r.dtype), r.data[0]]), opts)
          .narrow(0, 1, 1)
          .reshape([]);
      const rowSize = size(r.shape.slice(1));
      const data = [...new Array<number>(rowSize).fill(junk(r.dtype)), ...r.data];
      return tensor(typed(r.dtype, data), { ...opts, shape: [r.shape[0] + 1, ...r.shape.slice(1)] }).slice(0, 1);
    }
  }
}

/** A tensor of `shape` that is `base` (with size-1 dims) expanded: stride-0 dims. */
export function expandedFromRef(ctx: Ctx, base: Ref, shape: readonly number[]): Tensor {
  return fromRef(ctx, base).expand([...shape]);
}

// --- comparison --------------------------------------------------------------------------------

export interface Tol {
  atol: number;
  rtol: number;
  /** Per-element extra absolute tolerance (e.g. proportional to the sum of |terms|). */
  extra?: readonly number[];
}

export const EXACT: Tol = { atol: 0, rtol: 0 };

/** Default tolerance for arithmetic results of a dtype. */
export function tolFor(dtype: DType): Tol {
  if (dtype === 'float32') return { atol: 1e-5, rtol: 1e-5 };
  if (dtype === 'float64') return { atol: 1e-10, rtol: 1e-10 };
  return EXACT;
}

/** Tolerance for transcendental elementwise ops. */
export function transcendentalTol(dtype: DType): Tol {
  return dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-12, rtol: 1e-12 };
}

function same(got: number, want: number, tol: Tol, i: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol.atol + tol.rtol * Math.abs(want) + (tol.extra?.[i] ?? 0);
}

/** Reads t and checks its shape, dtype and values against the reference. */
export async function expectRef(t: Tensor, want: Ref, tol: Tol = tolFor(want.dtype), label = ''): Promise<void> {
  const where = label === '' ? '' : ` (${label})`;
  expect(t.shape, `shape${where}`).toEqual(want.shape);
  expect(t.dtype, `dtype${where}`).toBe(want.dtype);
  const got = Array.from(await t.data());
  expect(got.length, `element count${where}`).toBe(want.data.length);
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    if (!same(got[i], want.data[i], want.dtype === 'int32' || want.dtype === 'bool' ? EXACT : tol, i)) {
      bad.push(`[${unravel(i, want.shape).join(',')}]: got ${got[i]}, want ${want.data[i]}`);
    }
  }
  if (bad.length > 0) {
    const shown = bad.slice(0, 8).join('; ');
    expect.fail(
      `${bad.length} of ${got.length} elements differ${where}, shape [${want.shape}] ${want.dtype}: ${shown}${bad.length > 8 ? '; ...' : ''}`,
    );
  }
}

/** The values of a tensor as a reference (for comparisons between two tensors). */
export async function toRef(t: Tensor): Promise<Ref> {
  return { shape: [...t.shape], dtype: t.dtype, data: Array.from(await t.data()) };
}

/**
 * Tolerance for a float sum of n terms per output: the default plus 4 sqrt(n) eps sum|terms|
 * (a probabilistic bound on rounding, so any summation order passes but wrong terms do not).
 */
export function sumTol(dtype: DType, absSum: Ref, n: number): Tol {
  const eps = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  return { ...tolFor(dtype), extra: absSum.data.map((v) => 4 * Math.sqrt(Math.max(n, 1)) * eps * v) };
}
