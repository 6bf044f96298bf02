/**
 * W1 and W2 of the wasm benchmark in headless Chromium (Debian's /usr/bin/chromium or
 * $NN_CHROMIUM, driven by playwright-core): wasm-page.ts bundled by esbuild, served on 127.0.0.1
 * with COOP/COEP (cross-origin isolated, so two threads), on 1 and 2 threads, plain and relaxed SIMD
 * (Chromium 114+ has relaxed SIMD). Prints a table; the page's loss after 20 steps must match Node's.
 *
 *   node --conditions=@nn/source --import tsx tooling/bench/src/wasm-chromium.ts [--budget MS]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { fmt, table } from './harness.js';
import type { PageRow } from './wasm-page.js';

const { values: args } = parseArgs({ options: { budget: { type: 'string' } }, strict: true });
const budget = Number(args.budget ?? 1000);
const CHROMIUM = process.env.NN_CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'nn-bench-chromium-'));
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
try {
  await build({
    entryPoints: { main: new URL('./wasm-page.ts', import.meta.url).pathname },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@nn/source'],
    loader: { '.wasm': 'file' },
    assetNames: '[name]-[hash]',
    outdir: dir,
    logLevel: 'error',
    // harness.ts's "run as a script" check (which mlp.ts runs on import) reads process.argv and
    // imports Node's path and url: no argv in the page, so it says no.
    define: { 'process.argv': '[]' },
    plugins: [
      {
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export const resolve = () => ""; export const pathToFileURL = () => ({ href: "" });',
          }));
        },
      },
    ],
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path === '/' ? 'index.html' : path.slice(1);
    try {
      const body = await readFile(join(dir, file));
      res
        .writeHead(200, {
          'content-type': types[extname(file)] ?? 'application/octet-stream',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
        })
        .end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless=new', '--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`  [page] ${m.text()}`));
    page.on('crash', () => console.log('  [page] crashed'));
    page.on('response', (x) => void (x.status() >= 400 && console.log(`  [page] HTTP ${x.status()} for ${x.url()}`)));
    page.on('close', () => console.log('  [page] closed'));
    page.on('pageerror', (e) => console.log(`  [page] error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?budget=${budget}`);
    await page.waitForFunction(() => window.__nnBench !== undefined, undefined, { timeout: 600_000 });
    const r = (await page.evaluate(() => window.__nnBench))!;
    if (r.error) throw new Error(`the page failed: ${r.error}`);
    console.log(`Chromium ${browser.version()}, cross-origin isolated: ${r.crossOriginIsolated}`);
    console.log(
      table([
        ['@nn wasm', 'threads', 'relaxed SIMD', 'W1 512² GFLOP/s', 'W2 ms/step (fused Adam)', 'loss after 20 steps'],
        ...r.rows.map((x: PageRow) => [
          x.config,
          String(x.threads),
          String(x.relaxedSimd),
          fmt(x.w1Gflops),
          fmt(x.w2Ms),
          x.loss.toFixed(4),
        ]),
      ]),
    );
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
