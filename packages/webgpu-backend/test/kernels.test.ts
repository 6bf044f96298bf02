/**
 * WebGPU-specific kernel checks beyond the conformance suite: float32 accuracy of the WGSL math
 * library in ulps against the cpu backend, every tiled-matmul variant (forced on small shapes),
 * Philox streams across the 2^32 counter carry, reductions on the workgroup path, and in-place
 * copies within one buffer (the fused optimizer updates are tested in packages/integration-tests).
 */
import * as nn from '@nn/tensor';
import { type Tensor, type UnaryOp, registerBackend } from '@nn/tensor';
import { UNARY_OPS } from '@nn/tensor/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('kernels.test.ts');

/** Distance in float32 ulps (NaN equals NaN; +-0 are equal). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.POSITIVE_INFINITY;
  if (a === b) return 0;
  const i = new Int32Array(new Float32Array([a, b]).buffer);
  const ord = (v: number): number => (v < 0 ? -(v & 0x7fffffff) : v);
  return Math.abs(ord(i[0]) - ord(i[1]));
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

async function maxDiff(a: Tensor, b: Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

describe.skipIf(!ok)('webgpu kernels', () => {
  let be: WebGPUBackend;
  let tiled: WebGPUBackend;
  const G = { backend: 'webgpu' };
  const T = { backend: 'webgpu-tiled' };

  beforeAll(async () => {
    be = (await tryWebGPU())!;
    tiled = (await tryWebGPU({ name: 'webgpu-tiled', matmulTiling: 'always' }))!;
    registerBackend(be);
    registerBackend(tiled);
  });
  afterAll(() => {
    be?.dispose();
    tiled?.dispose();
  });

  // Inputs: a dense sweep of each op's interesting range plus tiny magnitudes of both signs.
  const RANGES: Partial<Record<UnaryOp, [number, number]>> = {
    exp: [-87, 88],
    expm1: [-20, 20],
    log: [1e-6, 1e4],
    log1p: [-0.999, 100],
    sqrt: [0, 1e4],
    rsqrt: [1e-6, 1e4],
    sin: [-100, 100],
    cos: [-100, 100],
    tanh: [-12, 12],
    sigmoid: [-30, 30],
    erf: [-7, 7],
  };
  const MAX_ULPS = 4;

  it(`every unary op is within ${MAX_ULPS} ulp of the cpu backend (float32)`, async () => {
    const n = 50_000;
    const worst: string[] = [];
    for (const op of UNARY_OPS) {
      const [lo, hi] = RANGES[op] ?? [-50, 50];
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / n;
      const positive = lo >= 0;
      for (let i = 0; i < 500; i++) x[i] = (positive || i % 2 === 0 ? 1 : -1) * 10 ** (-1 - i / 20);
      const want = nn.unary(op, nn.tensor(x)).dataSync();
      const got = await nn.unary(op, nn.tensor(x, G)).data();
      let max = 0;
      let at = 0;
      for (let i = 0; i < n; i++) {
        const d = ulps(got[i], want[i]);
        if (d > max) [max, at] = [d, i];
      }
      if (max > MAX_ULPS) worst.push(`${op}: ${max} ulp at x=${x[at]} (got ${got[at]}, want ${want[at]})`);
    }
    expect(worst).toEqual([]);
  });

  it('pow: integer exponents multiply exactly, others stay within 8 ulp', async () => {
    const a = randomData(4000, 1, 0.1, 4);
    const b = Float32Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? (i % 13) - 6 : (i % 97) / 16 - 3));
    const want = nn.pow(nn.tensor(a), nn.tensor(b)).dataSync();
    const got = await nn.pow(nn.tensor(a, G), nn.tensor(b, G)).data();
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      if (b[i] === 2) expect(got[i]).toBe(Math.fround(a[i] * a[i]));
      max = Math.max(max, ulps(got[i], want[i]));
    }
    expect(max).toBeLessThanOrEqual(8);
  });

  // Each case picks a tile-load variant: k4/m4/scalar for A, n4/k4/scalar for B, vec4 or scalar stores.
  const CASES: [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor, number[], number[]][] = [
    ['A k4, B n4, vec4 stores', (a) => a, (b) => b, [70, 36], [36, 68]],
    ['A m4 (transposed), B k4 (transposed)', (a) => a.T, (b) => b.T, [36, 72], [40, 36]],
    ['A and B strided (scalar loads), N % 4 != 0', (a) => a.slice(1, 0, 74, 2), (b) => b.slice(0, 0, 74, 2), [67, 74], [74, 65]],
    ['K not a multiple of 16 or 4', (a) => a, (b) => b, [33, 37], [37, 35]],
    ['A transposed, scalar (M % 4 != 0), B k4', (a) => a.T, (b) => b.T, [21, 66], [12, 21]],
  ];
  for (const [label, va, vb, sa, sb] of CASES) {
    it(`tiled matmul: ${label}`, async () => {
      const a = randomData(sa[0] * sa[1], 10);
      const b = randomData(sb[0] * sb[1], 11);
      const want = nn.matmul(va(nn.tensor(a, { shape: sa })), vb(nn.tensor(b, { shape: sb })));
      const got = nn.matmul(va(nn.tensor(a, { ...T, shape: sa })), vb(nn.tensor(b, { ...T, shape: sb })));
      expect(got.shape).toEqual(want.shape);
      expect(await maxDiff(got, want)).toBeLessThan(2e-5);
    });
  }

  it('tiled matmul: batched with a broadcast batch, int32 exact', async () => {
    const a = randomData(3 * 20 * 24, 12);
    const b = randomData(24 * 36, 13);
    const want = nn.matmul(nn.tensor(a, { shape: [3, 20, 24] }), nn.tensor(b, { shape: [1, 24, 36] }).expand(3, 24, 36));
    const got = nn.matmul(nn.tensor(a, { ...T, shape: [3, 20, 24] }), nn.tensor(b, { ...T, shape: [1, 24, 36] }).expand(3, 24, 36));
    expect(await maxDiff(got, want)).toBeLessThan(2e-5);
    const ai = Int32Array.from(a, (v) => Math.round(v * 1000));
    const bi = Int32Array.from(b, (v) => Math.round(v * 1000));
    const wi = nn.matmul(nn.tensor(ai, { shape: [3, 20, 24] }), nn.tensor(bi, { shape: [24, 36] }));
    const gi = nn.matmul(nn.tensor(ai, { ...T, shape: [3, 20, 24] }), nn.tensor(bi, { ...T, shape: [24, 36] }));
    expect(Array.from(await gi.data())).toEqual(Array.from(await wi.data()));
  });

  it('tiled fused linear: bias and every activation', async () => {
    const x = randomData(40 * 28, 14);
    const w = randomData(44 * 28, 15);
    const bias = randomData(44, 16);
    for (const act of ['none', 'relu', 'tanh', 'sigmoid', 'gelu'] as const) {
      const want = nn.linear(nn.tensor(x, { shape: [40, 28] }), nn.tensor(w, { shape: [44, 28] }), nn.tensor(bias), act);
      const got = nn.linear(nn.tensor(x, { ...T, shape: [40, 28] }), nn.tensor(w, { ...T, shape: [44, 28] }), nn.tensor(bias, T), act);
      expect(await maxDiff(got, want), act).toBeLessThan(2e-5);
    }
  });

  it('Philox: bits and uniform bit-exact with cpu across the 2^32 counter carry; normal within 1e-5', async () => {
    for (const kind of ['bits', 'uniform', 'normal'] as const) {
      const n = 1001;
      const dtype = kind === 'bits' ? 'int32' : 'float32';
      const counter = 2 ** 32 - 7;
      const c = nn.zeros([n], { dtype });
      const g = nn.zeros([n], { ...G, dtype });
      nn.getBackend('cpu').random(kind, [0x12345678, 0x9abcdef0], counter, c);
      be.random(kind, [0x12345678, 0x9abcdef0], counter, g as unknown as Parameters<typeof be.random>[3]);
      const [want, got] = [c.dataSync(), await g.data()];
      for (let i = 0; i < n; i++) {
        if (kind === 'normal') expect(Math.abs(got[i] - want[i]), `normal ${i}`).toBeLessThanOrEqual(1e-5);
        else expect(got[i], `${kind} ${i}`).toBe(want[i]);
      }
    }
  });

  it('reductions on the workgroup path: long sums, max/argmax with NaN and ties', async () => {
    const x = randomData(3 * 20000, 17);
    x[12345] = 5;
    x[40001] = 5;
    x[20000 + 777] = Number.NaN;
    const c = nn.tensor(x, { shape: [3, 20000] });
    const g = nn.tensor(x, { ...G, shape: [3, 20000] });
    expect(Array.from(await nn.argmax(g, 1).data())).toEqual(Array.from(nn.argmax(c, 1).dataSync()));
    expect(Array.from(await nn.argmin(g, 1).data())).toEqual(Array.from(nn.argmin(c, 1).dataSync()));
    const mx = await nn.max(g, 1).data();
    expect([mx[0], Number.isNaN(mx[1]), mx[2]]).toEqual([5, true, 5]);
    const s = await nn.sum(nn.tensor(x.slice(0, 20000), G)).data();
    const exact = x.slice(0, 20000).reduce((p, v) => p + v, 0);
    expect(Math.abs(s[0] - exact)).toBeLessThan(1e-3);
  });

  it('copy_ between overlapping views of one buffer stages the source', async () => {
    const x = nn.arange(0, 10, 1, { ...G, dtype: 'float32' });
    nn.copy_(x.slice(0, 1, 10), x.slice(0, 0, 9));
    expect(Array.from(await x.data())).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
