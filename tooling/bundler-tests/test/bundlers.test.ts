/**
 * The library in bundlers: a small training program (app/: spiral MLP, Adam, fit, 48 steps) bundled
 * with esbuild (ESM and IIFE, wasm files through the 'file' loader and initWasm's wasmUrl options),
 * Vite and webpack 5 (both with no configuration for the wasm files: they follow the library's
 * `new URL(…, import.meta.url)`), each built once, served on 127.0.0.1 and run in one headless
 * Chromium on cpu, wasm (1 thread; 2 threads on a page served with COOP/COEP) and WebGPU.
 * Each run must lower the loss and log no error. Without Chromium (or a WebGPU adapter, for the
 * WebGPU runs) the tests skip loudly, or fail under NN_REQUIRE_ALL_TESTS=1.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLERS, type BundlerName, type Built, buildEsbuildWithoutOptions, buildWith, sizeLine } from '../src/build.js';
import { CHROMIUM, haveChromium, launch, runPage } from '../src/browser.js';
import { type Served, serve } from '../src/serve.js';

const REQUIRE_ALL = process.env.NN_REQUIRE_ALL_TESTS === '1';
const INSTALL =
  'install Chromium with `apt-get install -y chromium` (or run `bash tooling/ci/install-webgpu.sh`), or point NN_CHROMIUM at a Chromium binary';

function skipOrFail(reason: string): void {
  const why = `${reason}\n  To run it: ${INSTALL}.`;
  if (REQUIRE_ALL) throw new Error(`bundlers.test.ts: cannot run (NN_REQUIRE_ALL_TESTS=1 makes that a failure): ${why}`);
  console.warn(`\n*** bundlers.test.ts: SKIPPING the bundled browser runs: ${why}\n`);
}

if (!haveChromium) skipOrFail(`no Chromium at ${CHROMIUM}`);

interface Case {
  name: string;
  query: string;
  backend: string;
  threads?: number;
}

const CASES: Case[] = [
  { name: 'cpu', query: 'backend=cpu', backend: 'cpu' },
  { name: 'wasm, 1 thread', query: 'backend=wasm&threads=1', backend: 'wasm', threads: 1 },
  { name: 'wasm, 2 threads (COOP/COEP)', query: 'backend=wasm&threads=2&coi=1', backend: 'wasm', threads: 2 },
  { name: 'webgpu', query: 'backend=webgpu', backend: 'webgpu' },
  // Asked for 2 threads on a page that is not cross-origin isolated: one thread and a notice.
  { name: 'wasm, 2 threads asked, no COOP/COEP', query: 'backend=wasm&threads=2', backend: 'wasm', threads: 1 },
];

const dir = mkdtempSync(join(tmpdir(), 'nn-bundler-tests-'));
const built: Built[] = [];
let browser: Browser | undefined;

beforeAll(async () => {
  if (haveChromium) browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
  // Bundle sizes, for the record (minified; gzip -9).
  if (built.length > 0) console.log(`bundle sizes:\n${built.map(sizeLine).join('\n')}`);
});

describe.each(BUNDLERS)('%s', (bundler: BundlerName) => {
  let b: Built;
  let server: Served;
  beforeAll(async () => {
    b = await buildWith(bundler, join(dir, bundler));
    built.push(b);
    server = await serve(b.root);
  }, 60_000);
  afterAll(() => server?.close());

  it('bundles without Node built-ins and emits the four wasm files (plain and relaxed SIMD, one thread and threads)', () => {
    expect(b.js.length).toBeGreaterThan(0);
    expect(b.wasm.map((f) => f.bytes)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]);
    const js = b.js.map((f) => readFileSync(join(b.root, f.file), 'utf8')).join('\n');
    // cli-progress (and with it Node's readline) stays out: @nn/train's main entry never reaches it.
    expect(js).not.toMatch(/cli-progress|require\(["']readline["']\)/);
  });

  it.skipIf(!haveChromium).each(CASES)(
    'trains in Chromium: $name',
    async (c: Case) => {
      const run = await runPage(browser!, `${server.origin}/?${c.query}`);
      const { result } = run;
      if (c.backend === 'webgpu' && !result.ok && /adapter|navigator\.gpu/i.test(result.error ?? '')) {
        skipOrFail(`Chromium has no WebGPU adapter: ${result.error}`);
        return;
      }
      expect(result.error, run.logs.join('\n')).toBeUndefined();
      expect(run.errors).toEqual([]);
      expect(server.missing).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.steps).toBe(48);
      const losses = result.epochLosses!;
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.8);
      if (c.threads !== undefined) expect(result.threads).toBe(c.threads);
      // Chromium (114+) has relaxed SIMD: every bundle finds and runs the relaxed build.
      if (c.backend === 'wasm') expect(result.relaxedSimd).toBe(true);
      if (c.threads === 2) {
        expect(result.crossOriginIsolated).toBe(true);
        expect(result.workerParts).toBeGreaterThan(0);
      }
      if (c.query.includes('threads=2') && c.threads === 1) {
        const notices = run.logs.filter((l) => l.includes('running on one thread'));
        expect(notices).toHaveLength(1);
        expect(notices[0]).toMatch(/^warning: @nn\/wasm-backend: running on one thread \(SharedArrayBuffer is unavailable\)$/);
      }
      console.log(
        `${bundler} ${c.name}: loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}, training ${result.ms} ms, page ${run.ms} ms`,
      );
    },
    90_000,
  );
});

describe.skipIf(!haveChromium)('esbuild without the wasm options', () => {
  it.each([
    [
      'iife',
      /BackendError: initWasm: cannot locate nn\.wasm in this bundle \(it has no import\.meta\.url.*wasmUrl.*loader: \{ '\.wasm': 'file' \}/,
    ],
    [
      'esm',
      /BackendError: wasm backend: could not load the kernels from http:.*\/wasm\/nn\.wasm \(the default location of nn\.wasm\) \(HTTP 404\); a bundler that does not follow new URL.*\(esbuild\).*wasmUrl/,
    ],
  ] as const)('%s: initWasm() fails with a typed error saying what to pass', async (format, message) => {
    const root = join(dir, `esbuild-${format}-no-options`);
    await buildEsbuildWithoutOptions(format, root);
    const server = await serve(root);
    try {
      const run = await runPage(browser!, `${server.origin}/?backend=wasm&threads=1`);
      expect(run.result.ok).toBe(false);
      expect(run.result.error).toMatch(message);
      expect(run.errors.filter((e) => !e.includes('404'))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
