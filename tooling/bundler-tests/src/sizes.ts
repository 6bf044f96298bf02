/**
 * Prints each bundle's size (minified JavaScript, gzipped, and the .wasm files it emits):
 * `node --import tsx tooling/bundler-tests/src/sizes.ts` (or `pnpm --filter @nn/bundler-tests sizes`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLERS, buildWith, sizeLine } from './build.js';

const dir = mkdtempSync(join(tmpdir(), 'nn-bundles-'));
try {
  for (const bundler of BUNDLERS) console.log(sizeLine(await buildWith(bundler, join(dir, bundler))));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
