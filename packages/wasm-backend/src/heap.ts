/**
 * The one allocator over the backend's linear memory, in two tiers:
 * - small blocks (up to 64 KiB) come in size classes, four per power of two from 64 bytes (at
 *   most 25% slack); a freed block goes on its class's free list and is handed out again first;
 * - large blocks are carved best-fit from address-ordered free ranges, which coalesce on free.
 * Everything else comes from the top of the heap; freeing the block at the top lowers the top.
 * Memory only grows (WebAssembly memories cannot shrink), and only here, on the thread that owns
 * the backend; kernels never allocate.
 *
 * Growing a memory detaches (non-shared) or outdates (shared) typed-array views of its buffer, so
 * no code keeps views across an allocation: `bytes()` returns a view of the current buffer.
 */
import { BackendError } from '@nn/tensor';

const PAGE = 65536;
const MIN_BLOCK = 64;
/** Largest request served by size classes. */
const SMALL_MAX = 65536;
/** Large blocks are multiples of this. */
const LARGE_GRAIN = 256;
/** The heap starts on a 64-byte boundary; block sizes are multiples of 16, so blocks are 16-byte aligned. */
const ALIGN = 64;
const ZERO = -1;
const LARGE = -2;

/** A buffer handle: a block of linear memory. `size` is what was asked for (bytes). */
export class WasmBuffer {
  /** Set once freed (a second free is an error). */
  freed = false;
  constructor(
    /** Byte address in linear memory. */
    readonly ptr: number,
    /** Bytes requested. */
    readonly size: number,
    /** Bytes reserved (its size class). */
    readonly blockSize: number,
    /** Size class, or -1 (zero bytes) or -2 (a large block). */
    readonly cls: number,
    /** The backend's own scratch: not counted by info(). */
    readonly internal: boolean,
  ) {}
}

/** Size class of a small request (four classes per doubling); blockSize(cls) is its block size. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BLOCK) return 0;
  // 2^e < bytes <= 2^(e+1)
  const e = bytes <= 2 ** 31 ? 31 - Math.clz32(bytes - 1) : Math.floor(Math.log2(bytes - 1));
  const pow = 2 ** e;
  return (e - 6) * 4 + Math.ceil((bytes - pow) / (pow / 4)); // + 1..4
}

export function blockSize(cls: number): number {
  if (cls === 0) return MIN_BLOCK;
  const e = Math.floor((cls - 1) / 4) + 6;
  const q = cls - (e - 6) * 4;
  return 2 ** e + q * 2 ** (e - 2);
}

// In place, unlike splice, which returns a new array of the removed elements on every call.
function removeAt(a: number[], i: number): void {
  for (let j = i; j + 1 < a.length; j++) a[j] = a[j + 1];
  a.pop();
}

function insertAt(a: number[], i: number, v: number): void {
  a.push(v);
  for (let j = a.length - 1; j > i; j--) a[j] = a[j - 1];
  a[i] = v;
}

export class Heap {
  private top: number;
  /** Free small blocks per size class. */
  private readonly freeLists: number[][] = Array.from({ length: sizeClass(SMALL_MAX) + 1 }, () => []);
  /** Free ranges, sorted by start, never adjacent (merged on free). */
  private readonly rangeStart: number[] = [];
  private readonly rangeSize: number[] = [];
  private liveBytes = 0;
  private liveBuffers = 0;
  private view: Uint8Array | null = null;
  /** The memory's size in bytes (only this heap grows it): reading memory.buffer makes a new object for a shared memory. */
  private capacity: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maxPages: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
    this.capacity = memory.buffer.byteLength;
  }

  /**
   * A block for `bytes` bytes (0 is allowed: a handle with no memory behind it). `internal`
   * blocks (the backend's scratch) are left out of info().
   */
  alloc(bytes: number, internal = false): WasmBuffer {
    let b: WasmBuffer;
    if (bytes === 0) b = new WasmBuffer(this.top, 0, 0, ZERO, internal);
    else if (bytes <= SMALL_MAX) {
      const cls = sizeClass(bytes);
      const size = blockSize(cls);
      const list = this.freeLists[cls];
      b = new WasmBuffer(list.length > 0 ? list.pop()! : this.carve(size, bytes), bytes, size, cls, internal);
    } else {
      const size = Math.ceil(bytes / LARGE_GRAIN) * LARGE_GRAIN;
      b = new WasmBuffer(this.carve(size, bytes), bytes, size, LARGE, internal);
    }
    // Counted only once the block exists: a failed request leaves info() as it was.
    if (!internal) {
      this.liveBytes += bytes;
      this.liveBuffers++;
    }
    return b;
  }

  /**
   * The largest request that can succeed with nothing else allocated above the current top: the
   * memory's limit minus the top, in whole large-block grains.
   */
  maxAlloc(): number {
    return Math.floor((this.maxPages * PAGE - this.top) / LARGE_GRAIN) * LARGE_GRAIN;
  }

  /** Returns a block to its free list or range (or to the top). Freeing twice is a no-op. */
  free(b: WasmBuffer): void {
    if (b.freed) return;
    b.freed = true;
    if (!b.internal) {
      this.liveBytes -= b.size;
      this.liveBuffers--;
    }
    if (b.cls === ZERO) return;
    if (b.ptr + b.blockSize === this.top) {
      this.top = b.ptr;
      this.trimTop();
    } else if (b.cls === LARGE) this.release(b.ptr, b.blockSize);
    else this.freeLists[b.cls].push(b.ptr);
  }

  /** `size` bytes from the best-fitting free range, else from the top (growing the memory). */
  private carve(size: number, bytes: number): number {
    let best = -1;
    for (let i = 0; i < this.rangeSize.length; i++) {
      const s = this.rangeSize[i];
      if (s >= size && (best < 0 || s < this.rangeSize[best])) best = i;
    }
    if (best >= 0) {
      const ptr = this.rangeStart[best];
      if (this.rangeSize[best] === size) {
        removeAt(this.rangeStart, best);
        removeAt(this.rangeSize, best);
      } else {
        this.rangeStart[best] += size;
        this.rangeSize[best] -= size;
      }
      return ptr;
    }
    const ptr = this.top;
    this.ensure(ptr + size, bytes);
    this.top = ptr + size;
    return ptr;
  }

  /** Adds [ptr, ptr + size) to the free ranges, merging with its neighbours. */
  private release(ptr: number, size: number): void {
    const starts = this.rangeStart;
    const sizes = this.rangeSize;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    // lo: first range after ptr.
    if (lo > 0 && starts[lo - 1] + sizes[lo - 1] === ptr) {
      sizes[lo - 1] += size;
      if (lo < starts.length && starts[lo - 1] + sizes[lo - 1] === starts[lo]) {
        sizes[lo - 1] += sizes[lo];
        removeAt(starts, lo);
        removeAt(sizes, lo);
      }
    } else if (lo < starts.length && ptr + size === starts[lo]) {
      starts[lo] = ptr;
      sizes[lo] += size;
    } else {
      insertAt(starts, lo, ptr);
      insertAt(sizes, lo, size);
    }
  }

  /** After the top came down: a free range that now ends at the top comes down with it. */
  private trimTop(): void {
    const last = this.rangeStart.length - 1;
    if (last >= 0 && this.rangeStart[last] + this.rangeSize[last] === this.top) {
      this.top = this.rangeStart[last];
      this.rangeStart.pop();
      this.rangeSize.pop();
    }
  }

  /** Grows the memory so that [0, end) is addressable, for a request of `bytes`. */
  private ensure(end: number, bytes: number): void {
    const have = this.capacity;
    if (end <= have) return;
    const pages = have / PAGE;
    const need = Math.ceil(end / PAGE) - pages;
    // Grow by at least 1/8 of the current size, so a growing workload does not grow every call.
    const grow = Math.min(Math.max(need, Math.ceil(pages / 8)), this.maxPages - pages);
    const fail = (why: string) =>
      new BackendError(
        `wasm backend: alloc of ${bytes} bytes failed: the heap's top is at ${this.top} bytes and the memory is ` +
          `limited to ${this.maxPages * PAGE} bytes (${why}); free tensors, or create the backend with a larger ` +
          'maxPages (at most 65536: 4 GiB)',
      );
    if (grow < need) throw fail(`${this.maxPages * PAGE - this.top} bytes left`);
    try {
      this.memory.grow(grow);
      this.capacity = this.memory.buffer.byteLength;
    } catch (e) {
      throw fail(`the engine refused to grow it by ${grow * PAGE} bytes: ${(e as Error).message}`);
    }
  }

  /** Bytes and buffers live (what was asked for, as the cpu backend counts). */
  info(): { bytes: number; buffers: number } {
    return { bytes: this.liveBytes, buffers: this.liveBuffers };
  }

  /** The heap's top (bytes of linear memory in use or free-listed) and the memory's size. */
  footprint(): { heapTop: number; memoryBytes: number } {
    return { heapTop: this.top, memoryBytes: this.memory.buffer.byteLength };
  }

  /** A byte view of the whole memory as it is now (never keep it across an allocation). */
  bytes(): Uint8Array {
    const buf = this.memory.buffer;
    if (this.view === null || this.view.buffer !== buf) this.view = new Uint8Array(buf);
    return this.view;
  }
}
