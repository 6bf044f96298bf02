/**
 * The WebAssembly comparison libraries and @nn's wasm backends for the wasm benchmark
 * (wasm.ts): tfjs-core with @tensorflow/tfjs-backend-wasm, jax-js's wasm device (via libs.ts),
 * and @nn/wasm-backend with one and with two threads (plain SIMD builds; the relaxed-SIMD builds
 * under their own names), registered under their own names so every workload can run on each of
 * them in one process.
 */
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
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
      return {
        ok: true,
        lib: tf,
        note: `tfjs-core ${tf.version_core} + tfjs-backend-wasm ${tfw.version_wasm}, ${simd ? 'SIMD' : 'no SIMD'}, ${threads}`,
      };
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
    const one = await createWasmBackend({ threads: 1, name: 'wasm', relaxedSimd: false });
    registerBackend(one);
    let two: WasmBackend | null = await createWasmBackend({ threads: 2, name: 'wasm-2t', relaxedSimd: false });
    if (two.threads < 2) {
      notes.push('@nn wasm: two threads unavailable here, the 2-thread rows are skipped');
      two.dispose();
      two = null;
    } else registerBackend(two);
    return { one, two, notes };
  })();
  return nnWasm;
}

/** Whether this engine runs relaxed SIMD: a tiny module using f32x4.relaxed_madd validates. */
export function relaxedSimdHere(): boolean {
  const probe = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0, 0x0a, 0x0d, 1, 0x0b, 0, 0x20, 0, 0x20, 1,
    0x20, 2, 0xfd, 0x85, 0x02, 0x0b,
  ]);
  return WebAssembly.validate(probe);
}

let nnRelaxed: Promise<NnWasm | null> | null = null;

/**
 * @nn's relaxed-SIMD builds as 'wasm-relaxed' (one thread) and 'wasm-2t-relaxed' (two), or null
 * where the engine has no relaxed SIMD. Node 20 has it behind --experimental-wasm-relaxed-simd,
 * which is turned on here at run time (it only adds instructions; the plain builds are unchanged).
 */
export function loadNnWasmRelaxed(): Promise<NnWasm | null> {
  nnRelaxed ??= (async () => {
    const notes: string[] = [];
    if (!relaxedSimdHere()) {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      if (relaxedSimdHere()) notes.push('@nn wasm relaxed SIMD: turned on --experimental-wasm-relaxed-simd at run time (Node 20)');
    }
    if (!relaxedSimdHere()) return null;
    const one = await createWasmBackend({ threads: 1, name: 'wasm-relaxed', relaxedSimd: true });
    registerBackend(one);
    let two: WasmBackend | null = await createWasmBackend({ threads: 2, name: 'wasm-2t-relaxed', relaxedSimd: true });
    if (two.threads < 2) {
      two.dispose();
      two = null;
    } else registerBackend(two);
    return { one, two, notes };
  })();
  return nnRelaxed;
}
