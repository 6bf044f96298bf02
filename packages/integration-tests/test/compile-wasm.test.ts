/** compile on the wasm backend: a W3 step replays bit for bit as eager with no leaks; index checks run at each replay; optimizer steps are refused. */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIMIZERS, stepInside, trainW3 } from './compile-step.js';

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
  T.registerBackend(backend);
});
afterAll(() => backend.dispose?.());

const buffers = () => T.memory().backends.wasm;

describe('compile on wasm', () => {
  it('a W3 step (valueAndGrad + momentum): 20 compiled steps give the eager losses and weights bit for bit, no buffers left', async () => {
    const start = buffers();
    const eager = await trainW3('wasm', false);
    const compiled = await trainW3('wasm', true);
    expect(compiled.recordings).toBe(1);
    expect(compiled.losses).toEqual(eager.losses);
    expect(compiled.params).toEqual(eager.params);
    expect(compiled.losses[16]).toBeLessThan(compiled.losses[0]);
    expect(buffers()).toEqual(start);
  });

  it('indexSelect with indices passed in: checked at each replay (the eager error), nothing left behind', () => {
    const o = { backend: 'wasm' };
    const fn = (x: Tensor, i: Tensor) => T.mul(T.indexSelect(T.exp(x), 0, i), 2);
    const f = T.compile(fn);
    const x = T.reshape(T.arange(12, undefined, undefined, o), [4, 3]);
    for (const idx of [
      [0, 3],
      [2, 2],
    ]) {
      const i = T.tensor(Int32Array.from(idx), o);
      const r = f(x, i);
      const e = T.tidy(() => fn(x, i));
      expect(Array.from(r.dataSync())).toEqual(Array.from(e.dataSync()));
      for (const t of [r, e, i]) t.dispose();
    }
    const bad = T.tensor(Int32Array.from([1, 4]), o);
    const start = buffers();
    expect(() => f(x, bad)).toThrow(/indexSelect: index 4 is out of range for dim 0 of size 4/);
    expect(buffers()).toEqual(start);
    for (const t of [x, bad]) t.dispose();
  });

  for (const [label, make] of OPTIMIZERS) {
    it(`an optimizer step inside fn is refused: ${label}`, async () => {
      const error = await stepInside('wasm', make);
      expect(error).toBeInstanceOf(T.CompileError);
      expect(error!.message).toMatch(
        label.includes('fused: false') ? /compile: fn updates in place a tensor it made and keeps/ : /compile: fn steps an optimizer/,
      );
    });
  }
});
