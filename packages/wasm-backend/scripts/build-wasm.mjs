#!/usr/bin/env node
/**
 * Compiles assembly/ with AssemblyScript into wasm/nn.wasm (SIMD, one thread) and
 * wasm/nn-threads.wasm (SIMD + threads: imports a shared memory). The compiled files are
 * committed; test/build.test.ts rebuilds them into a temporary folder and fails if they differ.
 *
 *   node scripts/build-wasm.mjs [--out <dir>]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TARGETS = ['single', 'threads'];

/** Builds every target into outDir (default: the package's wasm/); returns the written paths. */
export async function buildWasm(outDir = join(root, 'wasm')) {
  mkdirSync(outDir, { recursive: true });
  const config = JSON.parse(readFileSync(join(root, 'asconfig.json'), 'utf8'));
  const written = [];
  for (const target of TARGETS) {
    const file = join(outDir, config.targets[target].outFile.replace(/^wasm\//, ''));
    let stderr = '';
    const { error } = await asc.main(
      ['assembly/index.ts', '--baseDir', root, '--config', 'asconfig.json', '--target', target, '--outFile', file],
      { stdout: { write() {} }, stderr: { write: (s) => void (stderr += s) } },
    );
    if (error) throw new Error(`asc (${target}) failed: ${error.message}\n${stderr}`);
    written.push(file);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const files = await buildWasm(at > 0 ? resolve(process.argv[at + 1]) : undefined);
  for (const f of files) console.log(`wrote ${f}`);
}
