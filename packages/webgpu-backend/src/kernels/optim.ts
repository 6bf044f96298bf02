/**
 * Fused optimizer updates (the contract's optional `fused.adam` / `fused.sgd`): one dispatch per
 * parameter (Adam without amsgrad: per group of parameters, see adamGroup and ../fusion.ts),
 * writing the parameter and its state in place. The float32 operations follow the
 * cpu routine (packages/tensor/src/cpu/fused-optim.ts) one for one, with the same scalars
 * computed in double on the host and rounded to float32, so results match the composed tensor-op
 * version within float rounding (bit for bit where the driver does not contract a*b+c into FMAs).
 */
import type { FusedRoutines } from '@nn/tensor/backend';
import type { Runtime } from '../runtime.js';
import { ENTRY_ARGS, f32bits, GROUP_INDEX, type GView, paramBlock, pw, sizeOf } from './common.js';
import { mathPrelude } from '../wgsl/math.js';

type Routines = Required<FusedRoutines<unknown>>;
type AdamOpts = Parameters<Routines['adam']>[5];
type SgdOpts = Parameters<Routines['sgd']>[3];

const WG = 256;
const F = (w: number): string => `bitcast<f32>(${pw(w)})`;

// words: n, offsets p g m v vm (1..5), flags (6), b1 c1 b2 c2 wd dec ns bc eps (7..15)
// flags: bit 0 maximize, bit 1 coupled weight decay, bit 2 decoupled weight decay
export function adam(rt: Runtime, param: GView, grad: GView, expAvg: GView, expAvgSq: GView, maxExpAvgSq: GView | null, o: AdamOpts): void {
  const n = sizeOf(param.shape);
  if (n === 0) return;
  const ams = maxExpAvgSq !== null;
  const main = `@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  let flags = ${pw(6)};
  let g0 = G[${pw(2)} + i];
  let gs = select(g0, -g0, (flags & 1u) != 0u);
  var pi = Prm[${pw(1)} + i];
  var gi = gs;
  if ((flags & 4u) != 0u) { pi = pi * ${F(12)}; }
  else if ((flags & 2u) != 0u) { gi = gs + pi * ${F(11)}; }
  let mi = Mom[${pw(3)} + i] * ${F(7)} + gi * ${F(8)};
  Mom[${pw(3)} + i] = mi;
  let vi = Vel[${pw(4)} + i] * ${F(9)} + (gi * ${F(10)}) * gi;
  Vel[${pw(4)} + i] = vi;
  var s = vi;
  ${
    ams
      ? `let prev = Vmax[${pw(5)} + i];
  s = select(vi, prev, prev > vi || nn_isnan(prev));
  Vmax[${pw(5)} + i] = s;`
      : ''
  }
  let denom = sqrt(s) / ${F(14)} + ${F(15)};
  Prm[${pw(1)} + i] = pi + (mi * ${F(13)}) / denom;
}`;
  const kernel = rt.kernel(
    `adam|${ams ? 'ams' : ''}`,
    4,
    () => `${paramBlock(16)}
@group(0) @binding(1) var<storage, read_write> Prm: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> Mom: array<f32>;
@group(0) @binding(4) var<storage, read_write> Vel: array<f32>;
${ams ? '@group(0) @binding(5) var<storage, read_write> Vmax: array<f32>;' : ''}
${mathPrelude(main)}
${main}`,
  );
  const coupled = !o.decoupled && o.weightDecay !== 0;
  const decoupled = o.decoupled && o.weightDecay !== 0;
  const flags = (o.maximize ? 1 : 0) | (coupled ? 2 : 0) | (decoupled ? 4 : 0);
  const words = [
    n,
    param.offset,
    grad.offset,
    expAvg.offset,
    expAvgSq.offset,
    maxExpAvgSq?.offset ?? 0,
    flags,
    f32bits(o.beta1),
    f32bits(1 - o.beta1),
    f32bits(o.beta2),
    f32bits(1 - o.beta2),
    f32bits(o.weightDecay),
    f32bits(1 - o.lr * o.weightDecay),
    f32bits(-(o.lr / (1 - o.beta1 ** o.step))),
    f32bits(Math.sqrt(1 - o.beta2 ** o.step)),
    f32bits(o.eps),
  ];
  const buffers = [param.buffer, grad.buffer, expAvg.buffer, expAvgSq.buffer, ...(ams ? [maxExpAvgSq.buffer] : [])];
  rt.dispatch(kernel, buffers, words, Math.ceil(n / WG));
}

/** One parameter of a grouped Adam update: its four contiguous views. */
export interface AdamItem {
  readonly param: GView;
  readonly grad: GView;
  readonly expAvg: GView;
  readonly expAvgSq: GView;
}

// words: flags (0), b1 c1 b2 c2 wd dec ns bc eps (1..9), then per item k at 12 + 5k: end, offsets p g m v
/**
 * The Adam step of several parameters with the same options in one dispatch (no amsgrad): the
 * threads run over the parameters' elements one after another; each thread does exactly what
 * `adam` does for its element.
 */
export function adamGroup(rt: Runtime, items: readonly AdamItem[], o: AdamOpts): void {
  const count = items.length;
  const at = (k: number, w: number): string => pw(12 + 5 * k + w);
  const body = (k: number): string => `let j = i - ${k === 0 ? '0u' : at(k - 1, 0)};
    let g0 = G${k}[${at(k, 2)} + j];
    let gs = select(g0, -g0, (flags & 1u) != 0u);
    var pi = P${k}[${at(k, 1)} + j];
    var gi = gs;
    if ((flags & 4u) != 0u) { pi = pi * ${F(6)}; }
    else if ((flags & 2u) != 0u) { gi = gs + pi * ${F(5)}; }
    let mi = M${k}[${at(k, 3)} + j] * ${F(1)} + gi * ${F(2)};
    M${k}[${at(k, 3)} + j] = mi;
    let vi = V${k}[${at(k, 4)} + j] * ${F(3)} + (gi * ${F(4)}) * gi;
    V${k}[${at(k, 4)} + j] = vi;
    let denom = sqrt(vi) / ${F(8)} + ${F(9)};
    P${k}[${at(k, 1)} + j] = pi + (mi * ${F(7)}) / denom;`;
  const branches = items
    .map(
      (_, k) => `${k === 0 ? '' : 'else '}if (i < ${at(k, 0)}) {
    ${body(k)}
  }`,
    )
    .join(' ');
  const decls = items.flatMap((_, k) => [
    `@group(0) @binding(${1 + 4 * k}) var<storage, read_write> P${k}: array<f32>;`,
    `@group(0) @binding(${2 + 4 * k}) var<storage, read> G${k}: array<f32>;`,
    `@group(0) @binding(${3 + 4 * k}) var<storage, read_write> M${k}: array<f32>;`,
    `@group(0) @binding(${4 + 4 * k}) var<storage, read_write> V${k}: array<f32>;`,
  ]);
  const words = 12 + 5 * count;
  const kernel = rt.kernel(
    `adam-group|${count}`,
    Math.ceil(words / 4),
    () => `${paramBlock(words)}
${decls.join('\n')}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  let flags = ${pw(0)};
  ${branches}
}`,
  );
  const coupled = !o.decoupled && o.weightDecay !== 0;
  const decoupled = o.decoupled && o.weightDecay !== 0;
  const flags = (o.maximize ? 1 : 0) | (coupled ? 2 : 0) | (decoupled ? 4 : 0);
  const params = [
    flags,
    f32bits(o.beta1),
    f32bits(1 - o.beta1),
    f32bits(o.beta2),
    f32bits(1 - o.beta2),
    f32bits(o.weightDecay),
    f32bits(1 - o.lr * o.weightDecay),
    f32bits(-(o.lr / (1 - o.beta1 ** o.step))),
    f32bits(Math.sqrt(1 - o.beta2 ** o.step)),
    f32bits(o.eps),
    0,
    0,
  ];
  let end = 0;
  for (const it of items) {
    end += sizeOf(it.param.shape);
    params.push(end, it.param.offset, it.grad.offset, it.expAvg.offset, it.expAvgSq.offset);
  }
  const buffers = items.flatMap((it) => [it.param.buffer, it.grad.buffer, it.expAvg.buffer, it.expAvgSq.buffer]);
  rt.dispatch(kernel, buffers, params, Math.ceil(end / WG));
}

// words: n, offsets p g b (1..3), flags (4), wd mom damp negLr (5..8)
// flags: bit 0 maximize, bit 1 weight decay, bit 2 first step, bit 3 dampening, bit 4 nesterov
export function sgd(rt: Runtime, param: GView, grad: GView, momentumBuf: GView | null, o: SgdOpts): void {
  const n = sizeOf(param.shape);
  if (n === 0) return;
  const mom = momentumBuf !== null && o.momentum !== 0;
  const kernel = rt.kernel(
    `sgd|${mom ? 'mom' : ''}`,
    3,
    () => `${paramBlock(9)}
@group(0) @binding(1) var<storage, read_write> Prm: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
${mom ? '@group(0) @binding(3) var<storage, read_write> Buf: array<f32>;' : ''}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  let flags = ${pw(4)};
  let pi = Prm[${pw(1)} + i];
  let g0 = G[${pw(2)} + i];
  var gi = select(g0, -g0, (flags & 1u) != 0u);
  if ((flags & 2u) != 0u) { gi = gi + pi * ${F(5)}; }
  ${
    mom
      ? `var bi = gi;
  if ((flags & 4u) == 0u) {
    bi = Buf[${pw(3)} + i] * ${F(6)} + select(gi, gi * ${F(7)}, (flags & 8u) != 0u);
  }
  Buf[${pw(3)} + i] = bi;
  gi = select(bi, gi + bi * ${F(6)}, (flags & 16u) != 0u);`
      : ''
  }
  Prm[${pw(1)} + i] = pi + gi * ${F(8)};
}`,
  );
  const flags =
    (o.maximize ? 1 : 0) | (o.weightDecay !== 0 ? 2 : 0) | (o.firstStep ? 4 : 0) | (o.dampening !== 0 ? 8 : 0) | (o.nesterov ? 16 : 0);
  const words = [
    n,
    param.offset,
    grad.offset,
    momentumBuf?.offset ?? 0,
    flags,
    f32bits(o.weightDecay),
    f32bits(o.momentum),
    f32bits(1 - o.dampening),
    f32bits(-o.lr),
  ];
  const buffers = mom ? [param.buffer, grad.buffer, momentumBuf.buffer] : [param.buffer, grad.buffer];
  rt.dispatch(kernel, buffers, words, Math.ceil(n / WG));
}
