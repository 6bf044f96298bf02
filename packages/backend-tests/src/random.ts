/** The random primitive: Philox streams identical to the specification and to the cpu backend; statistical sanity. */
import * as nn from '@nn/tensor';
import { philox4x32 } from '@nn/tensor/backend';
import type { DType, Tensor } from '@nn/tensor';
import { describe, expect } from 'vitest';
import { type Ctx, EXACT, expectRef, test, toRef } from './helpers.js';
import * as R from './reference.js';

const NORMAL_TOL = { atol: 1e-6, rtol: 1e-6 };

/** A draw sequence that exercises every kind, odd sizes, empty tensors and counter advancing. */
function draws(backend: string, float64: boolean): Tensor[] {
  const o = { backend };
  const out = [
    nn.rand([3, 5], o),
    nn.randn([7], o),
    nn.randint(-3, 10, [2, 9], o),
    nn.rand([1], o),
    nn.randn([0, 3], o),
    nn.randn([2, 2], o),
    nn.rand([], o),
    nn.randint(0, 2 ** 24, [5], o),
  ];
  if (float64) out.push(nn.rand([5], { ...o, dtype: 'float64' }), nn.randn([3], { ...o, dtype: 'float64' }));
  return out;
}

/** The same sequence from the reference: [kind, shape, dtype, counter advance, transform]. */
function expectedDraws(key: readonly number[], startCounter: number, float64: boolean): R.Ref[] {
  let counter = startCounter;
  const take = (kind: 'uniform' | 'normal', shape: number[], dtype: DType): number[] => {
    const n = R.size(shape);
    const v = R.randomRef(kind, key, counter, n);
    counter += kind === 'normal' ? Math.ceil(n / 2) : Math.ceil(n / 4);
    return v.map((x) => R.toDType(dtype, x));
  };
  const randint = (lo: number, hi: number, shape: number[]) =>
    R.makeRef(
      shape,
      'int32',
      take('uniform', shape, 'float32').map((u) => Math.floor(Math.fround(u * (hi - lo))) + lo),
    );
  const out = [
    R.makeRef([3, 5], 'float32', take('uniform', [3, 5], 'float32')),
    R.makeRef([7], 'float32', take('normal', [7], 'float32')),
    randint(-3, 10, [2, 9]),
    R.makeRef([1], 'float32', take('uniform', [1], 'float32')),
    R.makeRef([0, 3], 'float32', take('normal', [0, 3], 'float32')),
    R.makeRef([2, 2], 'float32', take('normal', [2, 2], 'float32')),
    R.makeRef([], 'float32', take('uniform', [], 'float32')),
    randint(0, 2 ** 24, [5]),
  ];
  if (float64)
    out.push(R.makeRef([5], 'float64', take('uniform', [5], 'float64')), R.makeRef([3], 'float64', take('normal', [3], 'float64')));
  return out;
}

async function compareDraws(got: Tensor[], want: R.Ref[], label: string): Promise<void> {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    await expectRef(got[i], want[i], i === 1 || i === 4 || i === 5 || i === 9 ? NORMAL_TOL : EXACT, `${label} draw ${i}`);
  }
}

export function randomTests(ctx: Ctx): void {
  describe('random', () => {
    test('the reference Philox-4x32-10 matches the Random123 known-answer vectors', () => {
      // tests/kat_vectors of https://github.com/DEShawResearch/random123: counter, key, output.
      const kat: [number[], number[], number[]][] = [
        [
          [0, 0, 0, 0],
          [0, 0],
          [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        ],
        [
          [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
          [0xffffffff, 0xffffffff],
          [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        ],
        [
          [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
          [0xa4093822, 0x299f31d0],
          [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
        ],
      ];
      for (const [c, k, want] of kat) {
        expect(R.philoxRef(c, k)).toEqual(want);
        const out = new Uint32Array(4);
        philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
        expect([...out]).toEqual(want);
      }
    });

    test('same seed: rand/randn/randint follow the Philox specification', async () => {
      const f64 = ctx.supports('float64');
      for (const seed of [0, 42, 2 ** 40 + 7]) {
        nn.manualSeed(seed);
        const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
        await compareDraws(draws(ctx.name, f64), expectedDraws(key, 0, f64), `seed ${seed}`);
      }
      // A counter whose high word is set, and draws that cross 2^32.
      const state = { key: [0xdeadbeef, 0x12345678] as [number, number], counter: 2 ** 32 - 2 };
      nn.setRngState(state);
      await compareDraws(draws(ctx.name, f64), expectedDraws(state.key, state.counter, f64), 'counter near 2^32');
    });

    test('same seed: identical values on the cpu backend and on this backend', async () => {
      const f64 = ctx.supports('float64');
      nn.manualSeed(1234);
      const mine = draws(ctx.name, f64);
      nn.manualSeed(1234);
      const cpu = draws('cpu', f64);
      for (let i = 0; i < mine.length; i++) {
        const tol = i === 1 || i === 4 || i === 5 || i === 9 ? NORMAL_TOL : EXACT;
        await expectRef(mine[i], await toRef(cpu[i]), tol, `draw ${i}`);
      }
      if (ctx.backend?.readSync !== undefined) {
        nn.manualSeed(7);
        const p = nn.randperm(10, { backend: ctx.name });
        nn.manualSeed(7);
        await expectRef(p, await toRef(nn.randperm(10, { backend: 'cpu' })), EXACT, 'randperm');
        // randperm is Fisher-Yates driven by the 'bits' stream.
        const bits = R.randomRef('bits', [7, 0], 0, 10);
        const perm = Array.from({ length: 10 }, (_, i) => i);
        for (let i = 9; i > 0; i--) {
          const j = (bits[i] >>> 0) % (i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        await expectRef(p, R.makeRef([10], 'int32', perm), EXACT, 'randperm reference');
        await expectRef(nn.randperm(0, { backend: ctx.name }), R.makeRef([0], 'int32', []), EXACT, 'randperm(0)');
      }
    });

    test('statistics: rand mean 0.5 and variance 1/12, randn mean 0 and variance 1, randint covers its range', async () => {
      nn.manualSeed(2024);
      const n = 10000;
      const stats = async (t: Tensor) => {
        const d = Array.from(await t.data());
        const mean = d.reduce((a, b) => a + b, 0) / d.length;
        const v = d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1);
        return { mean, v, min: Math.min(...d), max: Math.max(...d), d };
      };
      const u = await stats(nn.rand([n], { backend: ctx.name }));
      expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(u.v - 1 / 12)).toBeLessThan(0.004);
      expect(u.min).toBeGreaterThanOrEqual(0);
      expect(u.max).toBeLessThan(1);
      const g = await stats(nn.randn([n], { backend: ctx.name }));
      expect(Math.abs(g.mean)).toBeLessThan(0.04);
      expect(Math.abs(g.v - 1)).toBeLessThan(0.05);
      expect(g.d.every(Number.isFinite)).toBe(true);
      const r = await stats(nn.randint(-2, 3, [n], { backend: ctx.name }));
      expect(new Set(r.d)).toEqual(new Set([-2, -1, 0, 1, 2]));
      expect(Math.abs(r.mean)).toBeLessThan(0.05);
    });
  });
}
