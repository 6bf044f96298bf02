// Fused optimizer updates (the contract's optional `adam` and `sgd` routines), in place over
// elements [lo, hi) of contiguous float32 buffers. Every step is one float32 operation, in the
// order of the composed tensor-op version, so the results are the same bits (SIMD lanes are
// IEEE float32 operations too). Scalars arrive already rounded to float32 by the JS side.

export const MAXIMIZE = 1;
export const DECOUPLED = 2;
export const COUPLED = 4;

/** Adam / AdamW; vm is 0 without amsgrad. */
export function adam(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  vm: usize,
  lo: i32,
  hi: i32,
  flags: i32,
  b1: f32,
  c1: f32,
  b2: f32,
  c2: f32,
  wd: f32,
  dec: f32,
  ns: f32,
  bc: f32,
  eps: f32,
): void {
  const sign: f32 = flags & MAXIMIZE ? -1 : 1;
  const decoupled = (flags & DECOUPLED) !== 0;
  const coupled = (flags & COUPLED) !== 0;
  const S = f32x4.splat(sign);
  const B1 = f32x4.splat(b1);
  const C1 = f32x4.splat(c1);
  const B2 = f32x4.splat(b2);
  const C2 = f32x4.splat(c2);
  const WD = f32x4.splat(wd);
  const DEC = f32x4.splat(dec);
  const NS = f32x4.splat(ns);
  const BC = f32x4.splat(bc);
  const EPS = f32x4.splat(eps);
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const o = (<usize>i) << 2;
    let pi = v128.load(p + o);
    let gi = f32x4.mul(S, v128.load(g + o));
    if (decoupled) pi = f32x4.mul(pi, DEC);
    else if (coupled) gi = f32x4.add(gi, f32x4.mul(pi, WD));
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), B1), f32x4.mul(gi, C1));
    v128.store(m + o, mi);
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), B2), f32x4.mul(f32x4.mul(gi, C2), gi));
    v128.store(v + o, vi);
    let s = vi;
    if (vm !== 0) {
      const prev = v128.load(vm + o);
      s = v128.bitselect(prev, vi, v128.or(f32x4.gt(prev, vi), f32x4.ne(prev, prev)));
      v128.store(vm + o, s);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(s), BC), EPS);
    v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(mi, NS), denom)));
  }
  for (; i < hi; i++) {
    const o = (<usize>i) << 2;
    let pi = load<f32>(p + o);
    let gi = sign * load<f32>(g + o);
    if (decoupled) pi = pi * dec;
    else if (coupled) gi = gi + pi * wd;
    const mi = load<f32>(m + o) * b1 + gi * c1;
    store<f32>(m + o, mi);
    const vi = load<f32>(v + o) * b2 + gi * c2 * gi;
    store<f32>(v + o, vi);
    let s = vi;
    if (vm !== 0) {
      const prev = load<f32>(vm + o);
      s = prev > vi || prev !== prev ? prev : vi;
      store<f32>(vm + o, s);
    }
    const denom = Mathf.sqrt(s) / bc + eps;
    store<f32>(p + o, pi + (mi * ns) / denom);
  }
}

export const FIRST = 8;
export const NESTEROV = 16;
export const DAMPED = 32;
export const DECAY = 64;

/** SGD with optional momentum buffer b (0 without momentum). */
export function sgd(p: usize, g: usize, b: usize, lo: i32, hi: i32, flags: i32, wd: f32, mom: f32, damp: f32, negLr: f32): void {
  const sign: f32 = flags & MAXIMIZE ? -1 : 1;
  const decay = (flags & DECAY) !== 0;
  const first = (flags & FIRST) !== 0;
  const damped = (flags & DAMPED) !== 0;
  const nesterov = (flags & NESTEROV) !== 0;
  const S = f32x4.splat(sign);
  const WD = f32x4.splat(wd);
  const MOM = f32x4.splat(mom);
  const DAMP = f32x4.splat(damp);
  const LR = f32x4.splat(negLr);
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const o = (<usize>i) << 2;
    const pi = v128.load(p + o);
    let gi = f32x4.mul(S, v128.load(g + o));
    if (decay) gi = f32x4.add(gi, f32x4.mul(pi, WD));
    if (b !== 0) {
      const bi = first ? gi : f32x4.add(f32x4.mul(v128.load(b + o), MOM), damped ? f32x4.mul(gi, DAMP) : gi);
      v128.store(b + o, bi);
      gi = nesterov ? f32x4.add(gi, f32x4.mul(bi, MOM)) : bi;
    }
    v128.store(p + o, f32x4.add(pi, f32x4.mul(gi, LR)));
  }
  for (; i < hi; i++) {
    const o = (<usize>i) << 2;
    const pi = load<f32>(p + o);
    let gi = sign * load<f32>(g + o);
    if (decay) gi = gi + pi * wd;
    if (b !== 0) {
      const bi = first ? gi : load<f32>(b + o) * mom + (damped ? gi * damp : gi);
      store<f32>(b + o, bi);
      gi = nesterov ? gi + bi * mom : bi;
    }
    store<f32>(p + o, pi + gi * negLr);
  }
}
