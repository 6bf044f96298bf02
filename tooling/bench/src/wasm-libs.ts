/**
 * The WebAssembly comparison libraries and @nn's wasm backends for the wasm benchmark
 * (wasm.ts): tfjs-core with @tensorflow/tfjs-backend-wasm, jax-js's wasm device (via libs.ts),
 * and @nn/wasm-backend with one and with two threads, registered under their own names so every
 * workload can run on each of them in one process.
 */
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { registerBackend } from '@nn/tensor';
import { type WasmBackend, createWasmBackend } from '@nn/wasm-backend';
import type { Loaded, Tf } from './libs.js';

let tfWasmPromise: Promise<Loaded<Tf>> | null = null;

/** tfjs-core with the wasm backend selected (SIMD build; threads when tfjs detects support). */
export function loadTfWasm(): Promise<Loaded<Tf>> {
  tfWasmPromise ??= (async (): Promise<Loaded<Tf>> => {
    try {
      const tf = await import('@tensorflow/tfjs-core');
      const tfw = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the backend reads its .wasm files from disk: point it at the package's dist/.
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      tfw.setWasmPaths(`${dist}/`);
      const ok = await tf.setBackend('wasm');
      if (!ok) return { ok: false, reason: "tf.setBackend('wasm') returned false" };
      await tf.ready();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      const threads = mt ? `multithreaded (${tfw.getThreadsCount()} threads)` : 'single-threaded';
      return { ok: true, lib: tf, note: `tfjs-core ${tf.version_core} + tfjs-backend-wasm ${tfw.version_wasm}, ${simd ? 'SIMD' : 'no SIMD'}, ${threads}` };
    } catch (e) {
      return { ok: false, reason: `failed to load: ${(e as Error).message}` };
    }
  })();
  return tfWasmPromise;
}

export interface NnWasm {
  /** Backend names registered for the benchmark, with their thread counts. */
  one: WasmBackend;
  two: WasmBackend | null;
  notes: string[];
}

let nnWasm: Promise<NnWasm> | null = null;

/** @nn's wasm backend twice: 'wasm' (one thread) and 'wasm-2t' (two threads, when possible). */
export function loadNnWasm(): Promise<NnWasm> {
  nnWasm ??= (async () => {
    const notes: string[] = [];
    const one = await createWasmBackend({ threads: 1, name: 'wasm' });
    registerBackend(one);
    let two: WasmBackend | null = await createWasmBackend({ threads: 2, name: 'wasm-2t' });
    if (two.threads < 2) {
      notes.push('@nn wasm: two threads unavailable here, the 2-thread rows are skipped');
      two.dispose();
      two = null;
    } else registerBackend(two);
    return { one, two, notes };
  })();
  return nnWasm;
}
