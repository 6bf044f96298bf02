/** Helpers of the index-check tests (here and in packages/integration-tests). */
import * as nn from '@nn/tensor';
import { type Tensor, ValueRangeError } from '@nn/tensor';
import { expect } from 'vitest';

/** An int32 tensor (indices) on a backend. */
export const ints = (v: number[], shape?: number[], backend = 'webgpu'): Tensor => nn.tensor(Int32Array.from(v), { backend, shape });

/** A float32 tensor of the given shape filled with sin(1), sin(2), ... on a backend. */
export const floats = (shape: number[], backend = 'webgpu'): Tensor =>
  nn.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + 1)),
    { backend, shape },
  );

/** The error `run` raises on cpu (at the call) and on webgpu (at the read); both must be the same. */
export async function sameError(run: (backend: string) => Tensor): Promise<string> {
  let cpu: unknown = null;
  try {
    run('cpu');
  } catch (e) {
    cpu = e;
  }
  expect(cpu).toBeInstanceOf(ValueRangeError);
  const out = run('webgpu'); // records only: nothing is validated on the host
  const err = await out.data().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValueRangeError);
  expect((err as Error).message).toBe((cpu as Error).message);
  return (err as Error).message;
}
