/**
 * Backends inside the worker: cpu always; wasm (two threads when the page is cross-origin
 * isolated, so SharedArrayBuffer exists); WebGPU through the worker's navigator.gpu. Each probe's
 * failure becomes the reason the page shows next to the disabled choice.
 */
import { initWasm } from '@nn/wasm-backend';
import { initWebGPU } from '@nn/webgpu-backend';
import type { BackendName } from '../config.js';
import type { BackendStatus } from '../protocol.js';

async function probe(name: Exclude<BackendName, 'cpu'>): Promise<BackendStatus> {
  try {
    if (name === 'wasm') {
      const be = await initWasm();
      const threads = be.threads;
      const why =
        threads > 1 ? '' : (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ? '' : ', page not cross-origin isolated';
      return { ok: true, detail: `${threads} thread${threads > 1 ? 's' : ''}${why}` };
    }
    await initWebGPU();
    return { ok: true, detail: 'navigator.gpu adapter' };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

/** Initializes every backend once; resolves with what is available and why not. */
export async function initBackends(): Promise<Record<BackendName, BackendStatus>> {
  const [wasm, webgpu] = await Promise.all([probe('wasm'), probe('webgpu')]);
  return { cpu: { ok: true, detail: 'always available' }, wasm, webgpu };
}
