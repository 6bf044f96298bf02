/**
 * Module.to / toAsync move parameters, buffers and gradients in place (tensor identity kept, as
 * PyTorch's module.to), both ways, including from a backend without synchronous reads.
 */
import * as T from '@nn/tensor';
import { BackendError } from '@nn/tensor';
import '@nn/autograd';
import * as L from '@nn/layers';
import { beforeAll, describe, expect, it } from 'vitest';

// The cpu backend without readSync behaves like WebGPU for moves: only async reads.
beforeAll(() => T.registerBackend({ ...T.getBackend('cpu'), name: 'async-cpu', readSync: undefined }));

function model(): L.Module {
  T.manualSeed(1);
  return new L.Sequential(new L.Linear(3, 4), new L.BatchNorm1d(4), new L.Linear(4, 2));
}

describe('moving modules between backends', () => {
  it('to() keeps the parameter objects and moves values, buffers and grads', () => {
    const m = model();
    const params = m.parameters();
    const before = params.map((p) => p.arraySync());
    T.tidy(() => (m(T.randn([5, 3])) as T.Tensor).sum().backward());
    const grads = params.map((p) => p.grad!.arraySync());
    const cpuBackend = T.getBackend('cpu');
    T.registerBackend({ ...cpuBackend, name: 'cpu2' });
    m.to('cpu2');
    expect(m.parameters()).toEqual(params);
    m.parameters().forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.backend.name).toBe('cpu2');
      expect(p.requiresGrad).toBe(true);
      expect(p.arraySync()).toEqual(before[i]);
      expect(p.grad!.backend.name).toBe('cpu2');
      expect(p.grad!.arraySync()).toEqual(grads[i]);
    });
    for (const b of m.buffers()) expect(b.backend.name).toBe('cpu2');
    m.to('cpu');
    expect(m.parameters()[0].backend.name).toBe('cpu');
  });

  it('from a backend without synchronous reads: to() names toAsync and moves nothing; toAsync works both ways', async () => {
    const m = model();
    const values = m.parameters().map((p) => p.arraySync());
    await m.toAsync('async-cpu');
    expect(m.parameters().every((p) => p.backend.name === 'async-cpu')).toBe(true);
    expect(() => m.to('cpu')).toThrow(BackendError);
    expect(() => m.to('cpu')).toThrow(
      /^Module\.to: a tensor is on backend 'async-cpu', which cannot be read synchronously; use `await model\.toAsync\('cpu'\)`/,
    );
    expect(m.parameters().every((p) => p.backend.name === 'async-cpu')).toBe(true);
    const out = m.eval()(T.ones([2, 3], { backend: 'async-cpu' })) as T.Tensor;
    expect(String(out)).toMatch(/^tensor\(<on async-cpu: read with await t\.data\(\)/);
    await m.toAsync('cpu');
    expect(m.parameters().map((p) => p.arraySync())).toEqual(values);
    const t = T.ones([2], { backend: 'async-cpu' });
    expect(() => t.to('cpu')).toThrow(/^to: backend 'async-cpu' cannot read synchronously; use `await t\.toAsync\('cpu'\)`/);
  });

  it('memory stays accounted: moving back and forth leaves counts per backend unchanged', async () => {
    const m = model();
    const start = T.memory();
    for (let i = 0; i < 3; i++) {
      await m.toAsync('async-cpu');
      expect(T.memory().backends['async-cpu'].tensors - (start.backends['async-cpu']?.tensors ?? 0)).toBe(
        m.parameters().length + m.buffers().length,
      );
      await m.toAsync('cpu');
    }
    const end = T.memory();
    expect(end.tensors).toBe(start.tensors);
    expect(end.backends.cpu).toEqual(start.backends.cpu);
  });
});
