/**
 * The layout helpers every backend shares (src/layout.ts), against a naive walk: collapsing an
 * iteration space must visit exactly the offsets the uncollapsed row-major walk visits, in order.
 */
import { collapse, collapseGroup, contiguousStrides, flatStep, isContiguous, sizeOf } from '@nn/tensor/backend';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Offsets (plus `base`) that a row-major walk over `shape` visits with `strides`. */
function walk(shape: readonly number[], strides: readonly number[], base = 0): number[] {
  const out: number[] = [];
  const visit = (d: number, at: number): void => {
    if (d === shape.length) {
      out.push(at);
      return;
    }
    for (let i = 0; i < shape[d]; i++) visit(d + 1, at + i * strides[d]);
  };
  visit(0, base);
  return out;
}

/** A shape with one or two operands' strides: row-major, permuted, broadcast (0) or sliced (x step). */
const layouts = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 5 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(
        fc.array(fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 1, max: 3 })), { minLength: shape.length, maxLength: shape.length }),
        { minLength: 1, maxLength: 3 },
      ),
    ),
  )
  .map(([shape, kinds]) => {
    const row = contiguousStrides(shape);
    // kind 0: broadcast dim (stride 0); otherwise the row-major stride times a step.
    const strides = kinds.map((k) => row.map((s, d) => (k[d] === 0 ? 0 : s * k[d])));
    return { shape, strides };
  });

describe('layout helpers', () => {
  it('sizeOf and contiguousStrides: row-major sizes and strides (1 and [] for 0-d)', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('flatStep: 1 for row-major (size-1 dims ignored), 0 for a broadcast scalar, -1 otherwise', () => {
    expect(flatStep([2, 1, 3], [3, 99, 1])).toBe(1);
    expect(flatStep([2, 3], [0, 0])).toBe(0);
    expect(flatStep([2, 3], [1, 2])).toBe(-1);
    expect(isContiguous([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguous([2, 3], [0, 0])).toBe(false);
    expect(isContiguous([], [])).toBe(true);
  });

  it('collapse visits the same offsets as the uncollapsed walk, for every operand, with byte scales', () => {
    fc.assert(
      fc.property(layouts, fc.integer({ min: 1, max: 4 }), ({ shape, strides }, scale) => {
        const S: number[] = [];
        const T = strides.map(() => [] as number[]);
        const scales = strides.map((_, k) => (k === 0 ? 1 : scale));
        const r = collapse(shape, strides.length, strides, S, T, scales);
        const cs = S.slice(0, r);
        expect(r).toBeGreaterThanOrEqual(1);
        expect(r).toBeLessThanOrEqual(Math.max(shape.length, 1));
        expect(sizeOf(cs)).toBe(sizeOf(shape));
        strides.forEach((s, k) => {
          expect(walk(cs, T[k].slice(0, r))).toEqual(walk(shape, s).map((o) => o * scales[k]));
        });
      }),
    );
  });

  it('collapse merges a row-major block into one dim and drops size-1 dims', () => {
    const S = new Int32Array(4);
    const T = [new Int32Array(4), new Int32Array(4)];
    expect(
      collapse(
        [2, 1, 3, 4],
        2,
        [
          [12, 12, 4, 1],
          [0, 0, 0, 1],
        ],
        S,
        T,
      ),
    ).toBe(2);
    expect([...S.slice(0, 2)]).toEqual([6, 4]);
    expect([...T[0].slice(0, 2)]).toEqual([4, 1]);
    expect([...T[1].slice(0, 2)]).toEqual([0, 1]);
  });

  it('collapseGroup splits kept and reduced dims, each visiting the offsets of its own walk', () => {
    fc.assert(
      fc.property(layouts, fc.integer({ min: 0, max: 31 }), ({ shape, strides }, mask) => {
        const axes = shape.map((_, d) => d).filter((d) => (mask >> d) & 1);
        const s = strides[0];
        const group = (reduced: boolean) => shape.map((n, d) => (axes.includes(d) === reduced ? n : 1));
        for (const reduced of [false, true]) {
          const S: number[] = [];
          const T: number[] = [];
          const r = collapseGroup(shape, s, axes, reduced, S, T, 4);
          expect(walk(S.slice(0, r), T.slice(0, r))).toEqual(walk(group(reduced), s).map((o) => o * 4));
        }
      }),
    );
  });
});
