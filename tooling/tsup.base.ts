import { defineConfig } from 'tsup';

/**
 * The build every package shares: ESM + .d.ts from src/index.ts.
 * No source maps: the output is unminified ESM that keeps names and marks each source file
 * (`// src/ops/movement.ts`), so stack traces already read like the sources, and maps (whose
 * sourcesContent repeated the sources) made the tarballs about 3x larger.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'es2022',
});
