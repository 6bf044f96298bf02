/**
 * A tiny expression language for elementwise ops: each op of the elementwise table is one tree
 * over the operands `a` and `b`, and every backend prints that tree in its own language
 * (JavaScript here, AssemblyScript in the wasm generator, WGSL in the WebGPU backend). A printer
 * is a `Dialect`: one function per node kind and a name per math function, both exhaustive
 * records, so a new node kind or math function fails to compile until every printer handles it.
 *
 * A tree is evaluated in one domain: `float` (IEEE arithmetic; cpu and wasm use float64, WebGPU
 * float32) or `int` (int32 with two's-complement wrapping; `/` and the float-only math functions
 * do not exist there). Comparisons, `||`/`&&` and the NaN/infinity tests are bool-valued.
 */

import { DTypeError } from '../errors.js';

/** Math functions callable in the float domain (each printer names its implementation). */
export const FLOAT_FNS = [
  'abs',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'sin',
  'cos',
  'tanh',
  'floor',
  'ceil',
  'rint',
  'erf',
  'pow',
] as const;
export type FloatFn = (typeof FLOAT_FNS)[number];
/** Math functions callable in the int32 domain: `ipow` is integer power (negative exponents truncate). */
export const INT_FNS = ['abs', 'max', 'min', 'ipow'] as const;
export type IntFn = (typeof INT_FNS)[number];
export type MathFn = FloatFn | IntFn;
/** How many arguments each math function takes. */
export const ARITY: Readonly<Record<MathFn, 1 | 2>> = {
  abs: 1,
  exp: 1,
  expm1: 1,
  log: 1,
  log1p: 1,
  sqrt: 1,
  sin: 1,
  cos: 1,
  tanh: 1,
  floor: 1,
  ceil: 1,
  rint: 1,
  erf: 1,
  pow: 2,
  max: 2,
  min: 2,
  ipow: 2,
};

export type ArithOp = '+' | '-' | '*' | '/';
export type CmpOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A number-valued node. */
export type Num =
  | { readonly k: 'arg'; readonly name: 'a' | 'b' }
  | { readonly k: 'lit'; readonly v: number }
  | { readonly k: 'neg'; readonly x: Num }
  | { readonly k: 'arith'; readonly op: ArithOp; readonly x: Num; readonly y: Num }
  | { readonly k: 'call'; readonly f: MathFn; readonly args: readonly Num[] }
  | { readonly k: 'select'; readonly c: Bool; readonly t: Num; readonly f: Num };
/** A bool-valued node. */
export type Bool =
  | { readonly k: 'cmp'; readonly op: CmpOp; readonly x: Num; readonly y: Num }
  | { readonly k: 'logic'; readonly op: '||' | '&&'; readonly x: Bool; readonly y: Bool }
  | { readonly k: 'test'; readonly f: 'isnan' | 'isinf'; readonly x: Num };
export type Expr = Num | Bool;

// --- builders: numbers stand for literals ---

type N = Num | number;
const num = (x: N): Num => (typeof x === 'number' ? { k: 'lit', v: x } : x);
export const a: Num = { k: 'arg', name: 'a' };
export const b: Num = { k: 'arg', name: 'b' };
export const neg = (x: N): Num => ({ k: 'neg', x: num(x) });
const arith =
  (op: ArithOp) =>
  (x: N, y: N): Num => ({ k: 'arith', op, x: num(x), y: num(y) });
export const add = arith('+');
export const sub = arith('-');
export const mul = arith('*');
export const div = arith('/');
export const call = (f: MathFn, ...args: N[]): Num => ({ k: 'call', f, args: args.map(num) });
export const select = (c: Bool, t: N, f: N): Num => ({ k: 'select', c, t: num(t), f: num(f) });
const cmp =
  (op: CmpOp) =>
  (x: N, y: N): Bool => ({ k: 'cmp', op, x: num(x), y: num(y) });
export const lt = cmp('<');
export const le = cmp('<=');
export const gt = cmp('>');
export const ge = cmp('>=');
export const eq = cmp('==');
export const ne = cmp('!=');
export const or = (x: Bool, y: Bool): Bool => ({ k: 'logic', op: '||', x, y });
export const and = (x: Bool, y: Bool): Bool => ({ k: 'logic', op: '&&', x, y });
export const isnan = (x: N): Bool => ({ k: 'test', f: 'isnan', x: num(x) });
export const isinf = (x: N): Bool => ({ k: 'test', f: 'isinf', x: num(x) });

export const isBool = (e: Expr): e is Bool => e.k === 'cmp' || e.k === 'logic' || e.k === 'test';

// --- printing ---

export type Domain = 'float' | 'int';

/**
 * How one target spells each node, given its children already printed. Printers parenthesize
 * every compound result, so no dialect needs precedence rules.
 */
export interface Dialect {
  readonly arg: (name: 'a' | 'b') => string;
  /** A literal (NaN and infinities included) of the domain's type. */
  readonly lit: (v: number) => string;
  readonly neg: (x: string) => string;
  readonly arith: (op: ArithOp, x: string, y: string) => string;
  readonly call: (f: MathFn, args: readonly string[]) => string;
  readonly select: (c: string, t: string, f: string) => string;
  readonly cmp: (op: CmpOp, x: string, y: string) => string;
  readonly logic: (op: '||' | '&&', x: string, y: string) => string;
  readonly test: (f: 'isnan' | 'isinf', x: string) => string;
}

const FLOAT_SET = new Set<string>(FLOAT_FNS);
const INT_SET = new Set<string>(INT_FNS);

/** Throws unless `e` is well formed in `domain` (no `/` or float-only function in int32; arities). */
export function check(e: Expr, domain: Domain): void {
  visit(e, (n) => {
    if (n.k === 'arith' && n.op === '/' && domain === 'int') throw new DTypeError('expr: `/` in an int32 expression');
    if (n.k === 'call') {
      const known = domain === 'int' ? INT_SET : FLOAT_SET;
      if (!known.has(n.f)) throw new DTypeError(`expr: ${n.f} is not defined in the ${domain} domain (valid: ${[...known].join(', ')})`);
      if (n.args.length !== ARITY[n.f]) throw new DTypeError(`expr: ${n.f} takes ${ARITY[n.f]} argument(s), got ${n.args.length}`);
    }
  });
}

/** Calls f on every node of e, parents first. */
export function visit(e: Expr, f: (n: Expr) => void): void {
  f(e);
  switch (e.k) {
    case 'neg':
    case 'test':
      visit(e.x, f);
      break;
    case 'arith':
    case 'cmp':
    case 'logic':
      visit(e.x, f);
      visit(e.y, f);
      break;
    case 'call':
      for (const x of e.args) visit(x, f);
      break;
    case 'select':
      visit(e.c, f);
      visit(e.t, f);
      visit(e.f, f);
      break;
    default:
  }
}

/** Prints e in dialect d. */
export function print(e: Expr, d: Dialect): string {
  const p = (x: Expr): string => print(x, d);
  switch (e.k) {
    case 'arg':
      return d.arg(e.name);
    case 'lit':
      return d.lit(e.v);
    case 'neg':
      return d.neg(p(e.x));
    case 'arith':
      return d.arith(e.op, p(e.x), p(e.y));
    case 'call':
      return d.call(e.f, e.args.map(p));
    case 'select':
      return d.select(p(e.c), p(e.t), p(e.f));
    case 'cmp':
      return d.cmp(e.op, p(e.x), p(e.y));
    case 'logic':
      return d.logic(e.op, p(e.x), p(e.y));
    case 'test':
      return d.test(e.f, p(e.x));
  }
}

/** A finite literal with a decimal point or exponent (so C-like targets read it as floating point). */
export function floatLiteral(v: number): string {
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
