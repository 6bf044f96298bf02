// engines.node is one version across the root and every published package, high enough for the
// Node APIs the sources call, and the README's set-up line names it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  engines?: { node?: string };
}

const read = (path: string) => JSON.parse(readFileSync(join(repo, path), 'utf8')) as Manifest;
const root = read('package.json');
const dirs = readdirSync(join(repo, 'packages'));
const published = dirs.map((d) => read(`packages/${d}/package.json`)).filter((m) => m.private !== true);

/** Node APIs the sources use and the first Node 20 release that has each. */
const NEEDS: Record<string, [number, number]> = { getBuiltinModule: [20, 16] };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
}

describe('engines.node', () => {
  const range = root.engines?.node ?? '';
  const min = /^>=(\d+)\.(\d+)$/.exec(range);

  it('the root names a minimum version', () => {
    expect(min, `root engines.node is '${range}'`).not.toBeNull();
  });

  it.each(published.map((m) => [m.name, m.engines?.node]))('%s matches the root', (_name, node) => {
    expect(node).toBe(range);
  });

  it('covers the Node APIs the sources call', () => {
    const code = dirs
      .filter((d) => existsSync(join(repo, 'packages', d, 'src'))) // test-only packages have none
      .flatMap((d) => sources(join(repo, 'packages', d, 'src')))
      .join('\n');
    const have = [Number(min?.[1]), Number(min?.[2])] as const;
    for (const [api, [major, minor]] of Object.entries(NEEDS)) {
      if (!code.includes(api)) continue;
      expect(
        have[0] > major || (have[0] === major && have[1] >= minor),
        `${api} needs Node >= ${major}.${minor}, engines says ${range}`,
      ).toBe(true);
    }
  });

  it("is the README's set-up requirement", () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    expect(readme).toContain(`Node ≥ ${range.slice(2)}`);
  });
});
