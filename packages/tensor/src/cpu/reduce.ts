/**
 * Reductions. x's dims are split into kept dims (iterated by the output, which is contiguous in
 * their order) and reduced dims; each group is collapsed separately, then a generated kernel per
 * (op, dtypes) runs one of three loops:
 * - rows: reduced dims are one contiguous run per output (softmax over the last axis, sum all);
 * - columns: reducing leading dims of a row-major block (bias gradients, batch means) walks x in
 *   memory order, accumulating a whole output row in a float64 scratch;
 * - general: odometers over kept and reduced dims, inner loop over the last reduced dim.
 * Accumulators are JS numbers, so float32 sums accumulate in float64.
 */
import type { ReduceOp } from '../backend/contract.js';
import type { DType } from '../dtype.js';
import { type CpuView, dtypeIndex } from './buffer.js';
import { collapseGroup } from '../layout.js';
import { MAX_RANK, sizeOf } from './strides.js';

// Collapsed kept (K*) and reduced (R*) iteration spaces and their odometer counters.
const KS = new Int32Array(MAX_RANK);
const KST = new Int32Array(MAX_RANK);
const RS = new Int32Array(MAX_RANK);
const RST = new Int32Array(MAX_RANK);
const KI = new Int32Array(MAX_RANK);
const RI = new Int32Array(MAX_RANK);

let acc = new Float64Array(1024);
/** Scratch accumulators for the column path, grown as needed and reused. */
function accumulators(n: number): Float64Array {
  if (acc.length < n) acc = new Float64Array(Math.max(n, 2 * acc.length));
  return acc;
}

type ReduceKernel = (X: ArrayLike<number>, xo: number, O: { [i: number]: number }, oo: number, kr: number, rr: number) => void;

interface Template {
  init: string;
  /** Statement folding `v` (at reduced index `j` for arg ops) into the accumulator. */
  update: string;
  result: string;
  /** For the column path: expression combining `a` (accumulator) and `v`; null for arg ops. */
  combine: string | null;
  start: string;
}

function template(op: ReduceOp, intOut: boolean): Template {
  const fold = (start: string, combine: string): Template => ({
    init: `let acc = ${start};`,
    update: `acc = (${combine.replace(/\ba\b/g, 'acc')});`,
    result: 'acc',
    combine,
    start,
  });
  // NaN wins in max/min: once acc is NaN no comparison is true, so it stays NaN.
  switch (op) {
    case 'sum':
      return fold('0', intOut ? '(a + v) | 0' : 'a + v');
    case 'prod':
      return fold('1', intOut ? 'Math.imul(a, v)' : 'a * v');
    case 'max':
      return fold('-Infinity', 'v > a || v !== v ? v : a');
    case 'min':
      return fold('Infinity', 'v < a || v !== v ? v : a');
    case 'argmax':
    case 'argmin': {
      // First index on ties (strict comparison); the first NaN wins and then stays.
      const cmp = op === 'argmax' ? '>' : '<';
      return {
        init: `let acc = ${op === 'argmax' ? '-Infinity' : 'Infinity'}, bi = 0;`,
        update: `if (v ${cmp} acc || (v !== v && acc === acc)) { acc = v; bi = j; }`,
        result: 'bi',
        combine: null,
        start: '0',
      };
    }
  }
}

function compile(op: ReduceOp, outDtype: DType): ReduceKernel {
  const t = template(op, outDtype === 'int32');
  const columns =
    t.combine === null
      ? ''
      : `if (rr === 1 && kr === 1 && KST[0] === 1 && KS[0] > 1) {
    const K = KS[0], A = accumulators(K);
    for (let k = 0; k < K; k++) A[k] = ${t.start};
    for (let j = 0, row = xo; j < L; j++, row += ls) {
      for (let k = 0; k < K; k++) { const a = A[k], v = X[row + k]; A[k] = (${t.combine}); }
    }
    for (let k = 0; k < K; k++) O[oo + k] = A[k];
    return;
  }`;
  // Unrolled by 4 where the update does not need the index (see elementwise.ts for why).
  const unrolled =
    t.combine === null
      ? ''
      : `for (; j + 3 < L; j += 4) {
        ${[0, 1, 2, 3].map((u) => `{ const v = X[p + j + ${u}]; ${t.update} }`).join(' ')}
      }`;
  const source = `'use strict';
return function reduceKernel(X, xo, O, oo, kr, rr) {
  const L = RS[rr - 1], ls = RST[rr - 1];
  let nOut = 1;
  for (let d = 0; d < kr; d++) nOut *= KS[d];
  if (rr === 1 && ls === 1 && kr === 1 && (KST[0] === L || nOut === 1)) {
    for (let o = 0, p = xo; o < nOut; o++, p += L) {
      ${t.init}
      let j = 0;
      ${unrolled}
      for (; j < L; j++) { const v = X[p + j]; ${t.update} }
      O[oo + o] = ${t.result};
    }
    return;
  }
  ${columns}
  let rows = 1;
  for (let d = 0; d < rr - 1; d++) rows *= RS[d];
  for (let d = 0; d < kr; d++) KI[d] = 0;
  let base = xo;
  for (let o = 0; o < nOut; o++) {
    ${t.init}
    for (let d = 0; d < rr - 1; d++) RI[d] = 0;
    let rb = base;
    for (let row = 0; row < rows; row++) {
      for (let j = 0, p = rb; j < L; j++, p += ls) { const v = X[p]; ${t.update} }
      for (let d = rr - 2; d >= 0; d--) {
        rb += RST[d];
        if (++RI[d] < RS[d]) break;
        RI[d] = 0;
        rb -= RST[d] * RS[d];
      }
    }
    O[oo + o] = ${t.result};
    for (let d = kr - 1; d >= 0; d--) {
      base += KST[d];
      if (++KI[d] < KS[d]) break;
      KI[d] = 0;
      base -= KST[d] * KS[d];
    }
  }
};`;
  const factory = new Function('KS', 'KST', 'RS', 'RST', 'KI', 'RI', 'accumulators', source);
  return factory(KS, KST, RS, RST, KI, RI, accumulators) as ReduceKernel;
}

const cache: Record<string, (ReduceKernel | undefined)[]> = {};

export function reduce(op: ReduceOp, x: CpuView, axes: readonly number[], out: CpuView): void {
  const nOut = sizeOf(out.shape);
  if (nOut === 0) return;
  const O = out.buffer;
  if (sizeOf(x.shape) === 0) {
    // Only sum and prod are defined over no elements.
    O.fill(op === 'prod' ? 1 : 0, out.offset, out.offset + nOut);
    return;
  }
  let row = cache[op];
  if (row === undefined) {
    row = [];
    cache[op] = row;
  }
  const slot = dtypeIndex(x.dtype) * 4 + dtypeIndex(out.dtype);
  let kernel = row[slot];
  if (kernel === undefined) {
    kernel = compile(op, out.dtype);
    row[slot] = kernel;
  }
  const kr = collapseGroup(x.shape, x.strides, axes, false, KS, KST);
  const rr = collapseGroup(x.shape, x.strides, axes, true, RS, RST);
  kernel(x.buffer, x.offset, O, out.offset, kr, rr);
}
