/**
 * The terminal progress bar is Node-only ('@nn/train/node'): the main entry never imports
 * cli-progress (browser bundles are checked in tooling/bundler-tests), and fit loads the bar on
 * demand for its default on a TTY or `progress: true`, in Node only.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import { ValueRangeError } from '@nn/tensor';
import * as L from '@nn/layers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fit } from '@nn/train';
import { ProgressBar } from '@nn/train/node';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** A fit of two epochs in a fresh Node from the sources; `setup` runs first. */
function fitInNode(setup: string, fitOptions: string): { status: number | null; out: string; err: string } {
  const code = `
    ${setup}
    import * as T from '@nn/tensor';
    import * as L from '@nn/layers';
    import { fit } from '@nn/train';
    T.manualSeed(0);
    const model = new L.Linear(2, 1);
    // fit disposes each batch after its step: fresh ones every epoch.
    const train = { length: 2, *[Symbol.iterator]() { for (let i = 0; i < 2; i++) yield [T.randn([8, 2]), T.randn([8, 1])]; } };
    const opt = { step() {}, zeroGrad() { model.zeroGrad(); } };
    await fit(model, { train, loss: L.mseLoss, optimizer: opt, epochs: 2, ${fitOptions} });
    console.log('done');
  `;
  const r = spawnSync(process.execPath, ['--conditions=@nn/source', '--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('@nn/train/node', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('the main entry has no import of cli-progress or the node entry that a bundler would follow', () => {
    for (const file of ['index.ts', 'fit.ts', 'callbacks.ts', 'terminal.ts']) {
      const src = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
      expect(src, file).not.toMatch(/^(import|export)\b[^;]*from ['"](cli-progress|\.\/node\.js|@nn\/train\/node)['"]/m);
      expect(src, file).not.toMatch(/(?<!typeof )import\(['"]/);
    }
  });

  it('fit draws the bar by default when stderr is a TTY, loading @nn/train/node itself', () => {
    const r = fitInNode("Object.defineProperty(process.stderr, 'isTTY', { value: true });", '');
    expect(r.err).toMatch(/epoch 1: loss \d/);
    expect(r.err).toMatch(/epoch 2: loss \d/);
    expect(r.out).toContain('done');
    expect(r.status).toBe(0);
  }, 60_000);

  it('no bar when stderr is not a TTY', () => {
    const r = fitInNode('', '');
    expect(r.err).not.toMatch(/epoch 1/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('ProgressBar writes to the stream it is given', async () => {
    let text = '';
    const stream = { write: (s: string) => void (text += s), isTTY: false };
    T.manualSeed(0);
    const model = new L.Linear(2, 1);
    const x = T.randn([4, 2]);
    const y = T.randn([4, 1]);
    const optimizer = { step() {}, zeroGrad: () => model.zeroGrad() };
    await fit(model, { train: [[x, y]], loss: L.mseLoss, optimizer, epochs: 1, progress: false, callbacks: [new ProgressBar({ stream })] });
    expect(text).toMatch(/^epoch 1: loss \d\.\d{4}\s+seconds \d/m);
  });

  it('progress: true outside Node is a ValueRangeError pointing at ProgressEvents', async () => {
    const model = new L.Linear(2, 1);
    const optimizer = { step() {}, zeroGrad: () => model.zeroGrad() };
    vi.stubGlobal('process', undefined);
    const p = fit(model, { train: [[T.zeros([1, 2]), T.zeros([1, 1])]], loss: L.mseLoss, optimizer, epochs: 1, progress: true });
    vi.unstubAllGlobals();
    await expect(p).rejects.toThrow(ValueRangeError);
    await expect(p).rejects.toThrow(/progress: true draws a terminal progress bar, which needs Node; .*ProgressEvents/);
  });
});
