/**
 * Bit-for-bit parity with the cpu backend: every elementwise op, cast, where, reduction, indexing
 * primitive and the random streams, on special values (NaN, infinities, signed zeros, halves,
 * int32 extremes) and on random data, through contiguous (SIMD), strided and broadcast layouts,
 * on one thread and on two threads with every call split.
 */
import * as nn from '@nn/tensor';
import { BINARY_OPS, type BinaryOp, UNARY_OPS, type View } from '@nn/tensor/backend';
import { type DType, type Tensor, registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmBackend, createWasmBackend } from '../src/index.js';

const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  1e-30,
  -1e-30,
  0.5,
  -0.5,
  1.5,
  -2.5,
  2.5,
  3.5,
  1e30,
  -1e30,
  88.7,
  -88.7,
  100,
  -100,
  3.4e38,
  1,
  -1,
  2,
  1e-7,
  0.49999997,
  -3.4e38,
  8388607.5,
  2 ** 31,
  -(2 ** 31) - 512,
  3e9,
  6,
  -6,
  0.9999,
  1.0001,
  3,
  -3,
];
const INT_SPECIAL = [0, 1, -1, 2, -2, 3, 7, -7, 31, 2147483647, -2147483648, 65536, -65536, 46341, 123456789, -987654321];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float values: the specials, then a mix of scales. */
function floats(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    out[i] = i < SPECIAL.length ? SPECIAL[(i + seed) % SPECIAL.length] : (u - 0.5) * [2, 10, 200, 1e6][i % 4];
  }
  return out;
}

function ints(n: number, seed: number, range = 2 ** 31): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] =
      i < INT_SPECIAL.length && range === 2 ** 31 ? INT_SPECIAL[(i + seed) % INT_SPECIAL.length] : Math.floor((r() - 0.5) * 2 * range);
  return out;
}

function bools(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
}

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, label).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) bad.push(`[${i}] got ${got[i]} want ${want[i]}`);
  expect(bad.slice(0, 6), `${label}: ${bad.length} of ${got.length} differ`).toEqual([]);
}

/** Within one unit in the last place of float32. */
function withinUlp(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const w = want[i];
    const ulp = w === 0 ? 1e-45 : 2 ** (Math.floor(Math.log2(Math.abs(w))) - 23);
    if (!(Math.abs(got[i] - w) <= ulp || Object.is(got[i], w))) expect.fail(`${label} [${i}]: got ${got[i]} want ${w}`);
  }
}

const BINARY: Record<BinaryOp, (a: Tensor, b: Tensor) => Tensor> = {
  add: nn.add,
  sub: nn.sub,
  mul: nn.mul,
  div: nn.div,
  pow: nn.pow,
  maximum: nn.maximum,
  minimum: nn.minimum,
  eq: nn.eq,
  ne: nn.ne,
  lt: nn.lt,
  le: nn.le,
  gt: nn.gt,
  ge: nn.ge,
};
const REDUCE = { sum: nn.sum, prod: nn.prod, max: nn.max, min: nn.min };
const ARG = { argmax: nn.argmax, argmin: nn.argmin };

type Layout = 'contiguous' | 'transposed' | 'strided' | 'broadcast';
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'strided', 'broadcast'];

/** A [rows, cols] tensor holding data (row-major) on backend, laid out as asked. */
function make(
  backend: string,
  data: Float32Array | Int32Array | Uint8Array,
  dtype: DType,
  rows: number,
  cols: number,
  layout: Layout,
): Tensor {
  const o = { backend, dtype };
  if (layout === 'contiguous') return nn.tensor(data, { ...o, shape: [rows, cols] });
  if (layout === 'transposed') {
    const tt = new (data.constructor as new (n: number) => typeof data)(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) tt[j * rows + i] = data[i * cols + j];
    return nn.tensor(tt, { ...o, shape: [cols, rows] }).T;
  }
  if (layout === 'strided') {
    const wide = new (data.constructor as new (n: number) => typeof data)(rows * cols * 2);
    for (let i = 0; i < rows * cols; i++) wide[2 * i] = data[i];
    return nn.tensor(wide, { ...o, shape: [rows, 2 * cols] }).slice(1, 0, 2 * cols, 2);
  }
  return nn.tensor(data.slice(0, cols), { ...o, shape: [1, cols] }).expand(rows, cols);
}

async function read(t: Tensor): Promise<ArrayLike<number>> {
  const d = await t.data();
  t.dispose();
  return d;
}

for (const mode of ['one thread', 'two threads, every call split'] as const) {
  describe(`parity with cpu (${mode})`, () => {
    let wasm: WasmBackend;
    const W = mode === 'one thread' ? 'wasm-parity-1' : 'wasm-parity-2';
    beforeAll(async () => {
      wasm = await createWasmBackend(
        mode === 'one thread'
          ? { threads: 1, name: W }
          : { threads: 2, name: W, thresholds: { elementwise: 1, transcendental: 1, matmul: 1 } },
      );
      registerBackend(wasm);
    });
    afterAll(() => wasm.dispose());

    const R = 7;
    const C = 37; // not a multiple of 4 or 16: SIMD bodies and scalar tails both run

    it('unary ops on float32, every layout', async () => {
      const x = floats(R * C, 1);
      for (const op of UNARY_OPS) {
        for (const layout of LAYOUTS) {
          const [got, want] = await Promise.all([W, 'cpu'].map((b) => read(nn.unary(op, make(b, x, 'float32', R, C, layout)))));
          sameBits(got, want, `${op} ${layout}`);
        }
      }
    });

    it('unary neg/abs/sign on int32', async () => {
      const x = ints(R * C, 2);
      for (const op of ['neg', 'abs', 'sign'] as const) {
        for (const layout of LAYOUTS) {
          const [got, want] = await Promise.all([W, 'cpu'].map((b) => read(nn.unary(op, make(b, x, 'int32', R, C, layout)))));
          sameBits(got, want, `${op} int32 ${layout}`);
        }
      }
    });

    it('binary ops on float32, int32 and bool, with broadcasting', async () => {
      const cases: [DType, ArrayLike<number>, ArrayLike<number>][] = [
        ['float32', floats(R * C, 3), floats(R * C, 4)],
        ['int32', ints(R * C, 5), ints(R * C, 6)],
        ['int32', ints(R * C, 7, 9), ints(R * C, 8, 12)],
        ['bool', bools(R * C, 9), bools(R * C, 10)],
      ];
      for (const [dtype, a, b] of cases) {
        for (const op of BINARY_OPS) {
          if (dtype === 'bool' && !['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op)) continue;
          for (const [la, lb] of [
            ['contiguous', 'contiguous'],
            ['broadcast', 'contiguous'],
            ['contiguous', 'broadcast'],
            ['transposed', 'strided'],
          ] as [Layout, Layout][]) {
            const mk = (bk: string, d: ArrayLike<number>, l: Layout) => make(bk, d as Float32Array, dtype, R, C, l);
            const [got, want] = await Promise.all([W, 'cpu'].map((bk) => read(BINARY[op](mk(bk, a, la), mk(bk, b, lb)))));
            sameBits(got, want, `${dtype} ${op} ${la}/${lb}`);
          }
        }
      }
    });

    it('where and cast between every dtype pair', async () => {
      const c = bools(R * C, 11);
      for (const [dtype, a, b] of [
        ['float32', floats(R * C, 12), floats(R * C, 13)],
        ['int32', ints(R * C, 14), ints(R * C, 15)],
        ['bool', bools(R * C, 16), bools(R * C, 17)],
      ] as const) {
        for (const layout of LAYOUTS) {
          const [got, want] = await Promise.all(
            [W, 'cpu'].map((bk) =>
              read(nn.where(make(bk, c, 'bool', R, C, layout), make(bk, a, dtype, R, C, 'contiguous'), make(bk, b, dtype, R, C, layout))),
            ),
          );
          sameBits(got, want, `where ${dtype} ${layout}`);
          for (const to of ['float32', 'int32', 'bool'] as const) {
            const [g, w] = await Promise.all([W, 'cpu'].map((bk) => read(nn.cast(make(bk, a, dtype, R, C, layout), to))));
            sameBits(g, w, `cast ${dtype} -> ${to} ${layout}`);
          }
        }
      }
    });

    it('copies of transposed, permuted and sliced views (tiled transpose path included)', async () => {
      for (const [r, c] of [
        [3, 5],
        [16, 16],
        [37, 70],
        [129, 33],
        [64, 300],
      ]) {
        for (const dtype of ['float32', 'int32', 'bool'] as const) {
          const data = dtype === 'float32' ? floats(r * c, r) : dtype === 'int32' ? ints(r * c, c) : bools(r * c, r + c);
          const [got, want] = await Promise.all(
            [W, 'cpu'].map((bk) => {
              const t = nn.tensor(data, { backend: bk, dtype, shape: [r, c] });
              return Promise.all([
                read(t.T.contiguous()),
                read(t.slice(1, 1, c, 2).T.contiguous()),
                read(t.reshape([r, c, 1]).permute([2, 1, 0]).contiguous()),
              ]);
            }),
          );
          for (let k = 0; k < got.length; k++) sameBits(got[k], want[k], `copy ${dtype} [${r},${c}] case ${k}`);
        }
      }
    });

    it('reductions: max/min/argmax/argmin/prod exactly, float sums within an ulp', async () => {
      const shape = [5, 6, 33];
      const n = 5 * 6 * 33;
      const data: [DType, ArrayLike<number>][] = [
        ['float32', floats(n, 21).map((v, i) => (i < SPECIAL.length ? v : v / 1e4))],
        ['float32', floats(n, 22).map((v, i) => (i < 3 ? 0.5 : Number.isFinite(v) ? (v % 3) / 2 : 1))],
        ['int32', ints(n, 23, 5)],
      ];
      for (const [dtype, values] of data) {
        for (const perm of [
          [0, 1, 2],
          [2, 0, 1],
          [1, 2, 0],
        ]) {
          for (const dims of [null, [0], [1], [2], [0, 2], [1, 2], [0, 1]] as (number[] | null)[]) {
            for (const op of ['sum', 'prod', 'max', 'min'] as const) {
              const [got, want] = await Promise.all(
                [W, 'cpu'].map((bk) =>
                  read(REDUCE[op](nn.tensor(values as Float32Array, { backend: bk, dtype, shape }).permute(perm), dims)),
                ),
              );
              (op === 'sum' && dtype === 'float32' ? withinUlp : sameBits)(got, want, `${dtype} ${op} perm=${perm} dims=${dims}`);
            }
          }
          for (const dim of [0, 1, 2]) {
            for (const op of ['argmax', 'argmin'] as const) {
              const [got, want] = await Promise.all(
                [W, 'cpu'].map((bk) => read(ARG[op](nn.tensor(values as Float32Array, { backend: bk, dtype, shape }).permute(perm), dim))),
              );
              sameBits(got, want, `${dtype} ${op} perm=${perm} dim=${dim}`);
            }
          }
        }
      }
    });

    it('gather, scatterAdd, fill, iota', async () => {
      const x = floats(6 * 40, 31);
      const idx = Int32Array.from(ints(6 * 40, 32, 1000), (v) => Math.abs(v) % 6);
      for (const [dtype, data] of [
        ['float32', x],
        ['int32', ints(240, 33)],
        ['bool', bools(240, 34)],
      ] as const) {
        const [g, w] = await Promise.all(
          [W, 'cpu'].map((bk) => {
            const t = nn.tensor(data, { backend: bk, dtype, shape: [6, 40] });
            const i = nn.tensor(idx, { backend: bk, dtype: 'int32', shape: [6, 40] });
            const sums = dtype === 'bool' ? [] : [read(nn.scatterAdd(t, 0, i, t)), read(nn.scatterAdd(t.T, 1, i.T, t.T))];
            return Promise.all([read(nn.gather(t, 0, i)), read(nn.gather(t.T, 1, i.T)), ...sums]);
          }),
        );
        for (let k = 0; k < g.length; k++) sameBits(g[k], w[k], `${dtype} indexing ${k}`);
      }
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        for (const v of [0, -0, 1.5, -2.5, Number.NaN, 3e9, 1]) {
          const [g, w] = await Promise.all([W, 'cpu'].map((bk) => read(nn.full([3, 7], v, { backend: bk, dtype }))));
          sameBits(g, w, `full ${dtype} ${v}`);
        }
      }
      for (const [s, e, st] of [
        [0, 100, 1],
        [-3.5, 10, 0.25],
        [1e9, 1e9 + 40, 3],
      ]) {
        for (const dtype of ['float32', 'int32'] as const) {
          const [g, w] = await Promise.all([W, 'cpu'].map((bk) => read(nn.arange(s, e, st, { backend: bk, dtype }))));
          sameBits(g, w, `arange ${dtype} ${s}`);
        }
      }
    });

    it("fused adam and sgd give the cpu backend's bits for every option", async () => {
      const cpu = nn.getBackend('cpu');
      const n = 1031;
      const init = [
        floats(n, 41).map((x) => (Number.isFinite(x) ? x % 5 : 0.25)),
        floats(n, 42).map((x) => (Number.isFinite(x) ? x % 3 : -1)),
        floats(n, 43).map((x) => (Number.isFinite(x) ? (x % 2) / 10 : 0)),
        floats(n, 44).map((x) => (Number.isFinite(x) ? Math.abs(x % 2) / 10 : 0)),
        floats(n, 45).map((x) => (Number.isFinite(x) ? Math.abs(x % 2) / 5 : 0)),
      ];
      const run = (be: typeof cpu, f: (views: View[]) => void): ArrayLike<number>[] => {
        const bufs = init.map((d) => {
          const b = be.alloc(n, 'float32');
          be.write(b, d);
          return b;
        });
        f(bufs.map((buffer) => ({ buffer, dtype: 'float32' as const, shape: [n], strides: [1], offset: 0 })));
        const out = bufs.map((b) => be.readSync!(b, 'float32', n));
        for (const b of bufs) be.free(b);
        return out;
      };
      for (const decoupled of [false, true]) {
        for (const amsgrad of [false, true]) {
          for (const maximize of [false, true]) {
            for (const weightDecay of [0, 0.01]) {
              for (const step of [1, 7]) {
                const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, amsgrad, maximize, step };
                const [got, want] = [wasm as unknown as typeof cpu, cpu].map((be) =>
                  run(be, ([p, g, m, v, vm]) => be.fused.adam!(p, g, m, v, amsgrad ? vm : null, o)),
                );
                for (let k = 0; k < 5; k++) sameBits(got[k], want[k], `adam ${JSON.stringify(o)} buffer ${k}`);
              }
            }
          }
        }
      }
      for (const momentum of [0, 0.9]) {
        for (const [dampening, nesterov] of [
          [0, false],
          [0.1, false],
          [0, true],
        ] as const) {
          for (const firstStep of [false, true]) {
            for (const maximize of [false, true]) {
              for (const weightDecay of [0, 1e-4]) {
                const o = { lr: 0.05, momentum, dampening, weightDecay, nesterov, maximize, firstStep };
                const [got, want] = [wasm as unknown as typeof cpu, cpu].map((be) =>
                  run(be, ([p, g, b]) => be.fused.sgd!(p, g, momentum === 0 ? null : b, o)),
                );
                for (let k = 0; k < 3; k++) sameBits(got[k], want[k], `sgd ${JSON.stringify(o)} buffer ${k}`);
              }
            }
          }
        }
      }
    });

    it('random streams: bits and uniform bit for bit, normal within 1e-6, at any counter', async () => {
      const cpu = nn.getBackend('cpu');
      for (const kind of ['bits', 'uniform', 'normal'] as const) {
        for (const [n, counter] of [
          [1, 0],
          [7, 5],
          [1001, 2 ** 32 - 3],
          [4099, 123456789012],
        ]) {
          const dtype = kind === 'bits' ? 'int32' : 'float32';
          const key: [number, number] = [0xdeadbeef, 0x12345678];
          const out = [wasm, cpu].map((be) => {
            const buf = (be as typeof cpu).alloc(n, dtype);
            be.random(kind, key, counter, { buffer: buf, dtype, shape: [n], strides: [1], offset: 0 });
            const r = (be as typeof cpu).readSync!(buf, dtype, n);
            (be as typeof cpu).free(buf);
            return r;
          });
          if (kind === 'normal') {
            for (let i = 0; i < n; i++) expect(Math.abs(out[0][i] - out[1][i]), `${kind} ${n} ${counter} [${i}]`).toBeLessThanOrEqual(1e-6);
          } else sameBits(out[0], out[1], `${kind} ${n} ${counter}`);
        }
      }
    });
  });
}
