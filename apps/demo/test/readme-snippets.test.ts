// Every ```ts block of the root README, CONTRIBUTING.md, docs/backend.md, docs/architecture.md, examples/README.md and packages/*/README.md
// runs as a module (top-level await allowed) against the workspace sources, and exits with code 0.
// A block that cannot run on its own says why in an HTML comment on the line before it:
// <!-- not-run: reason -->.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const demo = fileURLToPath(new URL('../', import.meta.url));

interface Snippet {
  readme: string;
  line: number;
  code: string;
  notRun: string | null;
}

class ReadmeFormatError extends Error {}

/** The ```ts blocks of one README, with the reason of a not-run marker before each if any. */
export function extractSnippets(readme: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i] ?? '')) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new ReadmeFormatError(`${readme}:${i + 1}: unclosed code block`);
    let prev = i - 1;
    while (prev >= 0 && lines[prev]?.trim() === '') prev--;
    const marker = /^<!--\s*not-run:\s*(.+?)\s*-->$/.exec(lines[prev]?.trim() ?? '');
    out.push({ readme, line: i + 1, code: lines.slice(i + 1, end).join('\n'), notRun: marker?.[1] ?? null });
    i = end;
  }
  return out;
}

const readmes = [
  'README.md',
  'CONTRIBUTING.md',
  'docs/backend.md',
  'docs/architecture.md',
  'examples/README.md',
  ...readdirSync(join(repo, 'packages')).map((d) => `packages/${d}/README.md`),
];
const snippets = readmes.flatMap((r) => extractSnippets(r, readFileSync(join(repo, r), 'utf8')));

// Snippets run in a scratch directory (files they save land there), whose node_modules is the demo
// app's: it depends on every @nn package, and on tsx.
const work = mkdtempSync(join(tmpdir(), 'nn-readme-'));
symlinkSync(join(demo, 'node_modules'), join(work, 'node_modules'));
writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ extends: join(repo, 'tooling/tsconfig/base.json') }));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runModule(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@nn/source', '--import', 'tsx', file], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 50_000,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('README snippets', () => {
  it('finds the blocks, including the README taste', () => {
    expect(snippets.some((s) => s.readme === 'README.md' && s.notRun === null)).toBe(true);
    expect(snippets.length).toBeGreaterThan(10);
  });

  for (const s of snippets) {
    const name = `${s.readme}:${s.line}`;
    if (s.notRun !== null) {
      it.skip(`${name} (not run: ${s.notRun})`, () => {});
      continue;
    }
    it(name, async () => {
      const file = join(work, `${name.replace(/[^\w]+/g, '-')}.mts`);
      writeFileSync(file, `${s.code}\n`);
      const { code, out } = await runModule(file);
      expect(code, `${name} exited with ${code}:\n${out}`).toBe(0);
    });
  }
});
