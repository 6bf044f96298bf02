/**
 * compile: a replay computes what running fn again computes (bit for bit), frees what it makes, and
 * refuses what it cannot repeat. Every case runs on cpu and on the eval-free 'reference' backend;
 * the reference result is fn run eagerly again on the same inputs.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const data = (t: Tensor) => Array.from(t.dataSync());

/** The elements' bits (float32 as uint32, so -0 and NaN payloads count). */
function bits(t: Tensor): number[] {
  const d = t.dataSync();
  return d instanceof Float32Array ? Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length)) : Array.from(d, Number);
}

/** Expects two results of fn (tensors in arrays and plain objects) to match in structure, dtype, shape and bits. */
function expectSame(got: unknown, want: unknown, path = 'result'): void {
  if (T.isTensor(want)) {
    expect(T.isTensor(got), path).toBe(true);
    const g = got as Tensor;
    expect([g.dtype, g.shape], path).toEqual([want.dtype, want.shape]);
    expect(bits(g), path).toEqual(bits(want));
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length, path).toBe(want.length);
    want.forEach((w, i) => expectSame((got as unknown[])[i], w, `${path}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    expect(Object.keys(got as object), path).toEqual(Object.keys(want));
    for (const k of Object.keys(want))
      expectSame((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`);
  } else expect(got, path).toBe(want);
}

function tensorsIn(v: unknown, out: Tensor[] = []): Tensor[] {
  if (T.isTensor(v)) out.push(v);
  else if (Array.isArray(v)) for (const x of v) tensorsIn(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) tensorsIn(x, out);
  return out;
}
const disposeAll = (...vs: unknown[]) => {
  for (const t of tensorsIn(vs)) t.dispose();
};

/** Live tensors, and the backend's own buffers and bytes. */
function usage(backend: string) {
  const m = T.memory();
  return { tensors: m.tensors, buffers: m.backends[backend].buffers, bytes: m.backends[backend].bytes };
}

/** A uniform [-2, 2) float32 tensor from a small deterministic generator (no RNG state touched). */
function values(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed * 7919 + 17;
  const d = Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 4 - 2;
  });
  return T.tensor(d, { shape });
}

/**
 * Calls compile(fn) `calls` times with fresh arguments of one layout: fn's JavaScript runs once
 * (the recording), every call's result equals fn run eagerly again, and memory returns to the start.
 */
function expectReplaysMatch<A extends T.CompileArg[]>(fn: (...a: A) => unknown, makeArgs: (i: number) => Tensor[], calls = 4): void {
  const backend = T.getBackend().name;
  const start = usage(backend);
  let runs = 0;
  const compiled = T.compile((...a: A) => {
    runs++;
    return fn(...a);
  });
  for (let i = 0; i < calls; i++) {
    const args = makeArgs(i) as A;
    const got = compiled(...args);
    const want = T.tidy(() => fn(...args));
    expectSame(got, want);
    disposeAll(got, want, args);
  }
  expect(runs).toBe(1);
  expect(usage(backend)).toEqual(start);
}

// The eval-free backend, registered as the registry does where eval is forbidden.
beforeAll(() => T.registerBackend(T.createReferenceBackend()));

for (const name of ['cpu', 'reference'] as const) {
  describe(`compile on ${name}`, () => {
    beforeEach(() => T.setBackend(name));
    afterEach(() => T.setBackend('cpu'));

    describe('a replay equals running fn again', () => {
      it('elementwise ops with broadcasting', () => {
        expectReplaysMatch(
          (a: Tensor, b: Tensor) => {
            const c = T.add(T.mul(a, b), T.exp(T.neg(T.abs(b))));
            return T.where(T.gt(c, 0), T.sqrt(c), T.tanh(T.div(c, T.add(b, 3))));
          },
          (i) => [values([3, 1], i), values([4], i + 100)],
        );
      });

      it('matmul, batched and broadcast, with a transposed operand', () => {
        expectReplaysMatch(
          (a: Tensor, b: Tensor, c: Tensor) => [T.matmul(a, b), T.matmul(T.transpose(b, 0, 1), T.transpose(a, -1, -2)), T.matmul(c, b)],
          (i) => [values([2, 3, 4], i), values([4, 5], i + 1), values([5, 3, 4], i + 2)],
        );
      });

      it('reductions (sum over axes, mean, max, argmax, softmax, logsumexp)', () => {
        expectReplaysMatch(
          (x: Tensor) => ({
            sum: T.sum(x, [0, 2]),
            mean: T.mean(x),
            max: T.max(x, 1, true),
            argmax: T.argmax(x, -1),
            softmax: T.softmax(x, 1),
            lse: T.logsumexp(x, 2),
          }),
          (i) => [values([2, 3, 4], i)],
        );
      });

      it('views (transpose, reshape, expand, slice) of inputs and of temporaries', () => {
        expectReplaysMatch(
          (x: Tensor, v: Tensor) => {
            const t = T.relu(T.sub(x, 0.5));
            return [
              T.transpose(x, 0, 1),
              T.reshape(x, [6, 2]),
              T.expand(v, [3, 4, 2]),
              T.slice(T.slice(x, 0, 1, 3), 1, 0, 4, 2),
              T.add(T.transpose(t, 0, 1), 1),
              T.reshape(t, [2, 6]),
              T.narrow(T.transpose(t, 0, 1), 0, 1, 2),
              T.mul(T.expand(v, [3, 4, 2]), T.unsqueeze(x, -1)),
            ];
          },
          (i) => [values([3, 4], i), values([4, 1], i + 9)],
        );
      });

      it('returning an input itself or a view of it: the replay shares the input storage', () => {
        const compiled = T.compile((x: Tensor, y: Tensor) => ({ same: x, view: T.transpose(y, 0, 1), sum: T.add(x, y) }));
        const x0 = values([2, 2], 1);
        const y0 = values([2, 2], 2);
        const first = compiled(x0, y0);
        expect(first.same).toBe(x0); // the recording is fn's own call
        disposeAll(first.view, first.sum);
        const x = values([2, 2], 3);
        const y = values([2, 2], 4);
        const [xs, yt] = T.tidy(() => [data(x), data(T.transpose(y, 0, 1))]);
        const before = usage(name);
        const r = compiled(x, y);
        // One new buffer (the sum); same and view are new tensors over the inputs' storage.
        expect(usage(name)).toEqual({ tensors: before.tensors + 3, buffers: before.buffers + 1, bytes: before.bytes + 16 });
        expect(r.same).not.toBe(x);
        expect(r.same.storage).toBe(x.storage);
        expect(r.view.storage).toBe(y.storage);
        // The inputs' buffers live on until their last view goes.
        x.dispose();
        y.dispose();
        expect(usage(name).buffers).toBe(before.buffers + 1);
        expect(data(r.same)).toEqual(xs);
        expect(data(r.view)).toEqual(yt);
        expect(data(r.sum)).toEqual(xs.map((v, k) => Math.fround(v + [...yt][[0, 2, 1, 3][k]])));
        r.same.dispose();
        expect(usage(name).buffers).toBe(before.buffers);
        disposeAll(r);
        expect(usage(name)).toEqual({ tensors: before.tensors - 2, buffers: before.buffers - 2, bytes: before.bytes - 32 });
        disposeAll(x0, y0);
      });

      it('several outputs sharing one storage, freed when the last one goes', () => {
        const fn = (x: Tensor) => {
          const e = T.exp(x);
          return [e, T.reshape(e, [6]), T.transpose(e, 0, 1), T.slice(e, 0, 1, 2)];
        };
        expectReplaysMatch(fn, (i) => [values([2, 3], i)]);
        const compiled = T.compile(fn);
        const x = values([2, 3], 5);
        disposeAll(compiled(x));
        const before = usage(name);
        const r = compiled(x);
        expect(usage(name)).toEqual({ tensors: before.tensors + 4, buffers: before.buffers + 1, bytes: before.bytes + 24 });
        expect(new Set(r.map((t) => t.storage)).size).toBe(1);
        for (let k = 0; k < 3; k++) {
          r[k].dispose();
          expect(usage(name).buffers).toBe(before.buffers + 1);
        }
        expect(data(r[3])).toEqual(T.tidy(() => data(T.exp(x)).slice(3)));
        r[3].dispose();
        expect(usage(name)).toEqual(before);
        x.dispose();
      });

      it('nested arrays and plain objects in the result (null and undefined kept)', () => {
        expectReplaysMatch(
          (x: Tensor) => ({ a: [T.neg(x), [T.sin(x), { deep: T.cos(x) }]], b: { c: T.sum(x) }, none: null, missing: undefined, empty: [] }),
          (i) => [values([3], i)],
        );
      });

      it('int32 and bool tensors (inputs, comparisons, casts, argmax, where)', () => {
        expectReplaysMatch(
          (n: Tensor, m: Tensor, x: Tensor) => {
            const big = T.gt(x, 0);
            return {
              sum: T.add(T.mul(n, 3), m),
              neg: T.abs(T.neg(n)),
              big,
              both: T.eq(big, T.lt(n, 2)),
              cast: T.cast(n, 'float32'),
              trunc: T.cast(T.mul(x, 3), 'int32'),
              pick: T.where(big, n, m),
              arg: T.argmax(x, 0),
              total: T.sum(n),
            };
          },
          (i) => [T.tensor(Int32Array.from([i, -2, 5, 7 - i])), T.tensor(Int32Array.from([1, i, 3, -4])), values([4], i)],
        );
      });

      it('tensors made inside fn (tensor, zeros, ones, full, arange, eye) are remade at each replay', () => {
        expectReplaysMatch(
          (x: Tensor) => {
            const c = T.tensor([[1, -2, 3]]);
            const k = T.tensor(Int32Array.from([2, 0, 1]));
            return {
              scaled: T.add(T.mul(x, c), T.zeros([2, 3])),
              shifted: T.sub(x, T.full([3], 0.25)),
              ramp: T.mul(x, T.arange(3)),
              ints: T.add(T.arange(0, 6, 2, { dtype: 'int32' }), k),
              eye: T.matmul(T.eye(3), T.transpose(x, 0, 1)),
              ones: T.ones([2], { dtype: 'bool' }),
            };
          },
          (i) => [values([2, 3], i)],
        );
      });

      it('gather, indexSelect and scatterAdd with index tensors passed in (new indices at each call)', () => {
        const idx = (i: number, n: number, bound: number) => T.tensor(Int32Array.from({ length: n }, (_, k) => (k * 7 + i * 3) % bound));
        expectReplaysMatch(
          (x: Tensor, rows: Tensor, cols: Tensor) => ({
            rows: T.indexSelect(x, 0, rows),
            picked: T.gather(x, 1, T.reshape(cols, [4, 2])),
            added: T.scatterAdd(T.zeros([4, 5]), 1, T.reshape(cols, [4, 2]), T.ones([4, 2])),
          }),
          (i) => [values([4, 5], i), idx(i, 6, 4), idx(i + 1, 8, 5)],
        );
      });

      it('in-place ops on temporaries (add_, mul_, clamp_, fill_ of a slice, copy_, zero_)', () => {
        expectReplaysMatch(
          (x: Tensor, y: Tensor) => {
            const t = T.exp(x);
            t.add_(1).mul_(y).clamp_(-2, 3);
            T.slice(t, 1, 1, 3).fill_(7);
            const u = T.zeros([2, 4]);
            T.slice(u, 0, 1, 2).copy_(T.slice(t, 0, 0, 1));
            const z = T.neg(y);
            z.zero_();
            return [t, u, z];
          },
          (i) => [values([2, 4], i), values([4], i + 3)],
        );
      });

      it('in-place ops on an input write into each call’s input, as running fn does', () => {
        const fn = (x: Tensor, y: Tensor) => {
          x.mul_(2).add_(y);
          return T.sum(x);
        };
        const compiled = T.compile(fn);
        for (let i = 0; i < 3; i++) {
          const x = values([4], i);
          const xe = T.clone(x);
          const y = values([4], i + 5);
          const got = compiled(x, y);
          const want = T.tidy(() => fn(xe, y));
          expectSame([got, x], [want, xe]);
          disposeAll(got, want, x, xe, y);
        }
        // The same layout as a view into a larger storage: only the view's elements change.
        const big = values([8], 9);
        const before = data(big);
        const y = values([4], 10);
        const got = compiled(T.slice(big, 0, 0, 4), y);
        expect(data(big).slice(4)).toEqual(before.slice(4));
        expect(data(big).slice(0, 4)).toEqual(before.slice(0, 4).map((v, k) => Math.fround(Math.fround(v * 2) + data(y)[k])));
        disposeAll(got, big, y);
      });
    });

    describe('a new input layout records again', () => {
      it('another shape, a transposed input, an offset view: one recording each, each right', () => {
        let runs = 0;
        const fn = (x: Tensor, w: Tensor) => {
          runs++;
          return T.tanh(T.matmul(x, w));
        };
        const compiled = T.compile(fn);
        const check = (x: Tensor, w: Tensor, expectedRuns: number) => {
          const got = compiled(x, w);
          expect(runs).toBe(expectedRuns);
          const want = T.tidy(() => fn(x, w));
          runs--; // the eager reference call
          expectSame(got, want);
          disposeAll(got, want);
        };
        const x = values([2, 3], 1);
        const w = values([3, 4], 2);
        const xt = T.transpose(values([3, 2], 3), 0, 1); // [2, 3] with strides [1, 2]
        const wide = values([5, 3], 4);
        const xo = T.slice(values([4, 3], 5), 0, 1, 3); // [2, 3] at offset 3
        check(x, w, 1);
        check(values([2, 3], 6), values([3, 4], 7), 1);
        check(xt, w, 2);
        check(T.transpose(values([3, 2], 8), 0, 1), w, 2);
        check(wide, w, 3);
        check(xo, w, 4);
        check(T.slice(values([4, 3], 9), 0, 1, 3), w, 4);
        check(x, w, 4);
        check(xt, w, 4);
        disposeAll(x, w, xt, wide, xo);
      });

      it('the same tensors grouped into other arrays (or a bare tensor for an array of one) record again', () => {
        let runs = 0;
        const fn = (xs: Tensor | Tensor[], ys: Tensor | Tensor[]) => {
          runs++;
          const list = (v: Tensor | Tensor[]) => (Array.isArray(v) ? v : [v]);
          return { sx: list(xs).map((x) => T.exp(x)), sy: list(ys).map((y) => T.neg(y)), bare: !Array.isArray(xs) ? [T.sum(xs)] : [] };
        };
        const compiled = T.compile(fn);
        const [a, b, c] = [values([2], 1), values([2], 2), values([2], 3)];
        const groupings: [Tensor | Tensor[], Tensor | Tensor[]][] = [
          [[a, b], [c]],
          [[a], [b, c]],
          [a, [b, c]],
          [[a], [b, c]],
          [[a, b], [c]],
        ];
        for (const [xs, ys] of groupings) {
          const got = compiled(xs, ys);
          const want = T.tidy(() => fn(xs, ys));
          runs--;
          expectSame(got, want);
          disposeAll(got, want);
        }
        expect(runs).toBe(3);
        disposeAll(a, b, c);
      });

      it('two arguments viewing one storage record apart from two separate ones', () => {
        let runs = 0;
        const fn = (a: Tensor, b: Tensor) => {
          runs++;
          a.add_(1); // visible through b when they share storage
          return T.mul(a, b);
        };
        const compiled = T.compile(fn);
        const run = (share: boolean, seed: number) => {
          const a = values([3], seed);
          const b = share ? T.reshape(a, [3]) : values([3], seed + 1);
          const ae = T.clone(a);
          const be = share ? T.reshape(ae, [3]) : T.clone(b);
          const got = compiled(a, b);
          const want = T.tidy(() => fn(ae, be));
          runs--;
          expectSame([got, a, b], [want, ae, be]);
          disposeAll(got, want, a, b, ae, be);
        };
        run(false, 1);
        run(false, 2);
        expect(runs).toBe(1);
        run(true, 3);
        expect(runs).toBe(2);
        run(true, 4);
        run(false, 5);
        expect(runs).toBe(2);
      });
    });

    describe('memory', () => {
      it('50 replays: live tensors, buffers and bytes return to the start once results are disposed', () => {
        const x = values([8, 4], 1);
        const w = values([4, 4], 2);
        const start = usage(name);
        const compiled = T.compile((x: Tensor, w: Tensor) => {
          const h = T.relu(T.matmul(x, w));
          return { out: T.softmax(h, 1), norm: T.sqrt(T.sum(T.square(h))), view: T.transpose(h, 0, 1) };
        });
        for (let i = 0; i < 50; i++) {
          const r = compiled(x, w);
          expect(usage(name).buffers).toBe(start.buffers + 3);
          disposeAll(r);
          expect(usage(name)).toEqual(start);
        }
        disposeAll(x, w);
      });

      it('a replay that throws (an index out of range) frees what it made and leaves the inputs intact', () => {
        const fn = (x: Tensor, i: Tensor) => {
          const h = T.exp(x);
          return [T.mul(T.indexSelect(h, 0, i), 2), h];
        };
        const compiled = T.compile(fn);
        const x = values([4, 3], 1);
        disposeAll(compiled(x, T.tensor(Int32Array.from([0, 3]))));
        const bad = T.tensor(Int32Array.from([1, 4]));
        const start = usage(name);
        let eager = '';
        try {
          T.tidy(() => fn(x, bad));
        } catch (e) {
          eager = (e as Error).message;
        }
        expect(eager).toMatch(/indexSelect: index 4 is out of range/);
        expect(() => compiled(x, bad)).toThrow(eager);
        expect(usage(name)).toEqual(start);
        const good = T.tensor(Int32Array.from([2, 1]));
        const r = compiled(x, good); // still replays
        const want = T.tidy(() => fn(x, good));
        expectSame(r, want);
        disposeAll(r, want, x, bad, good);
      });
    });

    describe('refusals: a CompileError naming the problem, the backend as before, and a later call can record', () => {
      /** compile(fn) where fn misbehaves while `bad` is set; checks the refusal, then that a good call records and replays. */
      function expectRefusal(misbehave: (x: Tensor) => unknown, message: RegExp, backend = name): void {
        const be = T.getBackend(backend) as unknown as Record<string, unknown>;
        const methods = Object.fromEntries(Object.keys(be).map((k) => [k, be[k]]));
        const fused = { ...(be.fused as object) };
        const x = values([2, 2], 1);
        const start = usage(backend);
        let bad = true;
        let runs = 0;
        const compiled = T.compile((x: Tensor) => {
          runs++;
          return bad ? misbehave(x) : T.mul(x, 3);
        });
        let error: unknown;
        try {
          compiled(x);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(T.CompileError);
        expect((error as Error).message).toMatch(message);
        // The backend's own methods and fused routines, no more and no fewer (none left wrapped).
        expect(Object.keys(be)).toEqual(Object.keys(methods));
        for (const k of Object.keys(methods)) expect(be[k], k).toBe(methods[k]);
        expect(Object.keys(be.fused as object)).toEqual(Object.keys(fused));
        for (const [k, f] of Object.entries(fused)) expect((be.fused as Record<string, unknown>)[k], k).toBe(f);
        expect(usage(backend)).toEqual(start);
        expect(x.isDisposed).toBe(false);
        bad = false;
        for (let i = 0; i < 3; i++) {
          const r = compiled(x) as Tensor;
          expect(data(r)).toEqual(data(x).map((v) => Math.fround(v * 3)));
          r.dispose();
        }
        expect(runs).toBe(2);
        expect(usage(backend)).toEqual(start);
        x.dispose();
      }

      it('reading values: item, dataSync, arraySync', () => {
        expectRefusal((x) => (T.sum(x).item() > 0 ? T.neg(x) : x), /compile: fn reads tensor values/);
        expectRefusal((x) => T.tensor(Array.from(T.exp(x).dataSync())), /compile: fn reads tensor values/);
        expectRefusal((x) => T.tensor(T.exp(x).arraySync() as number[][]), /compile: fn reads tensor values/);
      });

      it('reading values on another backend', () => {
        const other = name === 'cpu' ? 'reference' : 'cpu';
        const y = T.tensor([1, 2], { backend: other });
        expectRefusal((x) => T.mul(x, y.dataSync()[1]), /compile: fn reads tensor values/);
        y.dispose();
      });

      it('random numbers: rand, randn, randint, multinomial', () => {
        expectRefusal((x) => T.add(x, T.rand([2, 2])), /compile: fn draws random numbers/);
        expectRefusal((x) => T.add(x, T.randn([2])), /compile: fn draws random numbers/);
        expectRefusal((x) => T.add(x, T.randint(0, 3, [2, 2])), /compile: fn draws random numbers/);
        // Drawn on the host (Fisher-Yates over Philox) and uploaded: the RNG state tells.
        expectRefusal((x) => T.indexSelect(x, 0, T.randperm(2)), /compile: fn draws random numbers/);
        // multinomial checks its probabilities first: a read on cpu and reference.
        expectRefusal((x) => T.multinomial(T.softmax(x, 1), 1), /compile: fn (draws random numbers|reads tensor values)/);
      });

      it('a tensor from outside fn (a closure)', () => {
        const w = values([2, 2], 9);
        expectRefusal((x) => T.matmul(x, w), /compile: fn uses a tensor it was neither given nor made.*pass it as an argument/);
        expectRefusal((x) => [T.exp(x), w], /compile: fn returns a tensor it was neither given nor made/);
        // Sharing an argument's storage: x is a slice of it, so its buffer alone would not tell.
        const big = values([4, 2], 8);
        const f = T.compile((x: Tensor) => T.add(x, T.sum(big)));
        const part = T.slice(big, 0, 0, 2);
        const start = usage(name);
        expect(() => f(part)).toThrow(/compile: fn uses a tensor it was not given that shares storage with argument 0/);
        expect(usage(name)).toEqual(start);
        disposeAll(big, part);
        w.dispose();
      });

      it('disposing an input: refused once fn returns; the input is disposed as running fn would, nothing leaks', () => {
        const start = usage(name);
        const compiled = T.compile((x: Tensor, last: Tensor) => {
          const y = T.exp(x);
          last.dispose();
          return y;
        });
        // The last view of its storage: refused.
        const x = values([2, 2], 1);
        const y = values([2, 2], 2);
        expect(() => compiled(x, y)).toThrow(/compile: fn disposed \(the last view of\) one of its inputs/);
        expect([x.isDisposed, y.isDisposed]).toEqual([false, true]); // as running fn would leave them
        x.dispose();
        expect(usage(name)).toEqual(start);
        // Not the last view (the caller holds another): nothing is freed, so a replay is fine.
        const a = values([2, 2], 2);
        const b = T.reshape(a, [4]);
        const c = T.reshape(a, [2, 2]);
        const r = compiled(a, b); // records
        expect(b.isDisposed).toBe(true);
        const a2 = values([2, 2], 5);
        const b2 = T.reshape(a2, [4]);
        const r2 = compiled(a2, b2); // replays; fn's dispose (JavaScript) happened at the recording only
        expect(b2.isDisposed).toBe(false);
        const want = T.tidy(() => [T.exp(a), T.exp(a2)]);
        expectSame([r, r2], want);
        disposeAll(r, r2, want, a, b, c, a2, b2);
        expect(usage(name)).toEqual(start);
      });

      it('disposing a tensor from outside fn: refused once fn returns, its buffer freed as running fn would', () => {
        const start = usage(name);
        const w = values([3], 1);
        const f = T.compile((x: Tensor) => {
          w.dispose();
          return T.exp(x);
        });
        const x = values([2], 2);
        expect(() => f(x)).toThrow(/compile: fn disposed a tensor it was neither given nor made/);
        expect(w.isDisposed).toBe(true);
        x.dispose();
        expect(usage(name)).toEqual(start);
      });

      it('an error of fn itself (a shape mismatch): rethrown, the backend restored, a later call records', () => {
        const start = usage(name);
        let bad = true;
        const f = T.compile((x: Tensor) => T.matmul(T.exp(x), bad ? x : T.transpose(x, 0, 1)));
        const x = values([2, 3], 1);
        const alloc = T.getBackend(name).alloc;
        expect(() => f(x)).toThrow(T.ShapeError);
        expect(T.getBackend(name).alloc).toBe(alloc);
        bad = false;
        const r = f(x);
        expect(r.shape).toEqual([2, 2]);
        disposeAll(r, x);
        expect(usage(name)).toEqual(start);
      });

      it('another backend', () => {
        const other = name === 'cpu' ? 'reference' : 'cpu';
        expectRefusal(
          (x) => [T.exp(x), T.zeros([2], { backend: other })],
          new RegExp(`compile: fn uses backend '${other}' besides its inputs' '${name}'`),
        );
        expectRefusal((x) => T.exp(x).to(other), new RegExp(`compile: fn (uses backend '${other}'|reads tensor values)`));
      });

      it('inputs on two backends', () => {
        const a = T.tensor([1], { backend: 'cpu' });
        const b = T.tensor([1], { backend: 'reference' });
        const f = T.compile((a: Tensor, b: Tensor) => [T.neg(a), T.neg(b)]);
        expect(() => f(a, b)).toThrow(/compile: every input must be on one backend; got 'cpu' and 'reference'/);
        disposeAll(a, b);
      });

      it('a number, a string or a class instance in the result', () => {
        expectRefusal((x) => ({ y: T.exp(x), n: 3 }), /compile: fn must return tensors .*result\.n is number/);
        expectRefusal((x) => [T.exp(x), 'label'], /compile: fn must return tensors .*result\[1\] is string/);
        expectRefusal((x) => new Map([['y', T.exp(x)]]), /compile: fn must return tensors .*result is object/);
      });

      it('an async fn (a Promise)', () => {
        expectRefusal(((x: Tensor) => Promise.resolve(T.exp(x))) as (x: Tensor) => unknown, /compile: fn must be synchronous/);
        expectRefusal((async (x: Tensor) => T.exp(x)) as (x: Tensor) => unknown, /compile: fn must be synchronous/);
        // Its rejection after the refusal must not surface again as an unhandled rejection.
        expectRefusal(
          (async (x: Tensor) => {
            await null;
            throw new Error(`late failure of ${x.shape}`);
          }) as (x: Tensor) => unknown,
          /compile: fn must be synchronous/,
        );
      });

      it('compile inside compile (recording or replaying a compiled function while recording)', () => {
        const inner = T.compile((x: Tensor) => T.exp(x));
        expectRefusal((x) => inner(x), /compile: a compiled function cannot be recorded inside another one/);
        const y = values([2, 2], 3);
        disposeAll(inner(y)); // inner has a recording for this layout now
        expectRefusal((x) => inner(x), /compile: a compiled function cannot run while another one is being recorded/);
        y.dispose();
      });

      it('an argument that is not a tensor or an array of tensors', () => {
        const f = T.compile((x: Tensor) => T.exp(x)) as unknown as (...a: unknown[]) => unknown;
        expect(() => f(3)).toThrow(/compile: argument 0 must be a tensor or an array of tensors, got number/);
        expect(() => f([T.ones([1]), 2])).toThrow(
          /argument 0 must be a tensor or an array of tensors, got an array with a non-tensor element/,
        );
        expect(() => f(null)).toThrow(T.CompileError);
      });
    });
  });
}

describe('compile: a training step', () => {
  it('replays an SGD-with-momentum step of a small MLP exactly as running it again would', () => {
    T.manualSeed(1);
    const init = [T.randn([3, 5]), T.randn([5]), T.randn([5, 1]), T.randn([1])];
    const stepFn = (ps: Tensor[], vs: Tensor[], x: Tensor, y: Tensor) => {
      const h = T.tanh(T.add(T.matmul(x, ps[0]), ps[1]));
      const out = T.add(T.matmul(h, ps[2]), ps[3]);
      const loss = T.mean(T.square(T.sub(out, y)));
      const grads = ps.map((q) => T.mul(q, T.mul(loss, 0.01))); // depends on the parameters and the batch
      const vel = vs.map((v, k) => T.add(T.mul(v, 0.9), grads[k]));
      return { loss, params: ps.map((p, k) => T.sub(p, T.mul(vel[k], 0.1))), vel };
    };
    const compiled = T.compile(stepFn);
    let a = { params: init.map((t) => t.clone()), vel: init.map((t) => T.zerosLike(t)) };
    let b = { params: init.map((t) => t.clone()), vel: init.map((t) => T.zerosLike(t)) };
    const before = T.memory().tensors;
    for (let i = 0; i < 5; i++) {
      const x = T.randn([4, 3]);
      const y = T.randn([4, 1]);
      const r = compiled(a.params, a.vel, x, y);
      const e = T.tidy(() => stepFn(b.params, b.vel, x, y));
      expect(data(r.loss)).toEqual(data(e.loss));
      r.params.forEach((p, k) => expect(data(p)).toEqual(data(e.params[k])));
      for (const t of [...a.params, ...a.vel, ...b.params, ...b.vel, x, y, r.loss, e.loss]) t.dispose();
      a = r;
      b = e;
    }
    expect(T.memory().tensors).toBe(before);
  });

  it('refuses to record a read of tensor values', () => {
    const f = T.compile((x: Tensor) => (x.item() > 0 ? T.neg(x) : x));
    expect(() => f(T.tensor([1]))).toThrow(/compile: fn reads tensor values/);
  });
});
