/**
 * The convolutional ops and modules against PyTorch (tooling/torch-reference/out/conv.json), on
 * any registered backend: forward values, input/weight/bias gradients, running statistics. The
 * cpu, wasm and webgpu test files call `runConvParity` with their backend's name.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { type ParityOptions, type RefT, parityComparer } from './parity-compare.js';

const file = new URL('../../../tooling/torch-reference/out/conv.json', import.meta.url);
export const convRef = JSON.parse(readFileSync(fileURLToPath(file), 'utf8'));

export type { RefT };

type Args = Record<string, any>;

/** The library call of each op in conv.json; `args` is the options object as written there. */
export const CONV_OPS: Record<string, (a: Args, ...xs: Tensor[]) => Tensor> = {
  conv1d: (a, x, w, b) => T.conv1d(x, w, b ?? null, a),
  conv2d: (a, x, w, b) => T.conv2d(x, w, b ?? null, a),
  convTranspose2d: (a, x, w, b) => T.convTranspose2d(x, w, b ?? null, a),
  maxPool2d: ({ kernelSize, ...o }, x) => T.maxPool2d(x, kernelSize, o),
  avgPool2d: ({ kernelSize, ...o }, x) => T.avgPool2d(x, kernelSize, o),
  adaptiveAvgPool2d: (a, x) => T.adaptiveAvgPool2d(x, a.outputSize),
  unfold: ({ kernelSize, ...o }, x) => T.unfold(x, kernelSize, o),
  fold: ({ outputSize, kernelSize, ...o }, x) => T.fold(x, outputSize, kernelSize, o),
  pad: (a, x) => T.pad(x, a.pad, { mode: a.mode }),
};

export function runConvParity(backend: string, options: ParityOptions = {}): void {
  const close = parityComparer('conv', backend, options);
  const toT = (r: RefT, requiresGrad = false) =>
    T.tensor(r.data, { shape: r.shape, dtype: r.dtype, backend, requiresGrad: requiresGrad && r.dtype === 'float32' });

  describe(`convolution ops match PyTorch on ${backend}`, () => {
    for (const c of convRef.ops) {
      it(c.name, async () => {
        await T.scope(async () => {
          const xs = (c.inputs as RefT[]).map((r) => toT(r, true));
          const y = CONV_OPS[c.op](c.args, ...xs);
          await close(y, c.output, `${c.name} output`);
          y.backward(toT(c.gradOutput));
          for (const [i, g] of (c.grads as RefT[]).entries()) await close(xs[i].grad, g, `${c.name} grad ${i}`);
        });
      });
    }
  });

  describe(`convolutional modules match PyTorch on ${backend}`, () => {
    for (const c of convRef.modules) {
      it(c.name, async () => {
        const [type, ...args] = [c.ctor.type, ...(c.ctor.args ?? [])];
        const m = new (L as any)[type](...args) as L.Module;
        const state: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(c.state)) state[k] = T.tensor((v as RefT).data, { shape: (v as RefT).shape });
        m.loadStateDict(state, { strict: false });
        expect(
          Object.keys(state).filter((k) => !(k in m.stateDict())),
          'PyTorch state-dict keys missing here',
        ).toEqual([]);
        m.to(backend);
        for (const [i, s] of (c.steps as any[]).entries()) {
          await T.scope(async () => {
            m.train(s.mode === 'train');
            m.zeroGrad();
            const x = toT(s.input, true);
            const y = m(x) as Tensor;
            await close(y, s.output, `${c.name} step ${i} output`);
            y.backward(toT(s.gradOutput));
            await close(x.grad, s.inputGrad, `${c.name} step ${i} input grad`);
            const params = Object.fromEntries(m.namedParameters());
            for (const [k, g] of Object.entries(s.paramGrads)) await close(params[k]?.grad, g as RefT, `${c.name} step ${i} grad ${k}`);
            const sd = m.stateDict();
            for (const [k, b] of Object.entries(s.buffers)) await close(sd[k], b as RefT, `${c.name} step ${i} buffer ${k}`);
          });
        }
      });
    }
  });
}
