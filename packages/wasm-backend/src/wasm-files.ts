/**
 * Finding and compiling the kernels. They ship as four .wasm files in the package's wasm/ folder
 * (one thread or threads, each plain SIMD or relaxed SIMD),
 * next to src/ and dist/ (so '../wasm/' resolves the same from both). By default they are found
 * with `new URL('../wasm/….wasm', import.meta.url)`, which Node reads from disk and which Vite and
 * webpack 5 rewrite to an emitted asset. esbuild leaves that expression alone (and an IIFE bundle
 * has no import.meta at all), so users can also give each file's URL or bytes.
 */
import { BackendError, ValueRangeError } from '@nn/tensor';
import { nodeBuiltins } from './threads.js';

/**
 * The builds: SIMD, and SIMD + threads (importing a shared memory); each also with relaxed SIMD
 * (fused multiply-add in the matmul kernel), for engines that have it.
 */
export type Build = 'single' | 'threaded' | 'singleRelaxed' | 'threadedRelaxed';

/** Where the kernels come from: each build's URL or bytes (at most one of the two per build). */
export interface KernelSources {
  /**
   * URL of `nn.wasm` (the single-thread build), e.g. what a bundler's asset import of
   * `@nn/wasm-backend/wasm/nn.wasm` gives. Relative strings resolve against the page's base URL
   * (in Node: the working directory, so a file path works too).
   */
  wasmUrl?: string | URL;
  /** The bytes of `nn.wasm` (an ArrayBuffer or a view, e.g. a Uint8Array or Node Buffer). */
  wasmBytes?: ArrayBuffer | ArrayBufferView;
  /** URL of `nn-threads.wasm`, the build that runs with more than one thread. */
  threadedWasmUrl?: string | URL;
  /** The bytes of `nn-threads.wasm`. */
  threadedWasmBytes?: ArrayBuffer | ArrayBufferView;
  /** URL of `nn-relaxed.wasm`: `nn.wasm` built with relaxed SIMD (used where the engine has it). */
  relaxedWasmUrl?: string | URL;
  /** The bytes of `nn-relaxed.wasm`. */
  relaxedWasmBytes?: ArrayBuffer | ArrayBufferView;
  /** URL of `nn-threads-relaxed.wasm`: `nn-threads.wasm` built with relaxed SIMD. */
  threadedRelaxedWasmUrl?: string | URL;
  /** The bytes of `nn-threads-relaxed.wasm`. */
  threadedRelaxedWasmBytes?: ArrayBuffer | ArrayBufferView;
}

export const FILE: Record<Build, string> = {
  single: 'nn.wasm',
  threaded: 'nn-threads.wasm',
  singleRelaxed: 'nn-relaxed.wasm',
  threadedRelaxed: 'nn-threads-relaxed.wasm',
};
const URL_OPTION = {
  single: 'wasmUrl',
  threaded: 'threadedWasmUrl',
  singleRelaxed: 'relaxedWasmUrl',
  threadedRelaxed: 'threadedRelaxedWasmUrl',
} as const;
const BYTES_OPTION = {
  single: 'wasmBytes',
  threaded: 'threadedWasmBytes',
  singleRelaxed: 'relaxedWasmBytes',
  threadedRelaxed: 'threadedRelaxedWasmBytes',
} as const;
/** Every option naming a build's source. */
export const SOURCE_OPTIONS: readonly string[] = (Object.keys(FILE) as Build[]).flatMap((b) => [URL_OPTION[b], BYTES_OPTION[b]]);

/** One build's source, resolved; `option` names where it came from (null: the default location). */
export type KernelSource =
  | { kind: 'url'; url: URL; option: string | null }
  | { kind: 'bytes'; bytes: Uint8Array<ArrayBuffer>; option: string };

const HINT =
  "pass initWasm({ wasmUrl, threadedWasmUrl }) or ({ wasmBytes, threadedWasmBytes }); with esbuild: `import wasmUrl from '@nn/wasm-backend/wasm/nn.wasm'` and `loader: { '.wasm': 'file' }` (see the README, \"Loading\")";

/**
 * The file's default URL: in the package's wasm/ folder, or the asset a bundler made of it. Each
 * expression stays literal so Vite and webpack recognise it. Null where the code has no
 * import.meta.url (an esbuild IIFE or CommonJS bundle).
 */
export function defaultUrl(build: Build): URL | null {
  if (typeof import.meta.url !== 'string') return null;
  try {
    if (build === 'single') return new URL('../wasm/nn.wasm', import.meta.url);
    if (build === 'threaded') return new URL('../wasm/nn-threads.wasm', import.meta.url);
    if (build === 'singleRelaxed') return new URL('../wasm/nn-relaxed.wasm', import.meta.url);
    return new URL('../wasm/nn-threads-relaxed.wasm', import.meta.url);
  } catch {
    return null;
  }
}

/**
 * A module of one function, `(a, b, c) => f32x4.relaxed_madd(a, b, c)`: it validates exactly where
 * the engine has relaxed SIMD (Chromium 114+, Node 22+, Node 20 with
 * --experimental-wasm-relaxed-simd).
 */
const RELAXED_PROBE = new Uint8Array([
  0,
  0x61,
  0x73,
  0x6d,
  1,
  0,
  0,
  0, // magic, version
  1,
  8,
  1,
  0x60,
  3,
  0x7b,
  0x7b,
  0x7b,
  1,
  0x7b, // type: (v128, v128, v128) -> v128
  3,
  2,
  1,
  0, // one function of that type
  0x0a,
  0x0d,
  1,
  0x0b,
  0,
  0x20,
  0,
  0x20,
  1,
  0x20,
  2,
  0xfd,
  0x85,
  0x02,
  0x0b, // local.get 0..2; f32x4.relaxed_madd
]);

/** Whether this engine runs relaxed SIMD (checked on every call: a flag can be set at run time). */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `${typeof v} ${String(v)}`;
}

/** The base that relative URL strings resolve against: the page, or Node's working directory. */
function baseUrl(): string | undefined {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  const page = g.document?.baseURI ?? g.location?.href;
  if (page !== undefined) return page;
  const builtins = nodeBuiltins();
  if (builtins === null) return undefined;
  const { pathToFileURL } = builtins('node:url') as typeof import('node:url');
  return pathToFileURL(`${process.cwd()}/`).href;
}

/**
 * Validates one build's options and resolves its source: URL, bytes, or the default location
 * (null if this bundle has none; that is an error only once the build is needed).
 */
export function kernelSource(build: Build, options: KernelSources): KernelSource | null {
  const urlOption = URL_OPTION[build];
  const bytesOption = BYTES_OPTION[build];
  const url = options[urlOption];
  const bytes = options[bytesOption];
  if (url !== undefined && bytes !== undefined) {
    throw new ValueRangeError(`initWasm: give ${urlOption} or ${bytesOption} for ${FILE[build]}, not both`);
  }
  if (url !== undefined) {
    if (!(url instanceof URL) && (typeof url !== 'string' || url === '')) {
      throw new ValueRangeError(
        `initWasm: ${urlOption} must be a URL or a non-empty string (where ${FILE[build]} is served), got ${describe(url)}`,
      );
    }
    try {
      return { kind: 'url', url: new URL(url, baseUrl()), option: urlOption };
    } catch {
      throw new ValueRangeError(
        `initWasm: ${urlOption} is not a valid URL: ${JSON.stringify(String(url))} (a relative one needs a page or Node to resolve against)`,
      );
    }
  }
  if (bytes !== undefined) {
    let view: Uint8Array<ArrayBuffer>;
    if (bytes instanceof ArrayBuffer) view = new Uint8Array(bytes);
    else if (ArrayBuffer.isView(bytes) && bytes.buffer instanceof ArrayBuffer)
      view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    else
      throw new ValueRangeError(
        `initWasm: ${bytesOption} must be an ArrayBuffer or a typed array / DataView over one (the bytes of ${FILE[build]}), got ${describe(bytes)}`,
      );
    const why = notWasm(view);
    if (why !== null) throw new ValueRangeError(`initWasm: ${bytesOption} is not ${FILE[build]}: ${why}`);
    return { kind: 'bytes', bytes: view, option: bytesOption };
  }
  const fallback = defaultUrl(build);
  return fallback === null ? null : { kind: 'url', url: fallback, option: null };
}

/** The error for a build that has no source: nothing given, and no default location in this bundle. */
export function noSource(build: Build): BackendError {
  return new BackendError(
    `initWasm: cannot locate ${FILE[build]} in this bundle (it has no import.meta.url, e.g. an IIFE or CommonJS bundle): ${HINT}`,
  );
}

/** Why these bytes are not a WebAssembly binary (e.g. an HTML page served for a missing file), or null. */
function notWasm(b: Uint8Array): string | null {
  if (b.length >= 8 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d) return null;
  const head = String.fromCharCode(...b.subarray(0, 24)).replace(/[^\x20-\x7e]/g, '.');
  return `${b.length} bytes that do not start with the WebAssembly magic \\0asm (they start with ${JSON.stringify(head)})`;
}

function where(s: KernelSource, build: Build): string {
  if (s.kind === 'bytes') return `${s.option} (${FILE[build]})`;
  return s.option === null ? `${s.url.href} (the default location of ${FILE[build]})` : `${s.url.href} (${s.option})`;
}

const compiledUrls = new Map<string, Promise<WebAssembly.Module>>();
const compiledBytes = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>();

/** Compiles a build from its source, once per URL (or bytes object) per process. */
export function compileKernels(source: KernelSource | URL, build: Build = 'single'): Promise<WebAssembly.Module> {
  const s: KernelSource = source instanceof URL ? { kind: 'url', url: source, option: null } : source;
  if (s.kind === 'bytes') {
    let m = compiledBytes.get(s.bytes);
    if (m === undefined) {
      m = compile(s.bytes, s, build);
      compiledBytes.set(s.bytes, m);
    }
    return m;
  }
  let m = compiledUrls.get(s.url.href);
  if (m === undefined) {
    m = load(s, build);
    compiledUrls.set(s.url.href, m);
    m.catch(() => compiledUrls.delete(s.url.href));
  }
  return m;
}

async function compile(bytes: Uint8Array<ArrayBuffer>, s: KernelSource, build: Build): Promise<WebAssembly.Module> {
  const why = notWasm(bytes);
  if (why !== null)
    throw new BackendError(`wasm backend: ${where(s, build)} is not a WebAssembly module: ${why}. ${s.option === null ? HINT : ''}`.trim());
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new BackendError(`wasm backend: ${where(s, build)} did not compile: ${(e as Error).message}`);
  }
}

async function load(s: KernelSource & { kind: 'url' }, build: Build): Promise<WebAssembly.Module> {
  const { url } = s;
  if (url.protocol === 'file:') {
    const builtins = nodeBuiltins();
    if (builtins === null) throw new BackendError(`wasm backend: cannot read ${where(s, build)} outside Node: ${HINT}`);
    const fs = builtins('node:fs') as typeof import('node:fs');
    const { fileURLToPath } = builtins('node:url') as typeof import('node:url');
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(fs.readFileSync(fileURLToPath(url)));
    } catch (e) {
      throw new BackendError(`wasm backend: could not read ${where(s, build)}: ${(e as Error).message}`);
    }
    return compile(bytes, s, build);
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new BackendError(`wasm backend: could not fetch ${where(s, build)}: ${(e as Error).message}`);
  }
  if (!response.ok) {
    const hint = s.option === null ? `; a bundler that does not follow new URL(…, import.meta.url) (esbuild) did not emit it: ${HINT}` : '';
    throw new BackendError(`wasm backend: could not load the kernels from ${where(s, build)} (HTTP ${response.status})${hint}`);
  }
  // compileStreaming only with the right MIME type; the bytes path checks the magic first (a
  // dev server's HTML fallback page for a missing file then gets a clear message).
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type') === 'application/wasm') {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      throw new BackendError(`wasm backend: ${where(s, build)} did not compile: ${(e as Error).message}`);
    }
  }
  return compile(new Uint8Array(await response.arrayBuffer()), s, build);
}
