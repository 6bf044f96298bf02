/**
 * torch.einsum, composed from views, where, sum, mul and matmul (so its gradient is theirs).
 * Plan: take diagonals of repeated subscripts ('ii->i'), sum subscripts that only one operand has
 * and the output lacks, then fold the operands left to right. Each pairwise step permutes both
 * sides to [batch, free, contracted] and runs one batched matmul, or a broadcast multiply when
 * nothing is contracted (outer and elementwise products). Size-1 dims broadcast, as in PyTorch.
 */
import { DTypeError, NNError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { promoteTypes } from '../dtype.js';
import { sizeOf } from '../layout.js';
import type { Tensor } from '../tensor.js';
import { backendOf } from './core.js';
import { arange } from './creation.js';
import { cast, eq, mul, where } from './elementwise.js';
import { matmul } from './linalg.js';
import { expand, permute, reshape } from './movement.js';
import { sum } from './reduce.js';

/** Subscripts are letter char codes; ellipsis dims get ids 0..E-1 (right-aligned across operands). */
interface Term {
  t: Tensor;
  labels: number[];
}

const ELLIPSIS = -1;
const nameOf = (l: number): string => (l >= 65 ? String.fromCharCode(l) : '...');

function parseTerm(eqn: string, s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    if (s.startsWith('...', i)) {
      if (out.includes(ELLIPSIS)) throw new ValueRangeError(`einsum: '${s}' in '${eqn}' has more than one '...'`);
      out.push(ELLIPSIS);
      i += 3;
    } else if (/[A-Za-z]/.test(s[i])) out.push(s.charCodeAt(i++));
    else {
      throw new ValueRangeError(
        `einsum: invalid character '${s[i]}' in '${eqn}' (subscripts are letters a-z, A-Z and at most one '...' per operand)`,
      );
    }
  }
  return out;
}

/** Owns the intermediates: everything made here is disposed at the end except the result. */
class Scratch {
  readonly made: Tensor[] = [];
  keep(t: Tensor): Tensor {
    this.made.push(t);
    return t;
  }
}

/** Reorders a term's dims to `order` (labels it has), inserting size-1 dims for labels it lacks. */
function arrange(s: Scratch, term: Term, order: readonly number[]): Tensor {
  const own = order.filter((l) => term.labels.includes(l));
  const p = s.keep(
    permute(
      term.t,
      own.map((l) => term.labels.indexOf(l)),
    ),
  );
  if (own.length === order.length) return p;
  return s.keep(
    reshape(
      p,
      order.map((l) => (term.labels.includes(l) ? p.shape[own.indexOf(l)] : 1)),
    ),
  );
}

function sumOut(s: Scratch, term: Term, drop: (l: number) => boolean): Term {
  const axes = term.labels.flatMap((l, i) => (drop(l) ? [i] : []));
  if (axes.length === 0) return term;
  return { t: s.keep(sum(term.t, axes)), labels: term.labels.filter((l) => !drop(l)) };
}

/** The diagonal over a subscript that repeats in one operand ('ii', 'bii'): mask then sum. */
function diagonals(s: Scratch, term: Term, eqn: string, index: number): Term {
  let { t, labels } = term;
  for (let q = 0; q < labels.length; q++) {
    const p = labels.indexOf(labels[q]);
    if (p === q) continue;
    const n = t.shape[p];
    if (t.shape[q] !== n) {
      throw new ShapeError(
        `einsum: subscript '${nameOf(labels[q])}' repeats in operand ${index} of '${eqn}' with sizes ${n} and ${t.shape[q]}; a diagonal needs equal sizes`,
      );
    }
    const opts = { dtype: 'int32' as const, backend: t.backend.name };
    const i = s.keep(arange(0, n, 1, opts));
    const eye = s.keep(eq(s.keep(reshape(i, [n, 1])), i));
    const mask = s.keep(
      reshape(
        eye,
        t.shape.map((d, k) => (k === p || k === q ? d : 1)),
      ),
    );
    t = s.keep(sum(s.keep(where(mask, t, 0)), q));
    labels = labels.filter((_, k) => k !== q);
    q--;
  }
  return { t, labels };
}

/** One pairwise step: the product of a and b, summed over shared subscripts not in `keep`. */
function contract(s: Scratch, a: Term, b: Term, keep: ReadonlySet<number>): Term {
  a = sumOut(s, a, (l) => !b.labels.includes(l) && !keep.has(l));
  b = sumOut(s, b, (l) => !a.labels.includes(l) && !keep.has(l));
  const shared = a.labels.filter((l) => b.labels.includes(l));
  const batch = shared.filter((l) => keep.has(l));
  const con = shared.filter((l) => !keep.has(l));
  const aOnly = a.labels.filter((l) => !b.labels.includes(l));
  const bOnly = b.labels.filter((l) => !a.labels.includes(l));
  const labels = [...batch, ...aOnly, ...bOnly];
  if (con.length === 0) {
    return { t: s.keep(mul(arrange(s, a, labels), arrange(s, b, labels))), labels };
  }
  const size = (l: number): number => Math.max(a.t.shape[a.labels.indexOf(l)] ?? 1, b.t.shape[b.labels.indexOf(l)] ?? 1);
  const own = (term: Term, l: number): number => term.t.shape[term.labels.indexOf(l)];
  const dtype = promoteTypes(a.t.dtype, b.t.dtype);
  const side = (term: Term, order: number[], free: number[]): Tensor => {
    const p = arrange(s, term, order);
    const full = s.keep(
      expand(
        p,
        order.map((l) => (free.includes(l) ? own(term, l) : size(l))),
      ),
    );
    const c = full.dtype === dtype ? full : s.keep(cast(full, dtype));
    return c;
  };
  const A = side(a, [...batch, ...aOnly, ...con], aOnly);
  const B = side(b, [...batch, ...con, ...bOnly], bOnly);
  const batchShape = batch.map(size);
  // Batch dims stay separate (matmul broadcasts them) and one-subscript groups need no reshape,
  // so attention-style products pass transposed views to matmul instead of copies.
  const matrix = (t: Tensor, rows: number[], cols: number[]): Tensor =>
    rows.length === 1 && cols.length === 1 ? t : s.keep(reshape(t, [...batchShape, sizeOf(rows), sizeOf(cols)]));
  const aSizes = aOnly.map((l) => own(a, l));
  const bSizes = bOnly.map((l) => own(b, l));
  const conSizes = con.map(size);
  const prod = s.keep(matmul(matrix(A, aSizes, conSizes), matrix(B, conSizes, bSizes)));
  return { t: s.keep(reshape(prod, [...batchShape, ...aSizes, ...bSizes])), labels };
}

/**
 * torch.einsum: `einsum('bij,bjk->bik', a, b)`. Subscripts are letters; '...' stands for broadcast
 * leading dims; without '->' the output is '...' then the subscripts used once, in ASCII order.
 * Operands may also come as one array: `einsum(eq, [a, b])`.
 */
export function einsum(equation: string, ...operands: Tensor[] | [readonly Tensor[]]): Tensor {
  const ts = (operands.length === 1 && Array.isArray(operands[0]) ? [...operands[0]] : operands) as Tensor[];
  if (typeof equation !== 'string') throw new NNError(`einsum: the equation must be a string, got ${typeof equation}`);
  if (ts.length === 0) throw new ValueRangeError(`einsum: '${equation}' needs at least one operand`);
  for (const t of ts) {
    backendOf('einsum', ts[0], t);
    if (t.dtype === 'bool') throw new DTypeError('einsum: bool operands are not supported; cast them first');
  }
  const eqn = equation.replace(/\s+/g, '');
  const parts = eqn.split('->');
  if (parts.length > 2) throw new ValueRangeError(`einsum: '${equation}' has more than one '->'`);
  const specs = parts[0].split(',');
  if (specs.length !== ts.length) {
    throw new ValueRangeError(`einsum: '${equation}' names ${specs.length} operand(s) but ${ts.length} tensor(s) were given`);
  }
  const parsed = specs.map((sp) => parseTerm(equation, sp));
  const ell = parsed.map((p, i) => {
    const letters = p.filter((l) => l !== ELLIPSIS).length;
    const nd = ts[i].ndim;
    if (p.includes(ELLIPSIS) ? letters > nd : letters !== nd) {
      throw new ShapeError(
        `einsum: operand ${i} has ${nd} dims (shape ${fmtShape(ts[i].shape)}) but '${specs[i]}' in '${equation}' names ${letters}`,
      );
    }
    return nd - letters;
  });
  const E = Math.max(0, ...ell);
  const terms: Term[] = parsed.map((p, i) => ({
    t: ts[i],
    labels: p.flatMap((l) => (l === ELLIPSIS ? Array.from({ length: ell[i] }, (_, j) => E - ell[i] + j) : [l])),
  }));
  checkSizes(terms, equation);
  const output = outputLabels(parts.length === 2 ? parts[1] : null, terms, E, equation);

  const s = new Scratch();
  try {
    let acc = terms.map((term, i) => diagonals(s, term, equation, i));
    const inOthers = (l: number, i: number): boolean => acc.some((t, j) => j !== i && t.labels.includes(l));
    acc = acc.map((term, i) => sumOut(s, term, (l) => !output.includes(l) && !inOthers(l, i)));
    let r = acc[0];
    for (let i = 1; i < acc.length; i++) {
      const keep = new Set([...output, ...acc.slice(i + 1).flatMap((t) => t.labels)]);
      r = contract(s, r, acc[i], keep);
    }
    r = sumOut(s, r, (l) => !output.includes(l));
    return permute(
      r.t,
      output.map((l) => r.labels.indexOf(l)),
    );
  } finally {
    for (const t of s.made) t.dispose();
  }
}

/** Each subscript has one size across operands (size 1 broadcasts), or a ShapeError. */
function checkSizes(terms: readonly Term[], eqn: string): void {
  const sizes = new Map<number, number>();
  terms.forEach((term, i) => {
    term.labels.forEach((l, d) => {
      const n = term.t.shape[d];
      const seen = sizes.get(l);
      if (seen === undefined || seen === 1) sizes.set(l, n);
      else if (n !== 1 && n !== seen && term.labels.indexOf(l) === d) {
        throw new ShapeError(
          `einsum: subscript '${nameOf(l)}' has size ${n} in operand ${i} of '${eqn}' but ${seen} in an earlier one (sizes must match or be 1)`,
        );
      }
    });
  });
}

function outputLabels(spec: string | null, terms: readonly Term[], E: number, eqn: string): number[] {
  const lead = Array.from({ length: E }, (_, j) => j);
  const all = terms.flatMap((t) => t.labels);
  if (spec === null) {
    const once = [...new Set(all)].filter((l) => l >= 65 && all.filter((m) => m === l).length === 1);
    return [...lead, ...once.sort((x, y) => x - y)];
  }
  const out = parseTerm(eqn, spec).flatMap((l) => (l === ELLIPSIS ? lead : [l]));
  for (const l of out) {
    if (l >= 65 && !all.includes(l))
      throw new ValueRangeError(`einsum: output subscript '${nameOf(l)}' of '${eqn}' does not appear in any operand`);
    if (out.indexOf(l) !== out.lastIndexOf(l))
      throw new ValueRangeError(`einsum: output subscript '${nameOf(l)}' appears more than once in '${eqn}'`);
  }
  return out;
}
