// The contributor docs cite real files: every `path` in backticks under a top-level folder of the
// repository (packages/, tooling/, apps/, docs/, .ci/) or a root config file exists, so a move or
// rename that leaves CONTRIBUTING.md or docs/backend.md behind fails here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = ['CONTRIBUTING.md', 'docs/backend.md'];
const PATH = /`((?:packages|tooling|apps|docs|\.ci)\/[\w./-]*|[\w.-]+\.(?:json|ts|md))`/g;

describe('contributor docs cite existing files', () => {
  it.each(DOCS)('%s', (doc) => {
    const text = readFileSync(join(repo, doc), 'utf8');
    const cited = [...new Set([...text.matchAll(PATH)].map((m) => m[1]!))];
    // Names in prose (`index.ts` of some package, a new file in an example) are not repository paths.
    const paths = cited.filter(
      (p) => p.includes('/') || existsSync(join(repo, p)) || /^(package|tsconfig|biome|turbo)\.json$|^vitest\.config\.ts$/.test(p),
    );
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(join(repo, p.replace(/\/$/, ''))))).toEqual([]);
  });
});
