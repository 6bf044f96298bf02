/**
 * Fused optimizer updates for the cpu backend: one loop per parameter, writing the parameter and
 * its state buffers in place. Each float32 intermediate is rounded with Math.fround in the same
 * order as the composed tensor-op version in @nn/optim (which rounds after every op), so the two
 * paths give the same bits. float64 buffers get the same loop without rounding. (The two loops
 * are written out: calling the rounding through a variable stops V8 from inlining it, ~7x slower.)
 */
import type { FusedRoutines } from '../backend/contract.js';
import { sizeOf } from '../layout.js';
import type { CpuBuffer, CpuView } from './buffer.js';

type Routines = Required<FusedRoutines<CpuBuffer>>;
type AdamOpts = Parameters<Routines['adam']>[5];
type SgdOpts = Parameters<Routines['sgd']>[3];
type Floats = Float32Array | Float64Array;

const f = Math.fround;

export function adam(param: CpuView, grad: CpuView, expAvg: CpuView, expAvgSq: CpuView, maxExpAvgSq: CpuView | null, o: AdamOpts): void {
  const n = sizeOf(param.shape);
  const p = param.buffer as Floats;
  const g = grad.buffer as Floats;
  const m = expAvg.buffer as Floats;
  const v = expAvgSq.buffer as Floats;
  const vm = maxExpAvgSq === null ? null : (maxExpAvgSq.buffer as Floats);
  const po = param.offset;
  const go = grad.offset;
  const mo = expAvg.offset;
  const vo = expAvgSq.offset;
  const vmo = maxExpAvgSq === null ? 0 : maxExpAvgSq.offset;
  const sign = o.maximize ? -1 : 1;
  const coupled = !o.decoupled && o.weightDecay !== 0;
  const decoupled = o.decoupled && o.weightDecay !== 0;
  // Scalars as the composed version sees them: computed in double, then stored in the dtype.
  const negStepSize = -(o.lr / (1 - o.beta1 ** o.step));
  const bc2Sqrt = Math.sqrt(1 - o.beta2 ** o.step);
  const decay = 1 - o.lr * o.weightDecay;

  if (param.dtype === 'float32') {
    const b1 = f(o.beta1);
    const c1 = f(1 - o.beta1);
    const b2 = f(o.beta2);
    const c2 = f(1 - o.beta2);
    const wd = f(o.weightDecay);
    const dec = f(decay);
    const ns = f(negStepSize);
    const bc = f(bc2Sqrt);
    const eps = f(o.eps);
    for (let i = 0; i < n; i++) {
      const gi0 = sign * g[go + i];
      let pi = p[po + i];
      let gi = gi0;
      if (decoupled) pi = f(pi * dec);
      else if (coupled) gi = f(gi0 + f(pi * wd));
      const mi = f(f(m[mo + i] * b1) + f(gi * c1));
      m[mo + i] = mi;
      const vi = f(f(v[vo + i] * b2) + f(f(gi * c2) * gi));
      v[vo + i] = vi;
      let s = vi;
      if (vm !== null) {
        const prev = vm[vmo + i];
        s = prev > vi || prev !== prev ? prev : vi; // torch.maximum: NaN propagates
        vm[vmo + i] = s;
      }
      const denom = f(f(f(Math.sqrt(s)) / bc) + eps);
      p[po + i] = f(pi + f(f(mi * ns) / denom));
    }
    return;
  }
  const { beta1: b1, beta2: b2, weightDecay: wd, eps } = o;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0; i < n; i++) {
    const gi0 = sign * g[go + i];
    let pi = p[po + i];
    let gi = gi0;
    if (decoupled) pi = pi * decay;
    else if (coupled) gi = gi0 + pi * wd;
    const mi = m[mo + i] * b1 + gi * c1;
    m[mo + i] = mi;
    const vi = v[vo + i] * b2 + gi * c2 * gi;
    v[vo + i] = vi;
    let s = vi;
    if (vm !== null) {
      const prev = vm[vmo + i];
      s = prev > vi || prev !== prev ? prev : vi;
      vm[vmo + i] = s;
    }
    p[po + i] = pi + (mi * negStepSize) / (Math.sqrt(s) / bc2Sqrt + eps);
  }
}

export function sgd(param: CpuView, grad: CpuView, momentumBuf: CpuView | null, o: SgdOpts): void {
  const n = sizeOf(param.shape);
  const p = param.buffer as Floats;
  const g = grad.buffer as Floats;
  const b = momentumBuf === null || o.momentum === 0 ? null : (momentumBuf.buffer as Floats);
  const po = param.offset;
  const go = grad.offset;
  const bo = momentumBuf === null ? 0 : momentumBuf.offset;
  const sign = o.maximize ? -1 : 1;
  const decay = o.weightDecay !== 0;
  const first = o.firstStep;
  const damped = o.dampening !== 0;
  const nesterov = o.nesterov;

  if (param.dtype === 'float32') {
    const wd = f(o.weightDecay);
    const mom = f(o.momentum);
    const damp = f(1 - o.dampening);
    const negLr = f(-o.lr);
    for (let i = 0; i < n; i++) {
      const pi = p[po + i];
      let gi = sign * g[go + i];
      if (decay) gi = f(gi + f(pi * wd));
      if (b !== null) {
        const bi = first ? gi : f(f(b[bo + i] * mom) + (damped ? f(gi * damp) : gi));
        b[bo + i] = bi;
        gi = nesterov ? f(gi + f(bi * mom)) : bi;
      }
      p[po + i] = f(pi + f(gi * negLr));
    }
    return;
  }
  const { weightDecay: wd, momentum: mom } = o;
  const damp = 1 - o.dampening;
  const negLr = -o.lr;
  for (let i = 0; i < n; i++) {
    const pi = p[po + i];
    let gi = sign * g[go + i];
    if (decay) gi = gi + pi * wd;
    if (b !== null) {
      const bi = first ? gi : b[bo + i] * mom + (damped ? gi * damp : gi);
      b[bo + i] = bi;
      gi = nesterov ? gi + bi * mom : bi;
    }
    p[po + i] = pi + gi * negLr;
  }
}
