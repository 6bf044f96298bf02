/**
 * The conformance suite on the relaxed-SIMD build (fused multiply-add in matmul), with two threads
 * and every split threshold at its minimum. Skipped, with a warning, where the engine lacks
 * relaxed SIMD even behind its flag.
 */
import { runBackendConformance } from '@nn/backend-tests';
import { describe, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

const thresholds = { elementwise: 1, transcendental: 1, matmul: 1 };

if (enableRelaxedSimd()) {
  runBackendConformance('wasm', () => createWasmBackend({ threads: 2, thresholds, relaxedSimd: true }));
} else {
  describe.skip('backend conformance: wasm, relaxed SIMD (the engine has none)', () => it('runs', () => {}));
}
