/** Layers and losses against PyTorch (values from tooling/torch-reference/layers.py). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { checkGrad } from '@nn/autograd';

const dir = new URL('../../../tooling/torch-reference/out/', import.meta.url);
const ref = JSON.parse(readFileSync(fileURLToPath(new URL('layers.json', dir)), 'utf8'));

interface RefT {
  shape: number[];
  dtype: T.DType;
  data: number[];
}
const toT = (r: RefT, requiresGrad = false) =>
  T.tensor(r.data, { shape: r.shape, dtype: r.dtype, requiresGrad: requiresGrad && r.dtype === 'float32' });

function close(actual: Tensor, want: RefT, label: string, rtol = 1e-5): void {
  expect(actual.shape, `${label} shape`).toEqual(want.shape);
  const got = actual.dataSync();
  const atol = 1e-6 * Math.max(1, ...want.data.map(Math.abs));
  want.data.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= atol + rtol * Math.abs(w))) expect.fail(`${label}[${i}]: got ${got[i]}, PyTorch ${w}`);
  });
}

const snake = (k: string) => k;

function build(ctor: { type: string; args?: unknown[] }): L.Module {
  const a = (ctor.args ?? []) as any[];
  switch (ctor.type) {
    case 'Residual':
      return new L.Residual(new L.Sequential(new L.Linear(4, 4), new L.Tanh(), new L.Linear(4, 4)));
    case 'GELU':
      return new L.GELU(a[0] ?? 'none');
    default:
      return new (L as any)[ctor.type](...a);
  }
}

describe('modules match PyTorch: forward, input and parameter gradients, running statistics', () => {
  for (const c of ref.modules) {
    it(c.name, () => {
      const m = build(c.ctor);
      const state: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.state)) state[snake(k)] = toT(v as RefT);
      m.loadStateDict(state, { strict: false });
      const missing = Object.keys(state).filter((k) => !(k in m.stateDict()));
      expect(missing, 'every PyTorch state-dict key exists here too').toEqual([]);
      for (const [i, s] of (c.steps as any[]).entries()) {
        m.train(s.mode === 'train');
        m.zeroGrad();
        const x = toT(s.input, true);
        const y = m(x) as Tensor;
        close(y, s.output, `${c.name} step ${i} output`);
        y.backward(toT(s.gradOutput));
        if (s.inputGrad !== null) close(x.grad!, s.inputGrad, `${c.name} step ${i} input grad`);
        const params = Object.fromEntries(m.namedParameters());
        for (const [k, g] of Object.entries(s.paramGrads)) {
          expect(params[k]?.grad, `${c.name}: ${k} has a gradient`).toBeTruthy();
          close(params[k].grad!, g as RefT, `${c.name} step ${i} grad ${k}`);
        }
        const sd = m.stateDict();
        for (const [k, b] of Object.entries(s.buffers)) close(sd[k], b as RefT, `${c.name} step ${i} buffer ${k}`);
      }
    });
  }
});

const LOSSES: Record<string, (x: Tensor, t: Tensor, o: any) => Tensor> = {
  mse_loss: L.mseLoss,
  l1_loss: L.l1Loss,
  huber_loss: L.huberLoss,
  binary_cross_entropy: L.binaryCrossEntropy,
  binary_cross_entropy_with_logits: L.binaryCrossEntropyWithLogits,
  cross_entropy: L.crossEntropy,
  nll_loss: L.nllLoss,
};

describe('losses match PyTorch (value and input gradient)', () => {
  for (const c of ref.losses) {
    it(c.name, () => {
      const opts: Record<string, unknown> = { reduction: c.args.reduction };
      if ('delta' in c.args) opts.delta = c.args.delta;
      if ('ignore_index' in c.args) opts.ignoreIndex = c.args.ignore_index;
      if ('label_smoothing' in c.args) opts.labelSmoothing = c.args.label_smoothing;
      for (const [k, v] of Object.entries(c.tensors)) opts[k === 'pos_weight' ? 'posWeight' : k] = toT(v as RefT);
      const x = toT(c.input, true);
      const out = LOSSES[c.loss](x, toT(c.target), opts);
      close(out, c.output, `${c.name} value`);
      out.backward(toT(c.gradOutput));
      close(x.grad!, c.inputGrad, `${c.name} input grad`);
    });
  }
});

describe('checkGrad on layers and losses (float64 finite differences)', () => {
  const f64 = (shape: number[]) => T.cast(T.randn(shape), 'float64');
  T.manualSeed(3);
  const cases: Record<string, [(...xs: Tensor[]) => Tensor, Tensor[]]> = {
    linear: [(x, w, b) => T.linear(x, w, b), [f64([3, 4]), f64([2, 4]), f64([2])]],
    batchNormTrain: [(x) => new L.BatchNorm1d(3, { affine: false, dtype: 'float64' } as any)(x) as Tensor, [f64([5, 3])]],
    layerNorm: [
      (x) => {
        const ln = new L.LayerNorm(4, { elementwiseAffine: false });
        return ln(x) as Tensor;
      },
      [f64([2, 4])],
    ],
    crossEntropySmooth: [(x) => L.crossEntropy(x, T.tensor([0, 2, 1], { dtype: 'int32' }), { labelSmoothing: 0.1 }), [f64([3, 3])]],
    bceLogits: [
      (x) =>
        L.binaryCrossEntropyWithLogits(
          x,
          T.cast(
            T.tensor([
              [1, 0],
              [0, 1],
            ]),
            'float64',
          ),
        ),
      [f64([2, 2])],
    ],
    huber: [(x) => L.huberLoss(x, T.zeros([5], { dtype: 'float64' }), { delta: 0.7 }), [f64([5])]],
  };
  for (const [name, [f, xs]] of Object.entries(cases)) it(name, () => expect(checkGrad(f, xs).ok).toBe(true));
});

describe('safetensors interchange with PyTorch', () => {
  const st = ref.safetensors;
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL(st.file, dir))));
  const mlp = () => new L.Sequential(new L.Linear(2, 3), new L.Tanh(), new L.Linear(3, 1));

  it('loads a file written by the reference writer into the equivalent model, same names, same outputs', async () => {
    const model = mlp();
    await L.loadInto(model, bytes);
    close(model(toT(st.input)) as Tensor, st.output, 'mlp output');
  });

  it('writes byte-identical files for the same state', () => {
    const model = mlp();
    const sd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(st.state)) sd[k] = toT(v as RefT);
    model.loadStateDict(sd);
    expect(Array.from(L.toBytes(model))).toEqual(Array.from(bytes));
  });
});
