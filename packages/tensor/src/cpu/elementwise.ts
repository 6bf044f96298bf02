/**
 * Elementwise kernels (unary, binary, where, cast, copy, copyInto), compiled with `new Function`
 * from the JavaScript the shared elementwise table prints for each op (`js`, `jsInt`): one
 * specialized loop per op and dtype combination, so the hot loops hold the op inline and see a
 * single typed-array type at every access.
 */
import type { BinaryOp, UnaryOp } from '../backend/contract.js';
import { definitionOf, JS_HELPERS } from '../backend/elementwise-table.js';
import { type CpuView, dtypeIndex } from './buffer.js';
import { collapse, flatStep, IDX, MAX_RANK, SH, ST } from './strides.js';

/** Writes op(inputs) into out; all views share out's shape (inputs already broadcast). */
export type ElementwiseKernel = (out: CpuView, x0: CpuView, x1: CpuView | null, x2: CpuView | null) => void;

const UNROLL = 8;

/**
 * The flat loops: one branch per combination of contiguous (step 1) and scalar (step 0) inputs,
 * scalars loaded once before the loop. Unrolled by UNROLL: V8 re-checks every typed array (map,
 * length, base) after each loop back-edge's interrupt check, so fewer back-edges per element
 * roughly halves the cost.
 */
function flatBranches(names: readonly string[], expr: string): string {
  const branches: string[] = [];
  for (let mask = (1 << names.length) - 1; mask >= 0; mask--) {
    const contiguous = names.map((_, k) => (mask & (1 << k)) !== 0);
    const cond = names.map((_, k) => `s${k} === ${contiguous[k] ? 1 : 0}`).join(' && ');
    const scalars = names.flatMap((name, k) => (contiguous[k] ? [] : [`const ${name} = B${k}[o${k}];`])).join(' ');
    const loads = (offset: string) => names.flatMap((name, k) => (contiguous[k] ? [`const ${name} = B${k}[o${k} + i${offset}];`] : []));
    const body = (offset: string) => `{ ${[...loads(offset), `O[oo + i${offset}] = (${expr});`].join(' ')} }`;
    const unrolled = Array.from({ length: UNROLL }, (_, u) => body(` + ${u}`)).join('\n        ');
    branches.push(`if (${cond}) {
      let i = 0;${scalars === '' ? '' : ` ${scalars}`}
      for (; i + ${UNROLL - 1} < n; i += ${UNROLL}) {
        ${unrolled}
      }
      for (; i < n; i++) ${body('')}
      return;
    }`);
  }
  return branches.join('\n    ');
}

/**
 * Source of a kernel over inputs named `names` (bound to locals before `expr` runs). Two paths:
 * flat loops when out is contiguous and every input is contiguous or a broadcast scalar, and an
 * odometer over the collapsed shape whose (unrolled) inner loop walks the last dim by its stride.
 */
function kernelSource(names: readonly string[], expr: string): string {
  const ins = names.map((_, k) => k);
  const each = (f: (k: number) => string, sep = ' '): string => ins.map(f).join(sep);
  const loads = (index: (k: number) => string): string => each((k) => `const ${names[k]} = B${k}[${index(k)}];`);
  const strides = each((k) => `x${k}.strides`, ', ');
  const nullPad = ', null'.repeat(3 - ins.length);
  const M = MAX_RANK;
  const unrolled = (index: (k: number, u: number) => string, outIndex: (u: number) => string) =>
    Array.from({ length: UNROLL }, (_, u) => `{ ${loads((k) => index(k, u))} O[${outIndex(u)}] = (${expr}); }`).join('\n      ');
  return `'use strict';
return function kernel(out, x0, x1, x2) {
  const shape = out.shape;
  const rank = shape.length;
  let n = 1;
  for (let d = 0; d < rank; d++) n *= shape[d];
  if (n === 0) return;
  const O = out.buffer, oo = out.offset, so = flatStep(shape, out.strides);
  ${each((k) => `const B${k} = x${k}.buffer, o${k} = x${k}.offset;`)}
  ${each((k) => `const s${k} = flatStep(shape, x${k}.strides);`)}
  if (so === 1 && ${each((k) => `s${k} >= 0`, ' && ')}) {
    ${flatBranches(names, expr)}
  }
  const r = collapse(shape, ${ins.length + 1}, out.strides, ${strides}${nullPad});
  const last = r - 1, inner = SH[last], rows = n / inner;
  const to = ST[last], ${each((k) => `t${k} = ST[${(k + 1) * M} + last]`, ', ')};
  for (let d = 0; d < last; d++) IDX[d] = 0;
  let po = oo, ${each((k) => `p${k} = o${k}`, ', ')};
  for (let row = 0; row < rows; row++) {
    let io = po, ${each((k) => `i${k} = p${k}`, ', ')};
    let j = 0;
    for (; j + ${UNROLL - 1} < inner; j += ${UNROLL}) {
      ${unrolled(
        (k, u) => `i${k} + ${u} * t${k}`,
        (u) => `io + ${u} * to`,
      )}
      io += ${UNROLL} * to; ${each((k) => `i${k} += ${UNROLL} * t${k};`)}
    }
    for (; j < inner; j++) {
      ${loads((k) => `i${k}`)} O[io] = (${expr}); io += to; ${each((k) => `i${k} += t${k};`)}
    }
    for (let d = last - 1; d >= 0; d--) {
      po += ST[d]; ${each((k) => `p${k} += ST[${(k + 1) * M} + d];`)}
      if (++IDX[d] < SH[d]) break;
      IDX[d] = 0;
      po -= ST[d] * SH[d]; ${each((k) => `p${k} -= ST[${(k + 1) * M} + d] * SH[d];`)}
    }
  }
};`;
}

const SCOPE = { ...JS_HELPERS, flatStep, collapse, SH, ST, IDX };
const SCOPE_NAMES = Object.keys(SCOPE);
const SCOPE_VALUES = Object.values(SCOPE);

function compile(names: readonly string[], expr: string): ElementwiseKernel {
  const factory = new Function(...SCOPE_NAMES, kernelSource(names, expr));
  return factory(...SCOPE_VALUES) as ElementwiseKernel;
}

/** Kernels cached per key (op) and dtype combination index. */
type Cache = Record<string, (ElementwiseKernel | undefined)[]>;

// Lookup and store are separate (no `make` callback) so the hit path allocates nothing.
function lookup(cache: Cache, key: string, slot: number): ElementwiseKernel | undefined {
  const row = cache[key];
  return row === undefined ? undefined : row[slot];
}

function store(cache: Cache, key: string, slot: number, kernel: ElementwiseKernel) {
  let row = cache[key];
  if (row === undefined) {
    row = [];
    cache[key] = row;
  }
  row[slot] = kernel;
  return kernel;
}

const unaryCache: Cache = {};
const binaryCache: Cache = {};
const whereCache: Cache = {};
const castCache: Cache = {};

/** The op's JavaScript: its int32 form when every operand is int32 and it has one. */
function entryExpr(op: UnaryOp | BinaryOp, allInt32: boolean): string {
  const entry = definitionOf(op);
  return allInt32 && entry.jsInt !== undefined ? entry.jsInt : entry.js;
}

export function unary(op: UnaryOp, x: CpuView, out: CpuView): void {
  const slot = dtypeIndex(x.dtype) * 4 + dtypeIndex(out.dtype);
  let kernel = lookup(unaryCache, op, slot);
  if (kernel === undefined) {
    const int = x.dtype === 'int32' && out.dtype === 'int32';
    kernel = store(unaryCache, op, slot, compile(['a'], entryExpr(op, int)));
  }
  kernel(out, x, null, null);
}

export function binary(op: BinaryOp, a: CpuView, b: CpuView, out: CpuView): void {
  const slot = (dtypeIndex(a.dtype) * 4 + dtypeIndex(b.dtype)) * 4 + dtypeIndex(out.dtype);
  let kernel = lookup(binaryCache, op, slot);
  if (kernel === undefined) {
    const int = a.dtype === 'int32' && b.dtype === 'int32' && out.dtype === 'int32';
    kernel = store(binaryCache, op, slot, compile(['a', 'b'], entryExpr(op, int)));
  }
  kernel(out, a, b, null);
}

export function where(cond: CpuView, a: CpuView, b: CpuView, out: CpuView): void {
  const slot = ((dtypeIndex(cond.dtype) * 4 + dtypeIndex(a.dtype)) * 4 + dtypeIndex(b.dtype)) * 4 + dtypeIndex(out.dtype);
  // NaN conditions count as true, like any nonzero value.
  const kernel = lookup(whereCache, 'where', slot) ?? store(whereCache, 'where', slot, compile(['c', 'a', 'b'], 'c !== 0 ? a : b'));
  kernel(out, cond, a, b);
}

/**
 * dtype conversion through the typed-array store: float -> int32 truncates toward zero (NaN -> 0),
 * float64 -> float32 rounds to nearest, bool -> number is 0/1; -> bool is (x != 0, NaN -> 1).
 */
export function cast(x: CpuView, out: CpuView): void {
  const slot = dtypeIndex(x.dtype) * 4 + dtypeIndex(out.dtype);
  const toBool = out.dtype === 'bool' && x.dtype !== 'bool';
  const kernel = lookup(castCache, 'cast', slot) ?? store(castCache, 'cast', slot, compile(['a'], toBool ? 'a !== 0 ? 1 : 0' : 'a'));
  kernel(out, x, null, null);
}

/** Materializes src into the contiguous out (same dtype). */
export function copy(src: CpuView, out: CpuView): void {
  cast(src, out);
}

/** Writes src through the strided view dst (same shape and dtype). */
export function copyInto(dst: CpuView, src: CpuView): void {
  cast(src, dst);
}
