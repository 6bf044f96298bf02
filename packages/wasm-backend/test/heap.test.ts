/** The allocator: size classes, reuse of freed blocks, accounting, and growth keeping data intact. */
import * as nn from '@nn/tensor';
import { BackendError, registerBackend } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { Heap, blockSize, sizeClass } from '../src/heap.js';
import { createWasmBackend } from '../src/index.js';

describe('size classes', () => {
  it('fit every request with at most 25% slack (64-byte minimum), and are the smallest that fit', () => {
    for (let bytes = 1; bytes < 70_000; bytes += 7) {
      const c = sizeClass(bytes);
      const size = blockSize(c);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size).toBeLessThanOrEqual(Math.max(64, bytes * 1.25 + 16));
      expect(size % 16).toBe(0);
      if (c > 0) expect(blockSize(c - 1)).toBeLessThan(bytes);
    }
    expect(blockSize(sizeClass(2 ** 31 + 1))).toBeGreaterThanOrEqual(2 ** 31 + 1);
  });
});

describe('heap', () => {
  it('reuses freed blocks of a class, lowers the top when the top block is freed, counts live bytes', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = new Heap(memory, 1000, 100);
    const a = heap.alloc(100);
    const b = heap.alloc(4000);
    const c = heap.alloc(100);
    expect(a.ptr % 16).toBe(0);
    expect(heap.info()).toEqual({ bytes: 4200, buffers: 3 });
    heap.free(a);
    heap.free(a); // twice: no effect
    expect(heap.info()).toEqual({ bytes: 4100, buffers: 2 });
    const d = heap.alloc(110); // same class as 100 (112 bytes)
    expect(d.ptr).toBe(a.ptr);
    const top = heap.footprint().heapTop;
    heap.free(c);
    expect(heap.footprint().heapTop).toBe(top - c.blockSize);
    heap.free(b);
    heap.free(d);
    expect(heap.info()).toEqual({ bytes: 0, buffers: 0 });
    const z = heap.alloc(0);
    expect(heap.info()).toEqual({ bytes: 0, buffers: 1 });
    heap.free(z);
  });

  it('carves large blocks best-fit from coalescing free ranges, and small ones from them too', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1000 });
    const heap = new Heap(memory, 1024, 1000);
    const base = heap.footprint().heapTop;
    const [a, b, c, d] = [300_000, 200_000, 500_000, 100_000].map((n) => heap.alloc(n));
    const top = heap.footprint().heapTop;
    heap.free(b);
    heap.free(a); // merges with b's range: 500 KB free at the bottom
    const e = heap.alloc(450_000);
    expect(e.ptr).toBe(a.ptr);
    const f = heap.alloc(1000); // a small block from the remaining range
    expect(f.ptr).toBe(e.ptr + e.blockSize);
    expect(heap.footprint().heapTop).toBe(top);
    for (const x of [c, e, f, d]) heap.free(x);
    expect(heap.footprint().heapTop).toBeLessThanOrEqual(f.ptr + f.blockSize);
    expect(heap.info()).toEqual({ bytes: 0, buffers: 0 });
    expect(base).toBeLessThanOrEqual(a.ptr);
  });

  it('grows the memory on demand and refuses to pass its limit', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const heap = new Heap(memory, 64, 4);
    heap.alloc(100_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(100_064);
    expect(() => heap.alloc(300_000)).toThrow(BackendError);
  });

  it('a failed alloc throws a BackendError naming the bytes, the heap top and the limit, and changes nothing', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const heap = new Heap(memory, 64, 4);
    expect(heap.maxAlloc()).toBe(4 * 65536 - 256); // the limit less the heap base, in 256-byte grains
    const a = heap.alloc(150_000);
    const small = heap.alloc(60_000);
    const info = heap.info();
    const fp = heap.footprint();
    expect(info).toEqual({ bytes: 210_000, buffers: 2 });
    expect(() => heap.alloc(4e12)).toThrow(BackendError);
    expect(() => heap.alloc(150_000)).toThrow(
      `wasm backend: alloc of 150000 bytes failed: the heap's top is at ${fp.heapTop} bytes and the memory is limited to 262144 bytes`,
    );
    expect(() => heap.alloc(50_000)).toThrow(/alloc of 50000 bytes failed/); // a size class, also from the top
    expect(heap.info()).toEqual(info);
    expect(heap.footprint()).toEqual(fp);
    heap.free(a);
    heap.free(small);
    expect(heap.info()).toEqual({ bytes: 0, buffers: 0 });
    const whole = heap.alloc(heap.maxAlloc()); // the whole limit is usable
    expect(heap.info()).toEqual({ bytes: 4 * 65536 - 256, buffers: 1 });
    heap.free(whole);
    expect(() => heap.alloc(heap.maxAlloc() + 1)).toThrow(BackendError);
  });
});

for (const threads of [1, 2]) {
  describe(`the backend across memory growth (${threads} thread${threads > 1 ? 's' : ''})`, () => {
    it('keeps every buffer intact while the memory grows many times, and reuses freed memory', async () => {
      const be = await createWasmBackend({
        threads,
        name: `wasm-grow-${threads}`,
        thresholds: { elementwise: 1, transcendental: 1, matmul: 1 },
      });
      registerBackend(be);
      try {
        const o = { backend: be.name };
        const work = () =>
          nn.tidy(() =>
            nn
              .matmul(nn.rand([300, 200], o), nn.rand([200, 100], o))
              .sum()
              .item(),
          );
        work(); // the first matmul allocates the gemm scratch
        const kept: { t: nn.Tensor; v: number }[] = [];
        const start = be.footprint().memoryBytes;
        for (let i = 0; i < 40; i++) {
          // 1 MiB tensors, each computed by kernels, interleaved with growth.
          const t = nn.tidy(() => nn.add(nn.full([512, 512], i, o), 0.5));
          kept.push({ t, v: i + 0.5 });
        }
        expect(be.footprint().memoryBytes).toBeGreaterThan(start + 39 * 2 ** 20);
        for (const { t, v } of kept) {
          const d = t.dataSync();
          expect(d[0]).toBe(v);
          expect(d[d.length - 1]).toBe(v);
          expect(nn.tidy(() => nn.sum(t).item())).toBe(v * 512 * 512);
        }
        for (const { t } of kept) t.dispose();
        const top = be.footprint().heapTop;
        for (let i = 0; i < 100; i++) work();
        expect(be.footprint().heapTop).toBeLessThanOrEqual(top);
        expect(be.memory()).toEqual({ bytes: 0, buffers: 0 });
      } finally {
        be.dispose();
      }
    });
  });
}
