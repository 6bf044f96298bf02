import { defineConfig } from 'tsup';

/** The build every package shares: ESM + .d.ts from src/index.ts. */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
