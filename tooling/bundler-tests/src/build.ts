/**
 * Builds the page program (app/) with each bundler, minified, into its own folder, from the
 * packages' TypeScript sources (the `@nn/source` export condition), as a user's app would bundle
 * the published packages. Each result is a folder to serve whose index.html runs the program.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const APP = fileURLToPath(new URL('../app/', import.meta.url));
const SOURCE = '@nn/source';

export type BundlerName = 'esbuild-esm' | 'esbuild-iife' | 'vite' | 'webpack';
export const BUNDLERS: BundlerName[] = ['esbuild-esm', 'esbuild-iife', 'vite', 'webpack'];

export interface FileSize {
  file: string;
  bytes: number;
  gzip: number;
}

export interface Built {
  bundler: BundlerName;
  /** The folder to serve; its index.html runs the program. */
  root: string;
  /** Emitted JavaScript and .wasm files, with their sizes. */
  js: FileSize[];
  wasm: FileSize[];
  ms: number;
}

const html = (script: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>nn bundled training</title></head><body>${script}</body></html>`;

/**
 * esbuild: the kernel files are imported (app/main-esbuild.ts) with the 'file' loader. ESM: the
 * bundle goes to assets/ and `publicPath` makes the emitted URLs absolute. IIFE (no import.meta):
 * the page sits beside the bundle, so the relative URLs esbuild gives resolve against the page.
 */
async function esbuild(root: string, format: 'esm' | 'iife', entry = 'main-esbuild.ts'): Promise<void> {
  const { build } = await import('esbuild');
  const outdir = format === 'esm' ? join(root, 'assets') : root;
  await build({
    entryPoints: { main: join(APP, entry) },
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    minify: true,
    conditions: [SOURCE],
    loader: { '.wasm': 'file' },
    assetNames: '[name]-[hash]',
    ...(format === 'esm' ? { publicPath: '/assets/' } : {}),
    outdir,
    logLevel: 'error',
  });
  const script = format === 'esm' ? '<script type="module" src="/assets/main.js"></script>' : '<script src="./main.js"></script>';
  writeFileSync(join(root, 'index.html'), html(script));
}

/**
 * esbuild with the entry that passes no wasm options (what an unaware user writes): the page must
 * get initWasm's typed error saying what to do, not `Invalid URL` (IIFE) or a bare 404 (ESM).
 */
export async function buildEsbuildWithoutOptions(format: 'esm' | 'iife', root: string): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  await esbuild(root, format, 'main-default.ts');
}

/** esbuild ESM of another program in app/ (e.g. csp-app.ts) into `root` (emptied first). */
export async function buildEsbuildEntry(entry: string, root: string): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  await esbuild(root, 'esm', entry);
}

/** Vite: no configuration besides the source condition; it emits the wasm files it finds in `new URL(…, import.meta.url)`. */
async function vite(root: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: APP,
    logLevel: 'error',
    resolve: { conditions: [SOURCE, 'module', 'browser', 'development|production'] },
    build: { outDir: root, emptyOutDir: true, reportCompressedSize: false },
  });
}

/** webpack 5: asset modules handle `new URL(…, import.meta.url)`; a small loader strips TypeScript. */
async function webpack(root: string): Promise<void> {
  const { default: wp } = await import('webpack');
  const compiler = wp({
    mode: 'production',
    context: APP,
    entry: './main-default.ts',
    output: { path: root, filename: 'main.js', publicPath: 'auto' },
    resolve: {
      extensions: ['.ts', '.js'],
      extensionAlias: { '.js': ['.ts', '.js'] },
      conditionNames: [SOURCE, 'browser', 'import', 'module', 'default'],
    },
    module: { rules: [{ test: /\.ts$/, loader: fileURLToPath(new URL('./ts-loader.cjs', import.meta.url)) }] },
    performance: false,
    devtool: false,
    infrastructureLogging: { level: 'error' },
  });
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
    compiler.run((err, s) => (err || !s ? reject(err ?? new Error('webpack: no stats')) : resolve(s)));
  });
  await new Promise<void>((resolve) => compiler.close(() => resolve()));
  if (stats.hasErrors()) throw new Error(`webpack: ${stats.toString({ all: false, errors: true })}`);
  const warnings = stats.toJson({ all: false, warnings: true }).warnings ?? [];
  if (warnings.length > 0) throw new Error(`webpack warnings: ${warnings.map((w) => `${w.moduleName ?? ''}: ${w.message}`).join('\n')}`);
  writeFileSync(join(root, 'index.html'), html('<script defer src="./main.js"></script>'));
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function sizes(root: string, ext: string): FileSize[] {
  return files(root)
    .filter((f) => f.endsWith(ext))
    .map((f) => {
      const b = readFileSync(f);
      return { file: relative(root, f), bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
    });
}

/** Builds the program with one bundler into `root` (emptied first). */
export async function buildWith(bundler: BundlerName, root: string): Promise<Built> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const t0 = performance.now();
  if (bundler === 'esbuild-esm') await esbuild(root, 'esm');
  else if (bundler === 'esbuild-iife') await esbuild(root, 'iife');
  else if (bundler === 'vite') await vite(root);
  else await webpack(root);
  return { bundler, root, js: sizes(root, '.js'), wasm: sizes(root, '.wasm'), ms: Math.round(performance.now() - t0) };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** One line per bundle: JavaScript minified and gzipped (all chunks), and the .wasm files emitted. */
export function sizeLine(b: Built): string {
  const sum = (list: FileSize[], k: 'bytes' | 'gzip') => list.reduce((s, f) => s + f[k], 0);
  const wasm = b.wasm.map((f) => `${f.file} ${kb(f.bytes)} (gzip ${kb(f.gzip)})`).join(', ');
  return `${b.bundler.padEnd(12)} js ${kb(sum(b.js, 'bytes'))} min, ${kb(sum(b.js, 'gzip'))} gzip in ${b.js.length} file(s); wasm: ${wasm || 'none'}; built in ${b.ms} ms`;
}
