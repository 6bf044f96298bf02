/**
 * RNN, LSTM, GRU and their cells against PyTorch (tooling/torch-reference/out/recurrent.json), on
 * any registered backend: outputs and final states, gradients with respect to the input, the
 * initial states and every parameter. Weights are loaded with PyTorch's state-dict keys (strict),
 * which also proves the keys. The cpu, wasm and webgpu test files call `runRecurrentParity`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { type ParityOptions, type RefT, parityComparer } from './parity-compare.js';

const file = new URL('../../../tooling/torch-reference/out/recurrent.json', import.meta.url);
export const recurrentRef = JSON.parse(readFileSync(fileURLToPath(file), 'utf8'));

export type { RefT };

export interface RecurrentCase {
  name: string;
  ctor: { type: string; args: unknown[] };
  mode: 'train' | 'eval';
  state: Record<string, RefT>;
  input: RefT;
  hx: RefT | RefT[] | null;
  outputs: RefT[];
  gradOutputs: RefT[];
  inputGrad: RefT;
  hxGrads: RefT[] | null;
  paramGrads: Record<string, RefT>;
}

/** Builds the module of a case with PyTorch's weights loaded (strict: every key must match). */
export function buildCase(c: RecurrentCase, backend = 'cpu'): L.Module {
  const m = new (L as any)[c.ctor.type](...c.ctor.args) as L.Module;
  const state: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) state[k] = T.tensor(v.data, { shape: v.shape });
  m.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
  m.train(c.mode === 'train');
  return m.to(backend);
}

/** Flattens a forward result ([out, h], [out, [h, c]], h or [h, c]) in PyTorch's order. */
export const flat = (r: Tensor | unknown[]): Tensor[] =>
  r instanceof T.Tensor ? [r] : (r as unknown[]).flatMap((x) => flat(x as Tensor | unknown[]));

export function runRecurrentParity(backend: string, options: ParityOptions = {}): void {
  const close = parityComparer('recurrent', backend, options);
  const toT = (r: RefT, requiresGrad = false) => T.tensor(r.data, { shape: r.shape, backend, requiresGrad });

  describe(`recurrent layers match PyTorch on ${backend}: outputs, states, and gradients of input, h0/c0 and every parameter`, () => {
    for (const c of recurrentRef.cases as RecurrentCase[]) {
      it(c.name, async () => {
        const m = buildCase(c, backend);
        await T.scope(async () => {
          const x = toT(c.input, true);
          const hx = c.hx === null ? null : Array.isArray(c.hx) ? c.hx.map((h) => toT(h, true)) : [toT(c.hx, true)];
          const arg = hx === null ? undefined : Array.isArray(c.hx) ? hx : hx[0];
          const outs = flat(m(x, arg));
          expect(outs.length, 'number of outputs').toBe(c.outputs.length);
          for (const [i, o] of outs.entries()) await close(o, c.outputs[i], `${c.name} output ${i}`);
          // One backward of sum_k(output_k * gradOutput_k) over every output.
          const loss = outs.map((o, i) => T.sum(T.mul(o, toT(c.gradOutputs[i])))).reduce((a, b) => T.add(a, b));
          loss.backward();
          await close(x.grad, c.inputGrad, `${c.name} input grad`);
          if (hx !== null) for (const [i, h] of hx.entries()) await close(h.grad, c.hxGrads![i], `${c.name} hx grad ${i}`);
          const params = Object.fromEntries(m.namedParameters());
          expect(Object.keys(params).sort()).toEqual(Object.keys(c.paramGrads).sort());
          for (const [k, g] of Object.entries(c.paramGrads)) await close(params[k].grad, g, `${c.name} grad ${k}`);
        });
        for (const p of m.parameters()) p.dispose();
      });
    }
  });
}
