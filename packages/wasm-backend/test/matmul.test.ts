/**
 * The blocked GEMM on shapes the conformance suite's small cases do not reach: several K blocks
 * (KC = 256), several N blocks (NC = 2048), M not a multiple of the 4-row panel or of MC, edge
 * tiles, transposed operands, stacked batches, and fused linear whose epilogue runs per block;
 * on one thread and split across two, with the plain and the relaxed-SIMD (fused multiply-add)
 * builds. Compared with the cpu backend (float64 accumulation).
 */
import * as nn from '@nn/tensor';
import { registerBackend } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmBackend, createWasmBackend } from '../src/index.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

const relaxedHere = enableRelaxedSimd();

function data(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** |got - want| <= 1e-5 + 4 sqrt(K) eps sum|terms| (terms bounded by 0.25 each here). */
function close(got: ArrayLike<number>, want: ArrayLike<number>, K: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  const tol = 1e-5 + 4 * Math.sqrt(K) * 2 ** -24 * 0.25 * K;
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst, label).toBeLessThanOrEqual(tol);
}

for (const [threads, relaxedSimd] of [
  [1, false],
  [2, false],
  [1, true],
  [2, true],
] as const) {
  describe.skipIf(relaxedSimd && !relaxedHere)(
    `blocked matmul (${threads} thread${threads > 1 ? 's' : ''}${relaxedSimd ? ', relaxed SIMD' : ''})`,
    () => {
      let be: WasmBackend;
      const name = `wasm-mm-${threads}${relaxedSimd ? '-relaxed' : ''}`;
      beforeAll(async () => {
        be = await createWasmBackend({ threads, name, relaxedSimd, thresholds: { elementwise: 1, transcendental: 1, matmul: 1 } });
        expect(be.relaxedSimd).toBe(relaxedSimd);
        registerBackend(be);
      });
      afterAll(() => be.dispose());

      const shapes: [number, number, number][] = [
        [5, 600, 2100],
        [130, 513, 17],
        [1, 1000, 3],
        [97, 257, 2049],
        [200, 40, 9],
      ];
      for (const [M, K, N] of shapes) {
        it(`[${M},${K}] @ [${K},${N}] in every layout`, async () => {
          const a = data(M * K, M + K);
          const b = data(K * N, K + N);
          for (const [ta, tb] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ]) {
            const make = (bk: string) => {
              const A = ta ? nn.tensor(a, { backend: bk, shape: [K, M] }).T : nn.tensor(a, { backend: bk, shape: [M, K] });
              const B = tb ? nn.tensor(b, { backend: bk, shape: [N, K] }).T : nn.tensor(b, { backend: bk, shape: [K, N] });
              return nn.tidy(() => nn.matmul(A, B));
            };
            const [got, want] = await Promise.all([make(name).data(), make('cpu').data()]);
            close(got, want, K, `transA=${ta} transB=${tb}`);
          }
        });
      }

      it('stacked batches sharing B, and batches split across threads', async () => {
        const a = data(6 * 70 * 300, 1);
        const b = data(300 * 90, 2);
        const b3 = data(6 * 300 * 90, 3);
        for (const [bk, B] of [
          ['shared', b],
          ['batched', b3],
        ] as const) {
          const make = (backend: string) =>
            nn.tidy(() => {
              const A = nn.tensor(a, { backend, shape: [6, 70, 300] });
              const Bt = bk === 'shared' ? nn.tensor(B, { backend, shape: [300, 90] }) : nn.tensor(B, { backend, shape: [6, 300, 90] });
              return nn.matmul(A, Bt);
            });
          const [got, want] = await Promise.all([make(name).data(), make('cpu').data()]);
          close(got, want, 300, bk);
        }
      });

      it('fused linear (bias, every activation) across K and N blocks', async () => {
        const [M, K, N] = [37, 530, 2060];
        const x = data(M * K, 7);
        const w = data(N * K, 8);
        const bias = data(N, 9);
        for (const act of ['none', 'relu', 'tanh', 'sigmoid', 'gelu'] as const) {
          const make = (backend: string) =>
            nn.tidy(() =>
              nn.linear(
                nn.tensor(x, { backend, shape: [M, K] }),
                nn.tensor(w, { backend, shape: [N, K] }),
                nn.tensor(bias, { backend, shape: [N] }),
                act,
              ),
            );
          const [got, want] = await Promise.all([make(name).data(), make('cpu').data()]);
          close(got, want, K, act);
        }
      });
    },
  );
}
