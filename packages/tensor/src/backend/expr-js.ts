/**
 * The elementwise expressions in JavaScript, two ways with the same arithmetic: `toJs` prints
 * source for the cpu backend's compiled loops, `evaluate` interprets a tree for code that may not
 * compile strings (the reference backend, pages whose CSP forbids eval). Values are doubles; in
 * the int domain `+`, `-`, negation and abs wrap with `| 0` and `*` is Math.imul, so every
 * intermediate is an exact int32, as in the wasm and WGSL forms.
 */
import { type Dialect, type Domain, type Expr, isBool, type MathFn, print } from './expr.js';
import { erf, ipow, roundHalfEven } from './math.js';

/** Helpers the printed source calls, by the name it uses (bind them in the compiled scope). */
export const JS_HELPERS = {
  /** The error function (`erf` in ./math.ts). */
  erf,
  /** Round half to even (`roundHalfEven` in ./math.ts). */
  rint: roundHalfEven,
  /** Integer power with int32 wrapping (`ipow` in ./math.ts). */
  ipow,
} as const;

// Every other math function is JavaScript's Math function of the same name (checked below).
type OnMath = Exclude<MathFn, keyof typeof JS_HELPERS>;
const jsName = (f: MathFn): string => (f in JS_HELPERS ? f : `Math.${f}`);
const jsFunction = (f: MathFn): ((x: number, y: number) => number) =>
  f in JS_HELPERS ? JS_HELPERS[f as keyof typeof JS_HELPERS] : Math[f as OnMath];
// A math function that is neither a helper nor on Math fails to compile here.
const _onMath: Readonly<Record<OnMath, (x: number, y: number) => number>> = Math;

const jsLiteral = (v: number): string => (Object.is(v, -0) ? '(-0)' : v < 0 ? `(${v})` : String(v));

const FLOAT_JS: Dialect = {
  arg: (name) => name,
  lit: jsLiteral,
  neg: (x) => `(-${x})`,
  arith: (op, x, y) => `(${x} ${op} ${y})`,
  call: (f, args) => `${jsName(f)}(${args.join(', ')})`,
  select: (c, t, f) => `(${c} ? ${t} : ${f})`,
  cmp: (op, x, y) => `(${x} ${op === '==' ? '===' : op === '!=' ? '!==' : op} ${y})`,
  logic: (op, x, y) => `(${x} ${op} ${y})`,
  test: (f, x) => (f === 'isnan' ? `(${x} !== ${x})` : `(Math.abs(${x}) === Infinity)`),
};

const INT_JS: Dialect = {
  ...FLOAT_JS,
  neg: (x) => `((-${x}) | 0)`,
  arith: (op, x, y) => (op === '*' ? `Math.imul(${x}, ${y})` : `((${x} ${op} ${y}) | 0)`),
  call: (f, args) => (f === 'abs' ? `(Math.abs(${args[0]}) | 0)` : FLOAT_JS.call(f, args)),
};

/** JavaScript source of e over `a`, `b` (helpers from JS_HELPERS in scope); bools print as 1 / 0. */
export function toJs(e: Expr, domain: Domain): string {
  const s = print(e, domain === 'int' ? INT_JS : FLOAT_JS);
  return isBool(e) ? `(${s} ? 1 : 0)` : s;
}

/** The value of e at a, b (bools as 1 / 0): the same arithmetic as `toJs`'s source, no eval. */
export function evaluate(e: Expr, domain: Domain, a: number, b: number): number {
  const int = domain === 'int';
  const num = (n: Expr): number => evaluate(n, domain, a, b);
  const bool = (n: Expr): boolean => evaluate(n, domain, a, b) !== 0;
  switch (e.k) {
    case 'arg':
      return e.name === 'a' ? a : b;
    case 'lit':
      return e.v;
    case 'neg':
      return int ? -num(e.x) | 0 : -num(e.x);
    case 'arith': {
      const x = num(e.x);
      const y = num(e.y);
      if (e.op === '*') return int ? Math.imul(x, y) : x * y;
      if (e.op === '/') return x / y;
      const r = e.op === '+' ? x + y : x - y;
      return int ? r | 0 : r;
    }
    case 'call': {
      const r = jsFunction(e.f)(num(e.args[0]), e.args.length > 1 ? num(e.args[1]) : 0);
      return int && e.f === 'abs' ? r | 0 : r;
    }
    case 'select':
      return bool(e.c) ? num(e.t) : num(e.f);
    case 'cmp': {
      const x = num(e.x);
      const y = num(e.y);
      const r =
        e.op === '<' ? x < y : e.op === '<=' ? x <= y : e.op === '>' ? x > y : e.op === '>=' ? x >= y : e.op === '==' ? x === y : x !== y;
      return r ? 1 : 0;
    }
    case 'logic':
      return (e.op === '||' ? bool(e.x) || bool(e.y) : bool(e.x) && bool(e.y)) ? 1 : 0;
    case 'test': {
      const x = num(e.x);
      return (e.f === 'isnan' ? x !== x : Math.abs(x) === Number.POSITIVE_INFINITY) ? 1 : 0;
    }
  }
}
