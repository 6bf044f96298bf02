/** Loads the committed PyTorch reference values (tooling/torch-reference/out). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import { expect } from 'vitest';

export interface RefTensor {
  shape: number[];
  dtype: T.DType;
  data: number[];
  requiresGrad?: boolean;
  name?: string;
}
export interface OpCase {
  name: string;
  op: string;
  args: Record<string, any>;
  inputs: RefTensor[];
  output: RefTensor;
  gradOutput: RefTensor | null;
  grads: (RefTensor | null)[];
}
export interface FnCase {
  name: string;
  inputs: RefTensor[];
  output: RefTensor;
  grads: (RefTensor | null)[];
  hessian: RefTensor | null;
  hvp: { vectors: RefTensor[]; result: RefTensor[] } | null;
}

const dir = new URL('../../../tooling/torch-reference/out/', import.meta.url);
export const loadJson = (name: string): any => JSON.parse(readFileSync(fileURLToPath(new URL(name, dir)), 'utf8'));

export function toTensor(r: RefTensor, requiresGrad = false): T.Tensor {
  return T.tensor(r.data as number[], { shape: r.shape, dtype: r.dtype, requiresGrad: requiresGrad && r.dtype === 'float32' });
}

/** |a - b| <= atol + rtol |b| elementwise, with atol scaled by the reference's magnitude. */
export function expectClose(actual: T.Tensor, ref: RefTensor, label: string, rtol = 1e-5): void {
  expect(actual.shape, `${label}: shape`).toEqual(ref.shape);
  const got = actual.dataSync();
  const maxAbs = ref.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const atol = 1e-6 * Math.max(1, maxAbs);
  for (let i = 0; i < ref.data.length; i++) {
    const want = ref.data[i];
    const g = Number(got[i]);
    if (Number.isNaN(want)) {
      expect(Number.isNaN(g), `${label}[${i}]: expected NaN, got ${g}`).toBe(true);
      continue;
    }
    if (!(Math.abs(g - want) <= atol + rtol * Math.abs(want))) {
      expect.fail(`${label}[${i}]: got ${g}, PyTorch ${want} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
