import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@nn/tensor';
import { DTypeError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';

class MLP extends L.Module {
  layers = new L.Sequential(new L.Linear(2, 8), new L.Tanh(), new L.Linear(8, 3));
  norm = new L.LayerNorm(3);
  forward(x: Tensor): Tensor {
    return T.tidy(() => this.norm(this.layers(x)));
  }
}

describe('Module', () => {
  it('is callable and names parameters with dotted paths in declaration order', () => {
    const m = new MLP();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.2.weight',
      'layers.2.bias',
      'norm.weight',
      'norm.bias',
    ]);
    expect((m(T.zeros([4, 2])) as Tensor).shape).toEqual([4, 3]);
    expect(m.children().length).toBe(2);
    expect(m.parameterCount()).toBe(2 * 8 + 8 + 8 * 3 + 3 + 6);
  });

  it('prints a PyTorch-style summary with parameter counts', () => {
    expect(new MLP().toString()).toBe(
      [
        'MLP(',
        '  (layers): Sequential(',
        '    (0): Linear(in_features=2, out_features=8, bias=True)',
        '    (1): Tanh()',
        '    (2): Linear(in_features=8, out_features=3, bias=True)',
        '  )',
        '  (norm): LayerNorm((3,), eps=0.00001, elementwise_affine=True)',
        ')',
        'Parameters: 57 (trainable: 57)',
      ].join('\n'),
    );
  });

  it('train()/eval() reach every descendant; apply visits children first', () => {
    const m = new MLP().eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
    const seen: string[] = [];
    m.apply((x) => seen.push(x.constructor.name));
    expect(seen).toEqual(['Linear', 'Tanh', 'Linear', 'Sequential', 'LayerNorm', 'MLP']);
  });

  it('stateDict round trip; strict loading reports missing/unexpected keys and loads nothing on error', () => {
    T.manualSeed(1);
    const a = new MLP();
    const b = new MLP();
    const sd = a.stateDict();
    b.loadStateDict(sd);
    expect(Array.from((b.layers.at(0) as L.Linear).weight.dataSync())).toEqual(Array.from((a.layers.at(0) as L.Linear).weight.dataSync()));
    const before = Array.from(b.norm.weight!.dataSync());
    const bad = { ...sd, extra: T.zeros([1]), 'norm.weight': T.ones([3]).mul(5) };
    delete (bad as Record<string, Tensor>)['norm.bias'];
    expect(() => b.loadStateDict(bad)).toThrow(/missing keys: norm\.bias[\s\S]*unexpected keys: extra/);
    expect(Array.from(b.norm.weight!.dataSync()), 'nothing loaded').toEqual(before);
    const res = b.loadStateDict(bad, { strict: false });
    expect(res).toEqual({ missingKeys: ['norm.bias'], unexpectedKeys: ['extra'] });
    expect(Array.from(b.norm.weight!.dataSync())).toEqual([5, 5, 5]);
  });

  it('a wrong shape in a state dict names the key, even when not strict', () => {
    const m = new MLP();
    const sd = { ...m.stateDict(), 'layers.0.weight': T.zeros([3, 2]) };
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(ShapeError);
    expect(() => m.loadStateDict(sd)).toThrow(
      /size mismatch for layers\.0\.weight: copying a tensor of shape \[3,2\], the module's is \[8,2\]/,
    );
  });

  it('BatchNorm1d keeps PyTorch buffer names in its state dict', () => {
    expect(Object.keys(new L.BatchNorm1d(4).stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  });

  it('zeroGrad clears or zeroes gradients', () => {
    const m = new L.Linear(2, 1);
    (m(T.ones([3, 2])) as Tensor).sum().backward();
    m.zeroGrad(false);
    expect(Array.from(m.weight.grad!.dataSync())).toEqual([0, 0]);
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
  });
});

describe('layer semantics', () => {
  it('a wrong input feature size names the layer and both sizes', () => {
    expect(() => new L.Linear(3, 2)(T.zeros([4, 5]))).toThrow(
      /^Linear\(in_features=3, out_features=2\): expected input with last dimension = 3 \(dim -1\), got input of shape \[4,5\]/,
    );
    expect(() => new L.BatchNorm1d(4)(T.zeros([2, 3]))).toThrow(/^BatchNorm1d\(4\): expected input with channels = 4/);
    expect(() => new L.LayerNorm([3])(T.zeros([2, 4]))).toThrow(
      /^LayerNorm\(\[3\]\): input shape \[2,4\] does not end with the normalized shape/,
    );
  });

  it('cross-entropy rejects labels out of range and float labels of the wrong shape', () => {
    const logits = T.zeros([2, 3]);
    expect(() => L.crossEntropy(logits, T.tensor([0, 3], { dtype: 'int32' }))).toThrow(
      /^crossEntropy: target 3 at position 1 is out of range for 3 classes \(valid: 0 to 2/,
    );
    expect(() => L.crossEntropy(logits, T.tensor([0, -1], { dtype: 'int32' }))).toThrow(ValueRangeError);
    // JS number arrays make float32: a float target shaped like class indices gets a hint, not a shape error.
    expect(() => L.crossEntropy(logits, T.tensor([0, 2]))).toThrow(
      /^crossEntropy: a float32 target of shape \[2\] looks like class indices, which must be int32 \(arrays of JS numbers make float32: use tensor\(labels, \{ dtype: 'int32' \}\)/,
    );
    expect(() => L.crossEntropy(logits, T.tensor([[0.5, 1.5]]))).toThrow(
      /^crossEntropy: input shape \[2,3\] and target shape \[1,2\] must match/,
    );
    expect(() => L.nllLoss(logits, T.tensor([0, 1]))).toThrow(DTypeError);
  });

  it('dropout: inverted scaling in training, identity in eval, seeded masks', () => {
    const d = new L.Dropout(0.25);
    const x = T.ones([10000]);
    T.manualSeed(5);
    const y = (d(x) as Tensor).dataSync();
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 10000 - 0.75)).toBeLessThan(0.02);
    T.manualSeed(5);
    expect(Array.from((d(x) as Tensor).dataSync())).toEqual(Array.from(y));
    d.eval();
    expect(Array.from((d(x) as Tensor).dataSync()).every((v) => v === 1)).toBe(true);
    expect(() => new L.Dropout(1.5)).toThrow(/^Dropout: p must be a probability in \[0, 1\], got 1.5/);
  });

  it('PyTorch default initialization statistics: Linear ~ U(-1/sqrt(in), 1/sqrt(in))', () => {
    T.manualSeed(0);
    const w = new L.Linear(400, 300).weight.dataSync();
    const bound = 1 / Math.sqrt(400);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    const variance = Array.from(w).reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeCloseTo((bound * bound) / 3, 4);
  });

  it('initializers: kaiming and xavier standard deviations, calculateGain', () => {
    T.manualSeed(0);
    const std = (t: Tensor) => T.std(t).item();
    expect(std(L.init.kaimingNormal_(T.zeros([500, 200]), { nonlinearity: 'relu' }))).toBeCloseTo(Math.sqrt(2 / 200), 3);
    expect(std(L.init.xavierUniform_(T.zeros([300, 200])))).toBeCloseTo(Math.sqrt(2 / 500), 3);
    expect(L.init.calculateGain('tanh')).toBeCloseTo(5 / 3);
    expect(L.init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04));
    expect(L.init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 1e-4)), 12);
    // fanOut: the gain over sqrt(fan out) = sqrt(300) for a [300, 100] weight (PyTorch's mode='fan_out').
    expect(std(L.init.kaimingNormal_(T.zeros([300, 100]), { mode: 'fanOut', nonlinearity: 'relu' }))).toBeCloseTo(Math.sqrt(2 / 300), 3);
    const w = L.init.kaimingUniform_(T.zeros([40, 10]), { mode: 'fanOut', nonlinearity: 'leakyRelu', a: 0.5 });
    const bound = (Math.sqrt(3) * Math.sqrt(2 / 1.25)) / Math.sqrt(40);
    expect(Math.max(...w.dataSync())).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.dataSync())).toBeGreaterThan(0.9 * bound);
  });

  it("initializers: PyTorch's snake_case values are errors that name the camelCase spelling", () => {
    const w = T.zeros([4, 3]);
    expect(() => L.init.kaimingUniform_(w, { mode: 'fan_out' as never })).toThrow(
      new T.ValueRangeError("kaimingUniform_: mode 'fan_out' is not valid; use 'fanOut' (PyTorch's 'fan_out')"),
    );
    expect(() => L.init.kaimingNormal_(w, { mode: 'fan_in' as never })).toThrow(
      "kaimingNormal_: mode 'fan_in' is not valid; use 'fanIn' (PyTorch's 'fan_in')",
    );
    expect(() => L.init.kaimingNormal_(w, { nonlinearity: 'leaky_relu' as never })).toThrow(
      "kaimingNormal_: nonlinearity 'leaky_relu' is not valid; use 'leakyRelu' (PyTorch's 'leaky_relu')",
    );
    expect(() => L.init.calculateGain('leaky_relu' as never, 0.2)).toThrow(
      "calculateGain: nonlinearity 'leaky_relu' is not valid; use 'leakyRelu' (PyTorch's 'leaky_relu')",
    );
    expect(() => L.init.calculateGain('swish' as never)).toThrow(
      "calculateGain: nonlinearity 'swish' is not valid; use one of 'linear', 'identity', 'sigmoid', 'conv1d', 'conv2d', 'conv3d', 'tanh', 'relu', 'leakyRelu', 'selu'",
    );
    expect(w.dataSync().every((v) => v === 0)).toBe(true); // nothing was written
  });
});

describe('safetensors files', () => {
  it('save writes atomically: a failed write leaves the old file intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-st-'));
    const path = join(dir, 'm.safetensors');
    const m = new L.Linear(2, 2);
    await L.save(m, path);
    const original = readFileSync(path);
    const poisoned = {
      weight: m.weight,
      bad: {
        dtype: 'float32',
        shape: [1],
        data: () => Promise.reject(new Error('disk full')),
        dataSync: () => {
          throw new Error('disk full');
        },
      },
    } as never;
    await expect(L.save(poisoned, path)).rejects.toThrow();
    expect(readFileSync(path).equals(original)).toBe(true);
    const m2 = new L.Linear(2, 2);
    await L.loadInto(m2, path);
    expect(Array.from(m2.weight.dataSync())).toEqual(Array.from(m.weight.dataSync()));
  });

  it('truncated or corrupt files give clear errors', () => {
    const bytes = L.toBytes(new L.Linear(2, 2));
    expect(() => L.fromBytes(bytes.slice(0, 4))).toThrow(/too short for the 8-byte header length/);
    expect(() => L.fromBytes(bytes.slice(0, bytes.length - 4))).toThrow(/data offsets .* do not fit/);
    const dir = mkdtempSync(join(tmpdir(), 'nn-st-'));
    writeFileSync(join(dir, 'x'), Buffer.from([255, 0, 0, 0, 0, 0, 0, 0, 1]));
    expect(() => L.fromBytes(new Uint8Array(readFileSync(join(dir, 'x'))))).toThrow(/header length 255 exceeds the file/);
  });
});

describe('memory', () => {
  it('a training loop with BatchNorm and Dropout keeps live tensors flat', () => {
    const model = new L.Sequential(new L.Linear(4, 16), new L.BatchNorm1d(16), new L.ReLU(), new L.Dropout(0.1), new L.Linear(16, 3));
    const x = T.randn([8, 4]);
    const y = T.tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int32' });
    const step = () => {
      T.tidy(() => L.crossEntropy(model(x) as Tensor, y).backward());
      noGrad(() => {
        for (const p of model.parameters()) T.tidy(() => void p.copy_(T.sub(p, T.mul(p.grad!, 0.01))));
      });
      model.zeroGrad();
    };
    for (let i = 0; i < 20; i++) step();
    const before = T.memory();
    for (let i = 0; i < 500; i++) step();
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.saved).toBe(before.saved);
    expect(after.backends.cpu.buffers).toBe(before.backends.cpu.buffers);
  });
});
