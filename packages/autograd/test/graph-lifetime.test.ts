/** A graph lives as long as its output is reachable: forwards never backwarded free their saved tensors. */
import vm from 'node:vm';
import v8 from 'node:v8';
import * as T from '@nn/tensor';
import '@nn/autograd';
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
