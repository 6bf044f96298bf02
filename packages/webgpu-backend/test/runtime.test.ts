/**
 * Execution-model checks: batched submits, no readback inside a step, ordering of uploads after
 * frees, device loss surfacing as an error, and the errors for what WebGPU cannot do (pool reuse
 * with flat memory over 1,000 training steps is in packages/integration-tests).
 */
import * as nn from '@nn/tensor';
import { BackendError, registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWebGPU } from '../src/index.js';
import type { WebGPUBackend } from '../src/index.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';

const ok = await webgpuAvailable('runtime.test.ts');

describe.skipIf(!ok)('webgpu execution model', () => {
  let be: WebGPUBackend;
  const G = { backend: 'webgpu' };

  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  it('a huge shape is refused before allocating, naming op, shape, bytes and the device limit', () => {
    const before = nn.memory().backends.webgpu;
    expect(() => nn.zeros([1e6, 1e6], G)).toThrow(BackendError);
    expect(() => nn.zeros([1e6, 1e6], G)).toThrow(
      /^full: shape \[1000000,1000000\] of float32 needs 4,000,000,000,000 bytes; backend 'webgpu' allocates at most [\d,]+ bytes per buffer$/,
    );
    expect(nn.memory().backends.webgpu).toEqual(before);
  });

  it('ops only record; one submit when the result is read', async () => {
    await be.sync();
    const s0 = be.stats();
    const x = nn.rand([64, 32], G);
    let y = x;
    for (let i = 0; i < 40; i++) y = nn.tanh(nn.add(nn.mul(y, 0.9), 0.1));
    const s1 = be.stats();
    expect(s1.submits).toBe(s0.submits);
    // rand, then the 120 elementwise ops as a few fused chains (fusion.ts).
    expect(s1.fusedOps - s0.fusedOps).toBe(120);
    expect(s1.dispatches - s0.dispatches).toBeLessThan(40);
    await y.data();
    expect(be.stats().submits).toBe(s0.submits + 1);
  });

  it('long chains submit every maxDispatchesPerSubmit dispatches', async () => {
    const small = (await tryWebGPU({
      name: 'webgpu-small-batches',
      maxDispatchesPerSubmit: 10,
      autoFlush: false,
      fuseElementwise: false,
    }))!;
    registerBackend(small);
    let y = nn.ones([8], { backend: small.name });
    const s0 = small.stats();
    for (let i = 0; i < 35; i++) y = nn.add(y, 1);
    const mid = small.stats();
    // The JS scalar's 0-d tensor is an upload (small fills are writes), so one dispatch per add.
    expect(mid.dispatches - s0.dispatches).toBe(35);
    expect(mid.submits - s0.submits).toBe(3);
    expect(Array.from(await y.data())).toEqual(new Array(8).fill(36));
    small.dispose();
  });

  it('recorded work is submitted when the event loop goes idle, without a read', async () => {
    const s0 = be.stats();
    nn.add(nn.ones([4], G), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(be.stats().submits).toBe(s0.submits + 1);
  });

  it('a buffer freed while recorded work still reads it is not reused by a later upload', async () => {
    const a = nn.tensor(new Float32Array(256).fill(1), G);
    const b = nn.mul(a, 3); // recorded, not submitted
    a.dispose(); // parked until the submit
    const c = nn.tensor(new Float32Array(256).fill(5), G); // same size class: must not get a's buffer
    expect(Array.from(await b.data()).every((v) => v === 3)).toBe(true);
    expect(Array.from(await c.data()).every((v) => v === 5)).toBe(true);
  });

  it('float64 and synchronous reads are refused with clear errors', () => {
    expect(() => nn.zeros([2], { ...G, dtype: 'float64' })).toThrow(/float64/);
    expect(() => nn.ones([2], G).dataSync()).toThrow(/cannot read synchronously/);
  });

  it('no Vulkan driver: initWebGPU names what to install', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = `import('${fileURLToPath(new URL('../src/node.ts', import.meta.url))}').then((m) => m.initWebGPU({ register: false }))
      .then(() => console.log('UNEXPECTED: got an adapter'), (e) => console.log(e.message))`;
    const out = execFileSync(process.execPath, ['--conditions=@nn/source', '--import', 'tsx', '-e', script], {
      env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).toMatch(/no GPU adapter/);
    expect(out).toMatch(/libvulkan1/);
    expect(out).toMatch(/VK_ICD_FILENAMES/);
  });

  it('without { node: true }, Node gets an error naming the option', async () => {
    await expect(initWebGPU({ register: false })).rejects.toThrow(/node: true/);
  });

  it('device loss: a read in flight rejects and the next op throws, naming the loss', async () => {
    const lossy = (await tryWebGPU({ name: 'webgpu-lossy' }))!;
    registerBackend(lossy);
    const x = nn.rand([1000], { backend: 'webgpu-lossy' });
    const pending = nn.exp(x).data();
    lossy.device.destroy();
    await expect(pending).rejects.toThrow(/device was lost|lost/);
    await new Promise((r) => setTimeout(r, 10));
    expect(() => nn.add(x, 1)).toThrow(BackendError);
    expect(() => nn.add(x, 1)).toThrow(/device was lost/);
    await expect(x.data()).rejects.toThrow(/device was lost/);
  });
});
