/**
 * Fusion of elementwise chains (src/fusion.ts): programs of backend primitives run on the cpu
 * backend, on WebGPU with fusion, and on WebGPU without it; the fused results must equal the cpu
 * ones (exactly for int32, bool and moves; within float32 rounding otherwise) and use fewer
 * dispatches where a chain can fuse. Edge cases: broadcast and transposed inputs, strided
 * outputs, an intermediate read again later (also through another view), buffers freed before
 * the flush, writes into a buffer pending ops use, reads before writes of one buffer, NaN.
 */
import type { Backend, DataArray, DType } from '@nn/tensor';
import { getBackend } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('fusion.test.ts');

type AnyBackend = Backend<unknown>;
interface Input {
  data: DataArray;
  dtype: DType;
}
/** Builds views over named buffers: `v(name, shape, strides?, offset?)`. */
type ViewOf = (name: string, shape: number[], strides?: number[], offset?: number) => View<unknown>;
/** A program: calls primitives on `be`, returns the names of the buffers to compare. */
type Program = (
  be: AnyBackend,
  v: ViewOf,
  buf: (name: string, size: number, dtype: DType) => void,
  free: (name: string) => void,
) => string[];

function contiguous(shape: number[]): number[] {
  const s = shape.map(() => 0);
  let k = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = k;
    k *= shape[d];
  }
  return s;
}

/** Runs the program; returns each output's contents. Frees everything it allocated. */
async function run(be: AnyBackend, inputs: Record<string, Input>, program: Program): Promise<Record<string, DataArray>> {
  const bufs = new Map<string, { b: unknown; dtype: DType; size: number }>();
  const buf = (name: string, size: number, dtype: DType): void => {
    bufs.set(name, { b: be.alloc(size, dtype), dtype, size });
  };
  for (const [name, { data, dtype }] of Object.entries(inputs)) {
    buf(name, data.length, dtype);
    be.write(bufs.get(name)!.b, data);
  }
  const v: ViewOf = (name, shape, strides, offset = 0) => {
    const e = bufs.get(name)!;
    return { buffer: e.b, dtype: e.dtype, shape, strides: strides ?? contiguous(shape), offset };
  };
  const freed = new Set<string>();
  const free = (name: string): void => {
    be.free(bufs.get(name)!.b);
    freed.add(name);
  };
  const outs = program(be, v, buf, free);
  const result: Record<string, DataArray> = {};
  for (const name of outs) {
    const e = bufs.get(name)!;
    result[name] = await be.read(e.b, e.dtype, e.size);
  }
  for (const [name, e] of bufs) if (!freed.has(name)) be.free(e.b);
  return result;
}

function f32(...v: number[]): Input {
  return { data: Float32Array.from(v), dtype: 'float32' };
}
function seq(n: number, scale = 0.37, shift = -1): Input {
  return { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * scale) * 3 + shift), dtype: 'float32' };
}

describe.skipIf(!ok)('webgpu elementwise fusion', () => {
  let fused: WebGPUBackend;
  let plain: WebGPUBackend;
  let cpu: AnyBackend;

  beforeAll(async () => {
    fused = (await tryWebGPU({ name: 'webgpu-fused' }))!;
    plain = (await tryWebGPU({ name: 'webgpu-unfused', fuseElementwise: false }))!;
    cpu = getBackend('cpu') as AnyBackend;
  });
  afterAll(() => {
    fused?.dispose();
    plain?.dispose();
  });

  /** Runs the program on all three; checks fused == cpu (and unfused == cpu); returns dispatch counts. */
  async function check(inputs: Record<string, Input>, program: Program, tol = 0): Promise<{ fused: number; plain: number }> {
    const ref = await run(cpu, inputs, program);
    const counts = { fused: 0, plain: 0 };
    for (const [key, be] of [
      ['fused', fused],
      ['plain', plain],
    ] as const) {
      const m0 = be.memory();
      const s0 = be.stats();
      const got = await run(be as AnyBackend, inputs, program);
      counts[key] = be.stats().dispatches - s0.dispatches;
      const m1 = be.memory();
      expect(m1.buffers, `${key}: every buffer freed`).toBe(m0.buffers);
      for (const name of Object.keys(ref)) {
        const [r, g] = [ref[name], got[name]];
        expect(g.length).toBe(r.length);
        for (let i = 0; i < r.length; i++) {
          const ok =
            Object.is(r[i], g[i]) ||
            (Number.isNaN(r[i]) && Number.isNaN(g[i])) ||
            Math.abs(r[i] - g[i]) <= tol * Math.max(1, Math.abs(r[i]));
          if (!ok) expect.fail(`${key} ${name}[${i}]: got ${g[i]}, cpu gives ${r[i]}`);
        }
      }
    }
    return counts;
  }

  it('a chain over broadcast inputs is one dispatch: relu((a + b_row) * s), the sum also read', async () => {
    const c = await check(
      { a: seq(20), b: seq(5, 1.1), s: f32(0.5) },
      (be, v, buf) => {
        buf('t', 20, 'float32');
        buf('u', 20, 'float32');
        buf('y', 20, 'float32');
        be.binary('add', v('a', [4, 5]), v('b', [4, 5], [0, 1]), v('t', [4, 5]));
        be.binary('mul', v('t', [4, 5]), v('s', [4, 5], [0, 0]), v('u', [4, 5]));
        be.unary('relu', v('u', [4, 5]), v('y', [4, 5]));
        return ['t', 'y'];
      },
      1e-7,
    );
    expect(c.plain).toBe(3);
    expect(c.fused).toBe(1);
  });

  it('transposed and offset inputs, a strided output, and a chain cut where a written buffer is read through another view', async () => {
    const c = await check(
      { x: seq(24), y: seq(30, 0.21) },
      (be, v, buf) => {
        buf('t', 12, 'float32');
        buf('u', 12, 'float32');
        buf('w', 24, 'float32');
        buf('z', 12, 'float32');
        // t = exp(x^T) over [3, 4] (x read transposed from offset 12), u = t - y[2:, ...]
        be.unary('exp', v('x', [3, 4], [1, 3], 12), v('t', [3, 4]));
        be.binary('sub', v('t', [3, 4]), v('y', [3, 4], [4, 1], 2), v('u', [3, 4]));
        // written through a strided view (every other element of w, transposed)
        be.unary('neg', v('u', [3, 4]), v('w', [3, 4], [2, 6], 1));
        // reads u transposed: u is written in this chain through another mapping, so a cut
        be.binary('mul', v('u', [3, 4], [1, 3]), v('t', [3, 4]), v('z', [3, 4]));
        return ['u', 'w', 'z'];
      },
      1e-6,
    );
    expect(c.fused).toBeLessThan(c.plain);
  });

  it('an intermediate freed before the flush is not stored, and its buffer comes back once', async () => {
    const c = await check(
      { a: seq(64), b: seq(64, 0.9) },
      (be, v, buf, free) => {
        for (const n of ['t', 'u', 'y']) buf(n, 64, 'float32');
        be.binary('mul', v('a', [64]), v('b', [64]), v('t', [64]));
        be.unary('tanh', v('t', [64]), v('u', [64]));
        free('t');
        be.binary('add', v('u', [64]), v('a', [64]), v('y', [64]));
        free('u');
        return ['y'];
      },
      1e-6,
    );
    expect(c.fused).toBe(1);
    expect(c.plain).toBe(3);
  });

  it('a freed intermediate that a later chain reads is still stored', async () => {
    await check(
      { a: seq(16) },
      (be, v, buf, free) => {
        for (const n of ['t', 'y', 'z']) buf(n, 16, 'float32');
        be.unary('exp', v('a', [4, 4]), v('t', [4, 4]));
        be.unary('neg', v('t', [4, 4]), v('y', [4, 4]));
        be.binary('add', v('t', [4, 4], [1, 4]), v('y', [4, 4]), v('z', [4, 4])); // t transposed: next chain
        free('t');
        return ['y', 'z'];
      },
      1e-6,
    );
  });

  it('a buffer read, then overwritten in the same chain (same mapping), then read again', async () => {
    const c = await check(
      { x: seq(32) },
      (be, v, buf) => {
        buf('t', 32, 'float32');
        buf('y', 32, 'float32');
        be.unary('sigmoid', v('x', [32]), v('t', [32]));
        be.binary('mul', v('t', [32]), v('t', [32]), v('x', [32])); // x = t * t, after x was read
        be.binary('sub', v('x', [32]), v('t', [32]), v('y', [32]));
        return ['x', 't', 'y'];
      },
      1e-6,
    );
    expect(c.fused).toBe(1);
  });

  it('a write into a buffer pending ops use waits for them; a write into a fresh one does not cut the chain', async () => {
    const c = await check({ x: seq(8), k: f32(2) }, (be, v, buf) => {
      buf('t', 8, 'float32');
      buf('y', 8, 'float32');
      buf('k2', 1, 'float32');
      buf('z', 8, 'float32');
      be.binary('mul', v('x', [8]), v('k', [8], [0]), v('t', [8]));
      be.write(v('x', [8]).buffer, new Float32Array(8).fill(100)); // x was read by the pending mul
      be.write(v('k2', [1]).buffer, Float32Array.of(3));
      be.binary('add', v('t', [8]), v('x', [8]), v('y', [8]));
      be.binary('mul', v('y', [8]), v('k2', [8], [0]), v('z', [8]));
      return ['t', 'y', 'z'];
    });
    expect(c.fused).toBe(2);
  });

  it('int32 and bool: arithmetic, comparisons, where, casts (float -> int truncates) in one chain', async () => {
    const i = { data: Int32Array.from([-7, -1, 0, 3, 2147483647, -2147483648, 9, 4]), dtype: 'int32' as const };
    const f = f32(-2.7, -0.5, 0, 0.5, 1e10, Number.NaN, 3.99, -1e-30);
    const c = await check({ i, f }, (be, v, buf) => {
      buf('s', 8, 'int32');
      buf('m', 8, 'bool');
      buf('w', 8, 'int32');
      buf('fi', 8, 'int32');
      buf('bf', 8, 'float32');
      be.binary('add', v('i', [8]), v('i', [8]), v('s', [8])); // wraps
      be.binary('gt', v('s', [8]), v('i', [8]), v('m', [8]));
      be.where(v('m', [8]), v('s', [8]), v('i', [8]), v('w', [8]));
      be.cast(v('f', [8]), v('fi', [8]));
      be.cast(v('m', [8]), v('bf', [8]));
      return ['s', 'm', 'w', 'fi', 'bf'];
    });
    expect(c.fused).toBe(1);
  });

  it('NaN and infinities keep their meaning through a chain (comparisons, max/min, where on raw words)', async () => {
    const x = f32(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1, -1, 3);
    const y = f32(1, Number.NaN, 2, 0, -0, Number.NaN, -2, Number.POSITIVE_INFINITY);
    const c = await check(
      { x, y },
      (be, v, buf) => {
        for (const n of ['mx', 'mn', 'e', 'w', 'l']) buf(n, 8, 'float32');
        buf('lt', 8, 'bool');
        be.binary('maximum', v('x', [8]), v('y', [8]), v('mx', [8]));
        be.binary('minimum', v('mx', [8]), v('x', [8]), v('mn', [8]));
        be.unary('exp', v('mn', [8]), v('e', [8]));
        be.binary('lt', v('e', [8]), v('y', [8]), v('lt', [8]));
        be.where(v('lt', [8]), v('x', [8]), v('e', [8]), v('w', [8]));
        be.unary('log', v('w', [8]), v('l', [8]));
        return ['mx', 'mn', 'e', 'lt', 'w', 'l'];
      },
      2e-7,
    );
    expect(c.fused).toBe(1);
  });

  it('a chain longer than the binding limit is cut into several kernels with the same results', async () => {
    const c = await check(
      { x: seq(16) },
      (be, v, buf) => {
        let prev = 'x';
        const outs: string[] = [];
        for (let k = 0; k < 30; k++) {
          const name = `t${k}`;
          buf(name, 16, 'float32');
          be.unary(k % 2 === 0 ? 'sin' : 'neg', v(prev, [16]), v(name, [16]));
          outs.push(name);
          prev = name;
        }
        return outs;
      },
      1e-6,
    );
    expect(c.plain).toBe(30);
    expect(c.fused).toBeGreaterThan(1);
    expect(c.fused).toBeLessThan(30);
  });

  it('a product with its bias add and ReLU in the epilogue; the product freed before the flush is not stored', async () => {
    const c = await check(
      { x: seq(6 * 5), w: seq(5 * 7, 0.3), bias: seq(7, 1.7) },
      (be, v, buf, free) => {
        for (const n of ['xw', 'pre', 'h']) buf(n, 42, 'float32');
        be.matmul(v('x', [1, 6, 5]), v('w', [1, 5, 7]), v('xw', [1, 6, 7]));
        be.binary('add', v('xw', [6, 7]), v('bias', [6, 7], [0, 1]), v('pre', [6, 7]));
        free('xw');
        be.unary('relu', v('pre', [6, 7]), v('h', [6, 7]));
        return ['pre', 'h'];
      },
      1e-6,
    );
    expect(c.plain).toBe(3);
    expect(c.fused).toBe(1);
  });

  it('a product read again through another view is stored, and the chain stops there', async () => {
    const c = await check(
      { a: seq(16), b: seq(16, 0.5) },
      (be, v, buf) => {
        for (const n of ['p', 'e', 't']) buf(n, 16, 'float32');
        be.matmul(v('a', [1, 4, 4]), v('b', [1, 4, 4]), v('p', [1, 4, 4]));
        be.unary('exp', v('p', [4, 4]), v('e', [4, 4])); // the product's own mapping: joins
        be.binary('add', v('p', [4, 4], [1, 4]), v('e', [4, 4]), v('t', [4, 4])); // transposed: cut
        return ['p', 'e', 't'];
      },
      1e-5,
    );
    expect(c.fused).toBe(2);
  });

  it('an op writing into a buffer the product reads is not fused into its epilogue', async () => {
    await check(
      { a: seq(9), b: seq(9, 0.5) },
      (be, v, buf) => {
        buf('p', 9, 'float32');
        buf('q', 9, 'float32');
        be.matmul(v('a', [1, 3, 3]), v('b', [1, 3, 3]), v('p', [1, 3, 3]));
        be.unary('neg', v('p', [3, 3]), v('q', [3, 3]));
        be.binary('mul', v('q', [3, 3]), v('p', [3, 3]), v('a', [3, 3])); // overwrites the product's input a
        return ['p', 'q', 'a'];
      },
      1e-6,
    );
  });

  it('int32 products with an epilogue, and the fused linear routine (bias, tanh) followed by ops', async () => {
    const ia = { data: Int32Array.from({ length: 12 }, (_, i) => ((i * 7) % 11) - 5), dtype: 'int32' as const };
    const ib = { data: Int32Array.from({ length: 12 }, (_, i) => ((i * 5) % 7) - 3), dtype: 'int32' as const };
    const c = await check(
      { ia, ib, x: seq(8 * 6), w: seq(5 * 6, 0.9), bias: seq(5, 2.1) },
      (be, v, buf) => {
        buf('ip', 9, 'int32');
        buf('ineg', 9, 'int32');
        buf('y', 40, 'float32');
        buf('z', 40, 'float32');
        be.matmul(v('ia', [1, 3, 4]), v('ib', [1, 4, 3]), v('ip', [1, 3, 3]));
        be.unary('neg', v('ip', [9]), v('ineg', [9]));
        be.fused.linear!(v('x', [8, 6]), v('w', [5, 6]), v('bias', [5]), 'tanh', v('y', [8, 5]));
        be.binary('mul', v('y', [8, 5]), v('y', [8, 5]), v('z', [8, 5]));
        return ['ip', 'ineg', 'y', 'z'];
      },
      1e-6,
    );
    expect(c.fused).toBe(2);
  });

  it("an op joins an earlier product's epilogue past an independent product, not past one it depends on", async () => {
    const c = await check(
      { a: seq(16), b: seq(16, 0.5), b2: seq(8, 0.3), m: seq(16, 0.7) },
      (be, v, buf) => {
        for (const n of ['p1', 'y', 'z']) buf(n, 16, 'float32');
        buf('p2', 8, 'float32');
        be.matmul(v('a', [1, 4, 4]), v('b', [1, 4, 4]), v('p1', [1, 4, 4]));
        be.matmul(v('b', [1, 4, 4]), v('b2', [1, 4, 2]), v('p2', [1, 4, 2]));
        be.binary('mul', v('p1', [4, 4]), v('m', [4, 4]), v('y', [4, 4])); // 16 elements: joins p1's product
        be.binary('add', v('p1', [4, 4]), v('p2', [4, 4], [2, 0]), v('z', [4, 4])); // reads p2: after it
        return ['y', 'z', 'p1', 'p2'];
      },
      1e-5,
    );
    expect(c.plain).toBe(4);
    expect(c.fused).toBe(3);
  });

  it('a product copied transposed after other primitives is computed transposed when nothing else reads it', async () => {
    const c = await check(
      { a: seq(6 * 5), b: seq(5 * 4, 0.4), r: seq(12, 0.8) },
      (be, v, buf, free) => {
        buf('p', 24, 'float32');
        buf('pt', 24, 'float32');
        buf('s', 3, 'float32');
        buf('e', 12, 'float32');
        buf('s2', 4, 'float32');
        be.matmul(v('a', [1, 6, 5]), v('b', [1, 5, 4]), v('p', [1, 6, 4]));
        be.unary('exp', v('r', [3, 4]), v('e', [3, 4]));
        be.reduce('sum', v('e', [3, 4]), [1], v('s', [3])); // needs the exp, not the product
        be.copy(v('p', [4, 6], [1, 4]), v('pt', [4, 6]));
        free('p');
        be.reduce('max', v('pt', [4, 6]), [1], v('s2', [4]));
        return ['pt', 's', 'e', 's2'];
      },
      1e-5,
    );
    expect(c.plain).toBe(5);
    expect(c.fused).toBe(4);
  });

  it('a primitive waits for the chain it reads and for the chains that one depends on', async () => {
    await check(
      { x: seq(12), y: seq(12, 0.6) },
      (be, v, buf) => {
        for (const n of ['t', 'u', 'z']) buf(n, 12, 'float32');
        buf('s', 4, 'float32');
        be.binary('mul', v('x', [4, 3]), v('y', [4, 3]), v('t', [4, 3]));
        be.unary('exp', v('t', [12]), v('u', [12])); // another shape: a second chain, reading t
        be.reduce('sum', v('u', [4, 3]), [1], v('s', [4])); // needs the second chain, so the first
        be.reduce('max', v('x', [4, 3]), [1], v('s', [4])); // overwrites s after the first reduce
        be.binary('add', v('t', [4, 3]), v('s', [4, 3], [1, 0]), v('z', [4, 3]));
        return ['s', 'z', 'u'];
      },
      1e-6,
    );
  });

  it("Adam updates with the same options share dispatches; one whose gradient depends on another's result does not", async () => {
    const opts = {
      lr: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.1,
      decoupled: true,
      amsgrad: false,
      maximize: false,
      step: 3,
    };
    const inputs: Record<string, Input> = {};
    for (const k of [0, 1, 2, 3]) {
      inputs[`p${k}`] = seq(10 + k, 0.3 + k);
      inputs[`g${k}`] = seq(10 + k, 0.7 + k, 0);
      inputs[`m${k}`] = seq(10 + k, 0.1 + k, 0);
      inputs[`v${k}`] = { data: Float32Array.from({ length: 10 + k }, (_, i) => 0.01 * (i + 1)), dtype: 'float32' };
    }
    const c = await check(
      inputs,
      (be, v, buf) => {
        const adam = (k: number, g = `g${k}`, o = opts): void => {
          const n = [10 + k];
          be.fused.adam!(v(`p${k}`, n), v(g, n), v(`m${k}`, n), v(`v${k}`, n), null, o);
        };
        adam(0);
        adam(1);
        adam(2, 'g2', { ...opts, step: 4 }); // other options: its own dispatch
        buf('h', 13, 'float32');
        be.binary('mul', v('p0', [13], [0]), v('g3', [13]), v('h', [13])); // reads p0 after its update
        adam(3, 'h'); // needs h, so after the product: not with p0's and p1's update
        return ['p0', 'm0', 'v0', 'p1', 'v1', 'p2', 'm2', 'p3', 'm3', 'v3', 'h'];
      },
      1e-6,
    );
    expect(c.plain).toBe(5);
    expect(c.fused).toBe(4);
  });
});
