/**
 * The graph: it lives as long as its output is reachable (forwards never backwarded free their saved
 * tensors), and it can be walked (gradFn) and drawn (toDot).
 */
import vm from 'node:vm';
import v8 from 'node:v8';
import * as T from '@nn/tensor';
import { checkGrad, grad, noGrad, toDot } from '@nn/autograd';
import { describe, expect, it } from 'vitest';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Collects garbage and lets the FinalizationRegistry callbacks run (they are event-loop tasks). */
async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
}

function mlp(): T.Tensor[] {
  T.manualSeed(0);
  return [T.randn([784, 256]), T.randn([256, 256]), T.randn([256, 10])].map((w) => w.mul(0.05).requiresGrad_());
}

describe('graph lifetime', () => {
  it('300 forwards of a 784-256-256-10 MLP outside tidy/noGrad, never backwarded, free their graphs once unreachable', async () => {
    const [w1, w2, w3] = mlp();
    const x = T.randn([32, 784]);
    await collect();
    const before = T.memory();
    // An evaluation loop written without noGrad (in its own function, so no local keeps the last
    // output alive): every op records, nothing is disposed.
    const evaluate = (): number => {
      let correct = 0;
      for (let i = 0; i < 300; i++) {
        const out = x.matmul(w1).relu().matmul(w2).relu().matmul(w3);
        correct += out.argmax(1).eq(0).sum().item();
      }
      return correct;
    };
    const last = evaluate();
    expect(T.memory().saved).toBeGreaterThan(1000); // the graphs really were recorded
    await collect();
    const after = T.memory();
    expect(Number.isFinite(last)).toBe(true);
    expect(after.saved).toBe(before.saved);
    expect(after.tensors).toBe(before.tensors);
    expect(after.backends.cpu.bytes - before.backends.cpu.bytes).toBeLessThan(1 << 20);
  });

  it('a reachable output keeps its graph: backward still works after a collection', async () => {
    const [w1, w2, w3] = mlp();
    const x = T.randn([4, 784]);
    const loss = x.matmul(w1).tanh().matmul(w2).tanh().matmul(w3).pow(2).mean();
    await collect();
    loss.backward();
    for (const w of [w1, w2, w3]) expect(w.grad).not.toBeNull();
    const g = w1.grad!.abs().sum().item();
    expect(g).toBeGreaterThan(0);
  });
});

describe('gradFn and toDot: the computational graph, walkable and drawable', () => {
  it('gradFn names the op and links to the inputs like grad_fn.next_functions', () => {
    const w = T.tensor([
      [1, 2],
      [3, 4],
    ]).requiresGrad_();
    const x = T.tensor([[1], [1]]);
    const y = w.matmul(x).tanh().sum();
    expect(w.gradFn).toBeNull(); // a leaf
    expect(x.gradFn).toBeNull();
    expect(y.gradFn?.name).toBe('SumBackward');
    const tanh = y.gradFn!.nextFunctions[0]!;
    expect(tanh.name).toBe('TanhBackward');
    const mm = tanh.nextFunctions[0]!;
    expect(mm.name).toBe('MatmulBackward');
    expect(mm.nextFunctions.map((f) => f?.name ?? null)).toEqual(['AccumulateGrad', null]);
    expect(mm.nextFunctions[0]!.variable).toBe(w);
    expect(T.tensor([1]).add(1).gradFn).toBeNull();
  });

  it('toDot draws every step once, names parameters, and refuses a leaf', () => {
    const a = T.tensor([2]).requiresGrad_();
    const b = T.tensor([3]).requiresGrad_();
    const c = a.mul(b);
    const loss = c.add(c.exp()).sub(b.sin()); // the seeds' x1*x2 + exp(x1*x2) - sin(x2)
    const dot = toDot(loss, { params: { x1: a, x2: b } });
    expect(dot.startsWith('digraph {')).toBe(true);
    expect(dot).toContain('"x1\\n[1]"');
    expect(dot).toContain('"x2\\n[1]"');
    for (const name of ['SubBackward', 'AddBackward', 'ExpBackward', 'MulBackward', 'SinBackward']) {
      expect(dot.match(new RegExp(`label="${name}"`, 'g'))?.length, name).toBe(1);
    }
    // edges: mul feeds add directly and through exp; x2 feeds mul and sin
    const edges = dot.split('\n').filter((l) => l.includes('->')).length;
    expect(edges).toBe(9);
    expect(() => toDot(a)).toThrow(/^toDot: the tensor \(shape \[1\]\) has no gradFn/);
  });

  it('in-place ops refuse tensors that require grad outside noGrad, and operands that require grad', () => {
    const w = T.tensor([1, 2]).requiresGrad_();
    expect(() => w.add_(1)).toThrow(
      /^add_: a tensor that requires grad cannot be modified in place while gradients are recorded; wrap the update in noGrad/,
    );
    expect(() => w.zero_()).toThrow(/^zero_: a tensor that requires grad/);
    expect(w.arraySync()).toEqual([1, 2]);
    noGrad(() => w.sub_(0.5).mul_(2));
    expect(w.arraySync()).toEqual([1, 3]);
    const buf = T.zeros([2]);
    expect(() => buf.add_(w)).toThrow(/^add_: the operand requires grad, but in-place ops are not recorded/);
    noGrad(() => buf.add_(w));
    expect(buf.arraySync()).toEqual([1, 3]);
  });
});

describe('grad() hands each input its own gradient tensor', () => {
  it('the two inputs of an add get separate tensors, so disposing one leaves the other (and checkGrad works)', () => {
    const a = T.tensor([1, 2]);
    const b = T.tensor([3, 4]);
    const [ga, gb] = grad((x: T.Tensor, y: T.Tensor) => x.add(y).mul(2).sum(), [0, 1])(a, b) as T.Tensor[];
    expect(ga).not.toBe(gb);
    ga.dispose();
    expect(gb.arraySync()).toEqual([2, 2]);
    const r = checkGrad((x: T.Tensor, y: T.Tensor) => T.sum(T.mul(T.add(x, y), 2)), [T.tensor([0.5, -1]), T.tensor([2, 3])]);
    expect(r.ok).toBe(true);
  });
});

describe('checkGrad cleans up after itself', () => {
  it('leaves no live tensors behind (each finite-difference evaluation is freed at once)', () => {
    const x = T.randn([6, 5], { dtype: 'float64' });
    const w = T.randn([5, 3], { dtype: 'float64' });
    const before = T.memory();
    checkGrad((a: T.Tensor, b: T.Tensor) => a.matmul(b).tanh().softmax(-1), [x, w]);
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.saved).toBe(before.saved);
  });
});
