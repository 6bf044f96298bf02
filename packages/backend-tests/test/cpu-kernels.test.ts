/**
 * Direct tests of the cpu kernels on hand-made views (contiguous, offset, strided, transposed,
 * broadcast, size-0) against naive reference loops that index every element by its strides, and
 * the shared elementwise oracle (src/oracle.ts). Here rather than in @nn/tensor so the oracle is
 * one module: @nn/tensor cannot depend on this package (it depends on @nn/tensor).
 */
import { type DataArray, type DType, createCpuBackend } from '@nn/tensor';
import {
  BINARY_OPS,
  type BinaryOp,
  type FusedActivation,
  type ReduceOp,
  UNARY_OPS,
  type UnaryOp,
  type View,
  erf as tableErf,
  fillRandom,
} from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_REF, BINARY_REF, UNARY_REF } from '../src/oracle.js';

const be = createCpuBackend();
type V = View<DataArray>;

function allocArray(dtype: DType, n: number): DataArray {
  const Ctor = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array }[dtype];
  return new Ctor(n);
}

/** Ops whose result is exact in any correct implementation; the rest may differ in the last bit from the oracle. */
const EXACT_UNARY = new Set<UnaryOp>(['neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round', 'reciprocal', 'sqrt']);
const ulpTol = (op: UnaryOp, dtype: DType): number => (EXACT_UNARY.has(op) ? 0 : dtype === 'float32' ? 2 ** -23 : 4e-16);

// --- helpers --------------------------------------------------------------------------------

/** Deterministic pseudo-random numbers (no dependence on the code under test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const rand = lcg(12345);

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

function randomValue(dtype: DType): number {
  if (dtype === 'bool') return rand() < 0.5 ? 1 : 0;
  if (dtype === 'int32') return Math.floor(rand() * 21) - 10;
  return Math.round((rand() * 8 - 4) * 64) / 64; // exact in float32, with repeats for ties
}

type Layout = 'contiguous' | 'offset' | 'strided' | 'transposed' | 'broadcast';
const LAYOUTS: Layout[] = ['contiguous', 'offset', 'strided', 'transposed', 'broadcast'];

/** A view of `shape` with the given memory layout, filled with random values. */
function makeView(dtype: DType, shape: readonly number[], layout: Layout = 'contiguous'): V {
  const rank = shape.length;
  let strides = rowMajor(shape);
  let offset = 0;
  let storage = size(shape);
  if (layout === 'offset') {
    offset = 5;
    storage += 8;
  } else if (layout === 'strided') {
    strides = strides.map((s) => s * 2);
    storage = storage * 2 + 1;
  } else if (layout === 'transposed') {
    // Column-major: dim 0 varies fastest.
    strides = [];
    for (let d = 0, acc = 1; d < rank; d++) {
      strides.push(acc);
      acc *= shape[d];
    }
  } else if (layout === 'broadcast' && rank > 0) {
    strides = rowMajor(shape.slice(1));
    strides.unshift(0);
    offset = 2;
    storage = size(shape.slice(1)) + 2;
  }
  const buffer = allocArray(dtype, Math.max(storage, 1));
  for (let i = 0; i < buffer.length; i++) buffer[i] = randomValue(dtype);
  return { buffer, dtype, shape, strides, offset };
}

function fromValues(dtype: DType, shape: readonly number[], values: readonly number[]): V {
  const buffer = allocArray(dtype, values.length);
  // A bool buffer only ever holds 0/1.
  buffer.set(dtype === 'bool' ? values.map((v) => +(v !== 0)) : values);
  return { buffer, dtype, shape, strides: rowMajor(shape), offset: 0 };
}

function output(dtype: DType, shape: readonly number[]): V {
  return { buffer: allocArray(dtype, size(shape)), dtype, shape, strides: rowMajor(shape), offset: 0 };
}

/** Every multi-index of shape in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((n) => n === 0)) return;
  const idx = new Array<number>(shape.length).fill(0);
  for (;;) {
    yield idx.slice();
    let d = shape.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

function at(v: V, idx: readonly number[]): number {
  let p = v.offset;
  for (let d = 0; d < idx.length; d++) p += idx[d] * v.strides[d];
  return v.buffer[p];
}

/** The logical contents of a view, row-major. */
function values(v: V): number[] {
  return [...indices(v.shape)].map((i) => at(v, i));
}

/** Rounds a double the way storing it into `dtype` does. */
function stored(dtype: DType, x: number): number {
  const a = allocArray(dtype, 1);
  a[0] = x;
  return a[0];
}

/** Exact (tol 0, NaN equals NaN) or relative comparison; reports the first mismatch only. */
function expectArray(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e)
      ? Number.isNaN(a)
      : tol === 0 || !Number.isFinite(e)
        ? Object.is(a, e)
        : Math.abs(a - e) <= tol * (1 + Math.abs(e));
    if (!ok) expect(a, `index ${i}: ${a} vs ${e}`).toBe(e);
  }
}

// --- elementwise ------------------------------------------------------------------------------

const SHAPES: number[][] = [[], [7], [3, 4], [2, 3, 5], [2, 1, 3, 4], [0, 3], [4, 0]];

describe('unary', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const op of UNARY_OPS) {
      it(`${op} ${dtype} over every layout`, () => {
        for (const shape of SHAPES) {
          for (const layout of LAYOUTS) {
            const x = makeView(dtype, shape, layout);
            const out = output(dtype, shape);
            be.unary(op, x, out);
            const ref = values(x).map((a) => stored(dtype, UNARY_REF[op](a)));
            expectArray(out.buffer, ref, ulpTol(op, dtype));
          }
        }
      });
    }
  }

  it('neg, abs, sign on int32', () => {
    for (const op of ['neg', 'abs', 'sign'] as const) {
      const x = fromValues('int32', [5], [-3, 0, 7, -2147483648, 2147483647]);
      const out = output('int32', [5]);
      be.unary(op, x, out);
      expectArray(
        out.buffer,
        values(x).map((a) => stored('int32', UNARY_REF[op](a))),
      );
    }
  });

  it('edge values: NaN, zeros, ties, infinities', () => {
    const xs = [NaN, 0, -0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, Infinity, -Infinity, -800, 800];
    const run = (op: UnaryOp) => {
      const out = output('float64', [xs.length]);
      be.unary(op, fromValues('float64', [xs.length], xs), out);
      return Array.from(out.buffer);
    };
    expect(run('round')).toEqual([NaN, 0, -0, 0, 2, 2, -0, -2, -2, Infinity, -Infinity, -800, 800]);
    expect(run('sign')).toEqual([NaN, 0, -0, 1, 1, 1, -1, -1, -1, 1, -1, -1, 1]);
    expect(run('relu').map((v) => (Object.is(v, -0) ? 'neg0' : v))).toEqual([NaN, 0, 0, 0.5, 1.5, 2.5, 0, 0, 0, Infinity, 0, 0, 800]);
    const sig = run('sigmoid');
    expect(sig[0]).toBeNaN();
    expect(sig.slice(9)).toEqual([1, 0, 0, 1]);
    expect(run('erf').slice(9)).toEqual([1, -1, -1, 1]);
  });

  it('erf matches high-precision values', () => {
    // Reference values from mpmath at 30 digits.
    const table: [number, number][] = [
      [1e-10, 1.1283791670955126e-10],
      [0.001, 0.0011283787909692365],
      [0.1, 0.1124629160182849],
      [0.49, 0.511668261188523],
      [0.5, 0.5204998778130465],
      [0.9, 0.7969082124228322],
      [1.0, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2.0, 0.9953222650189527],
      [2.5, 0.999593047982555],
      [3.0, 0.9999779095030014],
      [4.0, 0.9999999845827421],
      [5.5, 0.9999999999999927],
      [6.0, 1.0],
      [-0.7, -0.6778011938374184],
      [-2.2, -0.9981371537020182],
    ];
    for (const [x, y] of table) expect(Math.abs(tableErf(x) - y) / Math.abs(y)).toBeLessThan(1e-15);
  });
});

describe('binary', () => {
  const shape = [2, 3, 4];
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    for (const op of BINARY_OPS) {
      it(`${op} ${dtype} over layout pairs and broadcasts`, () => {
        const outDtype = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op) ? 'bool' : dtype;
        const cases: [V, V][] = [];
        for (const la of LAYOUTS)
          for (const lb of LAYOUTS) {
            cases.push([makeView(dtype, shape, la), makeView(dtype, shape, lb)]);
          }
        // [2, 3, 4] op [4] and op a scalar, broadcast with stride 0.
        const row = makeView(dtype, [4]);
        cases.push([makeView(dtype, shape), { ...row, shape, strides: [0, 0, 1] }]);
        const scalar = makeView(dtype, []);
        cases.push([{ ...scalar, shape, strides: [0, 0, 0] }, makeView(dtype, shape, 'transposed')]);
        for (const [a, b] of cases) {
          const out = output(outDtype, shape);
          be.binary(op, a, b, out);
          const va = values(a);
          const vb = values(b);
          const ref = va.map((x, i) =>
            stored(outDtype, op === 'mul' && dtype === 'int32' ? Math.imul(x, vb[i]) : BINARY_REF[op](x, vb[i])),
          );
          expectArray(out.buffer, ref);
        }
      });
    }
  }

  it('NaN semantics of maximum/minimum and comparisons', () => {
    const a = fromValues('float32', [4], [NaN, 1, NaN, 2]);
    const b = fromValues('float32', [4], [1, NaN, NaN, 3]);
    const run = (op: BinaryOp, dtype: DType) => {
      const out = output(dtype, [4]);
      be.binary(op, a, b, out);
      return Array.from(out.buffer);
    };
    expect(run('maximum', 'float32')).toEqual([NaN, NaN, NaN, 3]);
    expect(run('minimum', 'float32')).toEqual([NaN, NaN, NaN, 2]);
    expect(run('eq', 'bool')).toEqual([0, 0, 0, 0]);
    expect(run('ne', 'bool')).toEqual([1, 1, 1, 1]);
  });

  it('int32 add and mul wrap like 32-bit hardware', () => {
    const a = fromValues('int32', [2], [2147483647, 65536]);
    const b = fromValues('int32', [2], [1, 65536]);
    const out = output('int32', [2]);
    be.binary('add', a, b, out);
    expect(Array.from(out.buffer)).toEqual([-2147483648, 65536 * 2]);
    be.binary('mul', a, b, out);
    expect(Array.from(out.buffer)).toEqual([2147483647, 0]);
  });

  it('mixed dtypes (float32 with a float64 operand)', () => {
    const a = makeView('float32', [3, 4], 'strided');
    const b = makeView('float64', [3, 4], 'transposed');
    const out = output('float64', [3, 4]);
    be.binary('sub', a, b, out);
    const vb = values(b);
    expectArray(
      out.buffer,
      values(a).map((x, i) => x - vb[i]),
    );
  });
});

describe('where', () => {
  it('selects with broadcast condition and operands', () => {
    for (const dtype of ['float32', 'int32', 'float64'] as const) {
      for (const layout of LAYOUTS) {
        const shape = [3, 5];
        const cond = makeView('bool', shape, layout);
        const a = makeView(dtype, shape, 'transposed');
        const s = makeView(dtype, []);
        const b: V = { ...s, shape, strides: [0, 0] };
        const out = output(dtype, shape);
        be.where(cond, a, b, out);
        const vc = values(cond);
        const va = values(a);
        const vb = values(b);
        expectArray(
          out.buffer,
          vc.map((c, i) => (c ? va[i] : vb[i])),
        );
      }
    }
  });
});

describe('cast, copy, copyInto', () => {
  it('cast between every dtype pair', () => {
    const src = [0, 1, -1, 2.7, -2.7, 0.5, NaN, 1e10];
    const dtypes: DType[] = ['float32', 'int32', 'bool', 'float64'];
    for (const from of dtypes) {
      for (const to of dtypes) {
        const x = fromValues(from, [src.length], src);
        const out = output(to, [src.length]);
        be.cast(x, out);
        const ref = Array.from(x.buffer).map((v) =>
          to === 'bool' ? +(v !== 0) : to === 'int32' ? stored('int32', Math.trunc(v) || 0) : stored(to, v),
        );
        expectArray(out.buffer, ref);
      }
    }
    const f = output('int32', [4]);
    be.cast(fromValues('float32', [4], [2.7, -2.7, NaN, -0.5]), f);
    expect(Array.from(f.buffer)).toEqual([2, -2, 0, 0]);
    const bl = output('float32', [3]);
    be.cast(fromValues('bool', [3], [1, 0, 1]), bl);
    expect(Array.from(bl.buffer)).toEqual([1, 0, 1]);
  });

  it('cast and copy materialize strided views', () => {
    for (const shape of SHAPES) {
      for (const layout of LAYOUTS) {
        const x = makeView('float64', shape, layout);
        const out = output('float64', shape);
        be.copy(x, out);
        expectArray(out.buffer, values(x));
        const c = output('float32', shape);
        be.cast(x, c);
        expectArray(
          c.buffer,
          values(x).map((v) => Math.fround(v)),
        );
      }
    }
  });

  it('copyInto writes through a strided destination and leaves the rest alone', () => {
    for (const dtype of ['float32', 'int32', 'bool', 'float64'] as const) {
      for (const layout of ['contiguous', 'offset', 'strided', 'transposed'] as const) {
        for (const srcLayout of LAYOUTS) {
          const shape = [3, 2, 4];
          const dst = makeView(dtype, shape, layout);
          const before = Array.from(dst.buffer);
          const src = makeView(dtype, shape, srcLayout);
          be.copyInto(dst, src);
          expectArray(values(dst), values(src));
          // Elements outside the view are untouched.
          const touched = new Set(
            [...indices(shape)].map((i) => {
              let p = dst.offset;
              for (let d = 0; d < i.length; d++) p += i[d] * dst.strides[d];
              return p;
            }),
          );
          for (let p = 0; p < before.length; p++) {
            if (!touched.has(p)) expect(dst.buffer[p]).toBe(before[p]);
          }
        }
      }
    }
  });

  it('copyInto a column slice (last dim strided)', () => {
    const base = allocArray('float32', 12); // a [3, 4] matrix; write column 1
    const dst: V = { buffer: base, dtype: 'float32', shape: [3], strides: [4], offset: 1 };
    be.copyInto(dst, fromValues('float32', [3], [7, 8, 9]));
    expect(Array.from(base)).toEqual([0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0]);
  });
});

// --- reductions -------------------------------------------------------------------------------

function reduceRef(op: ReduceOp, x: V, axes: readonly number[]): { shape: number[]; data: number[] } {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = kept.map((d) => x.shape[d]);
  const data: number[] = [];
  for (const o of indices(outShape)) {
    const vals: number[] = [];
    for (const r of indices(axes.map((d) => x.shape[d]))) {
      const idx = new Array<number>(x.shape.length);
      kept.forEach((d, k) => (idx[d] = o[k]));
      axes.forEach((d, k) => (idx[d] = r[k]));
      vals.push(at(x, idx));
    }
    if (op === 'sum') data.push(vals.reduce((a, b) => a + b, 0));
    else if (op === 'prod') data.push(vals.reduce((a, b) => a * b, 1));
    else if (op === 'max' || op === 'min') {
      data.push(vals.some(Number.isNaN) ? NaN : op === 'max' ? Math.max(...vals) : Math.min(...vals));
    } else {
      const nan = vals.findIndex(Number.isNaN);
      const best = op === 'argmax' ? Math.max(...vals) : Math.min(...vals);
      data.push(nan >= 0 ? nan : vals.indexOf(best));
    }
  }
  return { shape: outShape, data };
}

function subsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let m = 1; m < 1 << rank; m++) out.push([...Array(rank).keys()].filter((d) => m & (1 << d)));
  return out;
}

describe('reduce', () => {
  const shape = [3, 4, 5];
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    for (const op of ['sum', 'prod', 'max', 'min'] as const) {
      it(`${op} ${dtype} over every axis set and layout`, () => {
        for (const layout of LAYOUTS) {
          for (const axes of subsets(shape.length)) {
            const x = makeView(dtype, shape, layout);
            const ref = reduceRef(op, x, axes);
            const out = output(dtype, ref.shape);
            be.reduce(op, x, axes, out);
            const tol = dtype === 'int32' ? 0 : 1e-6;
            expectArray(
              out.buffer,
              ref.data.map((v) => stored(dtype, v)),
              tol,
            );
          }
        }
      });
    }
  }

  for (const op of ['argmax', 'argmin'] as const) {
    it(`${op}: one axis, every layout, first index on ties, NaN wins`, () => {
      for (const dtype of ['float32', 'int32'] as const) {
        for (const layout of LAYOUTS) {
          for (let axis = 0; axis < 3; axis++) {
            const x = makeView(dtype, shape, layout);
            const ref = reduceRef(op, x, [axis]);
            const out = output('int32', ref.shape);
            be.reduce(op, x, [axis], out);
            expectArray(out.buffer, ref.data);
          }
        }
      }
      const x = fromValues('float32', [3, 4], [1, 3, 3, 0, 2, NaN, 5, NaN, -1, -1, -1, -1]);
      const out = output('int32', [3]);
      be.reduce(op, x, [1], out);
      expect(Array.from(out.buffer)).toEqual(op === 'argmax' ? [1, 1, 0] : [3, 1, 0]);
    });
  }

  it('sum of float32 accumulates in float64', () => {
    const n = 1 << 20;
    const x = output('float32', [n]);
    x.buffer.fill(0.1);
    x.buffer[0] = 1e8; // small addends would vanish in a float32 accumulator
    const out = output('float32', []);
    be.reduce('sum', x, [0], out);
    expect(out.buffer[0]).toBe(Math.fround(1e8 + (n - 1) * Math.fround(0.1)));
  });

  it('max/min propagate NaN along every path', () => {
    const x = fromValues('float64', [3, 4], [1, NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, NaN]);
    for (const axes of [[0], [1], [0, 1]]) {
      const ref = reduceRef('max', x, axes);
      const out = output('float64', ref.shape);
      be.reduce('max', x, axes, out);
      expectArray(out.buffer, ref.data);
      be.reduce('min', x, axes, out);
      expectArray(out.buffer, reduceRef('min', x, axes).data);
    }
  });

  it('empty reductions: sum 0, prod 1; empty outputs do nothing', () => {
    const x = makeView('float32', [3, 0, 2]);
    const out = output('float32', [3, 2]);
    be.reduce('sum', x, [1], out);
    expect(Array.from(out.buffer)).toEqual([0, 0, 0, 0, 0, 0]);
    be.reduce('prod', x, [1], out);
    expect(Array.from(out.buffer)).toEqual([1, 1, 1, 1, 1, 1]);
    be.reduce('sum', x, [0, 2], output('float32', [0]));
  });

  it('int32 sum and prod wrap; bool sums count', () => {
    const x = fromValues('int32', [3], [2147483647, 1, 65536]);
    const out = output('int32', []);
    be.reduce('sum', x, [0], out);
    expect(out.buffer[0]).toBe(-2147483648 + 65536);
    be.reduce('prod', x, [0], out);
    expect(out.buffer[0]).toBe(Math.imul(2147483647, 65536));
    const b = fromValues('bool', [2, 3], [1, 0, 1, 1, 1, 1]);
    const counts = output('int32', [2]);
    be.reduce('sum', b, [1], counts);
    expect(Array.from(counts.buffer)).toEqual([2, 3]);
  });

  it('large row and column reductions', () => {
    const x = makeView('float32', [64, 300]);
    for (const axes of [[0], [1]]) {
      const ref = reduceRef('sum', x, axes);
      const out = output('float32', ref.shape);
      be.reduce('sum', x, axes, out);
      expectArray(out.buffer, ref.data.map(Math.fround), 1e-6);
    }
  });
});

// --- matmul and linear ---------------------------------------------------------------------------

function matmulRef(a: V, b: V): number[] {
  const [batch, M, K] = a.shape;
  const N = b.shape[2];
  const [sab, sam, sak] = a.strides;
  const [sbb, sbk, sbn] = b.strides;
  const out: number[] = [];
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          s += a.buffer[a.offset + t * sab + i * sam + k * sak] * b.buffer[b.offset + t * sbb + k * sbk + j * sbn];
        }
        out.push(s);
      }
    }
  }
  return out;
}

/** A [batch, R, C] operand: contiguous, transposed in the matrix dims, or batch-broadcast. */
function matrix(dtype: DType, batch: number, R: number, C: number, kind: string): V {
  if (kind === 'transposed') {
    const v = makeView(dtype, [batch, C, R]);
    return { ...v, shape: [batch, R, C], strides: [v.strides[0], 1, R] };
  }
  if (kind === 'broadcast') {
    const v = makeView(dtype, [R, C]);
    return { ...v, shape: [batch, R, C], strides: [0, C, 1] };
  }
  if (kind === 'offset') return makeView(dtype, [batch, R, C], 'offset');
  return makeView(dtype, [batch, R, C], kind === 'strided' ? 'strided' : 'contiguous');
}

describe('matmul', () => {
  const sizes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 32, 2, 16],
    [2, 5, 7, 9],
    [1, 33, 17, 65],
    [3, 4, 4, 4],
    [1, 3, 20, 30],
    [1, 30, 20, 3],
    [1, 1, 64, 1],
    [1, 70, 300, 45],
    [2, 64, 64, 64],
  ];
  const kinds = ['contiguous', 'transposed', 'broadcast', 'offset', 'strided'];
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    it(`${dtype} over sizes and operand layouts`, () => {
      for (const [batch, M, K, N] of sizes) {
        for (const ka of kinds) {
          for (const kb of kinds) {
            const a = matrix(dtype, batch, M, K, ka);
            const b = matrix(dtype, batch, K, N, kb);
            const out = output(dtype, [batch, M, N]);
            be.matmul(a, b, out);
            const ref = matmulRef(a, b).map((v) => stored(dtype, v));
            expectArray(out.buffer, ref, dtype === 'float32' ? 1e-5 : dtype === 'float64' ? 1e-12 : 0);
          }
        }
      }
    });
  }

  it('crosses the K and N cache blocks', () => {
    const a = matrix('float64', 1, 9, 600, 'transposed');
    const b = matrix('float64', 1, 600, 1100, 'contiguous');
    const out = output('float64', [1, 9, 1100]);
    be.matmul(a, b, out);
    expectArray(out.buffer, matmulRef(a, b), 1e-12);
  });

  it('K = 0 gives zeros; empty outputs are fine', () => {
    const out = output('float32', [2, 3, 4]);
    out.buffer.fill(7);
    be.matmul(makeView('float32', [2, 3, 0]), makeView('float32', [2, 0, 4]), out);
    expect(Array.from(out.buffer).every((v) => v === 0)).toBe(true);
    be.matmul(makeView('float32', [1, 0, 3]), makeView('float32', [1, 3, 4]), output('float32', [1, 0, 4]));
  });

  it('int32 products wrap exactly', () => {
    const a = fromValues('int32', [1, 1, 2], [65536, 3]);
    const b = fromValues('int32', [1, 2, 1], [65536, 5]);
    const out = output('int32', [1, 1, 1]);
    be.matmul(a, b, out);
    expect(out.buffer[0]).toBe(15);
  });
});

describe('fused linear', () => {
  for (const act of Object.keys(ACTIVATION_REF) as FusedActivation[]) {
    it(`act = ${act}, with and without bias, transposed weights`, () => {
      for (const [M, K, N] of [
        [32, 2, 16],
        [8, 40, 3],
        [50, 30, 70],
      ]) {
        for (const withBias of [true, false]) {
          for (const dtype of ['float32', 'float64'] as const) {
            const x = makeView(dtype, [M, K], 'offset');
            const wt = makeView(dtype, [K, N]);
            const w: V = { ...wt, shape: [N, K], strides: [1, N] }; // [N, K] view of a [K, N] buffer
            const bias = withBias ? makeView(dtype, [N], 'strided') : null;
            const out = output(dtype, [M, N]);
            be.fused.linear?.(x, w, bias, act, out);
            const ref: number[] = [];
            for (let i = 0; i < M; i++) {
              for (let j = 0; j < N; j++) {
                let s = bias ? at(bias, [j]) : 0;
                for (let k = 0; k < K; k++) s += at(x, [i, k]) * at(w, [j, k]);
                ref.push(ACTIVATION_REF[act](s));
              }
            }
            expectArray(out.buffer, ref, dtype === 'float32' ? 1e-5 : 1e-12);
          }
        }
      }
    });
  }
});

// --- indexing, fill, random, storage ------------------------------------------------------------

describe('gather and scatterAdd', () => {
  function indexView(shape: number[], bound: number, transposed: boolean): V {
    const v = makeView('int32', shape, transposed ? 'transposed' : 'contiguous');
    for (let i = 0; i < v.buffer.length; i++) v.buffer[i] = Math.floor(rand() * bound);
    return v;
  }

  it('gather along every axis with strided x and indices', () => {
    const xShape = [3, 4, 5];
    for (let axis = 0; axis < 3; axis++) {
      for (const layout of LAYOUTS) {
        for (const transposed of [false, true]) {
          const x = makeView('float32', xShape, layout);
          const iShape = xShape.map((n, d) => (d === axis ? 6 : Math.max(1, n - 1)));
          const idx = indexView(iShape, xShape[axis], transposed);
          const out = output('float32', iShape);
          be.gather(x, idx, axis, out);
          const ref = [...indices(iShape)].map((i) => {
            const j = i.slice();
            j[axis] = at(idx, i);
            return at(x, j);
          });
          expectArray(out.buffer, ref);
        }
      }
    }
  });

  it('scatterAdd along every axis, accumulating duplicates', () => {
    const xShape = [3, 4, 5];
    for (let axis = 0; axis < 3; axis++) {
      for (const dtype of ['float64', 'int32'] as const) {
        const x = makeView(dtype, xShape, 'transposed');
        const iShape = xShape.map((n, d) => (d === axis ? 7 : Math.max(1, n - 1)));
        const idx = indexView(iShape, xShape[axis], axis === 1);
        const upd = makeView(dtype, iShape, 'strided');
        const out = output(dtype, xShape);
        be.scatterAdd(x, idx, upd, axis, out);
        const ref = values(x);
        const strides = rowMajor(xShape);
        for (const i of indices(iShape)) {
          const j = i.slice();
          j[axis] = at(idx, i);
          ref[j.reduce((p, v, d) => p + v * strides[d], 0)] += at(upd, i);
        }
        expectArray(out.buffer, ref, 1e-12);
      }
    }
  });
});

describe('fill, iota, random', () => {
  it('fill sets every element in each dtype', () => {
    for (const dtype of ['float32', 'int32', 'bool', 'float64'] as const) {
      const out = output(dtype, [2, 3]);
      be.fill(out, 2.5);
      expectArray(out.buffer, new Array(6).fill(dtype === 'bool' ? 1 : stored(dtype, 2.5)));
    }
  });

  it('iota', () => {
    const f = output('float32', [5]);
    be.iota(f, 1, 0.5);
    expect(Array.from(f.buffer)).toEqual([1, 1.5, 2, 2.5, 3]);
    const i = output('int32', [4]);
    be.iota(i, 10, -3);
    expect(Array.from(i.buffer)).toEqual([10, 7, 4, 1]);
  });

  it('random matches the Philox reference bit for bit', () => {
    const key: [number, number] = [0x12345678, 0x9abcdef0];
    const cases: [Parameters<typeof be.random>[0], DType][] = [
      ['uniform', 'float32'],
      ['uniform', 'float64'],
      ['normal', 'float64'],
      ['normal', 'float32'],
      ['bits', 'int32'],
    ];
    for (const [kind, dtype] of cases) {
      for (const n of [1, 7, 64]) {
        const out = output(dtype, [n]);
        be.random(kind, key, 5, out);
        const ref = new Float64Array(n);
        fillRandom(kind, key, 5, ref);
        expectArray(
          out.buffer,
          Array.from(ref, (v) => stored(dtype, v)),
        );
      }
    }
  });
});

describe('storage', () => {
  it('counts live buffers and bytes; reads are copies', async () => {
    const b = createCpuBackend();
    const f = b.alloc(10, 'float32');
    const d = b.alloc(3, 'float64');
    const u = b.alloc(5, 'bool');
    expect(b.memory()).toEqual({ buffers: 3, bytes: 40 + 24 + 5 });
    b.write(f, new Float32Array([1, 2, 3]));
    const r = b.readSync?.(f, 'float32', 4) as DataArray;
    expect(Array.from(r)).toEqual([1, 2, 3, 0]);
    r[0] = 99;
    expect(Array.from(await b.read(f, 'float32', 2))).toEqual([1, 2]);
    b.free(d);
    b.free(u);
    expect(b.memory()).toEqual({ buffers: 1, bytes: 40 });
    b.free(f);
    expect(b.memory()).toEqual({ buffers: 0, bytes: 0 });
    expect(b.name).toBe('cpu');
    expect(b.dtypes).toEqual(['float32', 'int32', 'bool', 'float64']);
  });
});
