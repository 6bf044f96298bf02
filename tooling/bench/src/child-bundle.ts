/**
 * Child processes for the cold-start and memory benchmarks, run as plain JavaScript: a child
 * script is bundled once by esbuild (with @nn from src/ or from the built dist/) and run by Node
 * without flags, as an application runs. Under tsx the loader's hooks thread (a second V8 isolate)
 * and its parser's compiled code share the process: they add to its RSS and keep V8's compiler
 * threads busy in the windows these benchmarks time.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A bundled child script; `cleanup` deletes it. */
export interface ChildScript {
  file: string;
  cleanup(): void;
}

/** Whether this process imports @nn from src/ (`--conditions=@nn/source`). */
export const fromSource = process.execArgv.some((a) => a.includes('@nn/source'));

/**
 * Bundles `entry` (a file of this folder) into a temporary folder of this package: the other
 * libraries stay external (node_modules), and the wasm kernels are copied to where
 * @nn/wasm-backend looks for them ('../wasm/' from its code).
 */
export async function bundleChild(entry: string, source = fromSource): Promise<ChildScript> {
  const { build } = await import('esbuild');
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = mkdtempSync(join(here, '..', '.child-'));
  const file = join(dir, 'dist', 'child.mjs');
  await build({
    entryPoints: [join(here, entry)],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: source ? ['@nn/source'] : [],
    external: ['@tensorflow/*', '@jax-js/*', 'webgpu'],
    // No module of the bundle is the entry script: `isMain` blocks (mlp.ts's) must not run.
    define: { 'process.argv': '[]' },
    logLevel: 'error',
  });
  const wasm = dirname(fileURLToPath(import.meta.resolve('@nn/wasm-backend/wasm/nn.wasm')));
  cpSync(wasm, join(dir, 'wasm'), { recursive: true });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the child with `env` added; its report is the first stdout line that starts with '{'. */
export function runChildScript(child: ChildScript, env: Record<string, string>): { report: unknown } | { error: string } {
  const r = spawnSync(process.execPath, [child.file], { encoding: 'utf8', env: { ...process.env, ...env } });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) {
    return { error: `child exited with ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ').slice(0, 240)}` };
  }
  return { report: JSON.parse(line) };
}
