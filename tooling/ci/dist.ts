/**
 * The publishable packages and their dist/ builds, shared by `pnpm size` and the tests that pack,
 * install and type-check them (apps/demo/test/packaging.test.ts, consumer-types.test.ts).
 *
 *   tsx tooling/ci/dist.ts     builds every public package's dist/ (what `pnpm size` measures)
 *
 * Builds run tsup only (as each package's `build` script does after its wasm step: the committed
 * .wasm files are kept fresh by wasm-backend's build test). A package whose inputs have not changed
 * since its last build here is not rebuilt, so CI's size step and the packaging test share one build.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const bin = (name: string): string => join(repo, 'node_modules', '.bin', name);

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Published {
  /** Absolute path of the package folder. */
  dir: string;
  /** Its folder name under packages/. */
  folder: string;
  pkg: Manifest;
}

/** The publishable workspace packages (not private), in folder order. */
export const published: Published[] = readdirSync(join(repo, 'packages'))
  .filter((folder) => existsSync(join(repo, 'packages', folder, 'package.json')))
  .map((folder) => {
    const dir = join(repo, 'packages', folder);
    return { dir, folder, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest };
  })
  .filter(({ pkg }) => pkg.private !== true);

/** A command that could not start or that failed; the message carries its output. */
export class CommandError extends Error {
  override name = 'CommandError';
}

export interface RunResult {
  code: number;
  /** stdout and stderr, interleaved. */
  out: string;
  stdout: string;
}

export function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      out += d;
      stdout += d;
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new CommandError(`${cmd}: ${e.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, out, stdout }));
  });
}

/** Runs a command and throws a CommandError with its output unless it exits with 0. */
export async function runOk(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const result = await run(cmd, args, cwd, env);
  if (result.code !== 0) throw new CommandError(`\`${[cmd, ...args].join(' ')}\` failed (exit ${result.code}) in ${cwd}:\n${result.out}`);
  return result;
}

/** Runs jobs at most `limit` at a time (the machine has 2 cores). */
export async function pool<T>(items: readonly T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item);
    }),
  );
}

/** Files whose content decides a package's dist/: its sources, manifest and build configs. */
function inputs(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(dir, 'src'));
  for (const f of ['package.json', 'tsup.config.ts', 'tsconfig.json']) if (existsSync(join(dir, f))) files.push(join(dir, f));
  files.push(join(repo, 'tooling/tsup.base.ts'), join(repo, 'tooling/tsconfig/base.json'));
  return files;
}

function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const file of inputs(dir)) hash.update(relative(repo, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const stamps = join(repo, 'node_modules', '.cache', 'nn-dist');

/** True if a process with this id is running (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs fn while holding a lock shared by processes (test files run in parallel forks and both
 * build): a directory created atomically, holding the owner's pid; a dead owner's lock is taken over.
 */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {}
      // No pid yet: the owner is between mkdir and write, unless that was long ago.
      const stale = Number.isNaN(owner) ? Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 30_000 : !alive(owner);
      if (stale) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds dist/ of every public package with tsup (2 at a time), skipping the ones already built
 * from the same inputs. Returns the folder names it built and the ones it reused.
 */
export function buildDist(): Promise<{ built: string[]; reused: string[] }> {
  mkdirSync(stamps, { recursive: true });
  return withLock(join(stamps, 'build.lock'), async () => {
    const built: string[] = [];
    const reused: string[] = [];
    await pool(published, 2, async ({ dir, folder }) => {
      const stamp = join(stamps, `${folder}.sha256`);
      const print = fingerprint(dir);
      if (existsSync(join(dir, 'dist', 'index.js')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === print) {
        reused.push(folder);
        return;
      }
      rmSync(stamp, { force: true });
      await runOk(bin('tsup'), ['--silent'], dir);
      writeFileSync(stamp, print);
      built.push(folder);
    });
    return { built, reused };
  });
}

/** How to run pnpm: the one running this process (`pnpm test`), else the pinned one through npx. */
export function pnpmCommand(): [string, ...string[]] {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: only locates pnpm; no turbo task's output depends on it
  const execpath = process.env.npm_execpath;
  if (execpath !== undefined && /pnpm/.test(execpath) && existsSync(execpath)) return [process.execPath, execpath];
  const pinned = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
  return ['npx', '-y', pinned];
}

/** The environment for a package manager run outside the workspace: none of pnpm's npm_* settings. */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) if (/^npm_/i.test(key)) env[key] = undefined;
  return env;
}

export interface Tarball {
  name: string;
  folder: string;
  /** Absolute path of the .tgz. */
  file: string;
  /** Paths inside the tarball, relative to its package/ folder. */
  files: string[];
}

/**
 * Builds (see buildDist) and packs every public package with `pnpm pack` (which applies
 * .pnpmfile.cjs and turns workspace: ranges into versions) into a new folder under `dest`
 * (default: a temporary one). Returns the tarballs by package name.
 */
export async function packPublished(dest = tmpdir()): Promise<Map<string, Tarball>> {
  await buildDist();
  const out = join(dest, `nn-tarballs-${process.pid}-${Date.now()}`);
  mkdirSync(out, { recursive: true });
  const [cmd, ...pre] = pnpmCommand();
  const filters = published.flatMap(({ pkg }) => ['--filter', pkg.name]);
  const { stdout } = await runOk(cmd, [...pre, '-r', ...filters, 'pack', '--pack-destination', out, '--json'], repo);
  const listed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { name: string; filename: string; files: { path: string }[] }[];
  const tarballs = new Map<string, Tarball>();
  for (const t of listed) {
    const folder = published.find(({ pkg }) => pkg.name === t.name)?.folder;
    if (folder === undefined) throw new CommandError(`pnpm pack packed ${t.name}, which is not a public package`);
    tarballs.set(t.name, { name: t.name, folder, file: t.filename, files: t.files.map((f) => f.path).sort() });
  }
  return tarballs;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const { built, reused } = await buildDist();
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`dist/ built for ${built.join(', ') || 'none'}; up to date: ${reused.join(', ') || 'none'} (${s} s)`);
}
