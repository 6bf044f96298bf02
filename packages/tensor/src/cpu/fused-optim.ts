/**
 * Fused optimizer updates for the cpu backend: one loop per parameter, writing the parameter and
 * its state buffers in place. Each float32 intermediate is rounded with Math.fround in the same
 * order as the composed tensor-op version in @nn/optim (which rounds after every op), so the two
 * paths give the same bits; float64 buffers skip the rounding.
 */
import type { FusedRoutines } from '../backend/contract.js';
import type { CpuBuffer, CpuView } from './buffer.js';

type Routines = Required<FusedRoutines<CpuBuffer>>;
type AdamOpts = Parameters<Routines['adam']>[5];
type SgdOpts = Parameters<Routines['sgd']>[3];

const identity = (x: number): number => x;

export function adam(
  param: CpuView, grad: CpuView, expAvg: CpuView, expAvgSq: CpuView, maxExpAvgSq: CpuView | null, o: AdamOpts,
): void {
  const r = param.dtype === 'float32' ? Math.fround : identity;
  const p = param.buffer;
  const g = grad.buffer;
  const m = expAvg.buffer;
  const v = expAvgSq.buffer;
  const vm = maxExpAvgSq === null ? null : maxExpAvgSq.buffer;
  const po = param.offset;
  const go = grad.offset;
  const mo = expAvg.offset;
  const vo = expAvgSq.offset;
  const vmo = maxExpAvgSq === null ? 0 : maxExpAvgSq.offset;
  let n = 1;
  for (const d of param.shape) n *= d;

  // Scalars as the composed version sees them: computed in double, rounded to the dtype.
  const b1 = r(o.beta1);
  const oneMinusB1 = r(1 - o.beta1);
  const b2 = r(o.beta2);
  const oneMinusB2 = r(1 - o.beta2);
  const wd = r(o.weightDecay);
  const decay = r(1 - o.lr * o.weightDecay);
  const negStepSize = r(-(o.lr / (1 - o.beta1 ** o.step)));
  const bc2Sqrt = r(Math.sqrt(1 - o.beta2 ** o.step));
  const eps = r(o.eps);
  const coupledDecay = !o.decoupled && o.weightDecay !== 0;
  const decoupledDecay = o.decoupled && o.weightDecay !== 0;

  for (let i = 0; i < n; i++) {
    let gi = g[go + i];
    if (o.maximize) gi = -gi;
    let pi = p[po + i];
    if (decoupledDecay) pi = r(pi * decay);
    else if (coupledDecay) gi = r(gi + r(pi * wd));
    const mi = r(r(m[mo + i] * b1) + r(gi * oneMinusB1));
    m[mo + i] = mi;
    const vi = r(r(v[vo + i] * b2) + r(r(gi * oneMinusB2) * gi));
    v[vo + i] = vi;
    let s = vi;
    if (vm !== null) {
      const prev = vm[vmo + i];
      s = prev > vi || prev !== prev ? prev : vi; // torch.maximum: NaN propagates
      vm[vmo + i] = s;
    }
    const denom = r(r(r(Math.sqrt(s)) / bc2Sqrt) + eps);
    p[po + i] = r(pi + r(r(mi * negStepSize) / denom));
  }
}

export function sgd(param: CpuView, grad: CpuView, momentumBuf: CpuView | null, o: SgdOpts): void {
  const r = param.dtype === 'float32' ? Math.fround : identity;
  const p = param.buffer;
  const g = grad.buffer;
  const b = momentumBuf === null ? null : momentumBuf.buffer;
  const po = param.offset;
  const go = grad.offset;
  const bo = momentumBuf === null ? 0 : momentumBuf.offset;
  let n = 1;
  for (const d of param.shape) n *= d;

  const wd = r(o.weightDecay);
  const mom = r(o.momentum);
  const damp = r(1 - o.dampening);
  const negLr = r(-o.lr);
  const useMomentum = o.momentum !== 0 && b !== null;

  for (let i = 0; i < n; i++) {
    let gi = g[go + i];
    if (o.maximize) gi = -gi;
    const pi = p[po + i];
    if (o.weightDecay !== 0) gi = r(gi + r(pi * wd));
    if (useMomentum) {
      let bi: number;
      if (o.firstStep) bi = gi;
      else bi = r(r(b[bo + i] * mom) + (o.dampening === 0 ? gi : r(gi * damp)));
      b[bo + i] = bi;
      gi = o.nesterov ? r(gi + r(bi * mom)) : bi;
    }
    p[po + i] = r(pi + r(gi * negLr));
  }
}
