/** Property-based checks (fast-check): random shapes, axes, layouts and movement chains against the reference. */
import * as nn from '@nn/tensor';
import type { DType, Tensor } from '@nn/tensor';
import fc from 'fast-check';
import { describe } from 'vitest';
import { type Ctx, EXACT, expectRef, fromRef, iotaRef, LAYOUTS, type Layout, randomRef, sumTol, test, tolFor } from './helpers.js';
import * as R from './reference.js';

const RUNS = { numRuns: 50 };

/** A dim size: mostly 1..4, sometimes 0. */
const dimArb = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 12, arbitrary: fc.integer({ min: 1, max: 4 }) });
const layoutArb = fc.constantFrom<Layout>(...LAYOUTS);

/** An operand shape that broadcasts to `out`: a suffix of it with some dims set to 1. */
function operandArb(out: number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

const broadcastPairArb = fc.array(dimArb, { minLength: 0, maxLength: 4 }).chain((out) => fc.tuple(operandArb(out), operandArb(out)));

/** One movement step, drawn as raw numbers and interpreted against the current shape. */
type Step = { kind: 'permute' | 'slice' | 'reshape' | 'expand' | 'transpose'; r: number[] };
const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('permute', 'slice', 'reshape', 'expand', 'transpose'),
  r: fc.array(fc.nat({ max: 1000 }), { minLength: 6, maxLength: 6 }),
});

/** Applies a step to the tensor and the reference alike. */
function applyStep(t: Tensor, x: R.Ref, { kind, r }: Step): [Tensor, R.Ref] {
  const nd = x.shape.length;
  if (nd === 0) return [t.reshape([1]), R.reshapeRef(x, [1])];
  switch (kind) {
    case 'permute': {
      const perm = x.shape.map((_, i) => i).sort((a, b) => ((r[a] * 7919 + a) % 1009) - ((r[b] * 7919 + b) % 1009));
      return [t.permute(perm), R.permuteRef(x, perm)];
    }
    case 'transpose': {
      const a = r[0] % nd;
      const b = r[1] % nd;
      return [t.transpose(a, b), R.transposeRef(x, a, b)];
    }
    case 'slice': {
      const d = r[0] % nd;
      const n = x.shape[d];
      const start = (r[1] % (n + 2)) - 1; // -1 counts from the end
      const end = n - (r[2] % (n + 1));
      const step = 1 + (r[3] % 3);
      return [t.slice(d, start, end, step), R.sliceRef(x, d, start, end, step)];
    }
    case 'reshape': {
      if (r[4] % 2 === 0 && nd >= 2) {
        const d = r[0] % (nd - 1);
        const shape = [...x.shape.slice(0, d), x.shape[d] * x.shape[d + 1], ...x.shape.slice(d + 2)];
        return [t.reshape(shape), R.reshapeRef(x, shape)];
      }
      const d = r[0] % nd;
      const n = x.shape[d];
      const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((f) => n % f === 0);
      const f = divisors.length === 0 ? 1 : divisors[r[1] % divisors.length];
      const shape = [...x.shape.slice(0, d), f, n === 0 ? 0 : n / f, ...x.shape.slice(d + 1)];
      return [t.reshape(shape), R.reshapeRef(x, shape)];
    }
    case 'expand': {
      if (R.size(x.shape) > 200 || nd >= 5) return [t, x];
      const p = r[0] % (nd + 1);
      const k = 1 + (r[1] % 3);
      const unsq = [...x.shape.slice(0, p), 1, ...x.shape.slice(p)];
      const target = [...x.shape.slice(0, p), k, ...x.shape.slice(p)];
      return [t.unsqueeze(p).expand(target), R.broadcastTo(R.reshapeRef(x, unsq), target)];
    }
  }
}

export function propertyTests(ctx: Ctx): void {
  describe('properties', () => {
    test('add/mul/maximum of random broadcastable shapes and layouts match the reference', async () => {
      const dtypes: DType[] = [...ctx.floatDTypes(), ...(ctx.supports('int32') ? (['int32'] as const) : [])];
      await fc.assert(
        fc.asyncProperty(
          broadcastPairArb,
          layoutArb,
          layoutArb,
          fc.constantFrom('add', 'mul', 'maximum'),
          fc.constantFrom(...dtypes),
          fc.nat(),
          async ([sa, sb], la, lb, op, dtype, seed) => {
            const a = randomRef(sa, dtype, seed);
            const b = randomRef(sb, dtype, seed + 1);
            const f = dtype === 'int32' ? R.INT_BINARY_REF[op] : R.BINARY_REF[op];
            const fn = { add: nn.add, mul: nn.mul, maximum: nn.maximum }[op];
            await expectRef(fn(fromRef(ctx, a, la), fromRef(ctx, b, lb)), R.zip(a, b, f, dtype), tolFor(dtype));
          },
        ),
        RUNS,
      );
    });

    test('sum/max/mean over random shapes, axes and keepdim match the reference', async () => {
      const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 });
      const caseArb = shapeArb.chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          shape.length === 0
            ? fc.constant(null)
            : fc.option(
                fc
                  .subarray(
                    shape.map((_, i) => i),
                    { minLength: 1 },
                  )
                  .chain((axes) => fc.shuffledSubarray(axes, { minLength: axes.length, maxLength: axes.length })),
              ),
        ),
      );
      await fc.assert(
        fc.asyncProperty(
          caseArb,
          fc.boolean(),
          layoutArb,
          fc.constantFrom('sum', 'max', 'mean'),
          fc.constantFrom(...ctx.floatDTypes()),
          fc.nat(),
          async ([shape, axes], keepdim, layout, op, dtype, seed) => {
            const x = randomRef(shape, dtype, seed);
            const tx = fromRef(ctx, x, layout);
            const dims = axes === null || axes.length === 0 ? null : axes;
            const n = R.normAxes(dims, shape.length).reduce((m, a) => m * shape[a], 1);
            if (op === 'sum')
              await expectRef(
                nn.sum(tx, dims, keepdim),
                R.reduceRef(x, 'sum', dims, keepdim),
                sumTol(dtype, R.absSumRef(x, dims, keepdim), n),
              );
            else if (op === 'max') await expectRef(nn.max(tx, dims, keepdim), R.reduceRef(x, 'max', dims, keepdim), EXACT);
            else await expectRef(nn.mean(tx, dims, keepdim), R.meanRef(x, dims, keepdim), tolFor(dtype));
          },
        ),
        RUNS,
      );
    });

    test('chains of permute/transpose/slice/reshape/expand are pure index remaps', async () => {
      const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(shapeArb, layoutArb, fc.array(stepArb, { minLength: 1, maxLength: 5 }), async (shape, layout, steps) => {
          let x = iotaRef(shape);
          let t = fromRef(ctx, x, layout);
          for (const s of steps) [t, x] = applyStep(t, x, s);
          await expectRef(t, x, EXACT, 'read');
          await expectRef(t.contiguous(), x, EXACT, 'contiguous');
          await expectRef(
            nn.add(t, 1),
            R.map(x, (v) => v + 1),
            EXACT,
            'elementwise on the view',
          );
          await expectRef(nn.sum(t, -1), R.reduceRef(x, 'sum', -1), EXACT, 'reduction on the view');
        }),
        RUNS,
      );
    });

    test('concat then split round-trips', async () => {
      const caseArb = fc
        .tuple(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
          fc.nat(),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        )
        .map(([shape, a, sizes]) => ({ shape, axis: a % shape.length, sizes }));
      await fc.assert(
        fc.asyncProperty(
          caseArb,
          fc.array(layoutArb, { minLength: 4, maxLength: 4 }),
          fc.nat(),
          async ({ shape, axis, sizes }, layouts, seed) => {
            const parts = sizes.map((n, i) => {
              const s = [...shape];
              s[axis] = n;
              return randomRef(s, 'float32', seed + i);
            });
            const cat = nn.concat(
              parts.map((p, i) => fromRef(ctx, p, layouts[i])),
              axis,
            );
            await expectRef(cat, R.concatRef(parts, axis), EXACT, 'concat');
            const back = nn.split(cat, sizes, axis);
            for (let i = 0; i < parts.length; i++) await expectRef(back[i], parts[i], EXACT, `piece ${i}`);
          },
        ),
        RUNS,
      );
    });
  });
}
