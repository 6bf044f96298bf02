/**
 * A layer too large for the wasm heap: its constructor throws the backend's BackendError and
 * leaves memory() as it was (the tensor-level cases are in packages/wasm-backend/test/errors.test.ts).
 */
import { Linear } from '@nn/layers';
import * as nn from '@nn/tensor';
import { BackendError, registerBackend } from '@nn/tensor';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each([1, 2])('Linear(1e6, 1e6) on wasm (%i thread(s))', (threads) => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads, name: `wasm-huge-layer-${threads}` });
    registerBackend(be);
  });
  afterAll(() => be.dispose());

  it('throws a BackendError naming the limit and leaves memory() as it was', () => {
    const mem = be.memory();
    const fp = be.footprint();
    expect(() => new Linear(1e6, 1e6, { backend: be.name })).toThrow(BackendError);
    expect(() => new Linear(1e6, 1e6, { backend: be.name })).toThrow(new RegExp(be.maxBufferBytes.toLocaleString('en-US')));
    expect(be.memory()).toEqual(mem);
    expect(be.footprint()).toEqual(fp);
    expect(Array.from(nn.ones([2], { backend: be.name }).dataSync())).toEqual([1, 1]);
  });
});
