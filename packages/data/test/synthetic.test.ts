import { makeCircles, makeGaussians, makeMoons, makeRegression, makeSpiral, makeXor } from '@nn/data';
import * as T from '@nn/tensor';
import { describe, expect, it } from 'vitest';

const counts = (y: T.Tensor): number[] => {
  const out: number[] = [];
  for (const v of y.dataSync()) out[v] = (out[v] ?? 0) + 1;
  return out;
};

const generators = {
  gaussians: (seed?: number) => makeGaussians({ n: 101, seed }),
  xor: (seed?: number) => makeXor({ n: 101, seed }),
  circles: (seed?: number) => makeCircles({ n: 101, seed }),
  spiral: (seed?: number) => makeSpiral({ n: 101, classes: 3, seed }),
  moons: (seed?: number) => makeMoons({ n: 101, seed }),
};

describe('synthetic classification sets', () => {
  for (const [name, make] of Object.entries(generators)) {
    it(`${name}: deterministic per seed, independent of the global generator`, () => {
      T.manualSeed(1);
      const a = make(5);
      T.manualSeed(2);
      T.randn([7]).dispose();
      const b = make(5);
      expect(b.x.dataSync()).toEqual(a.x.dataSync());
      expect(b.y.dataSync()).toEqual(a.y.dataSync());
      const c = make(6);
      expect(c.x.dataSync()).not.toEqual(a.x.dataSync());
      // without a seed: the global generator decides
      T.manualSeed(3);
      const d = make();
      T.manualSeed(3);
      const e = make();
      expect(e.x.dataSync()).toEqual(d.x.dataSync());
      expect(a.x.dtype).toBe('float32');
      expect(a.y.dtype).toBe('int32');
      expect(a.x.shape).toEqual([101, 2]);
      expect(a.y.shape).toEqual([101]);
    });
  }
  it('class balance and label sets', () => {
    expect(counts(makeGaussians({ n: 101, seed: 0 }).y)).toEqual([51, 50]);
    expect(
      counts(
        makeGaussians({
          n: 90,
          seed: 0,
          centers: [
            [0, 0, 0],
            [1, 1, 1],
            [2, 2, 2],
          ],
        }).y,
      ),
    ).toEqual([30, 30, 30]);
    expect(
      makeGaussians({
        n: 10,
        seed: 0,
        centers: [
          [0, 0, 0],
          [1, 1, 1],
        ],
      }).x.shape,
    ).toEqual([10, 3]);
    expect(counts(makeXor({ n: 100, seed: 0 }).y)).toEqual([50, 50]);
    expect(counts(makeCircles({ n: 101, seed: 0 }).y)).toEqual([50, 51]);
    expect(counts(makeSpiral({ n: 100, classes: 4, seed: 0 }).y)).toEqual([25, 25, 25, 25]);
    expect(counts(makeMoons({ n: 10, seed: 0 }).y)).toEqual([5, 5]);
  });
  it('geometry: XOR labels follow the quadrant, circles follow the radius, noise 0 is exact', () => {
    const xor = makeXor({ n: 200, noise: 0.1, seed: 1 });
    const xs = xor.x.dataSync();
    const ys = xor.y.dataSync();
    for (let i = 0; i < 200; i++) expect(ys[i]).toBe(xs[2 * i] * xs[2 * i + 1] < 0 ? 1 : 0);
    const circ = makeCircles({ n: 50, noise: 0, factor: 0.3, seed: 1 });
    const cx = circ.x.dataSync();
    const cy = circ.y.dataSync();
    for (let i = 0; i < 50; i++) expect(Math.hypot(cx[2 * i], cx[2 * i + 1])).toBeCloseTo(cy[i] === 1 ? 0.3 : 1, 5);
    const sp = makeSpiral({ n: 30, classes: 3, noise: 0, seed: 0, shuffle: false });
    expect(sp.y.arraySync()).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)]);
    const r = sp.x.dataSync();
    expect(Math.hypot(r[2 * 9], r[2 * 9 + 1])).toBeCloseTo(1, 5); // arm ends at radius 1
  });
  it('shuffle interleaves classes; shuffle: false keeps them grouped', () => {
    const grouped = makeGaussians({ n: 10, seed: 0, shuffle: false }).y.arraySync();
    expect(grouped).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(makeGaussians({ n: 10, seed: 0 }).y.arraySync()).not.toEqual(grouped);
  });
  it('validates options', () => {
    expect(() => makeXor({ n: 0, seed: 0 })).toThrow('makeXor: n must be an integer >= 4, got 0');
    expect(() => makeCircles({ n: 10, noise: -1 })).toThrow('makeCircles: noise must be a finite number >= 0, got -1');
    expect(() => makeCircles({ n: 10, factor: 1 })).toThrow(/factor/);
    expect(() => makeSpiral({ n: 10, classes: 0 })).toThrow(/classes/);
    expect(() => makeGaussians({ n: 10, seed: -3 })).toThrow(/seed/);
  });
});

describe('makeRegression', () => {
  it('y = x w + b exactly without noise; shapes [n, d] and [n, 1]', () => {
    const { x, y } = makeRegression({ n: 50, weights: [2, -3], bias: 0.5, seed: 0 });
    expect(x.shape).toEqual([50, 2]);
    expect(y.shape).toEqual([50, 1]);
    expect(y.dtype).toBe('float32');
    const want = T.tidy(() => x.matmul(T.tensor([[2], [-3]], { dtype: 'float32' })).add(0.5));
    const a = y.dataSync();
    const b = want.dataSync();
    for (let i = 0; i < 50; i++) expect(a[i]).toBeCloseTo(b[i], 5);
  });
  it('noise has the requested std; multi-output weights; deterministic', () => {
    const { x, y } = makeRegression({ n: 4000, weights: [1], noise: 0.5, seed: 3 });
    const resid = T.tidy(() => y.sub(x).std().item());
    expect(resid).toBeGreaterThan(0.47);
    expect(resid).toBeLessThan(0.53);
    const m = makeRegression({
      n: 5,
      weights: [
        [1, 0, 2],
        [0, 1, 3],
      ],
      bias: [1, 2, 3],
      seed: 1,
      xRange: [-1, 1],
    });
    expect(m.y.shape).toEqual([5, 3]);
    const xs = m.x.dataSync();
    expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(makeRegression({ n: 5, weights: [1, 2], seed: 9 }).y.dataSync()).toEqual(
      makeRegression({ n: 5, weights: [1, 2], seed: 9 }).y.dataSync(),
    );
    expect(() => makeRegression({ n: 5, weights: [[1, 2], [3]] })).toThrow(/rectangular/);
  });
});
