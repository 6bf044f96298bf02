/**
 * The cpu backend's fused window routines (poolArgmax for max pooling, addInto for foldWindows)
 * give the composed fallbacks' bits, forward and backward: a network of convolutions and max
 * pooling (overlapping windows, ties, padding, dilation) is run with and without them.
 */
import '@nn/autograd';
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import type { FusedRoutines } from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';

type Routine = 'poolArgmax' | 'addInto';

function withoutRoutines<R>(names: readonly Routine[], f: () => R): R {
  const fused = T.getBackend('cpu').fused as FusedRoutines<unknown>;
  const saved = names.map((n) => [n, fused[n]] as const);
  for (const n of names) delete fused[n];
  try {
    return f();
  } finally {
    for (const [n, r] of saved) (fused as Record<Routine, unknown>)[n] = r;
  }
}

/** Output and every gradient of a small conv + pool network, as plain arrays. */
function run(): number[][] {
  return T.tidy(() => {
    T.manualSeed(3);
    // Rounded values make ties, so the first-maximum rule matters.
    const x = T.round(T.mul(T.randn([2, 3, 11, 10]), 2)).requiresGrad_();
    const w1 = T.randn([4, 3, 3, 3]).requiresGrad_();
    const w2 = T.randn([5, 4, 2, 3]).requiresGrad_();
    let h: Tensor = T.conv2d(x, w1, null, { padding: 1 });
    h = T.maxPool2d(h, 3, { stride: 1, padding: 1 });
    h = T.conv2d(T.relu(h), w2, null, { dilation: [2, 1], stride: [1, 2] });
    h = T.maxPool2d(h, [2, 3], { stride: 2, ceilMode: true });
    const y = T.sum(T.mul(h, T.randn(h.shape)));
    y.backward();
    return [h, x.grad!, w1.grad!, w2.grad!].map((t) => Array.from(t.dataSync()));
  });
}

describe('fused window routines on cpu', () => {
  it("give the composed version's values and gradients bit for bit", () => {
    const fused = run();
    const composed = withoutRoutines(['poolArgmax', 'addInto'], run);
    expect(fused.map((a) => a.length)).toEqual(composed.map((a) => a.length));
    fused.forEach((a, i) => expect(a, ['output', 'x grad', 'w1 grad', 'w2 grad'][i]).toEqual(composed[i]));
  });
});
