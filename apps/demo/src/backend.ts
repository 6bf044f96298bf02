/**
 * `--backend cpu|wasm|webgpu`: the cpu backend is built into @nn/tensor; the others live in their
 * own packages, imported only when asked for, initialized, registered and selected here.
 */
import { getBackend, listBackends, setBackend } from '@nn/tensor';
import { DemoError } from './ui.js';

export const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');

async function init(name: BackendName): Promise<void> {
  if (name === 'cpu' || listBackends().includes(name)) return; // built in, or initialized by an earlier run
  if (name === 'wasm') {
    let mod: typeof import('@nn/wasm-backend');
    try {
      mod = await import('@nn/wasm-backend');
    } catch (e) {
      throw new DemoError(`--backend wasm: cannot load @nn/wasm-backend (${why(e)})`);
    }
    try {
      await mod.initWasm();
    } catch (e) {
      throw new DemoError(`--backend wasm: initWasm() failed: ${why(e)}`);
    }
    return;
  }
  let mod: typeof import('@nn/webgpu-backend/node');
  try {
    mod = await import('@nn/webgpu-backend/node');
  } catch (e) {
    throw new DemoError(`--backend webgpu: cannot load @nn/webgpu-backend (${why(e)})`);
  }
  try {
    await mod.initWebGPU();
  } catch (e) {
    throw new DemoError(`--backend webgpu: ${why(e)}`);
  }
}

/**
 * Initializes (once per process) and selects the backend; returns a function that selects the
 * previous backend again (main runs in-process in the tests, so a run must not leave it changed).
 */
export async function useBackend(name: BackendName): Promise<() => void> {
  const previous = getBackend().name;
  await init(name);
  setBackend(name);
  return () => setBackend(previous);
}

/** cpu and wasm read results synchronously; webgpu only with `await t.data()`. */
export const readsSynchronously = (): boolean => getBackend().readSync !== undefined;
