/**
 * A page whose Content-Security-Policy forbids eval (`script-src 'self'`, no 'unsafe-eval'): the
 * cpu backend compiles its kernels with `new Function` and cannot run there, so @nn/tensor's
 * default backend must be the eval-free 'reference' one. app/csp-app.ts (12 SGD steps of a small
 * MLP, never naming a backend) is bundled with esbuild, served with and without the policy on
 * 127.0.0.1 and run in headless Chromium: under the policy the backend is 'reference', the loss
 * falls, and the only trace of eval is the one probe @nn/tensor makes. Without Chromium the test
 * skips loudly, or fails under NN_REQUIRE_ALL_TESTS=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CspResult } from '../app/csp-app.js';
import { CHROMIUM, haveChromium, launch, runPage } from '../src/browser.js';
import { buildEsbuildEntry } from '../src/build.js';
import { type Served, serve } from '../src/serve.js';

const REQUIRE_ALL = process.env.NN_REQUIRE_ALL_TESTS === '1';
const INSTALL =
  'install Chromium with `apt-get install -y chromium` (or run `bash tooling/ci/install-webgpu.sh`), or point NN_CHROMIUM at a Chromium binary';

if (!haveChromium) {
  const why = `no Chromium at ${CHROMIUM}\n  To run it: ${INSTALL}.`;
  if (REQUIRE_ALL) throw new Error(`csp.test.ts: cannot run (NN_REQUIRE_ALL_TESTS=1 makes that a failure): ${why}`);
  console.warn(`\n*** csp.test.ts: SKIPPING the Content-Security-Policy runs: ${why}\n`);
}

describe.skipIf(!haveChromium)('a page that forbids eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-csp-test-'));
  let browser: Browser;
  let server: Served;

  beforeAll(async () => {
    await buildEsbuildEntry('csp-app.ts', dir);
    server = await serve(dir);
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains on the reference backend; the only policy violation is the one eval probe', async () => {
    const run = await runPage(browser, `${server.origin}/?csp=1`);
    const result = run.result as CspResult;
    expect(result.error, run.logs.join('\n')).toBeUndefined();
    expect(result.backend).toBe('reference');
    // @nn/tensor's probe (new Function('return 1'), caught) is reported as a violation event but
    // logs no console error in Chromium; the cpu backend's kernels were never compiled.
    expect(result.violations).toEqual([{ directive: 'script-src', blockedURI: 'eval' }]);
    expect(run.errors).toEqual([]);
    expect(server.missing).toEqual([]);
    const losses = result.losses!;
    expect(losses).toHaveLength(12);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    console.log(`csp: ${result.backend}, loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)} in ${result.ms} ms`);
  }, 90_000);

  it('without the policy the same page trains on cpu, to the same losses', async () => {
    const strict = (await runPage(browser, `${server.origin}/?csp=1`)).result as CspResult;
    const run = await runPage(browser, `${server.origin}/?csp=0`);
    const result = run.result as CspResult;
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('cpu');
    expect(result.violations).toEqual([]);
    expect(run.errors).toEqual([]);
    // Both evaluate the same table in doubles and round at the store (today the same bits).
    expect(result.losses).toHaveLength(12);
    result.losses!.forEach((l, i) => expect(l).toBeCloseTo(strict.losses![i], 5));
  }, 90_000);
});
