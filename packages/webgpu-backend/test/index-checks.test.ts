/**
 * Out-of-range indices on WebGPU: checked on the device, raised as the cpu backend's
 * ValueRangeError (same text) at the next read or sync, without extra submits. The same checks
 * reached through layers and losses are in packages/integration-tests.
 */
import * as nn from '@nn/tensor';
import { registerBackend, type Tensor, ValueRangeError } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { tryWebGPU, webgpuAvailable } from './gpu.js';
import { floats, ints, sameError } from './index-check-helpers.js';

const ok = await webgpuAvailable('index-checks.test.ts');

describe.skipIf(!ok)('webgpu index checks', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = (await tryWebGPU())!;
    registerBackend(be);
  });
  afterAll(() => be?.dispose());

  it('indexSelect: index 3 of 3 rows raises at the read, then reads work again', async () => {
    const msg = await sameError((b) => nn.indexSelect(floats([3, 2], b), 0, ints([0, 3, 1], undefined, b)));
    expect(msg).toBe('indexSelect: index 3 is out of range for dim 0 of size 3 (valid: 0 to 2)');
    const x = floats([3, 2]);
    expect(Array.from(await nn.indexSelect(x, 0, ints([2])).data())).toEqual(Array.from(await x.data()).slice(4));
  });

  it('gather: the first bad index in row-major order of a transposed, offset index view', async () => {
    // The view is [[0, -1], [9, 1]] after a junk row; memory order would meet 9 first.
    const index = (b: string): Tensor => ints([5, 5, 0, 9, -1, 1], [3, 2], b).slice(0, 1, 3).transpose(0, 1);
    const msg = await sameError((b) => nn.gather(floats([2, 4], b), 1, index(b)));
    expect(msg).toBe('gather: index -1 is out of range for dim 1 of size 4 (valid: 0 to 3)');
  });

  it('the first failed check is raised by the next read of any tensor, or by sync, once', async () => {
    const x = floats([3, 2]);
    nn.indexSelect(x, 0, ints([5]));
    nn.gather(x, 1, ints([0, 7], [1, 2]));
    const other = nn.add(x, 1);
    await expect(other.data()).rejects.toThrow('indexSelect: index 5 is out of range for dim 0 of size 3 (valid: 0 to 2)');
    expect(Array.from(await other.data())).toEqual(Array.from(await x.data(), (v) => Math.fround(v + 1)));

    nn.oneHot(ints([1, 4]), 4);
    await expect(be.sync()).rejects.toThrow(ValueRangeError);
    await expect(be.sync()).resolves.toBeUndefined();
  });

  it('a check is one dispatch in the open batch: no submit until the read, which stays one submit', async () => {
    const x = floats([3, 2]);
    const idx = ints([2, 0]);
    await be.sync();
    const s0 = be.stats();
    const y = nn.indexSelect(x, 0, idx);
    const s1 = be.stats();
    expect(s1.submits).toBe(s0.submits);
    expect(s1.dispatches - s0.dispatches).toBe(2); // the check and the gather
    await y.data();
    expect(be.stats().submits).toBe(s0.submits + 1);
  });

  it('many checks without a read: a failure among them is still raised at the next read', async () => {
    const x = floats([3, 2]);
    const good = ints([1]);
    for (let i = 0; i < 300; i++) nn.indexSelect(x, 0, i === 10 ? ints([-3]) : good).dispose();
    for (let i = 0; i < 300; i++) nn.indexSelect(x, 0, good).dispose();
    await expect(nn.indexSelect(x, 0, good).data()).rejects.toThrow('indexSelect: index -3 is out of range');
    await expect(nn.indexSelect(x, 0, good).data()).resolves.toBeDefined();
  });

  it('valid indices in a sliced, transposed view pass (out-of-range junk around the view is not read)', async () => {
    const idx = ints([9, 3, 0, 9, 1, 2, 9, 2, 1], [3, 3]).slice(1, 1, 3).transpose(0, 1); // [[3, 1, 2], [0, 2, 1]]
    const want = nn.gather(floats([4, 3], 'cpu'), 0, ints([3, 1, 2, 0, 2, 1], [2, 3], 'cpu'));
    expect(Array.from(await nn.gather(floats([4, 3]), 0, idx).data())).toEqual(Array.from(want.dataSync()));
  });
});
