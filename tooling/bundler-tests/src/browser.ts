/**
 * Headless Chromium via playwright-core (Debian's /usr/bin/chromium, or $NN_CHROMIUM; never a
 * downloaded browser). One browser serves every page: WebGPU on (--enable-unsafe-webgpu, which
 * needs the GPU process, so no --disable-gpu), and no background traffic.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import type { AppResult } from '../app/train-app.js';

export const CHROMIUM = process.env.NN_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface PageRun {
  result: AppResult;
  /** console.error messages, uncaught errors and failed requests. */
  errors: string[];
  /** Everything the page logged. */
  logs: string[];
  ms: number;
}

/** Opens url in a fresh context, waits for the program's result, and collects what went wrong. */
export async function runPage(browser: Browser, url: string, timeoutMs = 60_000): Promise<PageRun> {
  const t0 = performance.now();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    const logs: string[] = [];
    page.on('console', (m) => {
      logs.push(`${m.type()}: ${m.text()}`);
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => void (r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`)));
    await page.goto(url);
    await page.waitForFunction(() => window.__nnTraining !== undefined, undefined, { timeout: timeoutMs });
    const result = (await page.evaluate(() => window.__nnTraining)) as AppResult;
    return { result, errors, logs, ms: Math.round(performance.now() - t0) };
  } finally {
    await context.close();
  }
}
