/**
 * Errors: every failure is a typed NNError naming the op and its values, thrown before anything
 * changes. Huge buffers are refused against maxBufferBytes (or, past the heap's current room, by
 * the heap) without touching memory(); a kernel that traps in a worker thread surfaces on the
 * calling side as a BackendError naming the kernel, and the worker keeps serving.
 */
import * as nn from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { BackendError, DTypeError, ValueRangeError, registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend, WasmBuffer } from '../src/index.js';
import { createWasmBackend } from '../src/index.js';
import { Heap } from '../src/heap.js';
import { COPY_4, DEFAULT_THRESHOLDS, type Kernels } from '../src/kernels.js';
import { Runner } from '../src/runner.js';
import { CONTROL_BYTES, type KernelName, Pool } from '../src/threads.js';
import { compileKernels, defaultUrl } from '../src/wasm-files.js';

const GiB2 = 2 ** 31;

/** Checks that f throws an error of class C with exactly this message. */
function throwsExactly(f: () => unknown, C: new (m: string) => Error, message: string): void {
  let error: unknown = null;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(C);
  expect((error as Error).message).toBe(message);
}

function view(buffer: WasmBuffer, dtype: nn.DType, shape: number[], strides?: number[]): View<WasmBuffer> {
  const s = strides ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buffer, dtype, shape, strides: s, offset: 0 };
}

describe.each([1, 2])('huge buffers (%i thread(s))', (threads) => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads, name: `wasm-huge-${threads}` });
    registerBackend(be);
  });
  afterAll(() => be.dispose());

  it('maxBufferBytes is the memory limit (2 GiB by default) less the heap base', () => {
    expect(be.maxBufferBytes).toBeLessThan(GiB2);
    expect(be.maxBufferBytes).toBeGreaterThan(GiB2 - 2 ** 20);
    expect(be.maxBufferBytes % 256).toBe(0);
  });

  it('zeros([1e6, 1e6]) throws a BackendError and leaves memory() as it was (Linear(1e6, 1e6): packages/integration-tests)', () => {
    const mem = be.memory();
    const fp = be.footprint();
    expect(() => nn.zeros([1e6, 1e6], { backend: be.name })).toThrow(BackendError);
    // The frontend names the shape and this backend's limit.
    expect(() => nn.zeros([1e6, 1e6], { backend: be.name })).toThrow(
      new RegExp(`\\[1000000,1000000\\].*${be.maxBufferBytes.toLocaleString('en-US')}`),
    );
    expect(be.memory()).toEqual(mem);
    expect(be.footprint()).toEqual(fp);
    expect(Array.from(nn.ones([2], { backend: be.name }).dataSync())).toEqual([1, 1]);
  });

  it('alloc names the elements, the bytes and the limit', () => {
    const mem = be.memory();
    throwsExactly(
      () => be.alloc(1e12, 'float32'),
      BackendError,
      `wasm backend '${be.name}': alloc of 1000000000000 float32 elements (4000000000000 bytes) exceeds the largest buffer it can hold, ${be.maxBufferBytes} bytes`,
    );
    expect(be.memory()).toEqual(mem);
  });
});

describe('a buffer within maxBufferBytes that the heap has no room for', () => {
  it('throws a BackendError naming the bytes and the heap top, and changes nothing', async () => {
    const be = await createWasmBackend({ threads: 1, name: 'wasm-small', maxPages: 64 });
    try {
      expect(be.maxBufferBytes).toBeLessThanOrEqual(64 * 65536);
      const whole = be.alloc(be.maxBufferBytes / 4, 'float32'); // the limit is honest: this fits
      be.free(whole);
      expect(() => be.alloc(be.maxBufferBytes + 1, 'bool')).toThrow(/exceeds the largest buffer it can hold/);
      const a = be.alloc(3 * 2 ** 18, 'float32'); // 3 MiB of 4
      const mem = be.memory();
      const fp = be.footprint();
      expect(() => be.alloc(3 * 2 ** 18, 'float32')).toThrow(BackendError);
      expect(() => be.alloc(3 * 2 ** 18, 'float32')).toThrow(
        `alloc of 3145728 bytes failed: the heap's top is at ${fp.heapTop} bytes and the memory is limited to ${64 * 65536} bytes`,
      );
      expect(be.memory()).toEqual(mem);
      expect(be.footprint()).toEqual(fp);
      be.free(a);
    } finally {
      be.dispose();
    }
  });
});

describe('typed errors', () => {
  it('bad options, dtypes, sizes and ranks', async () => {
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(ValueRangeError);
    await expect(createWasmBackend({ maxPages: 70_000 })).rejects.toThrow(/maxPages must be an integer from 32 to 65536/);
    const be = await createWasmBackend({ threads: 1, name: 'wasm-typed' });
    const f = be.alloc(4, 'float32');
    const b = be.alloc(4, 'bool');
    expect(() => be.alloc(4, 'float64')).toThrow(DTypeError);
    throwsExactly(
      () => be.unary('exp', view(b, 'bool', [4]), view(f, 'float32', [4])),
      DTypeError,
      'wasm backend: unary exp does not take bool (it takes float32, int32)',
    );
    expect(() => be.matmul(view(b, 'bool', [1, 2, 2]), view(b, 'bool', [1, 2, 2]), view(b, 'bool', [1, 2, 2]))).toThrow(
      /matmul does not take bool/,
    );
    throwsExactly(
      () => be.write(f, new Float32Array(5)),
      ValueRangeError,
      "wasm backend 'wasm-typed': write of 20 bytes into a buffer of 16 bytes",
    );
    // A rank-65 broadcast (not flat) view: the descriptor area holds rank 64.
    const shape = [2, ...Array(63).fill(1), 2];
    const x = view(
      f,
      'float32',
      shape,
      shape.map((_, d) => (d === 64 ? 1 : 0)),
    );
    throwsExactly(
      () => be.unary('neg', x, view(f, 'float32', shape)),
      ValueRangeError,
      'wasm backend: a kernel call of rank 65 exceeds the limit of 64',
    );
    be.dispose();
    throwsExactly(
      () => be.alloc(4, 'float32'),
      BackendError,
      "wasm backend 'wasm-typed': alloc used after dispose(); create a new backend",
    );
  });
});

describe('a kernel that traps in a worker thread', () => {
  const BOGUS = 9999; // no elementwise function: the kernels' dispatch hits `unreachable`
  let memory: WebAssembly.Memory;
  let heap: Heap;
  let ex: Kernels;
  let pool: Pool;
  let ctl: Int32Array;

  beforeAll(async () => {
    const module = await compileKernels(defaultUrl('threaded')!, 'threaded');
    memory = new WebAssembly.Memory({ initial: 32, maximum: 256, shared: true });
    ex = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as Kernels;
    heap = new Heap(memory, ex.heapBase(), 256);
    const c = heap.alloc(CONTROL_BYTES, true).ptr;
    ctl = new Int32Array(memory.buffer, c, 8);
    pool = await Pool.start(1, module, memory, [c]);
  });
  afterAll(() => pool.dispose());

  /** Blocks until the worker has finished its last job (so pool.wait cannot take it back). */
  function workerDone(): void {
    const deadline = Date.now() + 10_000;
    while (Atomics.load(ctl, 1) !== Atomics.load(ctl, 0)) {
      if (Date.now() > deadline) throw new Error('the worker did not finish its job');
      Atomics.wait(ctl, 1, Atomics.load(ctl, 1), 50);
    }
  }
  const notHere = (): void => {
    throw new Error('the job was taken back, not run by the worker');
  };

  function floats(values: number[]): WasmBuffer {
    const buf = heap.alloc(values.length * 4);
    new Float32Array(memory.buffer, buf.ptr, values.length).set(values);
    return buf;
  }

  it('surfaces as a BackendError naming the kernel, its arguments and the trap, and the worker keeps serving', () => {
    const x = floats([1, 2, 3, 4]);
    const o = floats([0, 0, 0, 0]);
    pool.post(0, 'flat1', [BOGUS, x.ptr, 4, o.ptr, 4, 4]);
    workerDone();
    throwsExactly(
      () => pool.wait(0, notHere),
      BackendError,
      `wasm backend: kernel flat1(${BOGUS}, ${x.ptr}, 4, ${o.ptr}, 4, 4) failed in worker thread 1: unreachable`,
    );
    // Out of bounds: a source past the end of the memory.
    pool.post(0, 'flat1', [COPY_4, memory.buffer.byteLength, 4, o.ptr, 4, 4]);
    workerDone();
    expect(() => pool.wait(0, notHere)).toThrow(/kernel flat1\(.*\) failed in worker thread 1: memory access out of bounds/);
    // The worker still runs jobs, and the error flag was cleared.
    pool.post(0, 'flat1', [COPY_4, x.ptr, 4, o.ptr, 4, 4]);
    workerDone();
    pool.wait(0, notHere);
    expect(Array.from(new Float32Array(memory.buffer, o.ptr, 4))).toEqual([1, 2, 3, 4]);
  });

  it('an unknown kernel name is refused before anything is sent (it used to stop the worker)', () => {
    expect(() => pool.post(0, 'nope' as KernelName, [])).toThrow(BackendError);
    expect(() => pool.post(0, 'nope' as KernelName, [])).toThrow(/no kernel named nope \(workers run ew1, ew2/);
    const x = floats([5, 6]);
    const o = floats([0, 0]);
    pool.post(0, 'flat1', [COPY_4, x.ptr, 4, o.ptr, 4, 2]);
    workerDone();
    pool.wait(0, notHere);
    expect(Array.from(new Float32Array(memory.buffer, o.ptr, 2))).toEqual([5, 6]);
  });

  it('a split call waits for every part, then throws a BackendError naming the failed kernel', () => {
    const n = 64;
    const x = floats(Array.from({ length: n }, (_, i) => i));
    const o = floats(Array(n).fill(0));
    // Part `bad` gets a function id with no kernel. The worker reads the id from the arguments;
    // on this thread, part 0 (the one starting at x) gets its id from `bad` through a wrapper, so
    // a part taken back from the worker still runs with the id it was posted with.
    let bad = -1;
    const here = {
      ...ex,
      flat1: (fid: number, xp: number, sx: number, op: number, so: number, m: number) =>
        ex.flat1(xp === x.ptr ? (bad === 0 ? BOGUS : COPY_4) : fid, xp, sx, op, so, m),
    };
    const r = new Runner('wasm-trap', here, heap, pool, DEFAULT_THRESHOLDS);
    const run = (b: number) => () => {
      bad = b;
      r.split('flat1', n, 0, 16, { length: 5, strided: [1, 3] }, b === 1 ? BOGUS : COPY_4, x.ptr, 4, o.ptr, 4, n);
    };
    // The worker's part fails (run by the worker, or taken back and run here).
    expect(run(1)).toThrow(/^wasm backend: kernel flat1\(9999, .*\) failed (in worker thread 1|on the calling thread): unreachable$/);
    expect(run(1)).toThrow(BackendError);
    // The calling thread's part fails: the worker's part still completes first. (The message shows
    // the arguments as passed: the wrapper's substituted id is not among them.)
    expect(run(0)).toThrow(/kernel flat1\(\d+, .*\) failed on the calling thread: unreachable/);
    expect(Array.from(new Float32Array(memory.buffer, o.ptr + 128, 32))).toEqual(Array.from({ length: 32 }, (_, i) => 32 + i));
    // Nothing is left pending: the next call runs normally.
    run(-1)();
    expect(Array.from(new Float32Array(memory.buffer, o.ptr, n))).toEqual(Array.from({ length: n }, (_, i) => i));
  });
});
