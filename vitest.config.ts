import { defineConfig } from 'vitest/config';

// Tests run from TypeScript sources: every package's `exports` has an `@nn/source` condition
// pointing at src/index.ts. Listing conditions replaces Vite's defaults, so they are repeated.
const conditions = ['@nn/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'tooling/bundler-tests/test/**/*.test.ts',
      'examples/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
