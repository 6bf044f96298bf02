/**
 * The tarballs as a registry would get them: every public package built (tooling/ci/dist.ts, the
 * build `pnpm size` measures) and packed with `pnpm pack` (which applies .pnpmfile.cjs), then
 * - contents: LICENSE (the repo's), README, dist; no source maps, no src/; every `exports`,
 *   `main` and `types` target present; no `@nn/source` condition or `workspace:` range left;
 *   license, repository (with its directory), homepage and keywords set;
 * - publint (strict: warnings fail too) and "are the types wrong" (attw, ESM-only profile) on each;
 * - `changeset version` and `npm publish --dry-run` of the versioned tarballs, in a temporary copy
 *   of the workspace's manifests so the repository is not modified.
 * pack-install.test.ts installs the same tarballs with npm and runs programs against them.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Manifest,
  type Tarball,
  bin,
  cleanEnv,
  packPublished,
  pnpmCommand,
  pool,
  published,
  repo,
  run,
  runOk,
} from '../../../tooling/ci/dist.js';

const work = mkdtempSync(join(tmpdir(), 'nn-packaging-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let tarballs: Map<string, Tarball>;
/** Each tarball extracted: folder name -> its package/ directory. */
const unpacked = new Map<string, string>();

beforeAll(async () => {
  tarballs = await packPublished(work);
  await pool([...tarballs.values()], 4, async (t) => {
    const dir = join(work, 'unpacked', t.folder);
    mkdirSync(dir, { recursive: true });
    await runOk('tar', ['-xzf', t.file, '-C', dir], work);
    unpacked.set(t.folder, join(dir, 'package'));
  });
}, 300_000);

const names = published.map(({ pkg }) => pkg.name);
const tarball = (name: string): Tarball => {
  const t = tarballs.get(name);
  if (t === undefined) throw new Error(`no tarball for ${name}: pnpm pack did not pack it`);
  return t;
};
const manifestOf = (t: Tarball): Manifest => JSON.parse(readFileSync(join(unpacked.get(t.folder)!, 'package.json'), 'utf8')) as Manifest;

/** Every string in an `exports` value (all conditions, all subpaths). */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(targets);
}

describe('tarball contents', () => {
  it('packs every public package', () => {
    expect([...tarballs.keys()].sort()).toEqual([...names].sort());
  });

  it.each(names)('%s: LICENSE, README and dist only; every export target is in it', (name) => {
    const t = tarball(name);
    const files = t.files;
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(unpacked.get(t.folder)!, 'LICENSE'), 'utf8'), 'the package LICENSE must be a copy of the repository one').toBe(
      readFileSync(join(repo, 'LICENSE'), 'utf8'),
    );
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    // Source maps are not shipped (tooling/tsup.base.ts says why), nor the TypeScript sources.
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);

    const pkg = manifestOf(t);
    const exported = [...targets(pkg.exports), pkg.main, pkg.types].filter((f): f is string => typeof f === 'string');
    const missing = exported.filter((f) => !files.includes(f.replace(/^\.\//, '')));
    expect(missing, `${name}: package.json points at files the tarball lacks`).toEqual([]);
    expect(JSON.stringify(pkg.exports), '.pnpmfile.cjs strips the @nn/source condition when packing').not.toContain('@nn/source');
    const ranges = Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies }).filter(([, v]) => v.startsWith('workspace:'));
    expect(ranges, 'pnpm pack replaces workspace: ranges with versions').toEqual([]);
  });

  it.each(names)('%s: license, repository, homepage, keywords', (name) => {
    const t = tarball(name);
    const pkg = manifestOf(t) as Manifest & {
      repository?: { url?: string; directory?: string };
      homepage?: string;
      keywords?: string[];
      license?: string;
    };
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository?.url).toBe('git+https://github.com/nn-js/nn.git');
    expect(pkg.repository?.directory).toBe(`packages/${t.folder}`);
    expect(pkg.homepage).toBe(`https://github.com/nn-js/nn/tree/main/packages/${t.folder}#readme`);
    expect(pkg.keywords?.length ?? 0).toBeGreaterThan(2);
  });
});

describe('package linters', () => {
  it.each(names)('%s: publint --strict reports nothing', async (name) => {
    const t = tarball(name);
    const data = readFileSync(t.file);
    const { messages, pkg } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
      strict: true,
      level: 'suggestion',
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  it('attw (ESM-only profile): the types resolve like the JavaScript for node16 and bundlers', async () => {
    const failures: string[] = [];
    await pool([...tarballs.values()], 2, async (t) => {
      // Asset subpaths (the .wasm files) are not modules: nothing for TypeScript to resolve there.
      const assets = Object.entries(manifestOf(t).exports ?? {})
        .filter(([, target]) => typeof target === 'string' && !/\.(m?js|d\.ts)$/.test(target))
        .map(([subpath]) => subpath);
      const args = [
        t.file,
        '--profile',
        'esm-only',
        '--format',
        'table-flipped',
        ...(assets.length > 0 ? ['--exclude-entrypoints', ...assets] : []),
      ];
      const { code, out } = await run(bin('attw'), args, work);
      if (code !== 0) failures.push(`${t.name}:\n${out}`);
    });
    expect(failures).toEqual([]);
  });
});

describe('release', () => {
  it('changeset version, then npm publish --dry-run of every versioned tarball (in a temporary copy)', async () => {
    const copy = join(work, 'release');
    const workspaceDirs = ['packages', 'apps', 'tooling'].flatMap((top) =>
      readdirSync(join(repo, top))
        .map((d) => join(repo, top, d))
        .filter((d) => existsSync(join(d, 'package.json'))),
    );
    // What changeset version and pnpm pack read: manifests, changesets, and the public packages' files.
    for (const f of ['package.json', 'pnpm-workspace.yaml', '.pnpmfile.cjs', 'LICENSE', '.changeset'])
      cpSync(join(repo, f), join(copy, f), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules')); // the changelog generator
    const byName = new Map<string, string>();
    for (const dir of workspaceDirs) {
      const target = join(copy, relative(repo, dir));
      mkdirSync(target, { recursive: true });
      cpSync(join(dir, 'package.json'), join(target, 'package.json'));
      byName.set((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest).name, target);
    }
    for (const { dir } of published) {
      const target = join(copy, relative(repo, dir));
      for (const f of ['README.md', 'LICENSE', 'dist', 'wasm'])
        if (existsSync(join(dir, f))) cpSync(join(dir, f), join(target, f), { recursive: true });
    }

    await runOk(bin('changeset'), ['version'], copy, { CI: 'true' });
    const versioned = new Map<string, string>();
    for (const { dir, pkg } of published) {
      const target = join(copy, relative(repo, dir));
      const after = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as Manifest;
      expect(after.version, `${pkg.name}: changeset version did not bump it`).not.toBe(pkg.version);
      expect(existsSync(join(target, 'CHANGELOG.md')), `${pkg.name}: no CHANGELOG.md`).toBe(true);
      versioned.set(pkg.name, after.version);
    }

    // pnpm pack resolves workspace: ranges through node_modules links, as an install makes them.
    for (const [, target] of byName) {
      const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as Manifest &
        Record<string, Record<string, string> | undefined>;
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
          if (!range.startsWith('workspace:')) continue;
          const link = join(target, 'node_modules', dep);
          mkdirSync(dirname(link), { recursive: true });
          if (!existsSync(link)) symlinkSync(byName.get(dep)!, link);
        }
      }
    }
    const out = join(copy, 'tarballs');
    const [cmd, ...pre] = pnpmCommand();
    await runOk(cmd, [...pre, '-r', ...names.flatMap((n) => ['--filter', n]), 'pack', '--pack-destination', out], copy);

    const results: string[] = [];
    await pool(readdirSync(out), 4, async (file) => {
      const { code, out: log } = await run('npm', ['publish', '--dry-run', '--access', 'public', join(out, file)], out, cleanEnv());
      const published = /^\+ (@nn\/[\w-]+)@(\S+)$/m.exec(log);
      results.push(
        code === 0 && published ? `${published[1]}@${published[2]}` : `${file}: npm publish --dry-run failed (exit ${code}):\n${log}`,
      );
    });
    expect(results.sort()).toEqual([...versioned].map(([n, v]) => `${n}@${v}`).sort());
  }, 120_000);
});
