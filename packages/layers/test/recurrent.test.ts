/**
 * RNN, LSTM, GRU and the cells: PyTorch parity on cpu (recurrent-parity.ts), float64 gradient
 * checks, option and shape errors, dropout between layers, layouts, and memory.
 */
import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkGrad, noGrad } from '@nn/autograd';
import { describe, expect, it } from 'vitest';
import * as L from '@nn/layers';
import { flat, runRecurrentParity } from './recurrent-parity.js';

runRecurrentParity('cpu');

const f64 = (shape: number[]) => T.randn(shape, { dtype: 'float64' });

/**
 * The module as a function of (input, initial states..., parameters...), for checkGrad: the
 * parameters are swapped in by name for the call (forward reads them by name), and every output
 * is flattened into one tensor.
 */
function functional(m: L.Module, states: number): (...xs: Tensor[]) => Tensor {
  const names = m.namedParameters().map(([k]) => k);
  const slots = m as unknown as Record<string, Tensor>;
  return (x, ...rest) => {
    const hx = rest.slice(0, states);
    const saved = names.map((n) => slots[n]);
    // `p * 1` gives every parameter a gradient tensor of its own: grad() returns one shared
    // tensor for b_ih and b_hh (whose sum is what the recurrence adds), and checkGrad disposes
    // the first gradient before reading the second.
    names.forEach((n, i) => (slots[n] = T.mul(rest[states + i], 1)));
    try {
      const out = m(x, states === 0 ? undefined : states === 1 ? hx[0] : hx);
      return T.concat(flat(out).map((t) => T.reshape(t, [-1])));
    } finally {
      names.forEach((n, i) => (slots[n] = saved[i]));
    }
  };
}

describe('checkGrad (float64 finite differences, reverse and forward mode) through the recurrences', () => {
  T.manualSeed(5);
  const cases: [string, L.Module, Tensor[]][] = [
    [
      'RNN tanh, 2 layers, bidirectional, h0',
      new L.RNN(2, 3, { numLayers: 2, bidirectional: true, dtype: 'float64' }),
      [f64([3, 2, 2]), f64([4, 2, 3])],
    ],
    ['RNN relu, batchFirst, no h0', new L.RNN(2, 3, { nonlinearity: 'relu', batchFirst: true, dtype: 'float64' }), [f64([2, 4, 2])]],
    ['LSTM, 2 layers, h0 and c0', new L.LSTM(2, 3, { numLayers: 2, dtype: 'float64' }), [f64([3, 2, 2]), f64([2, 2, 3]), f64([2, 2, 3])]],
    ['LSTM with projections, bidirectional', new L.LSTM(2, 3, { projSize: 2, bidirectional: true, dtype: 'float64' }), [f64([3, 2, 2])]],
    ['GRU, bidirectional, h0', new L.GRU(2, 3, { bidirectional: true, dtype: 'float64' }), [f64([3, 2, 2]), f64([2, 2, 3])]],
    ['GRU, no bias, unbatched', new L.GRU(3, 2, { bias: false, dtype: 'float64' }), [f64([4, 3])]],
    ['LSTMCell', new L.LSTMCell(2, 3, { dtype: 'float64' }), [f64([2, 2]), f64([2, 3]), f64([2, 3])]],
    ['GRUCell', new L.GRUCell(2, 3, { dtype: 'float64' }), [f64([2, 2]), f64([2, 3])]],
    ['RNNCell relu', new L.RNNCell(2, 3, { nonlinearity: 'relu', dtype: 'float64' }), [f64([2, 2]), f64([2, 3])]],
  ];
  for (const [name, m, inputs] of cases) {
    it(name, () => {
      const f = functional(m, inputs.length - 1);
      const params = m.parameters().map((p) => p.detach());
      const r = checkGrad(f, [...inputs, ...params], { throwOnFail: false });
      expect(r.details).toEqual([]);
      expect(r.ok).toBe(true);
    });
  }
});

describe('options and shapes are checked before any work, with typed errors naming what is valid', () => {
  it('bad constructor options', () => {
    expect(() => new L.LSTM(3, 0)).toThrow(new ValueRangeError('LSTM: hiddenSize must be a positive integer, got 0'));
    expect(() => new L.GRU(0.5, 2)).toThrow(/^GRU: inputSize must be a positive integer, got 0.5$/);
    expect(() => new L.RNN(3, 4, { dropout: 1 })).toThrow(new ValueRangeError('RNN: dropout must be a number in [0, 1), got 1'));
    expect(() => new L.GRU(3, 4, { dropout: -0.1 })).toThrow(/dropout must be a number in \[0, 1\), got -0\.1/);
    expect(() => new L.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(
      new ValueRangeError("RNN: nonlinearity must be one of 'tanh', 'relu', got 'sigmoid'"),
    );
    expect(() => new L.RNNCell(3, 4, { nonlinearity: 'gelu' as 'tanh' })).toThrow(
      /^RNNCell: nonlinearity must be one of 'tanh', 'relu', got 'gelu'$/,
    );
    expect(() => new L.LSTM(3, 4, { numLayers: 0 })).toThrow(/^LSTM: numLayers must be an integer > 0, got 0$/);
    expect(() => new L.LSTM(3, 4, { projSize: 4 })).toThrow(/^LSTM: projSize must be smaller than hiddenSize \(4\), got 4$/);
    expect(() => new L.LSTM(3, 4, { bidirectional: 'yes' as unknown as boolean })).toThrow(
      /^LSTM: bidirectional must be true or false, got 'yes'$/,
    );
    expect(() => new L.LSTM(3, 4, { numLayer: 2 } as L.LSTMOptions)).toThrow(
      /^LSTM: unknown option 'numLayer' \(valid options: numLayers, bias, batchFirst, dropout, bidirectional, dtype, backend, projSize\)$/,
    );
    expect(() => new L.GRU(3, 4, { nonlinearity: 'relu' } as L.GRUOptions)).toThrow(/^GRU: unknown option 'nonlinearity'/);
    expect(() => new L.GRUCell(3, 4, { nonlinearity: 'relu' } as L.RNNCellBaseOptions)).toThrow(/^GRUCell: unknown option 'nonlinearity'/);
  });

  it('input rank and feature size, expected against got', () => {
    const lstm = new L.LSTM(3, 4, { batchFirst: true });
    expect(() => lstm(T.zeros([2, 5, 3, 1]))).toThrow(
      new ShapeError(
        'LSTM(3, 4): expected a 3-D input [batch, seq, features] or a 2-D unbatched input [seq, features], got shape [2,5,3,1]',
      ),
    );
    expect(() => lstm(T.zeros([2, 5, 4]))).toThrow(
      new ShapeError('LSTM(3, 4): expected input with last dimension (inputSize) = 3 (dim -1), got input of shape [2,5,4]'),
    );
    expect(() => new L.GRU(3, 4)(T.zeros([0, 2, 3]))).toThrow(
      /^GRU\(3, 4\): expected a non-empty sequence and batch, got input of shape \[0,2,3\]$/,
    );
    expect(() => new L.GRUCell(3, 4)(T.zeros([2, 2, 3]))).toThrow(
      /^GRUCell\(3, 4\): expected a 2-D input \[batch, inputSize\] or a 1-D unbatched input \[inputSize\], got shape \[2,2,3\]$/,
    );
    expect(() => new L.RNNCell(3, 4)(T.zeros([2, 5]))).toThrow(/^RNNCell\(3, 4\): expected input with last dimension \(inputSize\) = 3/);
  });

  it('initial states: the expected shape is named', () => {
    const gru = new L.GRU(3, 4, { numLayers: 2, bidirectional: true });
    expect(() => gru(T.zeros([5, 2, 3]), T.zeros([2, 2, 4]))).toThrow(
      new ShapeError('GRU(3, 4): expected h0 of shape [4,2,4], got [2,2,4]'),
    );
    expect(() => gru(T.zeros([5, 3]), T.zeros([4, 1, 4]))).toThrow(
      new ShapeError('GRU(3, 4): expected h0 of shape [4,4] (unbatched input takes a 2-D state), got [4,1,4]'),
    );
    const lstm = new L.LSTM(3, 4, { projSize: 2 });
    expect(() => lstm(T.zeros([5, 2, 3]), [T.zeros([1, 2, 4]), T.zeros([1, 2, 4])])).toThrow(
      /^LSTM\(3, 4\): expected h0 of shape \[1,2,2\], got \[1,2,4\]$/,
    );
    expect(() => lstm(T.zeros([5, 2, 3]), [T.zeros([1, 2, 2]), T.zeros([1, 2, 2])])).toThrow(
      /^LSTM\(3, 4\): expected c0 of shape \[1,2,4\], got \[1,2,2\]$/,
    );
    expect(() => lstm(T.zeros([5, 2, 3]), T.zeros([1, 2, 2]) as unknown as [Tensor, Tensor])).toThrow(
      /^LSTM\(3, 4\): hx must be a pair \[h0, c0\] of tensors/,
    );
    expect(() => new L.LSTMCell(3, 4)(T.zeros([2, 3]), [T.zeros([2, 4]), T.zeros([3, 4])])).toThrow(
      /^LSTMCell\(3, 4\): expected cx of shape \[2,4\], got \[3,4\]$/,
    );
  });

  it('a rejected call leaves no tensors behind', () => {
    const rnn = new L.RNN(3, 4);
    const x = T.zeros([5, 2, 3]);
    const h = T.zeros([2, 2, 4]);
    const before = T.memory().tensors;
    expect(() => rnn(x, h)).toThrow(ShapeError);
    expect(T.memory().tensors).toBe(before);
  });
});

describe('modules', () => {
  it("PyTorch's parameter names, order, shapes and init bounds", () => {
    const lstm = new L.LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2 });
    const shapes = Object.fromEntries(lstm.namedParameters().map(([k, p]) => [k, p.shape]));
    expect(shapes).toEqual({
      weight_ih_l0: [20, 3],
      weight_hh_l0: [20, 2],
      bias_ih_l0: [20],
      bias_hh_l0: [20],
      weight_hr_l0: [2, 5],
      weight_ih_l0_reverse: [20, 3],
      weight_hh_l0_reverse: [20, 2],
      bias_ih_l0_reverse: [20],
      bias_hh_l0_reverse: [20],
      weight_hr_l0_reverse: [2, 5],
      weight_ih_l1: [20, 4],
      weight_hh_l1: [20, 2],
      bias_ih_l1: [20],
      bias_hh_l1: [20],
      weight_hr_l1: [2, 5],
      weight_ih_l1_reverse: [20, 4],
      weight_hh_l1_reverse: [20, 2],
      bias_ih_l1_reverse: [20],
      bias_hh_l1_reverse: [20],
      weight_hr_l1_reverse: [2, 5],
    });
    expect(Object.keys(lstm.stateDict())).toEqual(Object.keys(shapes));
    expect(lstm.allWeights.map((ws) => ws.length)).toEqual([5, 5, 5, 5]);
    const bound = 1 / Math.sqrt(5);
    for (const p of lstm.parameters()) for (const v of p.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    const all = lstm.parameters().flatMap((p) => Array.from(p.dataSync()));
    expect(Math.max(...all)).toBeGreaterThan(0.9 * bound);
    expect(Math.min(...all)).toBeLessThan(-0.9 * bound);
    expect(Object.keys(new L.GRUCell(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih', 'weight_hh']);
    // PyTorch's parameter counts: nn.GRU(10, 20, 2).
    expect(new L.GRU(10, 20, { numLayers: 2 }).parameterCount()).toBe(4440);
  });

  it('the same seed gives the same weights', () => {
    T.manualSeed(9);
    const a = new L.GRU(3, 4).weight_ih_l0 as Tensor;
    T.manualSeed(9);
    const b = new L.GRU(3, 4).weight_ih_l0 as Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  });

  it('repr like PyTorch', () => {
    expect(String(new L.LSTM(10, 20, { numLayers: 2, batchFirst: true, bidirectional: true })).split('\n')[0]).toBe(
      'LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)',
    );
    expect(String(new L.RNN(3, 4, { nonlinearity: 'relu', bias: false, dropout: 0.2 })).split('\n')[0]).toBe(
      "RNN(3, 4, bias=False, dropout=0.2, nonlinearity='relu')",
    );
    expect(String(new L.GRUCell(3, 4)).split('\n')[0]).toBe('GRUCell(3, 4)');
  });

  it('batchFirst is the time-major computation transposed; unbatched is batch 1 squeezed', () => {
    T.manualSeed(1);
    const tm = new L.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const bf = new L.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    bf.loadStateDict(tm.stateDict());
    const x = T.randn([5, 2, 3]);
    const [y1, [h1]] = tm(x);
    const [y2, [h2]] = bf(T.contiguous(T.transpose(x, 0, 1)));
    expect(Array.from(T.transpose(y2, 0, 1).dataSync())).toEqual(Array.from(T.contiguous(y1).dataSync()));
    expect(Array.from(h2.dataSync())).toEqual(Array.from(h1.dataSync()));
    const [yu, [hu]] = tm(T.narrow(x, 1, 0, 1).squeeze(1));
    expect(yu.shape).toEqual([5, 8]);
    expect(hu.shape).toEqual([4, 4]);
    expect(Array.from(yu.dataSync())).toEqual(Array.from(T.contiguous(T.narrow(y1, 1, 0, 1)).dataSync()));
  });

  it('dropout between layers only, in training mode only, drawn from the seeded generator like Dropout', () => {
    T.manualSeed(2);
    const rnn = new L.RNN(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = T.randn([6, 2, 3]);
    // Layer by layer by hand: layer 0, dropout with the same seed, layer 1.
    const l0 = new L.RNN(3, 4);
    const l1 = new L.RNN(4, 4);
    l0.loadStateDict(Object.fromEntries(Object.entries(rnn.stateDict()).filter(([k]) => k.endsWith('_l0'))));
    l1.loadStateDict(
      Object.fromEntries(
        Object.entries(rnn.stateDict())
          .filter(([k]) => k.endsWith('_l1'))
          .map(([k, v]) => [k.replace('_l1', '_l0'), v]),
      ),
    );
    T.manualSeed(7);
    const [y] = rnn(x);
    T.manualSeed(7);
    const [want] = l1(L.dropout(l0(x)[0], 0.5, true));
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    rnn.eval();
    const [e1] = rnn(x);
    const [e2] = l1(l0(x)[0]);
    expect(Array.from(e1.dataSync())).toEqual(Array.from(e2.dataSync()));
    // One layer: nothing to drop in between, so training mode changes nothing.
    const one = new L.GRU(3, 4, { dropout: 0.5 });
    const [a] = one(x);
    const [b] = one.eval()(x);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  });

  it('moves to another backend with Module.to and keeps the names', () => {
    const gru = new L.GRU(2, 3);
    expect(gru.to('cpu').weight_hh_l0).toBeInstanceOf(T.Tensor);
  });
});

describe('training', () => {
  it('an LSTM with a Linear head learns to recall the input of 2 steps before (plain gradient descent)', () => {
    T.manualSeed(3);
    const lstm = new L.LSTM(1, 16, { batchFirst: true });
    const head = new L.Linear(16, 1);
    const x = T.randn([16, 10, 1]);
    const target = T.narrow(x, 1, 0, 8); // y_t = x_{t-2} for t >= 2
    const step = (): number =>
      T.tidy(() => {
        const [out] = lstm(x);
        const loss = L.mseLoss(head(T.narrow(out, 1, 2, 8)) as Tensor, target);
        loss.backward();
        noGrad(() => {
          for (const p of [...lstm.parameters(), ...head.parameters()]) p.copy_(T.sub(p, T.mul(p.grad!, 0.5)));
        });
        lstm.zeroGrad();
        head.zeroGrad();
        return loss.item();
      });
    const first = step();
    let last = first;
    for (let i = 0; i < 300; i++) last = step();
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(0.2 * first); // 0.99 -> 0.14
  });
});

describe('memory', () => {
  it('forward keeps only the outputs and what backward needs; backward frees the graph', () => {
    const lstm = new L.LSTM(4, 8, { numLayers: 2, bidirectional: true });
    const x = T.randn([20, 3, 4]);
    const base = T.memory();
    const [y, [h, c]] = lstm(x);
    const after = T.memory();
    expect(after.tensors - base.tensors).toBe(3); // y, h, c
    T.tidy(() => T.add(T.add(T.sum(y), T.sum(h)), T.sum(c)).backward());
    for (const t of [y, h, c]) t.dispose();
    lstm.zeroGrad();
    expect(T.memory().tensors).toBe(base.tensors);
    expect(T.memory().saved).toBe(base.saved);
    expect(T.memory().backends.cpu.bytes).toBe(base.backends.cpu.bytes);
  });

  it('without gradients nothing is recorded', () => {
    const gru = new L.GRU(4, 8);
    const base = T.memory();
    const [y, h] = noGrad(() => gru(T.randn([10, 2, 4])));
    expect(T.memory().saved).toBe(base.saved);
    y.dispose();
    h.dispose();
  });
});
