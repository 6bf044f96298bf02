/**
 * The committed build outputs are up to date: the generated elementwise kernels match
 * @nn/tensor's op table, and recompiling assembly/ reproduces the committed .wasm files byte for
 * byte (so CI, which runs no build step, tests what the sources say).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWasm } from '../scripts/build-wasm.mjs';
import { ASSEMBLY_PATH, ERF_PATH, IDS_PATH, generateAssembly, generateErf, generateIds } from '../scripts/gen-elementwise.js';

const HINT =
  'run `node --conditions=@nn/source --import tsx packages/wasm-backend/scripts/gen-elementwise.ts` and `pnpm --filter @nn/wasm-backend build:wasm`';

describe('build outputs', () => {
  it('assembly/elementwise.gen.ts, assembly/erf.gen.ts and src/kernel-ids.gen.ts match the elementwise table', () => {
    expect(readFileSync(ASSEMBLY_PATH, 'utf8') === generateAssembly(), `stale ${ASSEMBLY_PATH}: ${HINT}`).toBe(true);
    expect(readFileSync(ERF_PATH, 'utf8') === generateErf(), `stale ${ERF_PATH}: ${HINT}`).toBe(true);
    expect(readFileSync(IDS_PATH, 'utf8') === generateIds(), `stale ${IDS_PATH}: ${HINT}`).toBe(true);
  });

  it('the committed wasm/*.wasm are what assembly/ compiles to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-wasm-build-'));
    try {
      for (const file of await buildWasm(dir)) {
        const name = file.slice(dir.length + 1);
        const committed = readFileSync(new URL(`../wasm/${name}`, import.meta.url));
        expect(Buffer.compare(readFileSync(file), committed) === 0, `stale wasm/${name}: ${HINT}`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
