/**
 * @nn/wasm-backend: the 'wasm' backend for @nn. AssemblyScript kernels with 128-bit SIMD, one
 * allocator over linear memory, and (where SharedArrayBuffer is available) worker threads that
 * share that memory and split large calls.
 *
 *   import { initWasm } from '@nn/wasm-backend';
 *   await initWasm();          // creates and registers the backend named 'wasm'
 *   setBackend('wasm');
 */
import { BackendError, ValueRangeError, registerBackend } from '@nn/tensor';
import { type WasmBackend, createBackend } from './backend.js';
import { DEFAULT_THRESHOLDS, type Kernels, type SplitThresholds } from './kernels.js';
import { Heap } from './heap.js';
import { CONTROL_BYTES, Pool, nodeBuiltins, threadsUnavailable } from './threads.js';
import {
  type Build,
  FILE,
  type KernelSource,
  type KernelSources,
  SOURCE_OPTIONS,
  compileKernels,
  kernelSource,
  noSource,
  relaxedSimdSupported,
} from './wasm-files.js';

export type { WasmBackend } from './backend.js';
export type { SplitThresholds } from './kernels.js';
export type { WasmBuffer } from './heap.js';
export type { KernelSources } from './wasm-files.js';

export interface WasmOptions extends KernelSources {
  /**
   * Threads computing, the calling one included (default: 2, or 1 on a single core). More than 1
   * needs SharedArrayBuffer (browsers: a cross-origin isolated page); without it the backend runs
   * on one thread and says so once.
   */
  threads?: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-add in matmul: faster, and products may differ from
   * the plain build within float32 rounding). Default: where the engine has relaxed SIMD
   * (Chromium 114+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd) and its file can be
   * found; `true` requires it, `false` never uses it.
   */
  relaxedSimd?: boolean;
}

export interface CreateWasmOptions extends WasmOptions {
  /** Backend name (default 'wasm'). */
  name?: string;
  /** Largest memory in 64 KiB pages, 32..65536 (default 32768: 2 GiB). */
  maxPages?: number;
  /** When a call is split across threads (for benchmarks and tests). */
  thresholds?: Partial<SplitThresholds>;
}

const INITIAL_PAGES = 32;
const WASM_OPTIONS = ['threads', ...SOURCE_OPTIONS, 'relaxedSimd'];
const CREATE_OPTIONS = [...WASM_OPTIONS, 'name', 'maxPages', 'thresholds'];
let warned = false;

/**
 * A memory that may grow to maxPages, halving the limit while the engine refuses to reserve it
 * (shared memories reserve their maximum up front; 32-bit and mobile browsers may lack 2 GiB).
 */
function createMemory(maxPages: number, shared: boolean): [WebAssembly.Memory, number] {
  for (let max = maxPages; ; max = Math.floor(max / 2)) {
    try {
      return [new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: max, shared }), max];
    } catch (e) {
      if (max / 2 < INITIAL_PAGES * 4) {
        throw new BackendError(`initWasm: could not reserve a wasm memory of ${maxPages} down to ${max} pages: ${(e as Error).message}`);
      }
    }
  }
}

function defaultThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let cores = nav?.hardwareConcurrency;
  const builtins = nodeBuiltins();
  if (builtins !== null) cores = (builtins('node:os') as typeof import('node:os')).availableParallelism();
  return Math.max(1, Math.min(2, cores ?? 1));
}

/** Creates a wasm backend without registering it (initWasm registers it as 'wasm'). */
export async function createWasmBackend(options: CreateWasmOptions = {}): Promise<WasmBackend> {
  return create(options, CREATE_OPTIONS);
}

/** A typo such as `wasmURL` would otherwise fall back to the default location silently. */
function checkKeys(options: object, valid: readonly string[]): void {
  if (typeof options !== 'object' || options === null)
    throw new ValueRangeError(`initWasm: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) throw new ValueRangeError(`initWasm: unknown option '${key}' (valid: ${valid.join(', ')})`);
  }
}

async function create(options: CreateWasmOptions, valid: readonly string[]): Promise<WasmBackend> {
  checkKeys(options, valid);
  // Every build's options are checked up front, whichever one this page ends up needing.
  const sources: Record<Build, KernelSource | null> = {
    single: kernelSource('single', options),
    threaded: kernelSource('threaded', options),
    singleRelaxed: kernelSource('singleRelaxed', options),
    threadedRelaxed: kernelSource('threadedRelaxed', options),
  };
  const relaxedAsked = options.relaxedSimd;
  if (relaxedAsked !== undefined && typeof relaxedAsked !== 'boolean') {
    throw new ValueRangeError(
      `initWasm: relaxedSimd must be true, false or left out (use it where the engine has it), got ${String(relaxedAsked)}`,
    );
  }
  if (relaxedAsked === true && !relaxedSimdSupported()) {
    throw new BackendError(
      'initWasm: relaxedSimd: true, but this engine has no relaxed SIMD (Chromium 114+ and Node 22+ have it; Node 20 needs --experimental-wasm-relaxed-simd); leave relaxedSimd out to use it only where available',
    );
  }
  let threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ValueRangeError(`initWasm: threads must be a positive integer, got ${String(options.threads)}`);
  }
  const maxPagesAsked = options.maxPages ?? 32768;
  if (!Number.isInteger(maxPagesAsked) || maxPagesAsked < INITIAL_PAGES || maxPagesAsked > 65536) {
    throw new ValueRangeError(
      `initWasm: maxPages must be an integer from ${INITIAL_PAGES} to 65536 (4 GiB), got ${String(options.maxPages)}`,
    );
  }
  const why = threads > 1 ? threadsUnavailable() : null;
  if (why !== null) {
    if (!warned) console.warn(`@nn/wasm-backend: running on one thread (${why})`);
    warned = true;
    threads = 1;
  }
  const shared = threads > 1;
  const { build, source, module } = await pickBuild(shared, relaxedAsked, sources);
  const [memory, maxPages] = createMemory(maxPagesAsked, shared);
  const instance = await instantiate(module, memory, source, build);
  const ex = instance.exports as unknown as Kernels;
  const heap = new Heap(memory, ex.heapBase(), maxPages);
  let pool: Pool | null = null;
  if (threads > 1) {
    const ctl: number[] = [];
    for (let i = 1; i < threads; i++) ctl.push(heap.alloc(CONTROL_BYTES, true).ptr);
    pool = await Pool.start(threads - 1, module, memory, ctl);
  }
  const relaxed = build === 'singleRelaxed' || build === 'threadedRelaxed';
  return createBackend(options.name ?? 'wasm', ex, heap, pool, { ...DEFAULT_THRESHOLDS, ...options.thresholds }, relaxed);
}

/**
 * The build to run and its compiled module. Unasked, relaxed SIMD is used where the engine has it
 * and its file was given or sits at its default location beside a default plain one (a page that
 * names only nn.wasm's URL gets nn.wasm); a default relaxed file that fails to load falls back to
 * the plain build, which computes the same within float32 rounding.
 */
async function pickBuild(
  shared: boolean,
  asked: boolean | undefined,
  sources: Record<Build, KernelSource | null>,
): Promise<{ build: Build; source: KernelSource; module: WebAssembly.Module }> {
  const plain: Build = shared ? 'threaded' : 'single';
  const relaxed: Build = shared ? 'threadedRelaxed' : 'singleRelaxed';
  const rs = sources[relaxed];
  if (asked === true) {
    if (rs === null) throw noSource(relaxed);
    return { build: relaxed, source: rs, module: await compileKernels(rs, relaxed) };
  }
  if (asked === undefined && rs !== null && (rs.option !== null || sources[plain]?.option === null) && relaxedSimdSupported()) {
    try {
      return { build: relaxed, source: rs, module: await compileKernels(rs, relaxed) };
    } catch (e) {
      if (rs.option !== null) throw e;
    }
  }
  const ps = sources[plain];
  if (ps === null) throw noSource(plain);
  return { build: plain, source: ps, module: await compileKernels(ps, plain) };
}

/** Instantiates a build, naming the option it came from if it is the wrong file (e.g. the builds swapped). */
async function instantiate(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  source: KernelSource,
  build: Build,
): Promise<WebAssembly.Instance> {
  const from = source.option === null ? FILE[build] : `${source.option} (${FILE[build]})`;
  const missing = ['heapBase', 'gemm', 'adam'].filter((n) => !WebAssembly.Module.exports(module).some((e) => e.name === n));
  if (missing.length > 0) throw new BackendError(`initWasm: ${from} is not @nn's kernel module (it exports no ${missing.join(', ')})`);
  try {
    return await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    throw new BackendError(
      `initWasm: ${from} does not fit the ${build === 'single' || build === 'singleRelaxed' ? 'single-thread' : 'threaded'} build (${(e as Error).message}); nn.wasm goes to wasmUrl/wasmBytes, nn-threads.wasm to threadedWasmUrl/threadedWasmBytes, nn-relaxed.wasm to relaxedWasmUrl/relaxedWasmBytes, nn-threads-relaxed.wasm to threadedRelaxedWasmUrl/threadedRelaxedWasmBytes`,
    );
  }
}

/** Creates the WebAssembly backend and registers it as 'wasm': then `setBackend('wasm')`. */
export async function initWasm(options: WasmOptions = {}): Promise<WasmBackend> {
  const backend = await create(options, WASM_OPTIONS);
  registerBackend(backend);
  return backend;
}
