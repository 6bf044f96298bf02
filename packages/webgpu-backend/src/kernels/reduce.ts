/**
 * Reductions: sum, prod, max, min, argmax, argmin over any set of axes of a strided view.
 *
 * x's dims are split into kept dims (the output's, in order) and reduced dims, each group
 * collapsed on its own (like the cpu backend). Two kernels per (op, dtypes, kept rank, reduced
 * rank):
 * - `thread`: one thread per output walks its reduced elements in order (nested loops over the
 *   reduced dims). Used when there are many outputs; adjacent outputs read adjacent memory for
 *   the common column reductions (bias gradients, batch means).
 * - `group`: one workgroup of 256 threads per output; each thread folds a strided subset, then a
 *   tree in workgroup memory. Used for long reductions with few outputs (sum of everything).
 * float32 sums accumulate in float32 (pairwise in the group kernel). max/min propagate NaN,
 * argmax/argmin take the first index on ties and the first NaN, as the cpu backend does.
 */
import type { ReduceOp } from '@nn/tensor/backend';
import type { Runtime } from '../runtime.js';
import { convert, ENTRY_ARGS, GROUP_INDEX, type GView, paramBlock, pw, sizeOf, storageType, vec4sFor } from './common.js';
import { fill } from './fill.js';
import { mathPrelude } from '../wgsl/math.js';

const WG = 256;

/** Collapses the dims of x in (reduced) or not in (!reduced) the sorted axes. */
function group(shape: readonly number[], strides: readonly number[], axes: readonly number[], reduced: boolean): [number[], number[]] {
  const S: number[] = [];
  const T: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (axes.includes(d) !== reduced || shape[d] === 1) continue;
    const n = shape[d];
    const r = S.length;
    if (r > 0 && T[r - 1] === strides[d] * n) {
      S[r - 1] *= n;
      T[r - 1] = strides[d];
    } else {
      S.push(n);
      T.push(strides[d]);
    }
  }
  if (S.length === 0) {
    S.push(1);
    T.push(0);
  }
  return [S, T];
}

interface Fold {
  /** WGSL type of the accumulator. */
  t: 'f32' | 'i32';
  arg: boolean;
  /** Initial accumulator (non-arg ops). */
  init: string;
  /** Expression folding value `v` into accumulator `acc` (non-arg ops). */
  combine: string;
  /** Whether (v, j) beats (acc, bi) for arg ops (b = candidate), as a WGSL bool. */
  better: string;
}

function fold(op: ReduceOp, t: 'f32' | 'i32'): Fold {
  const f = t === 'f32';
  const nan = (e: string): string => (f ? `nn_isnan(${e})` : 'false');
  const base = { t, arg: false, better: '' };
  switch (op) {
    case 'sum':
      return { ...base, init: f ? '0.0' : '0', combine: 'acc + v' };
    case 'prod':
      return { ...base, init: f ? '1.0' : '1', combine: 'acc * v' };
    case 'max':
      return {
        ...base,
        init: f ? '-nn_inf()' : 'i32(-2147483647 - 1)',
        combine: f ? `select(acc, v, v > acc || ${nan('v')})` : 'max(acc, v)',
      };
    case 'min':
      return { ...base, init: f ? 'nn_inf()' : 'i32(2147483647)', combine: f ? `select(acc, v, v < acc || ${nan('v')})` : 'min(acc, v)' };
    case 'argmax':
    case 'argmin': {
      const cmp = op === 'argmax' ? '>' : '<';
      // Candidate (v, j) against (acc, bi): NaN beats numbers; equal values (or two NaNs) keep the lower index.
      const better = f
        ? `(nn_isnan(v) && !nn_isnan(acc)) || (!nn_isnan(acc) && (v ${cmp} acc || (v == acc && j < bi))) || (nn_isnan(v) && nn_isnan(acc) && j < bi)`
        : `v ${cmp} acc || (v == acc && j < bi)`;
      const init = op === 'argmax' ? (f ? '-nn_inf()' : 'i32(-2147483647 - 1)') : f ? 'nn_inf()' : 'i32(2147483647)';
      return { t, arg: true, init, combine: '', better };
    }
  }
}

export function reduce(rt: Runtime, op: ReduceOp, x: GView, axes: readonly number[], out: GView): void {
  const nOut = sizeOf(out.shape);
  if (nOut === 0) return;
  if (sizeOf(x.shape) === 0) {
    fill(rt, out, op === 'prod' ? 1 : 0);
    return;
  }
  const [KS, KT] = group(x.shape, x.strides, axes, false);
  const [RS, RT] = group(x.shape, x.strides, axes, true);
  const kr = KS.length;
  const rr = RS.length;
  const L = sizeOf(RS);
  const inT = storageType(x.dtype);
  const outT = storageType(out.dtype);
  const arg = op === 'argmax' || op === 'argmin';
  const t: 'f32' | 'i32' = (arg ? inT : outT) === 'f32' ? 'f32' : 'i32';
  const useGroup = L >= 64 && (nOut < 256 || L > 4096);
  const words = [nOut, L, x.offset, out.offset, ...KS, ...KT, ...RS, ...RT];
  const key = `reduce|${op}|${inT}|${outT}|${kr}|${rr}|${useGroup ? 'g' : 't'}`;
  const kernel = rt.kernel(key, vec4sFor(words.length), () => source(fold(op, t), inT, outT, kr, rr, useGroup, words.length));
  rt.dispatch(kernel, [x.buffer, out.buffer], words, useGroup ? nOut : Math.ceil(nOut / WG));
}

function source(
  F: Fold,
  inT: 'f32' | 'i32' | 'u32',
  outT: 'f32' | 'i32' | 'u32',
  kr: number,
  rr: number,
  useGroup: boolean,
  words: number,
): string {
  const K0 = 4; // kept shape at words K0.., kept strides after, then reduced shape and strides
  const R0 = 4 + 2 * kr;
  const load = (idx: string): string => convert(`X[${idx}]`, inT, F.t);
  // Offset of output o's first element.
  const keptBase = [`var rem = o;`, 'var base = ' + pw(2) + ';'];
  for (let d = kr - 1; d >= 0; d--) {
    keptBase.push(`base = base + (rem % ${pw(K0 + d)}) * ${pw(K0 + kr + d)}; rem = rem / ${pw(K0 + d)};`);
  }
  const update = F.arg ? `if (${F.better}) { acc = v; bi = j; }` : `acc = ${F.combine};`;
  const init = F.arg ? `var acc: ${F.t} = ${F.init}; var bi = 0xffffffffu;` : `var acc: ${F.t} = ${F.init};`;
  const result = F.arg ? 'i32(bi)' : convert('acc', F.t, outT);
  const decls = `${paramBlock(words)}
@group(0) @binding(1) var<storage, read> X: array<${inT}>;
@group(0) @binding(2) var<storage, read_write> O: array<${outT}>;`;
  let main: string;
  if (!useGroup) {
    // Nested loops over the reduced dims, outermost first; j counts reduced elements in order.
    const open: string[] = [];
    const close: string[] = [];
    for (let d = 0; d < rr; d++) {
      const from = d === 0 ? 'base' : `p${d - 1}`;
      open.push(`for (var i${d} = 0u; i${d} < ${pw(R0 + d)}; i${d} = i${d} + 1u) { let p${d} = ${from} + i${d} * ${pw(R0 + rr + d)};`);
      close.push('}');
    }
    main = `@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let o = ${GROUP_INDEX} * ${WG}u + lid;
  if (o >= ${pw(0)}) { return; }
  ${keptBase.join('\n  ')}
  ${init}
  var j = 0u;
  ${open.join('\n  ')}
    let v = ${load(`p${rr - 1}`)};
    ${update}
    j = j + 1u;
  ${close.join(' ')}
  O[${pw(3)} + o] = ${result};
}`;
  } else {
    const redIndex = [`var rr = j;`, 'var idx = base;'];
    for (let d = rr - 1; d >= 0; d--) {
      redIndex.push(`idx = idx + (rr % ${pw(R0 + d)}) * ${pw(R0 + rr + d)}; rr = rr / ${pw(R0 + d)};`);
    }
    const shared = F.arg
      ? `var<workgroup> SV: array<${F.t}, ${WG}>;\nvar<workgroup> SI: array<u32, ${WG}>;`
      : `var<workgroup> SV: array<${F.t}, ${WG}>;`;
    const combineShared = F.arg
      ? `let acc = SV[lid]; let bi = SI[lid]; let v = SV[lid + s]; let j = SI[lid + s];
      if (${F.better}) { SV[lid] = v; SI[lid] = j; }`
      : `let acc = SV[lid]; let v = SV[lid + s]; SV[lid] = ${F.combine};`;
    main = `${shared}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let o = ${GROUP_INDEX};
  if (o >= ${pw(0)}) { return; }
  ${keptBase.join('\n  ')}
  ${init}
  for (var j = lid; j < ${pw(1)}; j = j + ${WG}u) {
    ${redIndex.join('\n    ')}
    let v = ${load('idx')};
    ${update}
  }
  SV[lid] = acc;
  ${F.arg ? 'SI[lid] = bi;' : ''}
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    workgroupBarrier();
    if (lid < s) {
      ${combineShared}
    }
  }
  if (lid == 0u) {
    let acc = SV[0];
    ${F.arg ? 'let bi = SI[0];' : ''}
    O[${pw(3)} + o] = ${result};
  }
}`;
  }
  return `${decls}\n${mathPrelude(main)}\n${main}`;
}
