/**
 * The execution engine under the backend: buffers and their pool, pipelines, and the batching of
 * dispatches into shared command encoders.
 *
 * - Every op records a dispatch into one open compute pass of one command encoder; the encoder
 *   is submitted (one `queue.submit`) when data is read, on `sync()`, every `maxDispatches`
 *   dispatches, when the uniform arena is full, or when the event loop goes idle (a 0 ms timer),
 *   so work never waits forever and a training step that reads its loss costs one submit.
 * - Kernel parameters (shapes, strides, offsets, scalars) go into a CPU-side arena; each dispatch
 *   binds its 256-byte-aligned slice of one uniform buffer, uploaded with one `writeBuffer` just
 *   before the submit. Queue order (write, submit, write, submit) keeps batches apart.
 * - Buffers come from a pool keyed by size class (4 classes per power of two, at most 25% slack).
 *   A buffer freed while the unsubmitted encoder still uses it is parked until the submit, so a
 *   reused buffer is never overwritten by a `writeBuffer` that the queue would run first.
 * - `read` copies into a pooled MAP_READ staging buffer in the same submit and maps it.
 * - Device loss or a validation error surfaces as a thrown error from the next op or read;
 *   a read in flight rejects when the device is lost instead of hanging.
 * - Index checks (`addCheck`) run on the device and never wait: the first failing check writes
 *   its id, position and value to three error words, which every read copies into its staging
 *   buffer in the same submit (then clears), so the next read or sync throws that check's error.
 *   Every MAX_CHECKS checks without a read, the words also ride on the next submit, so the list
 *   of pending checks stays bounded without an extra submit.
 */
/// <reference types="@webgpu/types" />
import { BackendError } from '@nn/tensor';

/** The `webgpu` backend's buffer: a GPUBuffer (pooled by size) and an id. */
export interface GpuBuffer {
  /** A unique id, for debugging. */
  readonly id: number;
  /** The GPUBuffer. */
  readonly buffer: GPUBuffer;
  /** Capacity in bytes (the size class). */
  readonly bytes: number;
  /** The batch (encoder) that last referenced this buffer. */
  lastUse: number;
}

export interface Kernel {
  readonly name: string;
  readonly id: number;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** vec4<u32> slots of the parameter block the shader declares. */
  readonly paramVec4s: number;
}

/** Builds the error of a failed index check from the first bad value and its position. */
export type CheckError = (value: number, position: number) => Error;

/** Tuning of the command batching and buffer pool. */
export interface RuntimeOptions {
  /** Submit after this many dispatches even without a read (default 512). */
  maxDispatchesPerSubmit?: number;
  /** Freed buffers kept for reuse, in bytes, before the pool destroys them (default 512 MiB). */
  poolLimitBytes?: number;
  /** Submit pending work when the event loop goes idle (default true). */
  autoFlush?: boolean;
  /** Destroy the device in dispose() (set by initWebGPU, which created it). */
  destroyDeviceOnDispose?: boolean;
}

/** Counters for efficiency checks and benchmarks (monotonic; see `WebGPUBackend.stats()`). */
export interface WebGPUStats {
  /** Command buffers submitted. */
  submits: number;
  /** Compute passes dispatched. */
  dispatches: number;
  /** GPU storage and staging buffers created with `createBuffer` (pool misses). */
  buffersCreated: number;
  /** GPUBuffers destroyed (not returned to the pool). */
  buffersDestroyed: number;
  /** Compute pipelines compiled. */
  pipelines: number;
  /** Milliseconds spent creating pipelines (shader compilation; large on software Vulkan). */
  compileMs: number;
  /** Buffers read back to the CPU. */
  reads: number;
  /** Buffers written from the CPU. */
  writes: number;
  /** Chains of elementwise ops recorded as one kernel (see fusion.ts). */
  fusedChains: number;
  /** Elementwise ops inside those chains. */
  fusedOps: number;
}

/** The `webgpu` backend's memory report. */
export interface WebGPUMemoryInfo {
  /** Bytes (capacity) of buffers held by live tensors. */
  bytes: number;
  /** Buffers held by live tensors. */
  buffers: number;
  /** Bytes and buffers kept in the pool for reuse (including ones parked until the next submit). */
  pooledBytes: number;
  /** Freed buffers kept for reuse. */
  pooledBuffers: number;
  /** MAP_READ staging buffers kept for reads. */
  stagingBytes: number;
}

const profile = typeof globalThis.process !== 'undefined' && globalThis.process.env?.NN_WEBGPU_PROFILE === '1';
const ARENA_BYTES = 256 * 1024;
const SLOT_ALIGN = 256;
const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST
const STAGING_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const UNIFORM_USAGE = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ = 0x1;
const COMPUTE = 0x4; // GPUShaderStage.COMPUTE
const MAX_BIND_GROUPS = 8192;
const ERROR_BYTES = 12; // [position + 1 (0: none), value, check id]
const MAX_CHECKS = 256;
/** Workgroups per dimension (the WebGPU default limit). */
export const MAX_GROUPS = 65535;

/** The size class of a request: 64 bytes minimum, then four classes per power of two. */
export function sizeClass(bytes: number): number {
  if (bytes <= 64) return 64;
  const e = 31 - Math.clz32(bytes - 1); // 2^e < bytes <= 2^(e+1)
  const step = 2 ** Math.max(e - 2, 4);
  return Math.ceil(bytes / step) * step;
}

export class Runtime {
  readonly device: GPUDevice;
  readonly stats: WebGPUStats = {
    submits: 0,
    dispatches: 0,
    buffersCreated: 0,
    buffersDestroyed: 0,
    pipelines: 0,
    compileMs: 0,
    reads: 0,
    writes: 0,
    fusedChains: 0,
    fusedOps: 0,
  };
  private readonly maxDispatches: number;
  private readonly poolLimit: number;
  private readonly autoFlush: boolean;
  private readonly destroyDevice: boolean;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batch = 1;
  private batchDispatches = 0;
  private flushTimer = false;

  private readonly arena = new Uint32Array(ARENA_BYTES / 4);
  private arenaUsed = 0; // bytes
  private readonly arenaGpu: GPUBuffer;
  /** A small buffer bound where a kernel's optional input is absent (e.g. a matmul without bias). */
  readonly dummy: GpuBuffer;

  private nextId = 1;
  private readonly pool = new Map<number, GpuBuffer[]>();
  private readonly parked: GpuBuffer[] = [];
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  private liveBytes = 0;
  private liveBuffers = 0;
  private pooledBytes = 0;
  private pooledBuffers = 0;
  private stagingBytes = 0;

  private readonly kernels = new Map<string, Kernel>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly offsets = new Uint32Array(1);
  /** The error words of the first failed index check since they were last copied out. */
  readonly errorWords: GpuBuffer;
  /** Index checks recorded since the error words were last copied out, by id. */
  private checks = new Map<number, CheckError>();
  private nextCheck = 1;
  private harvestDue = false;
  /** Settles when every background copy of the error words (see flush) has been inspected. */
  private harvested: Promise<void> = Promise.resolve();
  /** A failure found by such a copy, thrown at the next read or sync. */
  private checkFailure: Error | null = null;
  private lostInfo: string | null = null;
  private pendingError: string | null = null;
  private disposed = false;
  private readonly lost: Promise<never>;

  constructor(device: GPUDevice, options: RuntimeOptions = {}) {
    this.device = device;
    this.maxDispatches = options.maxDispatchesPerSubmit ?? 512;
    this.poolLimit = options.poolLimitBytes ?? 512 * 1024 * 1024;
    this.autoFlush = options.autoFlush ?? true;
    this.destroyDevice = options.destroyDeviceOnDispose ?? false;
    this.arenaGpu = device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM_USAGE, label: 'nn params arena' });
    this.dummy = { id: 0, buffer: device.createBuffer({ size: 64, usage: STORAGE_USAGE, label: 'nn dummy' }), bytes: 64, lastUse: 0 };
    this.errorWords = {
      id: -1,
      buffer: device.createBuffer({ size: 16, usage: STORAGE_USAGE, label: 'nn index errors' }),
      bytes: 16,
      lastUse: 0,
    };
    this.lost = new Promise<never>((_resolve, reject) => {
      device.lost.then((info) => {
        this.lostInfo = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
        reject(this.lostError('read'));
      });
    });
    this.lost.catch(() => {}); // observed by races only
    const onError = (ev: Event): void => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      if (this.pendingError === null) this.pendingError = err?.message ?? String(err);
    };
    if (typeof device.addEventListener === 'function') device.addEventListener('uncapturederror', onError);
    else (device as { onuncapturederror: unknown }).onuncapturederror = onError;
  }

  // --- errors ------------------------------------------------------------------------------

  private lostError(op: string): BackendError {
    return new BackendError(
      `webgpu ${op}: the GPU device was lost (${this.lostInfo}); every tensor on it is gone. ` +
        'Initialize a new backend with `await initWebGPU()` and recreate the tensors.',
    );
  }

  /** Throws if the device is lost, the backend disposed, or a GPU error was reported since the last op. */
  check(op: string): void {
    if (this.disposed) throw new BackendError(`webgpu ${op}: the backend was disposed`);
    if (this.lostInfo !== null) throw this.lostError(op);
    if (this.pendingError !== null) {
      const msg = this.pendingError;
      this.pendingError = null;
      throw new BackendError(`webgpu ${op}: a previous GPU command failed: ${msg}`);
    }
  }

  // --- kernels -----------------------------------------------------------------------------

  /** The cached kernel for `key`, compiled from `source()` on first use. */
  kernel(key: string, paramVec4s: number, source: () => string): Kernel {
    let k = this.kernels.get(key);
    if (k !== undefined) return k;
    const code = source();
    const t0 = performance.now();
    // An explicit layout: the parameter block is a uniform with a dynamic offset (so bind groups
    // can be cached per set of buffers), storage bindings are read-only or read-write as declared.
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: paramVec4s * 16 } },
    ];
    for (const m of code.matchAll(/@binding\((\d+)\)\s*var<storage,\s*(read_write|read)>/g)) {
      entries.push({ binding: Number(m[1]), visibility: COMPUTE, buffer: { type: m[2] === 'read' ? 'read-only-storage' : 'storage' } });
    }
    const layout = this.device.createBindGroupLayout({ entries, label: key });
    const module = this.device.createShaderModule({ code, label: key });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
      label: key,
    });
    if (typeof module.getCompilationInfo === 'function' && globalThis.process?.env?.NN_WEBGPU_DEBUG) {
      module.getCompilationInfo().then((info) => {
        for (const m of info.messages) if (m.type === 'error') console.error(`webgpu kernel ${key}: ${m.message}\n${code}`);
      });
    }
    k = { name: key, id: this.kernels.size + 1, pipeline, layout, paramVec4s };
    this.kernels.set(key, k);
    this.stats.pipelines++;
    const ms = performance.now() - t0;
    this.stats.compileMs += ms;
    if (profile) console.log(`webgpu: compiled ${key} in ${ms.toFixed(0)} ms (${code.length} chars)`);
    return k;
  }

  // --- buffers -----------------------------------------------------------------------------

  alloc(bytes: number): GpuBuffer {
    this.check('alloc');
    const cls = sizeClass(bytes);
    if (cls > this.device.limits.maxBufferSize || cls > this.device.limits.maxStorageBufferBindingSize) {
      const max = Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
      throw new BackendError(`webgpu alloc: a buffer of ${bytes} bytes exceeds this device's limit of ${max} bytes per buffer`);
    }
    const free = this.pool.get(cls);
    let b = free !== undefined ? free.pop() : undefined;
    if (b !== undefined) {
      this.pooledBytes -= cls;
      this.pooledBuffers--;
    } else {
      const buffer = this.device.createBuffer({ size: cls, usage: STORAGE_USAGE });
      this.stats.buffersCreated++;
      b = { id: this.nextId++, buffer, bytes: cls, lastUse: 0 };
    }
    this.liveBytes += cls;
    this.liveBuffers++;
    return b;
  }

  free(b: GpuBuffer): void {
    this.liveBytes -= b.bytes;
    this.liveBuffers--;
    if (this.disposed || this.lostInfo !== null) return;
    this.pooledBytes += b.bytes;
    this.pooledBuffers++;
    if (b.lastUse === this.batch && this.encoder !== null) this.parked.push(b);
    else this.release(b);
  }

  /** Back into the pool, or destroyed when the pool is over its limit. */
  private release(b: GpuBuffer): void {
    if (this.pooledBytes > this.poolLimit) {
      this.pooledBytes -= b.bytes;
      this.pooledBuffers--;
      b.buffer.destroy();
      this.stats.buffersDestroyed++;
      this.bindGroups.clear(); // some may name the destroyed buffer
      return;
    }
    let list = this.pool.get(b.bytes);
    if (list === undefined) this.pool.set(b.bytes, (list = []));
    list.push(b);
  }

  /** Whether recorded, unsubmitted work uses b. */
  pending(b: GpuBuffer): boolean {
    return b.lastUse === this.batch && this.encoder !== null;
  }

  /** Uploads data to b at byte `offset`, after all work recorded so far that uses b. */
  write(b: GpuBuffer, data: ArrayBufferView, byteLength: number, offset = 0): void {
    this.check('write');
    if (byteLength === 0) return;
    // The queue runs writeBuffer before the unsubmitted encoder: submit work that uses b first.
    if (this.pending(b)) this.flush();
    this.device.queue.writeBuffer(b.buffer, offset, data.buffer as ArrayBuffer, data.byteOffset, byteLength);
    this.stats.writes++;
  }

  /**
   * The first `byteLength` bytes of b, after all work recorded so far. Throws the error of the
   * first index check that failed before it (its error words share the staging buffer).
   */
  async read(b: GpuBuffer, byteLength: number, op = 'read'): Promise<ArrayBuffer> {
    this.check(op);
    const withChecks = this.checks.size > 0;
    if (byteLength === 0 && !withChecks) return new ArrayBuffer(0);
    const total = byteLength + (withChecks ? ERROR_BYTES : 0);
    const staging = this.takeStaging(total);
    const enc = this.openEncoder();
    this.endPass();
    if (byteLength > 0) {
      enc.copyBufferToBuffer(b.buffer, 0, staging, 0, byteLength);
      b.lastUse = this.batch;
    }
    const checks = withChecks ? this.copyErrorWords(enc, staging, byteLength) : null;
    this.flush();
    this.stats.reads++;
    try {
      await Promise.race([staging.mapAsync(MAP_READ, 0, total), this.lost]);
    } catch (e) {
      if (this.lostInfo !== null) throw this.lostError(op);
      throw new BackendError(`webgpu ${op}: mapping the staging buffer failed: ${(e as Error).message ?? e}`);
    }
    const mapped = staging.getMappedRange(0, total);
    const out = mapped.slice(0, byteLength);
    const failure = checks !== null ? this.failure(new Uint32Array(mapped, byteLength, 3), checks) : null;
    this.returnStaging(staging);
    this.check(op);
    await this.throwCheckFailure(failure);
    return out;
  }

  private takeStaging(bytes: number): GPUBuffer {
    const cls = sizeClass(bytes);
    const staging = this.stagingPool.get(cls)?.pop();
    if (staging !== undefined) {
      this.stagingBytes -= cls;
      return staging;
    }
    this.stats.buffersCreated++;
    return this.device.createBuffer({ size: cls, usage: STAGING_USAGE });
  }

  private returnStaging(staging: GPUBuffer): void {
    staging.unmap();
    let back = this.stagingPool.get(staging.size);
    if (back === undefined) this.stagingPool.set(staging.size, (back = []));
    back.push(staging);
    this.stagingBytes += staging.size;
  }

  // --- index checks ------------------------------------------------------------------------

  /**
   * Records an index check: `record(id)` dispatches its kernel, which writes `id` to the error
   * words if it fails; the next read or sync then throws `error`.
   */
  addCheck(error: CheckError, record: (id: number) => void): void {
    const id = this.nextCheck;
    this.nextCheck = id >= 0x7fffffff ? 1 : id + 1;
    record(id); // registered after: a flush inside dispatch comes before the kernel (see dispatch)
    this.checks.set(id, error);
    if (this.checks.size >= MAX_CHECKS) this.harvestDue = true;
  }

  /** Records a copy of the error words to staging at `offset`, then clears them; returns the checks they cover. */
  private copyErrorWords(enc: GPUCommandEncoder, staging: GPUBuffer, offset: number): Map<number, CheckError> {
    enc.copyBufferToBuffer(this.errorWords.buffer, 0, staging, offset, ERROR_BYTES);
    enc.clearBuffer(this.errorWords.buffer, 0, 16);
    const checks = this.checks;
    this.checks = new Map();
    this.harvestDue = false;
    return checks;
  }

  /** The error of the failed check the copied error words name, if any. */
  private failure(words: Uint32Array, checks: Map<number, CheckError>): Error | null {
    if (words[0] === 0) return null;
    const error = checks.get(words[2]);
    if (error === undefined) return new BackendError(`webgpu: index check ${words[2]} failed but was not recorded (a bug in the runtime)`);
    return error(words[1] | 0, words[0] - 1);
  }

  /** Throws the earliest failure: one found by a background copy, else `failure`. */
  private async throwCheckFailure(failure: Error | null): Promise<void> {
    await this.harvested;
    const e = this.checkFailure ?? failure;
    this.checkFailure = null;
    if (e !== null) throw e;
  }

  /** Maps a background copy of the error words once its submit is done and keeps the failure it shows. */
  private inspect(staging: GPUBuffer, checks: Map<number, CheckError>): void {
    const done = staging.mapAsync(MAP_READ, 0, ERROR_BYTES).then(
      () => {
        const failure = this.failure(new Uint32Array(staging.getMappedRange(0, ERROR_BYTES)), checks);
        this.checkFailure ??= failure;
        this.returnStaging(staging);
      },
      () => {}, // device lost: reads report that
    );
    this.harvested = Promise.all([this.harvested, done]).then(() => {});
  }

  memory(): WebGPUMemoryInfo {
    return {
      bytes: this.liveBytes,
      buffers: this.liveBuffers,
      pooledBytes: this.pooledBytes,
      pooledBuffers: this.pooledBuffers,
      stagingBytes: this.stagingBytes,
    };
  }

  // --- recording and submitting ------------------------------------------------------------

  /** Called when the event loop goes idle, before the submit (the backend records deferred ops). */
  onIdle: (() => void) | null = null;

  /** Submits pending work when the event loop goes idle (once per idle period). */
  armIdleFlush(): void {
    if (!this.autoFlush || this.flushTimer) return;
    this.flushTimer = true;
    setTimeout(() => {
      this.flushTimer = false;
      if (this.disposed || this.lostInfo !== null) return;
      this.onIdle?.();
      this.flush();
    }, 0);
  }

  private openEncoder(): GPUCommandEncoder {
    if (this.encoder === null) {
      this.encoder = this.device.createCommandEncoder();
      this.armIdleFlush();
    }
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass !== null) {
      this.pass.end();
      this.pass = null;
    }
  }

  /**
   * Records one dispatch of `kernel`, binding the parameter words at binding 0 and `buffers` at
   * bindings 1... With y = 0, x is a workgroup count that may exceed 65535: it becomes rows of a
   * 2-D grid and the shader computes `wid.y * nwg.x + wid.x` (and checks its bound).
   */
  dispatch(kernel: Kernel, buffers: readonly GpuBuffer[], params: ArrayLike<number>, x: number, y = 0, z = 1): void {
    if (x === 0 || z === 0) return;
    const slotBytes = Math.max(kernel.paramVec4s, 1) * 16;
    // Flushes come before recording, never after, so addCheck knows its kernel's batch.
    if (this.arenaUsed + slotBytes > ARENA_BYTES || this.batchDispatches >= this.maxDispatches) this.flush();
    const offset = this.arenaUsed;
    this.arenaUsed = offset + Math.ceil(slotBytes / SLOT_ALIGN) * SLOT_ALIGN;
    const base = offset >> 2;
    const arena = this.arena;
    for (let i = 0; i < params.length; i++) arena[base + i] = params[i];
    // Bind groups are cached per (kernel, buffers): a training loop reuses the same pooled buffers
    // step after step, so after warm-up most dispatches create no bind group.
    let bkey = `${kernel.id}`;
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i];
      bkey += `,${b.id}`;
      b.lastUse = this.batch;
    }
    let bindGroup = this.bindGroups.get(bkey);
    if (bindGroup === undefined) {
      if (this.bindGroups.size >= MAX_BIND_GROUPS) this.bindGroups.clear();
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arenaGpu, offset: 0, size: slotBytes } }];
      for (let i = 0; i < buffers.length; i++) entries.push({ binding: i + 1, resource: { buffer: buffers[i].buffer } });
      bindGroup = this.device.createBindGroup({ layout: kernel.layout, entries });
      this.bindGroups.set(bkey, bindGroup);
    }
    this.openEncoder();
    if (this.pass === null) this.pass = this.encoder!.beginComputePass();
    const pass = this.pass;
    pass.setPipeline(kernel.pipeline);
    this.offsets[0] = offset;
    pass.setBindGroup(0, bindGroup, this.offsets, 0, 1);
    if (y > 0) pass.dispatchWorkgroups(x, y, z);
    else if (x <= MAX_GROUPS) pass.dispatchWorkgroups(x, 1, z);
    else pass.dispatchWorkgroups(MAX_GROUPS, Math.ceil(x / MAX_GROUPS), z);
    this.stats.dispatches++;
    this.batchDispatches++;
  }

  /** Submits everything recorded so far (one queue.submit), then releases parked buffers. */
  flush(): void {
    if (this.encoder === null) return;
    this.endPass();
    // Many checks without a read: their error words ride on this submit, inspected in the background.
    let harvest: [GPUBuffer, Map<number, CheckError>] | null = null;
    if (this.harvestDue && this.checks.size > 0) {
      const staging = this.takeStaging(ERROR_BYTES);
      harvest = [staging, this.copyErrorWords(this.encoder, staging, 0)];
    }
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arenaGpu, 0, this.arena.buffer, 0, this.arenaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    if (harvest !== null) this.inspect(...harvest);
    this.stats.submits++;
    this.encoder = null;
    this.arenaUsed = 0;
    this.batchDispatches = 0;
    this.batch++;
    const parked = this.parked.splice(0);
    for (const b of parked) this.release(b);
  }

  /** Waits for all recorded work; throws the error of an index check that failed. */
  async sync(): Promise<void> {
    if (this.checks.size > 0) {
      await this.read(this.dummy, 0, 'sync'); // reads just the error words
      return;
    }
    this.check('sync');
    this.flush();
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.lost]);
    this.check('sync');
    await this.throwCheckFailure(null);
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.lostInfo === null) this.flush();
    this.disposed = true;
    for (const list of this.pool.values()) for (const b of list) b.buffer.destroy();
    for (const list of this.stagingPool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.stagingPool.clear();
    this.bindGroups.clear();
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
    this.stagingBytes = 0;
    this.arenaGpu.destroy();
    this.dummy.buffer.destroy();
    this.errorWords.buffer.destroy();
    if (this.destroyDevice) this.device.destroy();
  }
}
