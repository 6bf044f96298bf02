/**
 * A tiny expression language for the computational-graph panel: numbers, variables, + - * / ^,
 * unary minus, parentheses and exp log sin cos tanh sigmoid relu sqrt. Parsed by recursive descent
 * into a tree; identical subexpressions share one key, so `x1*x2 + exp(x1*x2)` has a single
 * x1*x2 node, as in the lecture's evaluation trace.
 */

export const FUNCTIONS = ['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'sqrt'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export type BinaryOp = '+' | '-' | '*' | '/' | '^';

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: string }
  | { kind: 'neg'; a: Expr }
  | { kind: 'call'; fn: FunctionName; a: Expr }
  | { kind: 'bin'; op: BinaryOp; a: Expr; b: Expr };

export class ExprError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)|([A-Za-z_]\w*)|(\S))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < src.length && (m = TOKEN.exec(src)) !== null) {
    const tok = m[1] ?? m[2] ?? m[3];
    if (tok !== undefined) out.push(tok);
  }
  return out;
}

export function parse(src: string): Expr {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const expect = (t: string) => {
    if (toks[i] !== t)
      throw new ExprError(`expected '${t}' at token ${i + 1}, found ${toks[i] === undefined ? 'the end' : `'${toks[i]}'`}`);
    i++;
  };
  const sum = (): Expr => {
    let a = product();
    while (peek() === '+' || peek() === '-') {
      const op = toks[i++] as BinaryOp;
      a = { kind: 'bin', op, a, b: product() };
    }
    return a;
  };
  const product = (): Expr => {
    let a = unary();
    while (peek() === '*' || peek() === '/') {
      const op = toks[i++] as BinaryOp;
      a = { kind: 'bin', op, a, b: unary() };
    }
    return a;
  };
  const unary = (): Expr => {
    if (peek() === '-') {
      i++;
      return { kind: 'neg', a: unary() };
    }
    const base = atom();
    if (peek() === '^') {
      i++;
      return { kind: 'bin', op: '^', a: base, b: unary() };
    }
    return base;
  };
  const atom = (): Expr => {
    const t = toks[i++];
    if (t === undefined) throw new ExprError('unexpected end of the expression');
    if (t === '(') {
      const e = sum();
      expect(')');
      return e;
    }
    if (/^[\d.]/.test(t)) return { kind: 'num', value: Number(t) };
    if (/^[A-Za-z_]/.test(t)) {
      if ((FUNCTIONS as readonly string[]).includes(t)) {
        expect('(');
        const a = sum();
        expect(')');
        return { kind: 'call', fn: t as FunctionName, a };
      }
      if (peek() === '(') throw new ExprError(`unknown function '${t}' (known: ${FUNCTIONS.join(', ')})`);
      return { kind: 'var', name: t };
    }
    throw new ExprError(`unexpected '${t}' at token ${i}`);
  };
  const e = sum();
  if (i < toks.length) throw new ExprError(`unexpected '${toks[i]}' at token ${i + 1}`);
  return e;
}

/** A canonical string for a subexpression (equal strings: one node in the graph). */
export function keyOf(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return String(e.value);
    case 'var':
      return e.name;
    case 'neg':
      return `-(${keyOf(e.a)})`;
    case 'call':
      return `${e.fn}(${keyOf(e.a)})`;
    case 'bin':
      return `(${keyOf(e.a)}${e.op}${keyOf(e.b)})`;
  }
}

/** Variable names in order of first appearance. */
export function variables(e: Expr, out: string[] = []): string[] {
  if (e.kind === 'var' && !out.includes(e.name)) out.push(e.name);
  if (e.kind === 'neg' || e.kind === 'call') variables(e.a, out);
  if (e.kind === 'bin') {
    variables(e.a, out);
    variables(e.b, out);
  }
  return out;
}
