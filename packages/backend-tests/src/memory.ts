/** Deterministic memory: tensors and buffers created inside tidy/scope are all released. */
import * as nn from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import type { Ctx } from './helpers.js';

interface Snapshot {
  /** Live tensors on the backend, as memory() reports them. */
  tensors: number;
  /** Buffers, as memory() reports them for the backend's name. */
  buffers: number;
  /** Buffers and bytes, as the backend instance itself reports them. */
  ownBuffers: number;
  ownBytes: number;
}

function snapshot(ctx: Ctx): Snapshot {
  const m = nn.memory().backends[ctx.name];
  const own = ctx.backend!.memory();
  return { tensors: m?.tensors ?? 0, buffers: m?.buffers ?? 0, ownBuffers: own.buffers, ownBytes: own.bytes };
}

/** A batch touching every primitive and the composed ops built on them. */
function workload(ctx: Ctx): Tensor {
  const o = { backend: ctx.name };
  const x = nn.rand([4, 6], o);
  const w = nn.randn([3, 6], o);
  const b = nn.arange(0, 3, 1, { ...o, dtype: 'float32' });
  const y = nn.linear(x, w, b, 'gelu');
  const z = nn.softmax(nn.matmul(x.T.contiguous(), x), 0);
  const v = nn.variance(z.slice(1, 0, 6, 2), [0, 1]);
  const c = nn.concat([x, x.slice(0, 1, 3)], 0);
  const p = nn.pad(c, [1, -1, 2, 0], 1.5);
  const idx = nn.randint(0, 4, [2, 6], o);
  const g = nn.gather(x, 0, idx);
  const s = nn.scatterAdd(x, 0, idx, g);
  const e = nn.where(nn.gt(s, 0.5), nn.exp(s), nn.neg(s)).cast('int32').cast('float32');
  const parts = nn.split(p, 2, 1);
  const st = nn.stack([parts[0].sum(1), nn.zeros([8], o)], 0);
  const am = nn.argmax(x.expand(2, 4, 6), 2);
  const oh = nn.oneHot(am, 6).sum();
  // Lines of 600 take argsort's multi-pass path (scratch buffers on webgpu).
  const srt = nn.sort(nn.rand([2, 600], o), { descending: true }).values.max();
  return nn.add(nn.add(nn.add(y.sum(), v.sum()), nn.add(e.mean(), st.max())), nn.add(nn.add(oh, srt), nn.logsumexp(p)));
}

export function memoryTests(ctx: Ctx): void {
  describe('memory', () => {
    it('tidy releases every tensor and buffer created inside it', () => {
      const before = snapshot(ctx);
      nn.tidy(() => {
        workload(ctx);
      });
      expect(snapshot(ctx)).toEqual(before);
    });

    it('a tensor returned from tidy survives it and is released by dispose', async () => {
      const before = snapshot(ctx);
      const kept = nn.tidy(() => workload(ctx));
      const during = snapshot(ctx);
      expect(during.tensors).toBe(before.tensors + 1);
      expect(during.ownBuffers).toBe(before.ownBuffers + 1);
      expect(Number.isFinite((await kept.data())[0])).toBe(true);
      kept.dispose();
      expect(snapshot(ctx)).toEqual(before);
    });

    it('an async scope releases tensors created across awaits, including read temporaries', async () => {
      const before = snapshot(ctx);
      await nn.scope(async () => {
        const x = nn.rand([5, 7], { backend: ctx.name });
        await x.permute(1, 0).data();
        const y = workload(ctx);
        await y.data();
        await nn.softmax(x.slice(1, 0, 7, 3), 0).data();
      });
      expect(snapshot(ctx)).toEqual(before);
    });

    it('memory() reports the instance registered last under a name', async () => {
      const original = ctx.backend!;
      const second = await ctx.createBackend();
      nn.registerBackend(second);
      try {
        const buffer = second.alloc(16, 'float32');
        const reported = nn.memory().backends[ctx.name];
        const own = second.memory();
        second.free(buffer);
        expect({ buffers: reported?.buffers, bytes: reported?.bytes }).toEqual({ buffers: own.buffers, bytes: own.bytes });
      } finally {
        nn.registerBackend(original);
        second.dispose?.();
      }
    });
  });
}
