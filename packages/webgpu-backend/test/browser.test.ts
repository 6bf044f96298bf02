/**
 * The backend in a real browser: esbuild bundles test/browser/page.ts from the package sources,
 * a server on 127.0.0.1 (a secure context) serves it, and headless Chromium (Debian's
 * /usr/bin/chromium, or $NN_CHROMIUM) driven by playwright-core runs it on WebGPU
 * (--enable-unsafe-webgpu; SwiftShader without a GPU). Without Chromium or a WebGPU adapter the
 * test skips loudly, or fails under NN_REQUIRE_ALL_TESTS=1.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REQUIRE_ALL } from './gpu.js';

const CHROMIUM = process.env.NN_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL =
  'install Chromium with `apt-get install -y chromium` (or run `bash tooling/ci/install-webgpu.sh`), or point NN_CHROMIUM at a Chromium binary';

function skipOrFail(reason: string): void {
  const why = `${reason}\n  To run it: ${INSTALL}.`;
  if (REQUIRE_ALL)
    throw new Error(`browser.test.ts: the browser WebGPU test cannot run (NN_REQUIRE_ALL_TESTS=1 makes that a failure): ${why}`);
  console.warn(`\n*** browser.test.ts: SKIPPING the browser WebGPU test: ${why}\n`);
}

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) skipOrFail(`no Chromium at ${CHROMIUM}`);

describe.skipIf(!haveChromium)('webgpu in headless Chromium', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('runs ops on navigator.gpu and matches the cpu backend', async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@nn/source'],
      write: false,
      logLevel: 'error',
    });
    const js = bundle.outputFiles[0].text;
    const html = '<!doctype html><meta charset="utf-8"><title>nn webgpu</title><script type="module" src="/page.js"></script>';
    server = createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--enable-unsafe-webgpu', '--headless=new', '--no-sandbox'],
    });
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => (window as { __nnResult?: unknown }).__nnResult !== undefined, undefined, { timeout: 90_000 });
      const result = (await page.evaluate(() => (window as { __nnResult?: unknown }).__nnResult)) as {
        ok: boolean;
        error?: string;
        checks: Record<string, number>;
        stats?: unknown;
      };
      if (!result.ok && /adapter|navigator\.gpu/.test(result.error ?? '')) {
        skipOrFail(`Chromium has no WebGPU adapter: ${result.error}`);
        return;
      }
      expect(result.error, logs.join('\n')).toBeUndefined();
      console.log(`browser webgpu: ${JSON.stringify(result.checks)}; stats ${JSON.stringify(result.stats)}`);
      for (const [label, diff] of Object.entries(result.checks)) {
        expect(diff, label).toBeLessThan(label.endsWith('exact') ? 1e-30 : 1e-4);
      }
      expect(Object.keys(result.checks).length).toBe(7);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
