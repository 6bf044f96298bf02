/**
 * The compiled kernels ship as .wasm files in the package's wasm/ folder, next to src/ and dist/
 * (so '../wasm/' resolves the same from both). Bundlers such as Vite recognise
 * `new URL('...', import.meta.url)` and emit the files as assets; Node reads them from disk.
 */
import { BackendError } from '@nn/tensor';
import { nodeBuiltins } from './threads.js';

export const WASM_SINGLE = new URL('../wasm/nn.wasm', import.meta.url);
export const WASM_THREADS = new URL('../wasm/nn-threads.wasm', import.meta.url);

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles one of the kernel files once per process (read from disk for file: URLs, fetched otherwise). */
export function compileKernels(url: URL): Promise<WebAssembly.Module> {
  let m = compiled.get(url.href);
  if (m === undefined) {
    m = load(url);
    compiled.set(url.href, m);
    m.catch(() => compiled.delete(url.href));
  }
  return m;
}

async function load(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    const builtins = nodeBuiltins();
    let bytes: Uint8Array<ArrayBuffer>;
    if (builtins !== null) {
      const fs = builtins('node:fs') as typeof import('node:fs');
      const { fileURLToPath } = builtins('node:url') as typeof import('node:url');
      bytes = new Uint8Array(fs.readFileSync(fileURLToPath(url)));
    } else {
      // Node before 20.16 (no getBuiltinModule): a specifier bundlers leave alone.
      const spec = 'node:fs/promises';
      const fsp = (await import(/* @vite-ignore */ spec)) as typeof import('node:fs/promises');
      bytes = new Uint8Array(await fsp.readFile(url));
    }
    return WebAssembly.compile(bytes);
  }
  const response = await fetch(url);
  if (!response.ok) throw new BackendError(`wasm backend: could not load the kernels from ${url.href} (HTTP ${response.status})`);
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type') === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(new Uint8Array(await response.arrayBuffer()));
}
