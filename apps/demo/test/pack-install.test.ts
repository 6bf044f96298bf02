/**
 * What a user gets from the registry: the packed tarballs (tooling/ci/dist.ts packPublished)
 * installed with plain npm into fresh projects outside the workspace, then small TypeScript
 * programs against them, compiled by tsc (strict, nodenext, no @types/node, no skipLibCheck: the
 * published types must resolve) and run:
 * - @nn/tensor alone; @nn/tensor + @nn/autograd; the training stack (a tiny fit) on cpu;
 * - the same fit with each backend added and selected in one line: wasm, and WebGPU in Node (Dawn;
 *   needs VK_ICD_FILENAMES, see .ci/webgpu.env);
 * - the same fit bundled by esbuild from the installed packages and run in headless Chromium on
 *   cpu, wasm (two threads on a cross-origin isolated page) and WebGPU.
 * One deduplicated @nn/tensor in every install (`npm ls`). Missing WebGPU driver or Chromium: the
 * test skips loudly, or fails under NN_REQUIRE_ALL_TESTS=1.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The bundler tests' Chromium launcher and static server (COOP/COEP with ?coi=1), reused as is.
import { CHROMIUM, haveChromium, launch } from '../../../tooling/bundler-tests/src/browser.js';
import { serve } from '../../../tooling/bundler-tests/src/serve.js';
import { type Tarball, bin, cleanEnv, packPublished, pool, runOk } from '../../../tooling/ci/dist.js';

const REQUIRE_ALL = process.env.NN_REQUIRE_ALL_TESTS === '1';
const haveVulkan = (process.env.VK_ICD_FILENAMES ?? '') !== '';

/** Skips with a loud warning, or throws under NN_REQUIRE_ALL_TESTS=1. */
function unavailable(what: string, why: string): boolean {
  const message = `pack-install.test.ts: ${what} cannot run: ${why}. To run it: \`bash tooling/ci/install-webgpu.sh && set -a && . .ci/webgpu.env && set +a\`.`;
  if (REQUIRE_ALL) throw new Error(`${message} (NN_REQUIRE_ALL_TESTS=1 makes that a failure)`);
  console.warn(`\n*** SKIPPING ${message}\n`);
  return true;
}
const skipWebGPU = !haveVulkan && unavailable('WebGPU in Node', 'VK_ICD_FILENAMES is not set (Dawn needs a Vulkan driver)');
const skipBrowser = !haveChromium && unavailable('the browser run', `no Chromium at ${CHROMIUM} (set NN_CHROMIUM)`);

const work = mkdtempSync(join(tmpdir(), 'nn-pack-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---- the consumer programs -------------------------------------------------------------------

const TENSOR = `import { manualSeed, randn, tensor, tidy } from '@nn/tensor';

const a = tensor([[1, 2], [3, 4]]);
const product = tidy(() => a.matmul(tensor([[1], [-1]])).add(0.5));
manualSeed(0);
const r1 = randn([4]).arraySync();
manualSeed(0);
const r2 = randn([4]).arraySync();
console.log(JSON.stringify({ dtype: a.dtype, product: product.arraySync(), sum: a.sum(0).arraySync(), seeded: JSON.stringify(r1) === JSON.stringify(r2) }));
`;

const AUTOGRAD = `import { type Tensor, tensor } from '@nn/tensor';
import { grad } from '@nn/autograd';

const x = tensor([1, 2, 3]).requiresGrad_();
x.mul(x).sum().backward(); // d/dx sum(x^2) = 2x
const cube = grad((t: Tensor) => t.pow(3).sum())(tensor([1, 2])) as Tensor; // 3x^2 (one argnum: one gradient)
console.log(JSON.stringify({ backward: x.grad?.arraySync(), grad: cube.arraySync() }));
`;

/** The training program every stack run shares: a small MLP on a seeded spiral, fit with Adam. */
const TRAIN = `import { getBackend, manualSeed } from '@nn/tensor';
import { DataLoader, TensorDataset, makeSpiral } from '@nn/data';
import { Linear, ReLU, Sequential, crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { fit } from '@nn/train';

export interface Trained {
  backend: string;
  losses: number[];
  accuracy: number;
}

export async function train(): Promise<Trained> {
  manualSeed(0);
  const { x, y } = makeSpiral({ n: 150, classes: 3, seed: 0 });
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 25, shuffle: true, seed: 0 });
  const model = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 3));
  const history = await fit(model, {
    train: loader,
    loss: (out, target) => crossEntropy(out, target),
    optimizer: new Adam(model.parameters(), { lr: 0.05 }),
    epochs: 15,
    metrics: ['accuracy'],
    progress: false,
  });
  return { backend: getBackend().name, losses: history.epochs.map((e) => e.loss), accuracy: history.epochs.at(-1)?.accuracy ?? Number.NaN };
}
`;

// Each backend: its package imported and selected in one line, then the same program.
const MAIN_CPU = `import { train } from './train.js';

console.log(JSON.stringify(await train()));
`;
const MAIN_WASM = `import { setBackend } from '@nn/tensor';
import { initWasm } from '@nn/wasm-backend';
import { train } from './train.js';

await initWasm(); setBackend('wasm');
console.log(JSON.stringify(await train()));
`;
const MAIN_WEBGPU = `import { setBackend } from '@nn/tensor';
import { initWebGPU } from '@nn/webgpu-backend/node';
import { train } from './train.js';

const gpu = await initWebGPU(); setBackend('webgpu');
console.log(JSON.stringify(await train()));
gpu.dispose();
`;
// The page: esbuild does not follow new URL(…, import.meta.url), so the .wasm files are imported
// with its 'file' loader and passed to initWasm (the way @nn/wasm-backend's README says).
const BROWSER = `import { setBackend } from '@nn/tensor';
import { initWasm } from '@nn/wasm-backend';
import wasmUrl from '@nn/wasm-backend/wasm/nn.wasm';
import threadedWasmUrl from '@nn/wasm-backend/wasm/nn-threads.wasm';
import { initWebGPU } from '@nn/webgpu-backend';
import { type Trained, train } from './train.js';

interface PageResult {
  runs: (Trained & { threads?: number })[];
  webgpu: boolean;
  error?: string;
}
declare global {
  interface Window {
    __packResult?: PageResult;
  }
}

async function main(): Promise<PageResult> {
  const runs: PageResult['runs'] = [await train()];
  const wasm = await initWasm({ wasmUrl, threadedWasmUrl }); setBackend('wasm');
  runs.push({ ...(await train()), threads: wasm.threads });
  const webgpu = navigator.gpu !== undefined && (await navigator.gpu.requestAdapter()) !== null;
  if (webgpu) {
    const gpu = await initWebGPU(); setBackend('webgpu');
    runs.push(await train());
    gpu.dispose();
  }
  return { runs, webgpu };
}
main().then(
  (r) => void (window.__packResult = r),
  (e: unknown) => void (window.__packResult = { runs: [], webgpu: false, error: e instanceof Error ? \`\${e.name}: \${e.message}\` : String(e) }),
);
`;
const WASM_DTS = `declare module '*.wasm' {
  const url: string;
  export default url;
}
`;

// ---- the projects ----------------------------------------------------------------------------

interface Project {
  name: string;
  /** Packages whose tarballs it installs. */
  packages: string[];
  /** Registry packages installed next to them. */
  extra: string[];
  sources: Record<string, string>;
  dir: string;
}

const STACK = ['@nn/tensor', '@nn/autograd', '@nn/layers', '@nn/optim', '@nn/data', '@nn/train', '@nn/wasm-backend', '@nn/webgpu-backend'];
const projects: Project[] = [
  { name: 'tensor', packages: ['@nn/tensor'], extra: [], sources: { 'main.ts': TENSOR }, dir: '' },
  { name: 'autograd', packages: ['@nn/tensor', '@nn/autograd'], extra: [], sources: { 'main.ts': AUTOGRAD }, dir: '' },
  {
    name: 'stack',
    packages: STACK,
    // webgpu (Dawn, 130 MB) only where it can run: it is an optional peer of @nn/webgpu-backend.
    extra: skipWebGPU ? [] : ['webgpu@0.6.2'],
    sources: {
      'train.ts': TRAIN,
      'main-cpu.ts': MAIN_CPU,
      'main-wasm.ts': MAIN_WASM,
      'main-webgpu.ts': MAIN_WEBGPU,
      'browser.ts': BROWSER,
      'wasm.d.ts': WASM_DTS,
    },
    dir: '',
  },
];
const project = (name: string): Project => projects.find((p) => p.name === name)!;

/** What a consumer's tsconfig commonly is: strict, Node's ESM resolution, no Node types, libs checked. */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    target: 'es2022',
    lib: ['es2022', 'dom'],
    types: [],
    skipLibCheck: false,
    outDir: 'out',
  },
  include: ['*.ts'],
};

let tarballs: Map<string, Tarball>;
const timings: Record<string, number> = {};
async function timed<T>(label: string, job: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await job();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

beforeAll(async () => {
  tarballs = await timed('build + pack', () => packPublished(work));
  await pool(projects, 3, async (p) => {
    p.dir = join(work, p.name);
    mkdirSync(p.dir, { recursive: true });
    writeFileSync(join(p.dir, 'package.json'), JSON.stringify({ name: `consumer-${p.name}`, private: true, type: 'module' }));
    writeFileSync(join(p.dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    for (const [file, text] of Object.entries(p.sources)) writeFileSync(join(p.dir, file), text);
    const files = p.packages.map((n) => {
      const t = tarballs.get(n);
      if (t === undefined) throw new Error(`no tarball for ${n}`);
      return t.file;
    });
    // A plain npm install of the tarballs (their third-party dependencies from the registry).
    await timed(`npm install (${p.name})`, () =>
      runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...files, ...p.extra], p.dir, cleanEnv()),
    );
  });
  // tsc type-checks the programs against the installed declarations and emits what node runs.
  await pool(projects, 2, (p) => timed(`tsc (${p.name})`, () => runOk(bin('tsc'), ['-p', 'tsconfig.json'], p.dir)).then(() => {}));
}, 300_000);

afterAll(() => console.log(`pack-install timings (ms): ${JSON.stringify(timings)}`));

async function runProgram<T>(p: Project, file: string): Promise<T> {
  const { stdout } = await timed(`${p.name}/${file}`, () => runOk(process.execPath, [join('out', file)], p.dir, cleanEnv()));
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}

interface Trained {
  backend: string;
  losses: number[];
  accuracy: number;
  threads?: number;
}

/** The cpu run's losses, which every other backend must reproduce (same seed, float32 everywhere). */
let cpuLosses: number[] | undefined;

/** The fit learned: 15 epochs (90 steps) of finite, falling losses, better than chance (1/3). */
function expectLearned(r: Trained, backend: string): void {
  const losses = `losses: ${r.losses.join(', ')}`;
  expect(r.backend).toBe(backend);
  expect(r.losses).toHaveLength(15);
  expect(r.losses.every(Number.isFinite), losses).toBe(true);
  expect(r.losses.at(-1)!, losses).toBeLessThan(r.losses[0] * 0.7);
  expect(r.accuracy).toBeGreaterThan(0.55);
  if (backend === 'cpu') cpuLosses ??= r.losses;
  else if (cpuLosses !== undefined)
    for (const [i, l] of r.losses.entries()) expect(l, `${backend} vs cpu, epoch ${i + 1}`).toBeCloseTo(cpuLosses[i], 3);
}

describe('installed from the tarballs with npm', () => {
  it.each(projects.map((p) => p.name))('%s: one @nn/tensor, from its tarball (npm ls)', async (name) => {
    const p = project(name);
    const { stdout } = await runOk('npm', ['ls', '@nn/tensor', '--all', '--json'], p.dir, cleanEnv());
    interface Node {
      version?: string;
      resolved?: string;
      dependencies?: Record<string, Node>;
    }
    const seen: string[] = [];
    const walk = (deps: Record<string, Node> = {}, path: string): void => {
      for (const [n, node] of Object.entries(deps)) {
        if (n === '@nn/tensor') seen.push(`${path} > ${n}@${node.version} ${node.resolved ?? '(deduped)'}`);
        walk(node.dependencies, `${path} > ${n}`);
      }
    };
    walk((JSON.parse(stdout) as Node).dependencies, p.name);
    expect(seen.length).toBeGreaterThan(0);
    expect(
      seen.every((s) => s.includes('@nn/tensor@0.0.0') || /@nn\/tensor@\d/.test(s)),
      seen.join('\n'),
    ).toBe(true);
    // Exactly one copy on disk, and it is the packed one (not a registry package of that name).
    const copies: string[] = [];
    const find = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir)) {
        const sub = join(dir, entry);
        if (entry === '@nn' && existsSync(join(sub, 'tensor'))) copies.push(relative(p.dir, join(sub, 'tensor')));
        if (entry.startsWith('@')) for (const scoped of readdirSync(sub)) find(join(sub, scoped, 'node_modules'));
        else find(join(sub, 'node_modules'));
      }
    };
    find(join(p.dir, 'node_modules'));
    expect(copies).toEqual([join('node_modules', '@nn', 'tensor')]);
    const lock = JSON.parse(readFileSync(join(p.dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    expect(lock.packages['node_modules/@nn/tensor']?.resolved ?? '').toMatch(/^file:.*nn-tensor-[\d.]+\.tgz$/);
  });

  it('@nn/tensor alone: ops, tidy and the seeded RNG', async () => {
    const r = await runProgram<{ dtype: string; product: number[][]; sum: number[]; seeded: boolean }>(project('tensor'), 'main.js');
    expect(r).toEqual({ dtype: 'float32', product: [[-0.5], [-0.5]], sum: [4, 6], seeded: true });
  });

  it('@nn/tensor + @nn/autograd: backward() and grad', async () => {
    const r = await runProgram<{ backward: number[]; grad: number[] }>(project('autograd'), 'main.js');
    expect(r).toEqual({ backward: [2, 4, 6], grad: [3, 12] });
  });

  it('the training stack: fit on cpu', async () => {
    expectLearned(await runProgram<Trained>(project('stack'), 'main-cpu.js'), 'cpu');
  });

  it('+ @nn/wasm-backend, selected in one line', async () => {
    expectLearned(await runProgram<Trained>(project('stack'), 'main-wasm.js'), 'wasm');
  });

  it.skipIf(skipWebGPU)('+ @nn/webgpu-backend in Node (Dawn), selected in one line', async () => {
    expectLearned(await runProgram<Trained>(project('stack'), 'main-webgpu.js'), 'webgpu');
  });
});

describe.skipIf(skipBrowser)('bundled with esbuild from the installed packages, in headless Chromium', () => {
  it('trains on cpu, wasm (2 threads, cross-origin isolated) and WebGPU', async () => {
    const p = project('stack');
    const site = join(p.dir, 'site');
    const result = await timed('esbuild', () =>
      build({
        absWorkingDir: p.dir,
        entryPoints: { main: join(p.dir, 'out', 'browser.js') },
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        loader: { '.wasm': 'file' },
        assetNames: '[name]-[hash]',
        publicPath: '/assets/',
        outdir: join(site, 'assets'),
        logLevel: 'silent',
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    writeFileSync(
      join(site, 'index.html'),
      '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="/assets/main.js"></script></body></html>',
    );
    const server = await serve(site);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && errors.push(`console.error: ${m.text()}`)));
      page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
      const t0 = performance.now();
      await page.goto(`${server.origin}/?coi=1`);
      await page.waitForFunction(() => window.__packResult !== undefined, undefined, { timeout: 60_000 });
      timings.chromium = Math.round(performance.now() - t0);
      const r = (await page.evaluate(() => window.__packResult))!;
      expect(r.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(server.missing).toEqual([]);
      const [cpu, wasm, webgpu] = r.runs;
      expectLearned(cpu, 'cpu');
      expectLearned(wasm, 'wasm');
      expect(wasm.threads).toBe(2);
      if (!r.webgpu) unavailable('WebGPU in Chromium', 'the page found no WebGPU adapter');
      else expectLearned(webgpu, 'webgpu');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

declare global {
  interface Window {
    __packResult?: { runs: Trained[]; webgpu: boolean; error?: string };
  }
}
