/**
 * Attention, Transformer layers, RMSNorm and positional encodings: PyTorch parity on cpu
 * (attention-parity.ts), float64 gradient checks, option, shape and mask errors, PyTorch's keys,
 * init and clones.
 */
import * as T from '@nn/tensor';
import { DTypeError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkGrad, noGrad } from '@nn/autograd';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { attentionRef, runAttentionParity } from './attention-parity.js';

runAttentionParity('cpu');

const f64 = (shape: number[]) => T.randn(shape, { dtype: 'float64' });
const values = (t: Tensor) => Array.from(t.dataSync());

/**
 * The module as a function of (inputs..., parameters...), for checkGrad: parameters are swapped in
 * by their owner module and property for the call (forward reads them there). `p * 1` gives each
 * parameter a gradient tensor of its own.
 */
function functional(m: L.Module, nInputs: number, call: (xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor {
  const modules = new Map(m.namedModules());
  const slots = m.namedParameters().map(([name]) => {
    const dot = name.lastIndexOf('.');
    const owner = dot < 0 ? m : modules.get(name.slice(0, dot))!;
    return [owner as unknown as Record<string, Tensor>, name.slice(dot + 1)] as const;
  });
  return (...xs) => {
    const saved = slots.map(([o, k]) => o[k]);
    slots.forEach(([o, k], j) => (o[k] = T.mul(xs[nInputs + j], 1)));
    try {
      return call(xs.slice(0, nInputs));
    } finally {
      slots.forEach(([o, k], j) => (o[k] = saved[j]));
    }
  };
}

function expectGradOk(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = checkGrad(f, inputs, { throwOnFail: false });
  expect(r.details).toEqual([]);
  expect(r.ok).toBe(true);
}

describe('checkGrad (float64 finite differences, reverse and forward mode)', () => {
  T.manualSeed(11);
  it('scaledDotProductAttention with an additive mask, and causal with a scale', () => {
    expectGradOk(
      (q, k, v, m) => L.scaledDotProductAttention(q, k, v, { attnMask: m }),
      [f64([2, 3, 4]), f64([2, 5, 4]), f64([2, 5, 3]), f64([3, 5])],
    );
    expectGradOk(
      (q, k, v) => L.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }),
      [f64([1, 2, 4, 3]), f64([1, 2, 4, 3]), f64([1, 2, 4, 3])],
    );
  });

  it('MultiheadAttention: cross attention with kdim/vdim, key padding, per-head weights', () => {
    const mha = new L.MultiheadAttention(4, 2, { kdim: 3, vdim: 5 });
    const kpm = T.tensor([
      [false, false, true],
      [false, false, false],
    ]);
    const f = functional(mha, 3, ([q, k, v]) => {
      const [o, w] = mha(q, k, v, { keyPaddingMask: kpm, averageAttnWeights: false });
      return T.concat([T.reshape(o, [-1]), T.reshape(w!, [-1])]);
    });
    expectGradOk(f, [f64([2, 2, 4]), f64([3, 2, 3]), f64([3, 2, 5]), ...mha.parameters()]);
  });

  it('TransformerEncoderLayer (pre-norm, gelu, causal) and TransformerDecoderLayer (post-norm, memory mask)', () => {
    const enc = new L.TransformerEncoderLayer(4, 2, {
      dimFeedforward: 6,
      dropout: 0,
      activation: 'gelu',
      normFirst: true,
      batchFirst: true,
    });
    const fe = functional(enc, 1, ([x]) => enc(x, { isCausal: true }));
    expectGradOk(fe, [f64([2, 3, 4]), ...enc.parameters()]);
    const dec = new L.TransformerDecoderLayer(4, 2, { dimFeedforward: 5, dropout: 0 });
    const mm = T.tensor([
      [false, true, false],
      [false, false, true],
    ]);
    const fd = functional(dec, 2, ([t, m]) => dec(t, m, { tgtIsCausal: true, memoryMask: mm }));
    expectGradOk(fd, [f64([2, 2, 4]), f64([3, 2, 4]), ...dec.parameters()]);
  });

  it('RMSNorm and learned positions', () => {
    const rms = new L.RMSNorm([2, 3]);
    noGrad(() => rms.weight!.copy_(T.randn([2, 3])));
    expectGradOk(
      functional(rms, 1, ([x]) => rms(x)),
      [f64([4, 2, 3]), ...rms.parameters()],
    );
    const pos = new L.LearnedPositionalEmbedding(5, 3, { batchFirst: true });
    expectGradOk(
      functional(pos, 1, ([x]) => pos(x)),
      [f64([2, 4, 3]), ...pos.parameters()],
    );
  });
});

describe('errors before any work, typed, naming what is valid', () => {
  it('constructor options', () => {
    expect(() => new L.MultiheadAttention(10, 3)).toThrow(
      new ValueRangeError('MultiheadAttention: embedDim (10) must be divisible by numHeads (3)'),
    );
    expect(() => new L.MultiheadAttention(8, 0)).toThrow(/^MultiheadAttention: numHeads must be a positive integer, got 0$/);
    expect(() => new L.MultiheadAttention(8, 2, { dropout: 1 })).toThrow(
      /^MultiheadAttention: dropout must be a number in \[0, 1\), got 1$/,
    );
    expect(() => new L.MultiheadAttention(8, 2, { kdim: 0 })).toThrow(
      /^MultiheadAttention: kdim must be an integer > 0 or null \(embedDim\), got 0$/,
    );
    expect(() => new L.MultiheadAttention(8, 2, { addBiasKv: true as false })).toThrow(
      /^MultiheadAttention: addBiasKv must be false \(not implemented\), got true$/,
    );
    expect(() => new L.MultiheadAttention(8, 2, { batch_first: true } as L.MultiheadAttentionOptions)).toThrow(
      /^MultiheadAttention: unknown option 'batch_first' \(valid options: dropout, bias, batchFirst, kdim, vdim, addBiasKv, addZeroAttn\)$/,
    );
    expect(() => new L.TransformerEncoderLayer(6, 4)).toThrow(
      new ValueRangeError('TransformerEncoderLayer: dModel (6) must be divisible by nhead (4)'),
    );
    expect(() => new L.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(
      /^TransformerEncoderLayer: activation must be one of 'relu', 'gelu', got 'tanh'$/,
    );
    expect(() => new L.TransformerDecoderLayer(8, 2, { layerNormEps: 0 })).toThrow(
      /^TransformerDecoderLayer: layerNormEps must be a number > 0, got 0$/,
    );
    expect(() => new L.TransformerEncoder(new L.TransformerEncoderLayer(8, 2), 0)).toThrow(
      /^TransformerEncoder: numLayers must be a positive integer, got 0$/,
    );
    expect(() => new L.TransformerEncoder(new L.Linear(2, 2) as unknown as L.TransformerEncoderLayer, 2)).toThrow(
      /must be a TransformerEncoderLayer/,
    );
    expect(() => new L.RMSNorm(4, { eps: -1 })).toThrow(/^RMSNorm: eps must be a number >= 0 or null/);
    expect(() => new L.SinusoidalPositionalEncoding(8, { maxLen: 0 })).toThrow(
      /^SinusoidalPositionalEncoding: maxLen must be an integer > 0, got 0$/,
    );
  });

  it('MultiheadAttention inputs: ranks, feature sizes, batch and sequence sizes', () => {
    const mha = new L.MultiheadAttention(8, 2, { kdim: 6 });
    const q = T.zeros([5, 3, 8]);
    const k = T.zeros([4, 3, 6]);
    const v = T.zeros([4, 3, 8]);
    expect(() => mha(T.zeros([1, 5, 3, 8]), k, v)).toThrow(
      new ShapeError('MultiheadAttention(8, 2): expected a 3-D query [L, N, E] or a 2-D unbatched query [L, E], got shape [1,5,3,8]'),
    );
    expect(() => mha(q, T.zeros([4, 6]), v)).toThrow(/^MultiheadAttention\(8, 2\): key and value must have the query's rank \(3\)/);
    expect(() => mha(q, T.zeros([4, 3, 8]), v)).toThrow(
      new ShapeError('MultiheadAttention(8, 2): expected key with last dimension kdim = 6, got shape [4,3,8]'),
    );
    expect(() => mha(q, T.zeros([4, 2, 6]), v)).toThrow(/must have the same batch size/);
    expect(() => mha(q, k, T.zeros([3, 3, 8]))).toThrow(
      /key and value must have the same sequence length, got key \[4,3,6\] and value \[3,3,8\]/,
    );
    expect(() => mha(T.zeros([5, 3, 8], { dtype: 'int32' }), k, v)).toThrow(DTypeError);
  });

  it('masks: shapes (expected ones named) and dtypes', () => {
    const mha = new L.MultiheadAttention(8, 2, { batchFirst: true });
    const x = T.zeros([3, 5, 8]);
    expect(() => mha(x, x, x, { attnMask: T.zeros([5, 4]) })).toThrow(
      new ShapeError('MultiheadAttention(8, 2): attnMask must have shape [5,5] ([L, S]) or [6,5,5] ([N * numHeads, L, S]), got [5,4]'),
    );
    expect(() => mha(x, x, x, { attnMask: T.zeros([5, 5], { dtype: 'int32' }) })).toThrow(
      new DTypeError("MultiheadAttention(8, 2): attnMask must be bool or float32 (the query's dtype), got int32"),
    );
    expect(() => mha(x, x, x, { keyPaddingMask: T.zeros([5, 3], { dtype: 'bool' }) })).toThrow(
      new ShapeError('MultiheadAttention(8, 2): keyPaddingMask must have shape [3,5] ([N, S]), got [5,3]'),
    );
    expect(() => mha(x, x, x, { keyPaddingMask: T.zeros([3, 5], { dtype: 'int32' }) })).toThrow(
      new DTypeError('MultiheadAttention(8, 2): keyPaddingMask must be bool (true = padding) or float32 (added to the scores), got int32'),
    );
    expect(() => mha(T.zeros([5, 8]), T.zeros([5, 8]), T.zeros([5, 8]), { keyPaddingMask: T.zeros([1, 5], { dtype: 'bool' }) })).toThrow(
      /keyPaddingMask must have shape \[5\] \(\[S\] for unbatched input\), got \[1,5\]/,
    );
    expect(() => mha(x, x, x, { needWeight: false } as L.MultiheadAttentionForwardOptions)).toThrow(
      /^MultiheadAttention\(8, 2\)\.forward: unknown option 'needWeight'/,
    );
    const layer = new L.TransformerEncoderLayer(8, 2);
    expect(() => layer(T.zeros([5, 3, 8]), { srcMask: T.zeros([3, 3]) })).toThrow(
      new ShapeError(
        'TransformerEncoderLayer(d_model=8, nhead=2): srcMask must have shape [5,5] ([L, S]) or [6,5,5] ([N * numHeads, L, S]), got [3,3]',
      ),
    );
    expect(() => layer(T.zeros([5, 3, 6]))).toThrow(
      /^TransformerEncoderLayer\(d_model=8, nhead=2\): expected src \[seq, N, dModel\] or unbatched \[seq, dModel\] with dModel = 8, got shape \[5,3,6\]$/,
    );
    const dec = new L.TransformerDecoderLayer(8, 2);
    expect(() => dec(T.zeros([4, 2, 8]), T.zeros([6, 2, 8]), { memoryKeyPaddingMask: T.zeros([2, 4], { dtype: 'bool' }) })).toThrow(
      /^TransformerDecoderLayer\(d_model=8, nhead=2\): memoryKeyPaddingMask must have shape \[2,6\] \(\[N, S\]\), got \[2,4\]$/,
    );
  });

  it('scaledDotProductAttention', () => {
    const q = T.zeros([2, 4, 3]);
    const k = T.zeros([2, 5, 3]);
    expect(() => L.scaledDotProductAttention(q, k, k, { isCausal: true, attnMask: T.ones([4, 5], { dtype: 'bool' }) })).toThrow(
      /^scaledDotProductAttention: pass either attnMask or isCausal, not both/,
    );
    expect(() => L.scaledDotProductAttention(q, k, k, { attnMask: T.ones([5, 4], { dtype: 'bool' }) })).toThrow(
      new ShapeError(
        'scaledDotProductAttention: attnMask of shape [5,4] does not broadcast to the attention scores [2,4,5]; expected a mask broadcastable to [..., 4, 5] ([..., L, S])',
      ),
    );
    expect(() => L.scaledDotProductAttention(q, T.zeros([2, 5, 2]), k)).toThrow(/key's last dim must equal the query's \(E = 3\)/);
    expect(() => L.scaledDotProductAttention(q, k, T.zeros([2, 4, 3]))).toThrow(/value must have key's sequence length \(S = 5\)/);
    expect(() => L.scaledDotProductAttention(T.zeros([4]), k, k)).toThrow(ShapeError);
    expect(() => L.scaledDotProductAttention(q, k, k, { dropoutP: 1 })).toThrow(/dropoutP must be a number in \[0, 1\), got 1/);
  });

  it('positions beyond maxLen', () => {
    expect(() => new L.LearnedPositionalEmbedding(4, 8)(T.zeros([5, 2, 8]))).toThrow(
      new ShapeError('LearnedPositionalEmbedding(4, 8): sequence length 5 exceeds maxLen 4 (input shape [5,2,8])'),
    );
  });

  it('a rejected call leaves no tensors behind', () => {
    const layer = new L.TransformerDecoderLayer(8, 2);
    const t = T.zeros([4, 2, 8]);
    const m = T.zeros([6, 2, 8]);
    const bad = T.zeros([4, 6], { dtype: 'bool' });
    const before = T.memory().tensors;
    expect(() => layer(t, m, { memoryMask: T.transpose(bad, 0, 1) })).toThrow(ShapeError);
    expect(T.memory().tensors).toBe(before + 1); // the transposed view made by the caller
  });
});

describe("PyTorch's keys, init and copies", () => {
  it('MultiheadAttention: keys per configuration, xavier_uniform_ in-projections, zero biases', () => {
    const keys = (m: L.Module) => Object.keys(m.stateDict());
    expect(keys(new L.MultiheadAttention(8, 2))).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(keys(new L.MultiheadAttention(8, 2, { kdim: 4, vdim: 6 }))).toEqual([
      'q_proj_weight',
      'k_proj_weight',
      'v_proj_weight',
      'in_proj_bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    expect(keys(new L.MultiheadAttention(8, 2, { bias: false }))).toEqual(['in_proj_weight', 'out_proj.weight']);
    const mha = new L.MultiheadAttention(16, 4);
    const w = values(mha.in_proj_weight!);
    const bound = Math.sqrt(6 / (16 + 48));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(values(mha.in_proj_bias!).every((v) => v === 0)).toBe(true);
    expect(values(mha.out_proj.bias!).every((v) => v === 0)).toBe(true);
    expect(Math.max(...values(mha.out_proj.weight).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(mha.parameterCount()).toBe(4 * 16 * 16 + 4 * 16); // PyTorch: nn.MultiheadAttention(16, 4)
  });

  it('the Transformer layers list exactly the keys PyTorch saved', () => {
    for (const name of [
      'encoder_postnorm_relu_masks',
      'decoder_postnorm_causal_memory_padding',
      'encoder_2_layers_final_norm_causal_padding',
    ]) {
      const c = attentionRef.cases.find((x: { name: string }) => x.name === name);
      const enc =
        c.ctor.type === 'TransformerEncoder'
          ? new L.TransformerEncoder(new L.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2, { norm: new L.LayerNorm(8) })
          : new (L as any)[c.ctor.type](...c.ctor.args);
      expect(Object.keys(enc.stateDict())).toEqual(Object.keys(c.state));
    }
    // PyTorch: sum(p.numel() for p in nn.TransformerEncoderLayer(512, 8).parameters())
    expect(new L.TransformerEncoderLayer(512, 8).parameterCount()).toBe(3152384);
  });

  it('TransformerEncoder stacks copies with their own parameters, starting at the prototype values', () => {
    T.manualSeed(3);
    const proto = new L.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).eval();
    const enc = new L.TransformerEncoder(proto, 3);
    const layers = [...enc.layers] as L.TransformerEncoderLayer[];
    expect(layers.length).toBe(3);
    expect(enc.training).toBe(true);
    for (const layer of layers) {
      expect(layer).not.toBe(proto);
      expect(layer.training).toBe(false); // copies keep the prototype's mode, as a deep copy does
      expect(layer.self_attn.in_proj_weight).not.toBe(proto.self_attn.in_proj_weight);
      expect(values(layer.self_attn.in_proj_weight!)).toEqual(values(proto.self_attn.in_proj_weight!));
      expect(values(layer.linear2.weight)).toEqual(values(proto.linear2.weight));
    }
    noGrad(() => layers[0].linear1.weight.copy_(0));
    expect(values(layers[1].linear1.weight)).toEqual(values(proto.linear1.weight));
    expect(enc.parameterCount()).toBe(3 * proto.parameterCount());
    expect(Object.keys(enc.stateDict())[0]).toBe('layers.0.self_attn.in_proj_weight');
  });

  it('TransformerDecoder is its layers in turn, then the norm', () => {
    T.manualSeed(4);
    const dec = new L.TransformerDecoder(new L.TransformerDecoderLayer(8, 2, { dimFeedforward: 12, dropout: 0 }), 2, {
      norm: new L.LayerNorm(8),
    });
    const t = T.randn([3, 2, 8]);
    const m = T.randn([5, 2, 8]);
    const [a, b] = [...dec.layers] as L.TransformerDecoderLayer[];
    const want = dec.norm!(b(a(t, m, { tgtIsCausal: true }), m, { tgtIsCausal: true }));
    expect(values(dec(t, m, { tgtIsCausal: true }))).toEqual(values(want));
    expect(Object.keys(dec.stateDict())).toContain('layers.1.multihead_attn.out_proj.bias');
  });

  it("reprs: PyTorch's tree, with the attention sizes shown", () => {
    expect(
      String(new L.MultiheadAttention(8, 2, { kdim: 4 }))
        .split('\n')
        .slice(0, 3),
    ).toEqual([
      'MultiheadAttention(embed_dim=8, num_heads=2, kdim=4',
      '  (out_proj): Linear(in_features=8, out_features=8, bias=True)',
      ')',
    ]);
    expect(String(new L.RMSNorm(8)).split('\n')[0]).toBe('RMSNorm((8,), eps=None, elementwise_affine=True)');
    expect(String(new L.TransformerEncoderLayer(8, 2, { normFirst: true })).split('\n')[1]).toBe(
      '  (self_attn): MultiheadAttention(embed_dim=8, num_heads=2, dropout=0.1',
    );
  });
});

describe('causal masks, dropout and layouts', () => {
  it('isCausal is the same as the explicit causal mask (sdpa: true = take part; MultiheadAttention: true = masked out)', () => {
    T.manualSeed(5);
    const q = T.randn([2, 2, 5, 4]);
    const keep = L.causalMask(5, 5);
    expect(values(keep)).toEqual([1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    expect(values(L.scaledDotProductAttention(q, q, q, { isCausal: true }))).toEqual(
      values(L.scaledDotProductAttention(q, q, q, { attnMask: keep })),
    );
    const mha = new L.MultiheadAttention(8, 2, { batchFirst: true });
    const x = T.randn([2, 5, 8]);
    const [a, wa] = mha(x, x, x, { isCausal: true });
    const [b, wb] = mha(x, x, x, { attnMask: T.triu(T.ones([5, 5], { dtype: 'bool' }), 1) });
    expect(values(a)).toEqual(values(b));
    expect(values(wa!)).toEqual(values(wb!));
    // Position 0 of the output depends on position 0 of the input only.
    const x2 = T.concat([T.narrow(x, 1, 0, 1), T.randn([2, 4, 8])], 1);
    const [c] = mha(x2, x2, x2, { isCausal: true });
    expect(values(T.narrow(c, 1, 0, 1))).toEqual(values(T.narrow(a, 1, 0, 1)));
  });

  it('batchFirst and unbatched inputs give the sequence-first results', () => {
    T.manualSeed(6);
    const seq = new L.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const bf = new L.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    bf.loadStateDict(seq.stateDict());
    const x = T.randn([5, 3, 8]);
    const a = seq(x);
    const b = bf(T.transpose(x, 0, 1));
    for (const [i, v] of values(T.transpose(b, 0, 1)).entries()) expect(v).toBeCloseTo(values(a)[i], 5);
    const one = seq(T.narrow(x, 1, 1, 1));
    const unbatched = seq(T.squeeze(T.narrow(x, 1, 1, 1), 1));
    for (const [i, v] of values(unbatched).entries()) expect(v).toBeCloseTo(values(one)[i], 5);
  });

  it('attention dropout acts in training only and is seeded', () => {
    const mha = new L.MultiheadAttention(8, 2, { dropout: 0.5 });
    const x = T.randn([4, 2, 8]);
    T.manualSeed(1);
    const [, w1] = mha(x, x, x, { averageAttnWeights: false });
    T.manualSeed(1);
    const [, w2] = mha(x, x, x, { averageAttnWeights: false });
    expect(values(w1!)).toEqual(values(w2!));
    expect(values(w1!).filter((v) => v === 0).length).toBeGreaterThan(10);
    mha.eval();
    const [, w3] = mha(x, x, x);
    const rows = values(T.sum(w3!, -1));
    for (const r of rows) expect(r).toBeCloseTo(1, 5);
    const p = L.scaledDotProductAttention(x, x, x, { dropoutP: 0.5 });
    expect(values(p)).not.toEqual(values(L.scaledDotProductAttention(x, x, x)));
  });

  it('a fully masked query gives NaN, as in PyTorch', () => {
    const q = T.randn([1, 2, 4]);
    const y = L.scaledDotProductAttention(q, q, q, {
      attnMask: T.tensor([
        [false, false],
        [true, true],
      ]),
    });
    const v = values(y);
    expect(v.slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(v.slice(4).some(Number.isNaN)).toBe(false);
  });

  it('forward and backward through an encoder leave no tensors behind', () => {
    const enc = new L.TransformerEncoder(new L.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.1 }), 2);
    const x = T.randn([6, 2, 8]);
    const before = T.memory().tensors;
    T.tidy(() => {
      const y = enc(x, { isCausal: true });
      T.sum(y).backward();
    });
    enc.zeroGrad();
    expect(T.memory().tensors).toBe(before);
  });
});

describe('RMSNorm (PyTorch 2.4 semantics; torch 1.13 has none, so against a naive implementation)', () => {
  function naive(x: number[], n: number, eps: number, w: number[] | null): number[] {
    const out: number[] = [];
    for (let r = 0; r < x.length / n; r++) {
      const row = x.slice(r * n, (r + 1) * n);
      const ms = row.reduce((a, v) => a + v * v, 0) / n;
      row.forEach((v, i) => out.push((v / Math.sqrt(ms + eps)) * (w === null ? 1 : w[i])));
    }
    return out;
  }

  it('default eps is float32 machine epsilon (torch.finfo(float32).eps), weight multiplies', () => {
    T.manualSeed(7);
    const m = new L.RMSNorm(6);
    noGrad(() => m.weight!.copy_(T.randn([6])));
    const x = T.randn([3, 4, 6]);
    const got = values(m(x));
    const want = naive(values(x), 6, 2 ** -23, values(m.weight!));
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
    // The eps matters for a row of zeros and tiny values: x / sqrt(mean(x^2) + 2^-23).
    const tiny = T.tensor([
      [0, 0],
      [1e-4, -1e-4],
    ]);
    const t = values(new L.RMSNorm(2)(tiny));
    expect(t.slice(0, 2)).toEqual([0, 0]);
    expect(t[2]).toBeCloseTo(1e-4 / Math.sqrt(1e-8 + 2 ** -23), 4);
  });

  it('several normalized dims, an explicit eps, no affine; float64 uses float64 epsilon', () => {
    const m = new L.RMSNorm([2, 3], { eps: 0.1, elementwiseAffine: false });
    expect(m.parameters()).toEqual([]);
    const x = T.randn([4, 2, 3]);
    const got = values(m(x));
    naive(values(x), 6, 0.1, null).forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
    const x64 = T.tensor([[3e-9, 4e-9]], { dtype: 'float64' });
    const y64 = values(new L.RMSNorm(2)(x64));
    const rms = Math.sqrt((9e-18 + 16e-18) / 2 + 2 ** -52);
    expect(y64[0]).toBeCloseTo(3e-9 / rms, 10);
    expect(() => m(T.randn([4, 3, 2]))).toThrow(/^RMSNorm\(\[2, 3\]\): input shape \[4,3,2\] does not end with the normalized shape$/);
  });
});

describe('positional encodings', () => {
  it('the sinusoidal table: sin on even features, cos on odd, wavelengths base^(2i/d)', () => {
    const pe = L.sinusoidalPositionalEncoding(50, 6);
    expect(pe.shape).toEqual([50, 6]);
    const v = values(pe);
    expect(v.slice(0, 6)).toEqual([0, 1, 0, 1, 0, 1]);
    const p = 7;
    [0, 2, 4].forEach((j) => {
      expect(v[p * 6 + j]).toBeCloseTo(Math.sin(p / 10000 ** (j / 6)), 6);
      expect(v[p * 6 + j + 1]).toBeCloseTo(Math.cos(p / 10000 ** (j / 6)), 6);
    });
    expect(L.sinusoidalPositionalEncoding(3, 5).shape).toEqual([3, 5]); // odd widths end with a sin
  });

  it('the modules add the first L rows in every layout; only learned positions are parameters', () => {
    const sin = new L.SinusoidalPositionalEncoding(4, { maxLen: 10 });
    expect(Object.keys(sin.stateDict())).toEqual([]); // a non-persistent buffer
    const x = T.zeros([3, 2, 4]);
    const y = sin(x);
    expect(values(T.narrow(y, 1, 1, 1))).toEqual(values(L.sinusoidalPositionalEncoding(3, 4)));
    const bf = new L.SinusoidalPositionalEncoding(4, { maxLen: 10, batchFirst: true });
    expect(values(T.narrow(bf(T.zeros([2, 3, 4])), 0, 1, 1))).toEqual(values(L.sinusoidalPositionalEncoding(3, 4)));
    const learned = new L.LearnedPositionalEmbedding(10, 4, { batchFirst: true });
    expect(Object.keys(learned.stateDict())).toEqual(['weight']);
    const out = learned(T.zeros([2, 3, 4]));
    T.sum(out).backward();
    const g = values(learned.weight.grad!);
    expect(g.slice(0, 12)).toEqual(Array(12).fill(2)); // two batch rows read positions 0..2
    expect(g.slice(12).every((v) => v === 0)).toBe(true);
  });
});
