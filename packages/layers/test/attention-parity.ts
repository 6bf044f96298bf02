/**
 * Attention and the Transformer layers against PyTorch (tooling/torch-reference/out/attention.json),
 * on any registered backend: outputs (attention weights included) and the gradients with respect
 * to every input and every parameter. Weights are loaded with PyTorch's state-dict keys (strict),
 * which also proves the keys. The cpu, wasm and webgpu test files call `runAttentionParity`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { type ParityOptions, type RefT as BaseRefT, parityComparer } from './parity-compare.js';

const file = new URL('../../../tooling/torch-reference/out/attention.json', import.meta.url);
export const attentionRef = JSON.parse(readFileSync(fileURLToPath(file), 'utf8'));

export interface RefT extends BaseRefT {
  /** Flat indices of -Infinity in an additive mask (JSON has no -Infinity). */
  negInf?: number[];
}

interface Ctor {
  type: string;
  args: unknown[];
}

export interface AttentionCase {
  name: string;
  ctor: Ctor | null;
  fn: string | null;
  mode: 'train' | 'eval';
  state: Record<string, RefT>;
  tensors: Record<string, RefT>;
  call: unknown[];
  outputs: RefT[];
  gradOutputs: RefT[];
  grads: Record<string, RefT>;
  paramGrads: Record<string, RefT>;
}

/** A reference tensor on a backend, with its -Infinity entries restored. */
export function toTensor(r: RefT, backend: string, requiresGrad = false): Tensor {
  if (r.dtype === 'bool') return T.tensor(Uint8Array.from(r.data), { shape: r.shape, dtype: 'bool', backend });
  const data = Float32Array.from(r.data);
  for (const i of r.negInf ?? []) data[i] = Number.NEGATIVE_INFINITY;
  return T.tensor(data, { shape: r.shape, backend, requiresGrad });
}

/** A module from a ctor record: `{module: ctor}` arguments are built first (TransformerEncoder's layer, norm). */
function construct(c: Ctor): L.Module {
  const arg = (a: unknown): unknown => {
    if (a !== null && typeof a === 'object' && 'module' in a) return construct((a as { module: Ctor }).module);
    if (a !== null && typeof a === 'object' && !Array.isArray(a)) return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, arg(v)]));
    return a;
  };
  return new (L as any)[c.type](...c.args.map(arg)) as L.Module;
}

/** Builds the module of a case with PyTorch's weights loaded (strict: every key must match). */
export function buildModule(c: AttentionCase, backend = 'cpu'): L.Module {
  const m = construct(c.ctor!);
  const state: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) state[k] = T.tensor(v.data, { shape: v.shape });
  m.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
  m.train(c.mode === 'train');
  return m.to(backend);
}

/** The call's arguments with `{$: name}` replaced by the named tensors. */
export function resolveCall(call: unknown[], tensors: Record<string, Tensor>): unknown[] {
  const val = (v: unknown): unknown => {
    if (v !== null && typeof v === 'object' && '$' in v) return tensors[(v as { $: string }).$];
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, val(x)]));
    return v;
  };
  return call.map(val);
}

/** The tensor results of a call, in order (MultiheadAttention's null weights dropped). */
export const flatOutputs = (r: unknown): Tensor[] => (r instanceof T.Tensor ? [r] : Array.isArray(r) ? r.flatMap(flatOutputs) : []);

export function runAttentionParity(backend: string, options: ParityOptions = {}): void {
  const close = parityComparer('attention', backend, options);

  describe(`attention and Transformer layers match PyTorch on ${backend}: outputs, weights, and gradients of inputs and every parameter`, () => {
    for (const c of attentionRef.cases as AttentionCase[]) {
      it(c.name, async () => {
        const m = c.ctor === null ? null : buildModule(c, backend);
        await T.scope(async () => {
          const tensors = Object.fromEntries(Object.entries(c.tensors).map(([k, r]) => [k, toTensor(r, backend, k in c.grads)]));
          const args = resolveCall(c.call, tensors);
          const result = m === null ? (L as any)[c.fn!](...args) : m(...args);
          const outs = flatOutputs(result);
          expect(outs.length, 'number of outputs').toBe(c.outputs.length);
          for (const [i, o] of outs.entries()) await close(o, c.outputs[i], `${c.name} output ${i}`);
          // One backward of sum_k(output_k * gradOutput_k) over every output.
          const loss = outs.map((o, i) => T.sum(T.mul(o, toTensor(c.gradOutputs[i], backend)))).reduce((a, b) => T.add(a, b));
          loss.backward();
          for (const [k, g] of Object.entries(c.grads)) await close(tensors[k].grad, g, `${c.name} grad ${k}`);
          if (m !== null) {
            const params = Object.fromEntries(m.namedParameters());
            expect(Object.keys(params).sort()).toEqual(Object.keys(c.paramGrads).sort());
            for (const [k, g] of Object.entries(c.paramGrads)) await close(params[k].grad, g, `${c.name} grad ${k}`);
          }
        });
        for (const p of m?.parameters() ?? []) p.dispose();
      });
    }
  });
}
