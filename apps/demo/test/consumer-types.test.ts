// The published .d.ts files must compile in a consumer's project: built with tsup (the build
// `pnpm size` and the packaging tests share, tooling/ci/dist.ts), resolved through package.json
// `exports` without the `@nn/source` condition, checked by tsc with --strict, no @types/node and no
// skipLibCheck, in a Node and in a browser setup. (pack-install.test.ts does the same on npm installs
// of the packed tarballs; this one also checks the browser resolution and `using`.)
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, buildDist, published, run } from '../../../tooling/ci/dist.js';

const consumer = mkdtempSync(join(tmpdir(), 'nn-consumer-types-'));
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

beforeAll(async () => {
  const modules = join(consumer, 'node_modules');
  await buildDist();
  for (const { dir, pkg } of published) {
    const target = join(modules, pkg.name);
    cpSync(join(dir, 'dist'), join(target, 'dist'), { recursive: true });
    cpSync(join(dir, 'package.json'), join(target, 'package.json'));
    // What an install brings along: the runtime dependencies (never the devDependencies).
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (dep.startsWith('@nn/')) continue;
      const link = join(modules, dep);
      mkdirSync(dirname(link), { recursive: true });
      try {
        symlinkSync(realpathSync(join(dir, 'node_modules', dep)), link);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(consumer, 'common.ts'),
    `import { tensor, randn, tidy, setBackend, type Tensor } from '@nn/tensor';
import { grad } from '@nn/autograd';
import { Sequential, Linear, ReLU, CrossEntropyLoss } from '@nn/layers';
import { Adam } from '@nn/optim';
import { DataLoader, TensorDataset, makeSpiral, Standardize } from '@nn/data';
import { fit, EarlyStopping, ProgressEvents } from '@nn/train';
import { initWasm } from '@nn/wasm-backend';
import { initWebGPU } from '@nn/webgpu-backend';

const t: Tensor = tidy(() => tensor([[1, 2], [3, 4]]).matmul(randn([2, 2])));
t[Symbol.dispose]();
const g = grad((x: Tensor) => x.mul(x).sum())(tensor([1, 2]));
const { x, y } = makeSpiral({ n: 30, classes: 3, seed: 0 });
const s = Standardize.fit(x);
s[Symbol.dispose]();
const model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 3));
const lossFn = new CrossEntropyLoss();
export const history = await fit(model, {
  train: new DataLoader(new TensorDataset(x, y), { batchSize: 10 }),
  loss: (out, target) => lossFn(out, target),
  optimizer: new Adam(model.parameters(), { lr: 0.01 }),
  epochs: 1,
  callbacks: [new EarlyStopping({ patience: 1 }), new ProgressEvents(() => {})],
});
export const last: number | undefined = history.epochs.at(-1)?.loss;
export async function backends(): Promise<void> {
  await initWasm();
  await initWebGPU({ powerPreference: 'high-performance' });
  setBackend('cpu');
}
export { g };
`,
  );
  // Node-only: the /node entries, and \`using\` (its Disposable type is in the esnext lib).
  writeFileSync(
    join(consumer, 'node.ts'),
    `import { tensor } from '@nn/tensor';
import { initWebGPU } from '@nn/webgpu-backend/node';
import { ProgressBar } from '@nn/train/node';

{
  using t = tensor([1, 2, 3]);
  t.sum().dispose();
}
export const init: () => Promise<unknown> = initWebGPU;
export const bar = new ProgressBar();
`,
  );
  const strict = { strict: true, noEmit: true };
  const configs = {
    'tsconfig.node.json': { compilerOptions: { ...strict, module: 'nodenext' }, files: ['common.ts', 'node.ts'] },
    'tsconfig.browser.json': {
      compilerOptions: { ...strict, target: 'es2022', lib: ['es2022', 'dom'], module: 'esnext', moduleResolution: 'bundler' },
      files: ['common.ts'],
    },
  };
  for (const [name, config] of Object.entries(configs)) writeFileSync(join(consumer, name), JSON.stringify(config));
}, 300_000);

describe('published types in a consumer project', () => {
  it.each(['tsconfig.node.json', 'tsconfig.browser.json'])('%s: tsc --noEmit has no errors', async (config) => {
    const { code, out } = await run(bin('tsc'), ['-p', config, '--listFiles'], consumer);
    const lines = out.split('\n');
    expect(lines.filter((l) => /error TS\d+/.test(l))).toEqual([]);
    expect(code, out).toBe(0);
    // The built declarations were checked, not the sources, and without Node's types.
    for (const { pkg } of published)
      expect(
        lines.some((f) => f.includes(`/node_modules/${pkg.name}/dist/`)),
        pkg.name,
      ).toBe(true);
    expect(lines.filter((f) => f.includes('/@types/node/'))).toEqual([]);
    // nodenext implies the esnext lib, so there tsc merges its Symbol.dispose with @nn/tensor's.
    expect(lines.some((f) => f.endsWith('/lib.esnext.disposable.d.ts'))).toBe(config === 'tsconfig.node.json');
  });
});
