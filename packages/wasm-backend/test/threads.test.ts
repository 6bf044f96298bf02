/**
 * Threads: the one-thread fallback (with a one-line notice) where SharedArrayBuffer is missing,
 * workers that never keep Node alive, and dispose() stopping them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as nn from '@nn/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWasmBackend, initWasm } from '../src/index.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** Runs an ES module snippet in a fresh Node with the sources, returning status and timing. */
function runNode(code: string): { status: number | null; ms: number; out: string } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--conditions=@nn/source', '--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, ms: Date.now() - t0, out: `${r.stdout}${r.stderr}` };
}

describe('threads', () => {
  afterEach(() => vi.restoreAllMocks());

  it('initWasm registers a backend named wasm that setBackend selects', async () => {
    const be = await initWasm({ threads: 2 });
    try {
      expect(be.name).toBe('wasm');
      nn.setBackend('wasm');
      const x = nn.tensor([1, 2, 3]);
      expect(x.backend).toBe(be);
      expect(Array.from(nn.mul(x, 2).dataSync())).toEqual([2, 4, 6]);
    } finally {
      nn.setBackend('cpu');
      be.dispose();
    }
  });

  it('falls back to one thread with a single notice where SharedArrayBuffer is missing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sab = globalThis.SharedArrayBuffer;
    // @ts-expect-error: simulating a runtime without SharedArrayBuffer
    delete globalThis.SharedArrayBuffer;
    try {
      const a = await createWasmBackend({ threads: 2, name: 'wasm-nosab-1' });
      const b = await createWasmBackend({ threads: 2, name: 'wasm-nosab-2' });
      expect(a.threads).toBe(1);
      expect(b.threads).toBe(1);
      a.dispose();
      b.dispose();
    } finally {
      globalThis.SharedArrayBuffer = sab;
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/one thread.*SharedArrayBuffer/);
  });

  it('splits thousands of calls back to back; parts no worker started are taken back and done by the caller', async () => {
    const be = await createWasmBackend({ threads: 2, name: 'wasm-stress', thresholds: { elementwise: 1, transcendental: 1, matmul: 1 } });
    nn.registerBackend(be);
    try {
      const o = { backend: 'wasm-stress' };
      const x = nn.arange(0, 64, 1, { ...o, dtype: 'float32' });
      let acc = nn.zeros([64], o);
      for (let i = 0; i < 3000; i++) {
        const next = nn.add(acc, x);
        acc.dispose();
        acc = next;
      }
      const want = Array.from({ length: 64 }, (_, i) => i * 3000);
      expect(Array.from(acc.dataSync())).toEqual(want);
      const m = nn.matmul(nn.ones([64, 64], o), nn.ones([64, 64], o));
      expect(new Set(m.dataSync())).toEqual(new Set([64]));
      const s = be.threadStats();
      expect(s.posted).toBeGreaterThan(3000);
      expect(s.takenBack).toBeLessThanOrEqual(s.posted);
    } finally {
      be.dispose();
    }
  });

  it('rejects a bad thread count', async () => {
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('a process that used two threads exits by itself, with or without dispose()', () => {
    for (const dispose of [false, true]) {
      const r = runNode(`
        import * as nn from '@nn/tensor';
        const { initWasm } = await import(${JSON.stringify(entry)});
        const be = await initWasm({ threads: 2 });
        nn.setBackend('wasm');
        const y = nn.matmul(nn.rand([256, 256]), nn.rand([256, 256]));
        console.log('threads', be.threads, 'sum finite', Number.isFinite(nn.sum(y).item()));
        ${dispose ? 'be.dispose();' : ''}
      `);
      expect(r.out).toContain('threads 2 sum finite true');
      expect(r.status).toBe(0);
      expect(r.ms).toBeLessThan(30_000);
    }
  }, 90_000);

  it('dispose() terminates the workers and later use throws', async () => {
    const be = await createWasmBackend({ threads: 2, name: 'wasm-disposed' });
    nn.registerBackend(be);
    const x = nn.rand([4], { backend: 'wasm-disposed' });
    be.dispose();
    expect(() => nn.add(x, 1)).toThrow(/used after dispose/);
  });
});
