/**
 * Elementwise kernels (unary, binary, where, cast, copy, copyInto), generated from the op table
 * in ../wgsl/ops.ts (keyed like the shared elementwise table) and compiled once per shape class:
 * the op, the dtypes, the rank of the collapsed iteration space, and each operand's layout class
 * (contiguous, broadcast scalar, or strided). Shapes, strides and offsets are run-time parameters,
 * so any shape of a class reuses one pipeline.
 *
 * One thread per output element. An all-contiguous op has no index arithmetic at all; a strided
 * operand decodes the flat index into coordinates once per thread.
 */
import { BackendError, type UnaryOp } from '@nn/tensor';
import type { BinaryOp } from '@nn/tensor/backend';
import { mathPrelude } from '../wgsl/math.js';
import { WGSL_F32, WGSL_I32 } from '../wgsl/ops.js';
import type { Runtime } from '../runtime.js';
import {
  type GView,
  type Layout,
  type WType,
  classify,
  collapse,
  convert,
  decode,
  ENTRY_ARGS,
  GROUP_INDEX,
  paramBlock,
  pw,
  sizeOf,
  storageType,
  stridedIndex,
  vec4sFor,
} from './common.js';

export const WG = 256;

/** What one elementwise op computes: the unit the fusion layer (../fusion.ts) chains into one kernel. */
export interface Spec {
  /** Cache-key prefix naming the op and its types. */
  readonly name: string;
  /** Per input: the type its value is converted to before `expr`. */
  readonly compute: readonly WType[];
  /** Expression over the inputs named a, b, c. */
  readonly expr: string;
  /** Type of `expr`. */
  readonly result: WType;
}

/** The input names `expr` uses, in order. */
export const NAMES = ['a', 'b', 'c'];

/** Where an elementwise op goes: run at once (`direct`) or deferred for fusion (../fusion.ts). */
export type EwSink = (spec: Spec, ins: readonly GView[], out: GView) => void;

/** A sink that records each op as its own dispatch. */
export function direct(rt: Runtime): EwSink {
  return (spec, ins, out) => run(rt, spec, ins, out);
}

function source(spec: Spec, ins: readonly GView[], out: GView, classes: readonly Layout[], rank: number, words: number): string {
  const outT = storageType(out.dtype);
  const decls = [paramBlock(words)];
  ins.forEach((v, k) => {
    decls.push(`@group(0) @binding(${k + 1}) var<storage, read> X${k}: array<${storageType(v.dtype)}>;`);
  });
  decls.push(`@group(0) @binding(${ins.length + 1}) var<storage, read_write> O: array<${outT}>;`);
  // Word layout: n, shape (if strided), then per operand (out, inputs...) offset [, strides].
  let at = rank > 0 ? 1 + rank : 1;
  const index: string[] = [];
  for (let k = 0; k <= ins.length; k++) {
    const cls = classes[k];
    index.push(cls === 'c' ? `${pw(at)} + i` : cls === 's' ? pw(at) : stridedIndex(rank, at));
    at += cls === 'g' ? 1 + rank : 1;
  }
  const loads = ins.map((v, k) => `let ${NAMES[k]} = ${convert(`X${k}[${index[k + 1]}]`, storageType(v.dtype), spec.compute[k])};`);
  const body = [
    `let i = ${GROUP_INDEX} * ${WG}u + lid;`,
    `if (i >= ${pw(0)}) { return; }`,
    ...(rank > 0 ? [decode(rank, 1)] : []),
    ...loads,
    `O[${index[0]}] = ${convert(`(${spec.expr})`, spec.result, outT)};`,
  ].join('\n  ');
  const main = `@compute @workgroup_size(${WG})\nfn main(${ENTRY_ARGS}) {\n  ${body}\n}`;
  return [...decls, mathPrelude(main), main].join('\n');
}

/** Runs spec over out's elements; inputs are views broadcast to out's shape. */
export function run(rt: Runtime, spec: Spec, ins: readonly GView[], out: GView): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const all = [out, ...ins];
  const { shape, strides } = collapse(
    out.shape,
    all.map((v) => v.strides),
  );
  const classes = strides.map((s) => classify(shape, s));
  const rank = classes.includes('g') ? shape.length : 0;
  const words: number[] = [n];
  if (rank > 0) words.push(...shape);
  all.forEach((v, k) => {
    words.push(v.offset);
    if (classes[k] === 'g') for (const s of strides[k]) words.push(s);
  });
  const key = `ew|${spec.name}|${all.map((v) => v.dtype).join(',')}|${classes.join('')}|${rank}`;
  const kernel = rt.kernel(key, vec4sFor(words.length), () => source(spec, ins, out, classes, rank, words.length));
  rt.dispatch(kernel, [...ins.map((v) => v.buffer), out.buffer], words, Math.ceil(n / WG));
}

/** The compute type of a dtype's values in arithmetic: float32 -> f32, int32 and bool -> i32. */
function arithType(dtype: GView['dtype']): 'f32' | 'i32' {
  return dtype === 'float32' ? 'f32' : 'i32';
}

/** The WGSL expression of op over operands a (and b) computed in type t: the one adapter to the op table. */
export function opExpr(op: UnaryOp | BinaryOp, t: 'f32' | 'i32'): string {
  const e = t === 'f32' ? WGSL_F32[op] : WGSL_I32[op];
  if (e === undefined) throw new BackendError(`webgpu: op '${op}' has no int32 form; the frontend computes it in float32`);
  return e;
}

const COMPARE = new Set<string>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

export function unary(sink: EwSink, op: UnaryOp, x: GView, out: GView): void {
  // Float ops compute in float32; int32 ops (neg, abs, sign, and identities) in i32.
  const t = out.dtype === 'float32' || x.dtype === 'float32' ? 'f32' : 'i32';
  sink({ name: `u:${op}:${t}`, compute: [t], expr: opExpr(op, t), result: t }, [x], out);
}

export function binary(sink: EwSink, op: BinaryOp, a: GView, b: GView, out: GView): void {
  const compare = COMPARE.has(op);
  const t = a.dtype === 'float32' || b.dtype === 'float32' || (!compare && out.dtype === 'float32') ? 'f32' : 'i32';
  sink({ name: `b:${op}:${t}`, compute: [t, t], expr: opExpr(op, t), result: compare ? 'bool' : t }, [a, b], out);
}

export function where(sink: EwSink, cond: GView, a: GView, b: GView, out: GView): void {
  // Inputs are named a (cond), b (a), c (b). Same dtypes: move raw 32-bit words, exact for every
  // value (NaN payloads included); otherwise convert to the output's arithmetic type.
  if (a.dtype === out.dtype && b.dtype === out.dtype) {
    const spec: Spec = { name: 'where:raw', compute: ['bool', 'u32', 'u32'], expr: 'select(c, b, a)', result: 'u32' };
    sink(spec, [cond, asWords(a), asWords(b)], asWords(out));
    return;
  }
  const t = arithType(out.dtype);
  sink({ name: `where:${t}`, compute: ['bool', t, t], expr: 'select(c, b, a)', result: t }, [cond, a, b], out);
}

/** The same view typed as raw 32-bit words (bound as array<u32>). */
function asWords(v: GView): GView {
  return v.dtype === 'bool' ? v : { buffer: v.buffer, dtype: 'bool', shape: v.shape, strides: v.strides, offset: v.offset };
}

export function cast(sink: EwSink, x: GView, out: GView): void {
  if (x.dtype === out.dtype) {
    copy(sink, x, out);
    return;
  }
  const from = storageType(x.dtype);
  sink({ name: 'cast', compute: [from], expr: 'a', result: from }, [x], out);
}

/** Materializes src (any view) into out, or writes it through a strided out: raw 32-bit words. */
export function copy(sink: EwSink, src: GView, out: GView): void {
  sink({ name: 'copy', compute: ['u32'], expr: 'a', result: 'u32' }, [asWords(src)], asWords(out));
}
