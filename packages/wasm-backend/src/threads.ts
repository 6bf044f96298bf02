/**
 * Compute threads: workers (worker_threads in Node, Web Workers in browsers) that share the
 * backend's WebAssembly.Memory and run kernels on request. The owning thread splits a large call,
 * offers one part to each worker through its control block (a few words of shared memory, no
 * message passing), runs its own part, then takes back any part no worker has started (a worker
 * slow to wake) and waits for the rest. Kernels stay synchronous, so nothing is ever pending
 * between calls. Synchronization is JavaScript's Atomics on the shared buffer: the kernels
 * themselves need no atomic instructions, so both .wasm builds come from one source.
 */
import { BackendError } from '@nn/tensor';
import { WORKER_SOURCE } from './worker-source.js';

/** Kernels a worker can run, by index. */
export const KERNELS = [
  'ew1',
  'ew2',
  'ew3',
  'flat1',
  'flat2',
  'transpose32',
  'reduce',
  'gemm',
  'bgemm',
  'gather',
  'random',
  'adam',
  'sgd',
  'poolArgmax',
  'scatterAdd',
  'fill',
  'linearGrad',
  'crossEntropyRows',
  'crossEntropyGrad',
] as const;
export type KernelName = (typeof KERNELS)[number];

/** Bytes of one worker's control block. */
export const CONTROL_BYTES = 256;
const MAX_ARGS = 24;
/** Where in a control block a worker leaves the (ASCII, truncated) message of a kernel that failed. */
const ERROR_AT = 32 + MAX_ARGS * 8;
/**
 * Microseconds a thread spins before it blocks: the owner waiting for a worker, and a worker
 * waiting for its next job. Short, so that a spinning thread never takes a core from a thread
 * (ours or another process's) that has work.
 */
const SPIN_US = 50;

interface WorkerLike {
  postMessage(msg: unknown): void;
  terminate(): unknown;
}

type BuiltinLoader = (id: string) => unknown;

/** Node's built-in module loader (process.getBuiltinModule), or null outside Node. */
export function nodeBuiltins(): BuiltinLoader | null {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: BuiltinLoader } }).process;
  if (p?.versions?.node === undefined || typeof p.getBuiltinModule !== 'function') return null;
  return p.getBuiltinModule.bind(p);
}

/** Why threads cannot run here, or null if they can. */
export function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is unavailable';
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with COOP/COEP headers)';
  }
  if (nodeBuiltins() === null && typeof (globalThis as { Worker?: unknown }).Worker !== 'function') return 'no Worker';
  return null;
}

function spawn(): { worker: WorkerLike; onMessage(f: (m: { type: string; message?: string }) => void): void; unref(): void } {
  const builtins = nodeBuiltins();
  if (builtins !== null) {
    const { Worker } = builtins('node:worker_threads') as typeof import('node:worker_threads');
    // execArgv: [] keeps the parent's flags (--input-type, --import loaders) out of the worker.
    const w = new Worker(WORKER_SOURCE, { eval: true, name: 'nn-wasm', execArgv: [] });
    return {
      worker: w,
      onMessage: (f) => {
        w.on('message', f);
        w.on('error', (e: Error) => f({ type: 'error', message: e.message }));
      },
      unref: () => w.unref(),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url, { name: 'nn-wasm' });
  URL.revokeObjectURL(url);
  return {
    worker: w,
    onMessage: (f) => {
      w.onmessage = (e: MessageEvent) => f(e.data);
      w.onerror = (e: ErrorEvent) => f({ type: 'error', message: e.message });
    },
    unref: () => {},
  };
}

interface Control {
  i32: Int32Array;
  f64: Float64Array;
  error: Uint8Array;
}

/** The error for a kernel call that failed (a trap, e.g. unreachable or out of bounds), naming it and its arguments. */
export function kernelError(kernel: string, args: readonly number[], where: string, why: string): BackendError {
  return new BackendError(`wasm backend: kernel ${kernel}(${args.join(', ')}) failed ${where}: ${why}`);
}

export class Pool {
  private seq = 0;
  private disposed = false;
  /** Parts offered to workers, and parts the owner took back because no worker had started them. */
  readonly stats = { posted: 0, takenBack: 0 };
  /** Per worker: the number, kernel and arguments of its last posted job (arrays, not an object per job). */
  private readonly postedJob: number[] = [];
  private readonly postedKernel: KernelName[] = [];
  private readonly postedArgs: (readonly number[])[] = [];
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  private readonly canBlock = nodeBuiltins() !== null;

  private constructor(
    private readonly workers: WorkerLike[],
    private readonly controls: Control[],
  ) {}

  /** Workers (threads besides the owner). */
  get size(): number {
    return this.workers.length;
  }

  static async start(n: number, module: WebAssembly.Module, memory: WebAssembly.Memory, ctlPtrs: number[]): Promise<Pool> {
    const workers: WorkerLike[] = [];
    const controls: Control[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const ctl = ctlPtrs[i];
        const s = spawn();
        workers.push(s.worker);
        const ready = new Promise<void>((resolve, reject) => {
          s.onMessage((m) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'error') reject(new BackendError(`wasm backend: worker thread ${i + 1} failed to start: ${m.message}`));
          });
        });
        s.worker.postMessage({
          module,
          memory,
          ctl,
          names: KERNELS,
          spinUs: SPIN_US,
          errorAt: ERROR_AT,
          errorBytes: CONTROL_BYTES - ERROR_AT,
        });
        await ready;
        s.unref();
        controls.push({
          i32: new Int32Array(memory.buffer, ctl, 8),
          f64: new Float64Array(memory.buffer, ctl + 32, MAX_ARGS),
          error: new Uint8Array(memory.buffer, ctl + ERROR_AT, CONTROL_BYTES - ERROR_AT),
        });
      }
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new Pool(workers, controls);
  }

  /**
   * Offers `kernel(...args)` to worker w (whose previous job is finished or taken back). `args`
   * must stay unchanged until wait(w) returns.
   */
  post(w: number, kernel: KernelName, args: readonly number[]): void {
    const id = KERNELS.indexOf(kernel);
    if (this.disposed) throw new BackendError(`wasm backend: ${kernel} used after dispose()`);
    if (id < 0) throw new BackendError(`wasm backend: no kernel named ${kernel} (workers run ${KERNELS.join(', ')})`);
    if (args.length > MAX_ARGS)
      throw new BackendError(`wasm backend: ${kernel} got ${args.length} arguments; workers take at most ${MAX_ARGS}`);
    this.send(w, id, args);
    this.postedJob[w] = this.seq;
    this.postedKernel[w] = kernel;
    this.postedArgs[w] = args;
    this.stats.posted++;
  }

  private send(w: number, id: number, args: readonly number[]): void {
    const c = this.controls[w];
    for (let i = 0; i < args.length; i++) c.f64[i] = args[i];
    c.i32[2] = id;
    c.i32[3] = args.length;
    const job = ++this.seq;
    Atomics.store(c.i32, 5, job); // the claim word first: a woken worker must find the job
    Atomics.store(c.i32, 0, job);
    Atomics.notify(c.i32, 0);
  }

  /**
   * Completes worker w's last job: runs it here with `runHere` if the worker has not started it
   * yet, otherwise waits for the worker to finish it.
   */
  wait(w: number, runHere: (kernel: KernelName, args: readonly number[]) => void): void {
    const c = this.controls[w];
    const job = this.postedJob[w];
    const kernel = this.postedKernel[w];
    const args = this.postedArgs[w];
    if (Atomics.compareExchange(c.i32, 5, job, 0) === job) {
      this.stats.takenBack++;
      runHere(kernel, args);
      return;
    }
    let spins = 0;
    let t0 = 0;
    for (let done = Atomics.load(c.i32, 1); done !== job; done = Atomics.load(c.i32, 1)) {
      // The clock is read every 1024 spins (a few microseconds): each reading is a new heap number.
      if (!this.canBlock || (++spins & 1023) !== 0) continue;
      const now = performance.now();
      if (t0 === 0) t0 = now;
      else if (now - t0 > SPIN_US / 1000) Atomics.wait(c.i32, 1, done, 10);
    }
    if (c.i32[4] !== 0) {
      c.i32[4] = 0;
      const end = c.error.indexOf(0);
      const why = String.fromCharCode(...c.error.subarray(0, end < 0 ? c.error.length : end));
      throw kernelError(kernel, args, `in worker thread ${w + 1}`, why);
    }
  }

  /** Stops every worker (they are also unref'd, so they never keep Node alive). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (let w = 0; w < this.workers.length; w++) {
      this.send(w, -1, []);
      this.workers[w].terminate();
    }
  }
}
