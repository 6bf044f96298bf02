/**
 * The primitives as plain loops over positions (see strided.ts). Values are JS numbers (doubles);
 * writing one into the output's typed array rounds it to float32 or wraps it to int32, exactly
 * as the cpu backend's generated kernels do (elementwise results are the same bits).
 */
import type { BinaryOp, RandomKind, ReduceOp, UnaryOp, View } from '../backend/contract.js';
import { BINARY_TABLE, type BinaryFn, type ElementwiseEntry, UNARY_TABLE, type UnaryFn } from '../backend/elementwise-table.js';
import type { DataArray, DType } from '../dtype.js';
import { fillRandom } from '../rng.js';
import { sizeOf } from '../layout.js';
import { forEachIndex, offsetAlong, offsetOf } from './strided.js';

export type RefView = View<DataArray>;

/** The table's int32 form when every operand is int32 (exact wrapping), else the float form: interpreters of the op's expression tree, no eval. */
function pick<F extends UnaryFn | BinaryFn>(entry: ElementwiseEntry<F>, int: boolean): F {
  return int && entry.fnInt !== undefined ? entry.fnInt : entry.fn;
}

/** What storing v into a buffer of `dtype` means: bool is (v != 0); a Uint8Array store would wrap. */
function storeAs(dtype: DType): (v: number) => number {
  return dtype === 'bool' ? (v) => (v !== 0 ? 1 : 0) : (v) => v;
}

// --- elementwise: inputs arrive broadcast to out's shape, so one position indexes them all ---

export function unary(op: UnaryOp, x: RefView, out: RefView): void {
  const f = pick(UNARY_TABLE[op], x.dtype === 'int32' && out.dtype === 'int32');
  forEachIndex(out.shape, (pos) => {
    out.buffer[offsetOf(out, pos)] = f(x.buffer[offsetOf(x, pos)]);
  });
}

export function binary(op: BinaryOp, a: RefView, b: RefView, out: RefView): void {
  const int = a.dtype === 'int32' && b.dtype === 'int32' && out.dtype === 'int32';
  const f = pick(BINARY_TABLE[op], int);
  forEachIndex(out.shape, (pos) => {
    out.buffer[offsetOf(out, pos)] = f(a.buffer[offsetOf(a, pos)], b.buffer[offsetOf(b, pos)]);
  });
}

export function where(cond: RefView, a: RefView, b: RefView, out: RefView): void {
  forEachIndex(out.shape, (pos) => {
    const c = cond.buffer[offsetOf(cond, pos)];
    out.buffer[offsetOf(out, pos)] = c !== 0 ? a.buffer[offsetOf(a, pos)] : b.buffer[offsetOf(b, pos)];
  });
}

/** dtype conversion by the typed-array store (float -> int32 truncates), bool by (x != 0). */
export function cast(x: RefView, out: RefView): void {
  const store = storeAs(out.dtype);
  forEachIndex(out.shape, (pos) => {
    out.buffer[offsetOf(out, pos)] = store(x.buffer[offsetOf(x, pos)]);
  });
}

// --- reductions: fold each x element into the accumulator of its output position ---

const FOLDS: Record<'sum' | 'prod' | 'max' | 'min', { start: number; entry: ElementwiseEntry<BinaryFn> }> = {
  sum: { start: 0, entry: BINARY_TABLE.add },
  prod: { start: 1, entry: BINARY_TABLE.mul },
  // maximum/minimum propagate NaN, so once an accumulator is NaN it stays NaN.
  max: { start: -Infinity, entry: BINARY_TABLE.maximum },
  min: { start: Infinity, entry: BINARY_TABLE.minimum },
};

export function reduce(op: ReduceOp, x: RefView, axes: readonly number[], out: RefView): void {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  // Where an x position's result goes: out at its kept coordinates.
  const outAt = (pos: number[]) =>
    offsetOf(
      out,
      kept.map((d) => pos[d]),
    );
  if (op === 'argmax' || op === 'argmin') {
    argReduce(op, x, axes[0], out, outAt);
    return;
  }
  const { start, entry } = FOLDS[op];
  const f = pick(entry, out.dtype === 'int32');
  // Accumulate in doubles (float32 sums too, as cpu does) and store once at the end.
  const acc = new Map<number, number>();
  forEachIndex(out.shape, (pos) => void acc.set(offsetOf(out, pos), start));
  forEachIndex(x.shape, (pos) => {
    const o = outAt(pos);
    acc.set(o, f(acc.get(o)!, x.buffer[offsetOf(x, pos)]));
  });
  for (const [o, v] of acc) out.buffer[o] = v;
}

function argReduce(op: 'argmax' | 'argmin', x: RefView, axis: number, out: RefView, outAt: (pos: number[]) => number): void {
  const beats = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  const best = new Map<number, number>();
  forEachIndex(x.shape, (pos) => {
    const o = outAt(pos);
    const v = x.buffer[offsetOf(x, pos)];
    const b = best.get(o);
    // The first element starts; strict comparison keeps the first index on ties; the first NaN wins.
    if (b === undefined || beats(v, b) || (v !== v && b === b)) {
      best.set(o, v);
      out.buffer[o] = pos[axis];
    }
  });
}

// --- matmul: a [batch, M, K] times b [batch, K, N]; any strides, so transposes cost nothing ---

export function matmul(a: RefView, b: RefView, out: RefView): void {
  const K = a.shape[2];
  const mul = pick(BINARY_TABLE.mul, out.dtype === 'int32');
  forEachIndex(out.shape, (pos) => {
    const [p, i, j] = pos;
    // Walk row i of a and column j of b; int32 stays exact in doubles (each product wrapped by
    // Math.imul, the sum wrapped by the store).
    const row = offsetOf(a, [p, i, 0]);
    const col = offsetOf(b, [p, 0, j]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += mul(a.buffer[row + k * a.strides[2]], b.buffer[col + k * b.strides[1]]);
    out.buffer[offsetOf(out, pos)] = sum;
  });
}

// --- indexing: the index replaces the position's coordinate along `axis` ---

export function gather(x: RefView, indices: RefView, axis: number, out: RefView): void {
  forEachIndex(indices.shape, (pos) => {
    const index = indices.buffer[offsetOf(indices, pos)];
    out.buffer[offsetOf(out, pos)] = x.buffer[offsetAlong(x, pos, axis, index)];
  });
}

export function scatterAdd(x: RefView, indices: RefView, updates: RefView, axis: number, out: RefView): void {
  cast(x, out);
  forEachIndex(indices.shape, (pos) => {
    const index = indices.buffer[offsetOf(indices, pos)];
    out.buffer[offsetAlong(out, pos, axis, index)] += updates.buffer[offsetOf(updates, pos)];
  });
}

// --- creation ---

export function fill(out: RefView, value: number): void {
  const v = storeAs(out.dtype)(value);
  forEachIndex(out.shape, (pos) => {
    out.buffer[offsetOf(out, pos)] = v;
  });
}

export function iota(out: RefView, start: number, step: number): void {
  let i = 0;
  forEachIndex(out.shape, (pos) => {
    out.buffer[offsetOf(out, pos)] = start + i++ * step;
  });
}

/** Philox-4x32-10 from ../rng.ts, the definition every backend follows bit for bit. */
export function random(kind: RandomKind, key: readonly [number, number], counter: number, out: RefView): void {
  const values = new Float64Array(sizeOf(out.shape));
  fillRandom(kind, key, counter, values);
  const store = storeAs(out.dtype);
  let i = 0;
  forEachIndex(out.shape, (pos) => {
    out.buffer[offsetOf(out, pos)] = store(values[i++]);
  });
}
