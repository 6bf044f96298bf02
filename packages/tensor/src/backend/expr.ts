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
/** The name of a math function callable in the float domain (an element of `FLOAT_FNS`). */
export type FloatFn = (typeof FLOAT_FNS)[number];
/** Math functions callable in the int32 domain: `ipow` is integer power (negative exponents truncate). */
export const INT_FNS = ['abs', 'max', 'min', 'ipow'] as const;
/** The name of a math function callable in the int32 domain (an element of `INT_FNS`). */
export type IntFn = (typeof INT_FNS)[number];
/** The name of any math function a `call` node may name, float or int32. */
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

/** The operator of an `arith` node (`/` exists only in the float domain). */
export type ArithOp = '+' | '-' | '*' | '/';
/** The operator of a `cmp` node; NaN compares unequal to everything, as in IEEE. */
export type CmpOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A number-valued node. */
export type Num =
  | {
      /** Node kind: an operand. */
      readonly k: 'arg';
      /** Which operand: `a` (every op) or `b` (binary ops). */
      readonly name: 'a' | 'b';
    }
  | {
      /** Node kind: a literal. */
      readonly k: 'lit';
      /** The literal's value (may be NaN, an infinity or -0). */
      readonly v: number;
    }
  | {
      /** Node kind: negation. */
      readonly k: 'neg';
      /** The negated operand. */
      readonly x: Num;
    }
  | {
      /** Node kind: a binary arithmetic operation. */
      readonly k: 'arith';
      /** The operator. */
      readonly op: ArithOp;
      /** The left operand. */
      readonly x: Num;
      /** The right operand. */
      readonly y: Num;
    }
  | {
      /** Node kind: a math function call. */
      readonly k: 'call';
      /** The function called. */
      readonly f: MathFn;
      /** The arguments, `ARITY[f]` of them. */
      readonly args: readonly Num[];
    }
  | {
      /** Node kind: a conditional. */
      readonly k: 'select';
      /** The condition. */
      readonly c: Bool;
      /** The value when `c` holds. */
      readonly t: Num;
      /** The value when `c` does not hold. */
      readonly f: Num;
    };
/** A bool-valued node. */
export type Bool =
  | {
      /** Node kind: a comparison of two numbers. */
      readonly k: 'cmp';
      /** The comparison operator. */
      readonly op: CmpOp;
      /** The left operand. */
      readonly x: Num;
      /** The right operand. */
      readonly y: Num;
    }
  | {
      /** Node kind: a logical or / and of two bools. */
      readonly k: 'logic';
      /** The logical operator. */
      readonly op: '||' | '&&';
      /** The left operand. */
      readonly x: Bool;
      /** The right operand. */
      readonly y: Bool;
    }
  | {
      /** Node kind: a NaN or infinity test. */
      readonly k: 'test';
      /** The test: `isnan`, or `isinf` (true for either infinity). */
      readonly f: 'isnan' | 'isinf';
      /** The tested number. */
      readonly x: Num;
    };
/** Any node: number-valued or bool-valued. */
export type Expr = Num | Bool;

// --- builders: numbers stand for literals ---

type N = Num | number;
const num = (x: N): Num => (typeof x === 'number' ? { k: 'lit', v: x } : x);
/** The first operand (the only one of a unary op). */
export const a: Num = { k: 'arg', name: 'a' };
/** The second operand of a binary op. */
export const b: Num = { k: 'arg', name: 'b' };
/** The node `-x`. */
export const neg = (x: N): Num => ({ k: 'neg', x: num(x) });
const arith =
  (op: ArithOp) =>
  (x: N, y: N): Num => ({ k: 'arith', op, x: num(x), y: num(y) });
/** Builds the node `x + y`. */
export const add = arith('+');
/** Builds the node `x - y`. */
export const sub = arith('-');
/** Builds the node `x * y`. */
export const mul = arith('*');
/** Builds the node `x / y` (float domain only). */
export const div = arith('/');
/** The node calling math function `f` on `args` (arity and domain are checked by `check`). */
export const call = (f: MathFn, ...args: N[]): Num => ({ k: 'call', f, args: args.map(num) });
/** The node that is `t` where `c` holds and `f` elsewhere. */
export const select = (c: Bool, t: N, f: N): Num => ({ k: 'select', c, t: num(t), f: num(f) });
const cmp =
  (op: CmpOp) =>
  (x: N, y: N): Bool => ({ k: 'cmp', op, x: num(x), y: num(y) });
/** Builds the bool node `x < y`. */
export const lt = cmp('<');
/** Builds the bool node `x <= y`. */
export const le = cmp('<=');
/** Builds the bool node `x > y`. */
export const gt = cmp('>');
/** Builds the bool node `x >= y`. */
export const ge = cmp('>=');
/** Builds the bool node `x == y` (false when either is NaN). */
export const eq = cmp('==');
/** Builds the bool node `x != y` (true when either is NaN). */
export const ne = cmp('!=');
/** The bool node `x || y`. */
export const or = (x: Bool, y: Bool): Bool => ({ k: 'logic', op: '||', x, y });
/** The bool node `x && y`. */
export const and = (x: Bool, y: Bool): Bool => ({ k: 'logic', op: '&&', x, y });
/** The bool node testing whether `x` is NaN. */
export const isnan = (x: N): Bool => ({ k: 'test', f: 'isnan', x: num(x) });
/** The bool node testing whether `x` is +Infinity or -Infinity. */
export const isinf = (x: N): Bool => ({ k: 'test', f: 'isinf', x: num(x) });

/** Whether `e` is bool-valued (a comparison, logic or test node) rather than number-valued. */
export const isBool = (e: Expr): e is Bool => e.k === 'cmp' || e.k === 'logic' || e.k === 'test';

// --- printing ---

/** The domain a tree is evaluated in: IEEE floating point, or int32 with wrapping. */
export type Domain = 'float' | 'int';

/**
 * How one target spells each node, given its children already printed. Printers parenthesize
 * every compound result, so no dialect needs precedence rules.
 */
export interface Dialect {
  /** An operand, by name. */
  readonly arg: (name: 'a' | 'b') => string;
  /** A literal (NaN and infinities included) of the domain's type. */
  readonly lit: (v: number) => string;
  /** The negation of `x`. */
  readonly neg: (x: string) => string;
  /** `x op y` for an arithmetic operator. */
  readonly arith: (op: ArithOp, x: string, y: string) => string;
  /** A call of math function `f` (each dialect names its implementation). */
  readonly call: (f: MathFn, args: readonly string[]) => string;
  /** `t` if the bool `c` holds, else `f`. */
  readonly select: (c: string, t: string, f: string) => string;
  /** A bool-valued comparison `x op y`. */
  readonly cmp: (op: CmpOp, x: string, y: string) => string;
  /** The bool `x op y` for `||` or `&&`. */
  readonly logic: (op: '||' | '&&', x: string, y: string) => string;
  /** The bool test `f(x)`: `isnan` or `isinf`. */
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
