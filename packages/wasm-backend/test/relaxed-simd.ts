/**
 * Turns on relaxed SIMD for this test process where the engine has it only behind a flag (Node 20:
 * --experimental-wasm-relaxed-simd, settable at run time), so the relaxed builds are tested on
 * every Node that can run them. Says loudly when they cannot run here (their tests then skip).
 */
import { setFlagsFromString } from 'node:v8';
import { relaxedSimdSupported } from '../src/wasm-files.js';

export function enableRelaxedSimd(): boolean {
  if (!relaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');
  const ok = relaxedSimdSupported();
  if (!ok)
    console.warn(`SKIPPED: this engine (Node ${process.version}) has no relaxed SIMD, so the relaxed-SIMD builds are not tested here`);
  return ok;
}
