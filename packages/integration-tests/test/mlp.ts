/** A small classifier MLP built from @nn ops, with seeded weights and data identical on every backend. */
import '@nn/autograd';
import * as nn from '@nn/tensor';
import type { Tensor } from '@nn/tensor';

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Host data for weights [out, in] and biases [out] (uniform +-1/sqrt(in), like torch.nn.Linear). */
export function initData(sizes: readonly number[], seed: number): { data: Float32Array; shape: number[] }[] {
  const r = seeded(seed);
  const out: { data: Float32Array; shape: number[] }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    const bound = 1 / Math.sqrt(fin);
    out.push({ data: Float32Array.from({ length: fin * fout }, () => (2 * r() - 1) * bound), shape: [fout, fin] });
    out.push({ data: Float32Array.from({ length: fout }, () => (2 * r() - 1) * bound), shape: [fout] });
  }
  return out;
}

export function makeParams(sizes: readonly number[], backend: string, seed = 1): Tensor[] {
  return initData(sizes, seed).map((p) => nn.tensor(p.data, { backend, shape: p.shape }).requiresGrad_());
}

/** Batches of inputs in [-1, 1) and labels from a fixed random linear teacher (learnable). */
export function makeBatches(sizes: readonly number[], batch: number, count: number, seed = 2): { x: Float32Array; y: Int32Array }[] {
  const r = seeded(seed);
  const [inDim, classes] = [sizes[0], sizes[sizes.length - 1]];
  const teacher = Float32Array.from({ length: inDim * classes }, () => 2 * r() - 1);
  return Array.from({ length: count }, () => {
    const x = Float32Array.from({ length: batch * inDim }, () => 2 * r() - 1);
    const y = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      let best = 0;
      let bestV = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classes; c++) {
        let v = 0;
        for (let k = 0; k < inDim; k++) v += x[i * inDim + k] * teacher[k * classes + c];
        if (v > bestV) [best, bestV] = [c, v];
      }
      y[i] = best;
    }
    return { x, y };
  });
}

/** Mean cross-entropy of relu MLP logits against labels. */
export function loss(params: readonly Tensor[], x: Tensor, y: Tensor): Tensor {
  let h = x;
  for (let l = 0; l < params.length; l += 2) {
    const z = nn.linear(h, params[l], params[l + 1]);
    h = l + 2 < params.length ? nn.relu(z) : z;
  }
  const logp = nn.logSoftmax(h, 1);
  return nn.neg(nn.mean(nn.gather(logp, 1, y.unsqueeze(1))));
}

/** One training step inside a scope: upload the batch, forward, backward, optimizer step; returns the kept loss. */
export function trainStep(
  params: readonly Tensor[],
  opt: { zeroGrad(): void; step(): void },
  batch: { x: Float32Array; y: Int32Array },
  backend: string,
): Tensor {
  opt.zeroGrad();
  const l = nn.tidy(() => {
    const inDim = params[0].shape[1];
    const x = nn.tensor(batch.x, { backend, shape: [batch.y.length, inDim] });
    const y = nn.tensor(batch.y, { backend });
    const value = loss(params, x, y);
    value.backward();
    return value.detach();
  });
  opt.step();
  return l;
}
