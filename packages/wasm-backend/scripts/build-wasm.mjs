#!/usr/bin/env node
/**
 * Compiles assembly/ with AssemblyScript into wasm/nn.wasm (SIMD, one thread) and
 * wasm/nn-threads.wasm (SIMD + threads: imports a shared memory), and each again with relaxed
 * SIMD (fused multiply-add) as wasm/nn-relaxed.wasm and wasm/nn-threads-relaxed.wasm. The
 * compiled files are committed; test/build.test.ts rebuilds them into a temporary folder and
 * fails if they differ.
 *
 *   node scripts/build-wasm.mjs [--out <dir>]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TARGETS = ['single', 'threads'];
/** Each target is built plain and with relaxed SIMD (its file gets a -relaxed suffix). */
const VARIANTS = [
  { suffix: '', args: [] },
  { suffix: '-relaxed', args: ['--enable', 'relaxed-simd'] },
];

/** Builds every target into outDir (default: the package's wasm/); returns the written paths. */
export async function buildWasm(outDir = join(root, 'wasm')) {
  mkdirSync(outDir, { recursive: true });
  const config = JSON.parse(readFileSync(join(root, 'asconfig.json'), 'utf8'));
  const written = [];
  for (const target of TARGETS) {
    for (const variant of VARIANTS) {
      const file = join(outDir, config.targets[target].outFile.replace(/^wasm\//, '').replace(/\.wasm$/, `${variant.suffix}.wasm`));
      let stderr = '';
      const { error } = await asc.main(
        ['assembly/index.ts', '--baseDir', root, '--config', 'asconfig.json', '--target', target, '--outFile', file, ...variant.args],
        { stdout: { write() {} }, stderr: { write: (s) => void (stderr += s) } },
      );
      if (error) throw new Error(`asc (${target}${variant.suffix}) failed: ${error.message}\n${stderr}`);
      written.push(file);
    }
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const files = await buildWasm(at > 0 ? resolve(process.argv[at + 1]) : undefined);
  for (const f of files) console.log(`wrote ${f}`);
}
