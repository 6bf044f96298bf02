/**
 * Where code generation from strings is forbidden (a page whose Content-Security-Policy lacks
 * 'unsafe-eval'; here Node's --disallow-code-generation-from-strings, which throws the same
 * EvalError), the default backend is the eval-free 'reference' backend, the name 'cpu' finds it,
 * and nothing is logged. The browser case is tooling/bundler-tests/test/csp.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../src/index.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));

function run(flags: string[], code: string): { status: number | null; out: string; err: string } {
  const args = [...flags, '--conditions=@nn/source', '--import', 'tsx', '--input-type=module', '-e', code];
  const r = spawnSync(process.execPath, args, { cwd: pkg, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const PROGRAM = `
  import * as T from '@nn/tensor';
  const y = T.tensor([[1, -2], [3, 4]]).matmul(T.tensor([[0.5], [1]])).relu().sum();
  let cpuKernels = 'ran';
  try {
    T.createCpuBackend().unary('exp', { buffer: new Float32Array(1), dtype: 'float32', shape: [1], strides: [1], offset: 0 }, { buffer: new Float32Array(1), dtype: 'float32', shape: [1], strides: [1], offset: 0 });
  } catch (e) { cpuKernels = e.name; }
  console.log(JSON.stringify({
    backend: T.getBackend().name, cpu: T.getBackend('cpu').name, list: T.listBackends(),
    moved: T.tensor([1]).to('cpu').backend.name, y: y.item(), cpuKernels,
  }));
`;

describe('default backend without eval', () => {
  it('is the reference backend, found by the name cpu, silently', () => {
    const r = run(['--disallow-code-generation-from-strings'], PROGRAM);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      backend: 'reference',
      cpu: 'reference',
      list: ['reference'],
      moved: 'reference',
      y: 5.5,
      cpuKernels: 'EvalError',
    });
  });

  it('is cpu where eval is allowed', () => {
    const r = run([], PROGRAM);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ backend: 'cpu', cpu: 'cpu', list: ['cpu'], cpuKernels: 'ran' });
    expect(getBackend().name).toBe('cpu');
  });
});
