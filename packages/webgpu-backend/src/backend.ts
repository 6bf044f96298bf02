/**
 * The WebGPU backend: the contract's storage and primitive table over a GPUDevice.
 *
 * Storage: every dtype takes one 32-bit word per element (bool is a u32 that is 0 or 1), so
 * moves (copy, copyInto, where, gather) are dtype-agnostic. float64 is not supported (not in
 * `dtypes`). There is no `readSync`: reading waits for the GPU (`await t.data()`). Index
 * arguments are validated on the device (`checkIndices`); a bad one throws at the next read or sync.
 */
/// <reference types="@webgpu/types" />
import { type Backend, BackendError, type DataArray, type DType, type UnaryOp } from '@nn/tensor';
import {
  type BinaryOp,
  contiguousStrides,
  type FusedActivation,
  type FusedRoutines,
  type Primitives,
  type RandomKind,
  type ReduceOp,
} from '@nn/tensor/backend';
import { type GView, sizeOf, WORD } from './kernels/common.js';
import * as kew from './kernels/elementwise.js';
import { fill, iota, random } from './kernels/fill.js';
import { checkIndices, gather, scatterAdd } from './kernels/indexing.js';
import { checkMatmul, linear, matmul, matmulTransposed, type Tiling } from './kernels/matmul.js';
import { Fuser, snapshot } from './fusion.js';
import { adam, adamGroup, sgd } from './kernels/optim.js';
import { reduce } from './kernels/reduce.js';
import { argsort } from './kernels/sort.js';
import { type GpuBuffer, Runtime, type RuntimeOptions, type WebGPUMemoryInfo, type WebGPUStats } from './runtime.js';

export type { GpuBuffer } from './runtime.js';

/** The `webgpu` backend: the backend contract on a GPUDevice, plus statistics and explicit flushing. */
export interface WebGPUBackend extends Backend<GpuBuffer> {
  /** The GPUDevice the kernels run on. */
  readonly device: GPUDevice;
  /** Live and pooled bytes and buffers. */
  memory(): WebGPUMemoryInfo;
  /** Counters: submits, dispatches, buffers created, pipelines, reads, writes. */
  stats(): WebGPUStats;
  /** Submits recorded work now (normally automatic). */
  flush(): void;
  sync(): Promise<void>;
  dispose(): void;
}

/** Options of {@link createWebGPUBackend}. */
export interface WebGPUBackendOptions extends RuntimeOptions {
  /** The name the backend registers under (default 'webgpu'). */
  name?: string;
  /**
   * Matrix products: the shared-memory tiled kernel for products above 64^3 ('auto', default),
   * or always / never (for tests and benchmarks).
   */
  matmulTiling?: Tiling;
  /**
   * Chains of elementwise ops recorded as one kernel each (default true; see fusion.ts). Off:
   * one dispatch per op (for tests and benchmarks).
   */
  fuseElementwise?: boolean;
}

const SUPPORTED: readonly DType[] = ['float32', 'int32', 'bool'];

function checkDType(op: string, dtype: DType): void {
  if (!SUPPORTED.includes(dtype)) {
    throw new BackendError(
      `webgpu ${op}: dtype ${dtype} is not supported on WebGPU (float32, int32 and bool are); use the cpu backend for ${dtype}`,
    );
  }
}

/** What the three parts of the backend share: the runtime, the fuser and the checks. */
interface Ctx {
  rt: Runtime;
  fuser: Fuser;
  tiling: Tiling;
  maxBindings: number;
  /** Checks the backend is live and the views' dtypes (deferred ops: nothing else to order). */
  ew(name: string, ...views: GView[]): void;
  /**
   * As `ew`, then records the deferred ops that use these buffers (and those before them), so work
   * on every buffer runs in program order. `views` must name every buffer the primitive uses.
   */
  op(name: string, ...views: GView[]): void;
}

/** A backend over an existing device (initWebGPU creates the device and registers the result). */
export function createWebGPUBackend(device: GPUDevice, options: WebGPUBackendOptions = {}): WebGPUBackend {
  const rt = new Runtime(device, options);
  const maxBindings = Math.min(device.limits.maxStorageBuffersPerShaderStage ?? 8, 16);
  const fuser = new Fuser(rt, maxBindings, options.fuseElementwise ?? true);
  const ew = (name: string, ...views: GView[]): void => {
    rt.check(name);
    for (const v of views) checkDType(name, v.dtype);
  };
  const ctx: Ctx = {
    rt,
    fuser,
    tiling: options.matmulTiling ?? 'auto',
    maxBindings,
    ew,
    op: (name, ...views) => {
      ew(name, ...views);
      fuser.flushFor(views);
    },
  };
  return {
    name: options.name ?? 'webgpu',
    dtypes: SUPPORTED,
    device,
    // A kernel binds each buffer whole, so the binding limit caps a tensor too (bool is stored in
    // 32-bit words: the runtime's own alloc check catches the rare bool tensor near the limit).
    maxBufferBytes: Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize),
    ...storage(ctx),
    ...primitives(ctx),
    fused: fusedRoutines(ctx),
  };
}

type Storage = Pick<
  WebGPUBackend,
  'alloc' | 'write' | 'read' | 'free' | 'memory' | 'stats' | 'flush' | 'sync' | 'dispose' | 'checkIndices'
>;

/** Buffers, reads and writes, and the device's lifetime. */
function storage({ rt, fuser, op }: Ctx): Storage {
  return {
    alloc(size: number, dtype: DType): GpuBuffer {
      checkDType('alloc', dtype);
      return rt.alloc(Math.max(size, 1) * WORD);
    },
    write(buffer: GpuBuffer, data: DataArray): void {
      if (data instanceof Float64Array) throw new BackendError('webgpu write: float64 data is not supported');
      const words = data instanceof Uint8Array ? Uint32Array.from(data, (v) => (v !== 0 ? 1 : 0)) : data;
      if (fuser.uses(buffer)) fuser.flush(); // a fresh buffer (a constant) keeps the chain open
      rt.write(buffer, words, data.length * WORD);
    },
    async read(buffer: GpuBuffer, dtype: DType, size: number): Promise<DataArray> {
      checkDType('read', dtype);
      fuser.flush();
      const bytes = await rt.read(buffer, size * WORD);
      if (dtype === 'float32') return new Float32Array(bytes);
      if (dtype === 'int32') return new Int32Array(bytes);
      return Uint8Array.from(new Uint32Array(bytes));
    },
    free(buffer: GpuBuffer): void {
      fuser.free(buffer);
    },
    memory: () => {
      fuser.flush(); // buffers freed while deferred ops used them go back to the pool
      return rt.memory();
    },
    stats: () => {
      fuser.flush();
      return { ...rt.stats };
    },
    flush: () => {
      fuser.flush();
      rt.flush();
    },
    sync: () => {
      fuser.flush();
      return rt.sync();
    },
    dispose: () => {
      fuser.flush();
      rt.dispose();
    },
    checkIndices(indices: GView, bound: number, ignore: number | null, error: (value: number, position: number) => Error): void {
      op('checkIndices', indices);
      if (indices.dtype !== 'int32') throw new BackendError(`webgpu checkIndices: indices must be int32, got ${indices.dtype}`);
      if (sizeOf(indices.shape) > 0) rt.addCheck(error, (id) => checkIndices(rt, indices, bound, ignore, id));
    },
  };
}

/** The contract's primitives: elementwise ones are deferred into the fuser, the rest recorded in order. */
function primitives({ rt, fuser, tiling, ew, op }: Ctx): Primitives<GpuBuffer> {
  const sink = fuser.sink;
  return {
    unary(o: UnaryOp, x: GView, out: GView): void {
      ew(o, x, out);
      kew.unary(sink, o, x, out);
    },
    binary(o: BinaryOp, a: GView, b: GView, out: GView): void {
      ew(o, a, b, out);
      kew.binary(sink, o, a, b, out);
    },
    where(cond: GView, a: GView, b: GView, out: GView): void {
      ew('where', cond, a, b, out);
      kew.where(sink, cond, a, b, out);
    },
    reduce(o: ReduceOp, x: GView, axes: readonly number[], out: GView): void {
      op(o, x, out);
      reduce(rt, o, x, axes, out);
    },
    matmul(a: GView, b: GView, out: GView): void {
      ew('matmul', a, b, out);
      checkMatmul(out, a.shape[1], b.shape[2]);
      const [sa, sb, so] = [snapshot(a), snapshot(b), snapshot(out)];
      fuser.product({
        reads: [sa, sb],
        out: so,
        epilogue: sa.shape[0] === 1,
        record: (epi) => matmul(rt, sa, sb, so, tiling, epi),
        recordTransposed: sa.shape[0] === 1 ? (dst) => matmulTransposed(rt, sa, sb, dst, tiling) : undefined,
      });
    },
    copy(src: GView, out: GView): void {
      ew('copy', src, out);
      kew.copy(sink, src, out);
    },
    copyInto(dst: GView, src: GView): void {
      ew('copyInto', dst, src);
      if (sizeOf(dst.shape) === 0) return;
      if (dst.buffer === src.buffer) {
        // One buffer cannot be bound for reading and writing in one dispatch: stage src.
        const tmp = rt.alloc(Math.max(sizeOf(src.shape), 1) * WORD);
        const contiguous = contiguousStrides(src.shape);
        const staged: GView = { buffer: tmp, dtype: src.dtype, shape: src.shape, strides: contiguous, offset: 0 };
        kew.copy(sink, src, staged);
        kew.copy(sink, staged, dst);
        fuser.free(tmp);
        return;
      }
      kew.copy(sink, src, dst);
    },
    gather(x: GView, indices: GView, axis: number, out: GView): void {
      op('gather', x, indices, out);
      gather(rt, x, indices, axis, out);
    },
    scatterAdd(x: GView, indices: GView, updates: GView, axis: number, out: GView): void {
      op('scatterAdd', x, indices, updates, out);
      scatterAdd(rt, x, indices, updates, axis, out);
    },
    argsort(x: GView, axis: number, descending: boolean, out: GView): void {
      op('argsort', x, out);
      argsort(rt, x, axis, descending, out);
    },
    cast(x: GView, out: GView): void {
      ew('cast', x, out);
      kew.cast(sink, x, out);
    },
    fill(out: GView, value: number): void {
      ew('fill', out);
      // Independent of the deferred ops unless they use out: a fill (often an upload) may go first.
      if (fuser.uses(out.buffer)) fuser.flush();
      fill(rt, out, value);
    },
    iota(out: GView, start: number, step: number): void {
      op('iota', out);
      iota(rt, out, start, step);
    },
    random(kind: RandomKind, key: readonly [number, number], counter: number, out: GView): void {
      op('random', out);
      random(rt, kind, key, counter, out);
    },
  };
}

/** Fused routines: linear with its epilogue, Adam (grouped across parameters) and SGD. */
function fusedRoutines({ rt, fuser, tiling, maxBindings, ew, op }: Ctx): FusedRoutines<GpuBuffer> {
  return {
    linear(x: GView, w: GView, bias: GView | null, act: FusedActivation, out: GView): void {
      ew('linear', x, w, out);
      if (bias !== null) checkDType('linear', bias.dtype);
      if (x.shape[0] === 0 || w.shape[0] === 0) return;
      checkMatmul(out, x.shape[0], w.shape[0]);
      const [sx, sw, so] = [snapshot(x), snapshot(w), snapshot(out)];
      const sbias = bias === null ? null : snapshot(bias);
      fuser.product({
        reads: sbias === null ? [sx, sw] : [sx, sw, sbias],
        out: so,
        epilogue: true,
        record: (epi) => linear(rt, sx, sw, sbias, act, so, tiling, epi),
      });
    },
    adam(param, grad, expAvg, expAvgSq, maxExpAvgSq, opts): void {
      if (maxExpAvgSq !== null) {
        op('adam', param, grad, expAvg, expAvgSq, maxExpAvgSq);
        floatOnly('adam', param);
        adam(rt, param, grad, expAvg, expAvgSq, maxExpAvgSq, opts);
        return;
      }
      ew('adam', param, grad, expAvg, expAvgSq);
      floatOnly('adam', param);
      if (sizeOf(param.shape) === 0) return;
      // Deferred: the updates of one optimizer step (same options) share dispatches (fusion.ts).
      const item = { param: snapshot(param), grad: snapshot(grad), expAvg: snapshot(expAvg), expAvgSq: snapshot(expAvgSq) };
      const o = { ...opts };
      fuser.update({
        key: `adam|${JSON.stringify(o)}`,
        item,
        reads: [item.grad],
        writes: [item.param, item.expAvg, item.expAvgSq],
        maxGroup: Math.min(4, Math.floor(maxBindings / 4)),
        recordGroup: (items) => {
          if (items.length === 1) adam(rt, items[0].param, items[0].grad, items[0].expAvg, items[0].expAvgSq, null, o);
          else adamGroup(rt, items, o);
        },
      });
    },
    sgd(param, grad, momentumBuf, opts): void {
      op('sgd', param, grad, ...(momentumBuf !== null ? [momentumBuf] : []));
      floatOnly('sgd', param);
      sgd(rt, param, grad, momentumBuf, opts);
    },
  };
}

function floatOnly(op: string, v: GView): void {
  if (v.dtype !== 'float32') throw new BackendError(`webgpu ${op}: parameters must be float32, got ${v.dtype}`);
}
