/**
 * compile with the rest of the stack on cpu and the eval-free 'reference' backend: gradients taken
 * inside fn (valueAndGrad, grad, backward + .grad) replay bit for bit as fn run again; crossEntropy's
 * class-index check runs at each replay; dropout and optimizer steps are refused.
 */
import { grad, valueAndGrad } from '@nn/autograd';
import * as L from '@nn/layers';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPTIMIZERS, stepInside, trainW3 } from './compile-step.js';
import { seeded } from './mlp.js';

/** The elements' bits (float32 as uint32). */
function bits(t: Tensor): number[] {
  const d = t.dataSync();
  return d instanceof Float32Array ? Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length)) : Array.from(d, Number);
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
const expectSameBits = (got: unknown, want: unknown) => expect(tensorsIn(got).map(bits)).toEqual(tensorsIn(want).map(bits));

function usage(backend: string) {
  const m = T.memory();
  return { tensors: m.tensors, buffers: m.backends[backend].buffers, bytes: m.backends[backend].bytes };
}

function values(shape: number[], seed: number): Tensor {
  const r = seeded(seed);
  return T.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1),
    { shape },
  );
}

beforeAll(() => T.registerBackend(T.createReferenceBackend()));

for (const name of ['cpu', 'reference'] as const) {
  describe(`compile with autograd on ${name}`, () => {
    beforeEach(() => T.setBackend(name));
    afterEach(() => T.setBackend('cpu'));

    it('valueAndGrad and grad inside fn: replays match fn run again, bit for bit', () => {
      const start = usage(name);
      let runs = 0;
      const fn = (w: Tensor, b: Tensor, x: Tensor) => {
        runs++;
        const loss = (w: Tensor, b: Tensor) => T.mean(T.square(T.sigmoid(T.add(T.matmul(x, w), b))));
        const [value, grads] = valueAndGrad(loss, [0, 1])(w, b) as [Tensor, Tensor[]];
        const gx = grad((x: Tensor) => T.sum(T.mul(T.tanh(x), T.exp(x))))(x) as Tensor;
        return { value, grads, gx };
      };
      const compiled = T.compile(fn);
      for (let i = 0; i < 4; i++) {
        const args = [values([3, 4], i), values([4], i + 10), values([5, 3], i + 20)] as const;
        const got = compiled(...args);
        const want = T.tidy(() => fn(...args));
        expectSameBits(got, want);
        disposeAll(got, want, args);
      }
      expect(runs).toBe(1 + 4);
      expect(usage(name)).toEqual(start);
    });

    it('a W3 step (valueAndGrad + momentum): 20 compiled steps give the eager losses and weights bit for bit', async () => {
      const start = usage(name);
      const eager = await trainW3(name, false);
      const compiled = await trainW3(name, true);
      expect(compiled.recordings).toBe(1);
      expect(compiled.losses).toEqual(eager.losses);
      expect(compiled.params).toEqual(eager.params);
      expect(compiled.losses[16]).toBeLessThan(compiled.losses[0]); // the same batch, 16 steps later
      expect(usage(name)).toEqual(start);
    });

    it('backward() and .grad inside fn: the recording leaves .grad on its inputs; replays free the buffers only .grad held', () => {
      const fn = (w: Tensor, x: Tensor, returnGrad: Tensor[]) => {
        const loss = T.sum(T.square(T.matmul(x, w)));
        loss.backward();
        return { loss: loss.detach(), g: returnGrad.length > 0 ? w.grad! : T.mul(w.grad!, 1) };
      };
      for (const returnGrad of [false, true]) {
        const start = usage(name);
        const compiled = T.compile((w: Tensor, x: Tensor) => fn(w, x, returnGrad ? [w] : []));
        const w0 = values([3, 2], 1).requiresGrad_();
        const x0 = values([4, 3], 2);
        const first = compiled(w0, x0);
        // The recording ran fn: w0.grad is set and stays valid after later replays.
        const g0 = bits(w0.grad!);
        expect(bits(first.g)).toEqual(g0);
        const afterRecording = usage(name);
        for (let i = 0; i < 3; i++) {
          const w = values([3, 2], 10 + i).requiresGrad_();
          const x = values([4, 3], 20 + i);
          const got = compiled(w, x);
          expect(w.grad).toBeNull(); // what fn does to JavaScript objects happened at the recording only
          expect(got.g.requiresGrad).toBe(false);
          const [we, xe] = [values([3, 2], 10 + i).requiresGrad_(), values([4, 3], 20 + i)];
          const want = T.tidy(() => fn(we, xe, returnGrad ? [we] : []));
          expectSameBits(got, want);
          disposeAll(got, want, w, x, we, xe);
          expect(usage(name)).toEqual(afterRecording);
        }
        expect(bits(w0.grad!)).toEqual(g0);
        disposeAll(first, w0, x0); // disposing w0 frees its .grad
        expect(usage(name)).toEqual(start);
      }
    });

    it('a result with a live graph: the recording can backward; replays return plain tensors and free what the graph saved', () => {
      const start = usage(name);
      const fn = (w: Tensor, x: Tensor) => T.sum(T.square(T.tanh(T.matmul(x, w))));
      const compiled = T.compile(fn);
      const w = values([3, 2], 1).requiresGrad_();
      const x = values([4, 3], 2);
      const first = compiled(w, x);
      expect(first.requiresGrad).toBe(true);
      first.backward();
      const we = values([3, 2], 1).requiresGrad_();
      T.tidy(() => fn(we, x).backward());
      expect(bits(w.grad!)).toEqual(bits(we.grad!));
      const afterRecording = usage(name);
      for (let i = 0; i < 3; i++) {
        const wi = values([3, 2], 10 + i).requiresGrad_();
        const got = compiled(wi, x);
        expect(got.requiresGrad).toBe(false);
        const want = T.tidy(() => fn(wi, x));
        expectSameBits(got, want);
        disposeAll(got, want, wi);
        expect(usage(name)).toEqual(afterRecording);
      }
      disposeAll(first, w, we, x);
      expect(usage(name)).toEqual(start);
    });

    it('crossEntropy with class indices: the targets are checked at each replay, with the eager error', () => {
      const fn = (logits: Tensor, target: Tensor) => L.crossEntropy(T.mul(logits, 2), target);
      const compiled = T.compile(fn);
      const logits = values([4, 3], 1);
      const targets = [
        [0, 2, 1, 1],
        [2, 2, 0, 1],
      ].map((t) => T.tensor(Int32Array.from(t)));
      for (const t of targets) {
        const got = compiled(logits, t);
        const want = T.tidy(() => fn(logits, t));
        expectSameBits(got, want);
        disposeAll(got, want);
      }
      const bad = T.tensor(Int32Array.from([0, 3, 1, 1]));
      const start = usage(name);
      let eager = '';
      try {
        T.tidy(() => fn(logits, bad));
      } catch (e) {
        eager = (e as Error).message;
      }
      expect(eager).toMatch(/target 3 at position 1 is out of range for 3 classes/);
      expect(() => compiled(logits, bad)).toThrow(eager);
      expect(usage(name)).toEqual(start);
      disposeAll(logits, targets, bad);
    });

    it('dropout is refused (random numbers)', () => {
      const f = T.compile((x: Tensor) => L.dropout(x, 0.5));
      const x = values([4], 1);
      const start = usage(name);
      expect(() => f(x)).toThrow(/compile: fn draws random numbers/);
      expect(usage(name)).toEqual(start);
      const eval_ = T.compile((x: Tensor) => L.dropout(x, 0.5, false));
      const y = eval_(x);
      expect(bits(y)).toEqual(bits(x));
      disposeAll(x, y);
    });

    it('zeroGrad inside fn after an eager step (disposing the old .grad) is refused cleanly: no half-disposed .grad, no leak', () => {
      const start = usage(name);
      const w = values([3], 1).requiresGrad_();
      const x = values([3], 2);
      const lossOf = (w: Tensor, x: Tensor) => T.sum(T.square(T.mul(w, x)));
      T.tidy(() => lossOf(w, x).backward()); // an eager step leaves w.grad
      const old = w.grad!;
      const f = T.compile((w: Tensor, x: Tensor) => {
        w.grad?.dispose();
        w.grad = null;
        const loss = lossOf(w, x);
        loss.backward();
        return loss.detach();
      });
      expect(() => f(w, x)).toThrow(/compile: fn disposed a tensor it was neither given nor made .*zeroGrad\(\) outside/);
      expect(old.isDisposed).toBe(true);
      disposeAll(w, x);
      expect(usage(name)).toEqual(start);
    });

    for (const [label, make] of OPTIMIZERS) {
      it(`an optimizer step inside fn is refused: ${label}`, async () => {
        const error = await stepInside(name, make);
        expect(error).toBeInstanceOf(T.CompileError);
        // cpu has fused SGD and Adam routines; 'reference' has none, so its optimizers compose tensor ops.
        const fused = name === 'cpu' && !label.includes('fused: false');
        expect(error!.message).toMatch(
          fused ? /compile: fn steps an optimizer/ : /compile: fn updates in place a tensor it made and keeps/,
        );
      });
    }
  });
}
