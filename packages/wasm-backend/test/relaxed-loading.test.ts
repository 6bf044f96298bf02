/**
 * Choosing the relaxed-SIMD build: detected by default, forced either way with `relaxedSimd`, its
 * own URL/bytes options, and typed errors where the engine lacks it or the file is wrong.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import * as nn from '@nn/tensor';
import { BackendError, ValueRangeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { type CreateWasmOptions, createWasmBackend } from '../src/index.js';
import { relaxedSimdSupported } from '../src/wasm-files.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

const single = new URL('../wasm/nn.wasm', import.meta.url);
const relaxedBytes = readFileSync(new URL('../wasm/nn-relaxed.wasm', import.meta.url));
const threadedRelaxedBytes = readFileSync(new URL('../wasm/nn-threads-relaxed.wasm', import.meta.url));
// Read before enableRelaxedSimd below: whether this engine has it without the flag.
const unflagged = relaxedSimdSupported();
const here = enableRelaxedSimd();

let n = 0;
/** Creates a backend, checks a product, and returns whether it runs the relaxed build. */
async function relaxedWith(options: CreateWasmOptions): Promise<boolean> {
  const be = await createWasmBackend({ name: `wasm-relaxed-${n++}`, ...options });
  try {
    nn.registerBackend(be);
    const y = nn.matmul(nn.ones([3, 4], { backend: be.name }), nn.ones([4, 2], { backend: be.name }));
    expect(Array.from(y.dataSync())).toEqual([4, 4, 4, 4, 4, 4]);
    return be.relaxedSimd;
  } finally {
    be.dispose();
  }
}

describe('relaxed SIMD build', () => {
  // Node 20 only: the flag is turned off again for this test.
  it.skipIf(unflagged || !here)('relaxedSimd: true without engine support is a BackendError naming the Node flag', async () => {
    setFlagsFromString('--no-experimental-wasm-relaxed-simd');
    try {
      expect(relaxedSimdSupported()).toBe(false);
      const p = createWasmBackend({ threads: 1, relaxedSimd: true });
      await expect(p).rejects.toThrow(BackendError);
      await expect(p).rejects.toThrow(/no relaxed SIMD .*--experimental-wasm-relaxed-simd/);
      expect(await relaxedWith({ threads: 1 })).toBe(false);
    } finally {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    }
  });

  it('rejects a relaxedSimd that is not a boolean, and lists the relaxed options as valid', async () => {
    const bad = createWasmBackend({ threads: 1, relaxedSimd: 'yes' as unknown as boolean });
    await expect(bad).rejects.toThrow(ValueRangeError);
    await expect(bad).rejects.toThrow(/relaxedSimd must be true, false or left out .*got yes/);
    const typo = createWasmBackend({ relaxedWasmURL: single } as unknown as CreateWasmOptions);
    await expect(typo).rejects.toThrow(/unknown option 'relaxedWasmURL' \(valid: .*relaxedWasmUrl, .*threadedRelaxedWasmBytes/);
  });

  describe.skipIf(!here)('where the engine has it', () => {
    it('is used by default, on one thread and on two', async () => {
      expect(await relaxedWith({ threads: 1 })).toBe(true);
      expect(await relaxedWith({ threads: 2 })).toBe(true);
    });

    it('is not used when turned off, or when only the plain file was given', async () => {
      expect(await relaxedWith({ threads: 1, relaxedSimd: false })).toBe(false);
      expect(await relaxedWith({ threads: 1, wasmUrl: single })).toBe(false);
    });

    it('loads from its own options', async () => {
      expect(await relaxedWith({ threads: 1, wasmUrl: single, relaxedWasmBytes: relaxedBytes })).toBe(true);
      expect(await relaxedWith({ threads: 2, threadedRelaxedWasmBytes: threadedRelaxedBytes, relaxedSimd: true })).toBe(true);
    });

    it('fails with a BackendError naming the option when its file is wrong (no silent fallback)', async () => {
      const cases: [CreateWasmOptions, RegExp][] = [
        [
          { threads: 1, relaxedWasmUrl: '/no/such/dir/nn-relaxed.wasm' },
          /could not read file:\/\/\/no\/such\/dir\/nn-relaxed\.wasm \(relaxedWasmUrl\)/,
        ],
        [
          { threads: 1, relaxedWasmBytes: threadedRelaxedBytes },
          /relaxedWasmBytes \(nn-relaxed\.wasm\) does not fit the single-thread build/,
        ],
      ];
      for (const [options, message] of cases) {
        const p = createWasmBackend(options);
        await expect(p).rejects.toThrow(BackendError);
        await expect(p).rejects.toThrow(message);
      }
    });
  });
});
