/**
 * Loading the libraries compared against, once per process. Each loader resolves to the module or
 * to a reason it is unavailable, so a missing or broken library skips its columns instead of
 * crashing the benchmark.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as Jax from '@jax-js/jax';

export type Tf = typeof TfCore;
export type JaxModule = typeof Jax;
export type Loaded<T> = { ok: true; lib: T; note: string } | { ok: false; reason: string };

let tfPromise: Promise<Loaded<Tf>> | null = null;
let jaxPromise: Promise<Loaded<JaxModule>> | null = null;

/** @tensorflow/tfjs-core with the pure-JS cpu backend (tfjs-backend-cpu) selected. */
export function loadTf(): Promise<Loaded<Tf>> {
  tfPromise ??= (async (): Promise<Loaded<Tf>> => {
    try {
      const tf = await import('@tensorflow/tfjs-core');
      await import('@tensorflow/tfjs-backend-cpu');
      const ok = await tf.setBackend('cpu');
      if (!ok) return { ok: false, reason: "tf.setBackend('cpu') returned false" };
      await tf.ready();
      // The cpu backend's first write warns "install our node backend" (tfjs-node, native code):
      // the comparison here is deliberately pure JS, so the notice is silenced.
      const warn = console.warn;
      console.warn = () => {};
      try {
        tf.dispose(tf.scalar(0));
      } finally {
        console.warn = warn;
      }
      return { ok: true, lib: tf, note: `tfjs-core ${tf.version_core}, backend ${tf.getBackend()}` };
    } catch (e) {
      return { ok: false, reason: `failed to load: ${(e as Error).message}` };
    }
  })();
  return tfPromise;
}

/**
 * @jax-js/jax on its WebAssembly device. `init()` with no arguments probes WebGPU through the
 * global `navigator`, which Node 20 lacks (ReferenceError), so only 'wasm' is initialized. Node 20
 * has no global Web `Worker` either, so jax-js's wasm backend runs single-threaded here.
 */
export function loadJax(): Promise<Loaded<JaxModule>> {
  jaxPromise ??= (async (): Promise<Loaded<JaxModule>> => {
    if (typeof WebAssembly === 'undefined') return { ok: false, reason: 'no WebAssembly in this runtime' };
    try {
      const jax = await import('@jax-js/jax');
      const devices = await jax.init('wasm');
      if (!devices.includes('wasm')) return { ok: false, reason: `wasm device unavailable (devices: ${devices.join(', ')})` };
      jax.defaultDevice('wasm');
      // Smoke test: a tiny product must come back right, or the columns are meaningless.
      const r = jax.numpy.matmul(jax.numpy.ones([2, 3]), jax.numpy.ones([3, 2])).dataSync();
      if (r[0] !== 3) return { ok: false, reason: `smoke test gave ${r[0]} instead of 3` };
      const threads =
        typeof (globalThis as { Worker?: unknown }).Worker === 'undefined' ? 'single-threaded (no global Worker)' : 'worker pool';
      return { ok: true, lib: jax, note: `@jax-js/jax 0.1.25, device wasm, ${threads}` };
    } catch (e) {
      return { ok: false, reason: `failed to run in Node: ${(e as Error).message}` };
    }
  })();
  return jaxPromise;
}
