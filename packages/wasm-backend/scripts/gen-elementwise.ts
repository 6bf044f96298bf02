/**
 * Generates assembly/elementwise.gen.ts, assembly/erf.gen.ts and src/kernel-ids.gen.ts from
 * @nn/tensor's single definition of each elementwise op (its expression trees), so the wasm
 * kernels compute exactly what the table (and the cpu backend) says.
 *
 * Every op gets a scalar form printed from its float tree (evaluated in f64 on the loaded element,
 * then rounded or wrapped to the output dtype, as the cpu backend does through its typed-array
 * stores) and, for int32 rows of ops with an int form, from its int tree in i32. Contiguous rows
 * also get a 128-bit SIMD loop where the tree maps onto SIMD lanes without changing a bit (see
 * `simd`); test/parity.test.ts checks every op bit for bit against cpu.
 *
 * Run: node --conditions=@nn/source --import tsx packages/wasm-backend/scripts/gen-elementwise.ts
 * (test/build.test.ts fails when the committed output is stale.)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  BINARY_OPS,
  BINARY_TABLE,
  type BinaryOp,
  definitionOf,
  ERF_POLYNOMIALS,
  expr,
  FLOAT_ONLY,
  UNARY_OPS,
  type UnaryOp,
} from '@nn/tensor/backend';

/** Element types of the wasm kernels: f32 (float32), i32 (int32), u8 (bool). */
type T = 'f32' | 'i32' | 'u8';
const SIZE: Record<T, number> = { f32: 4, i32: 4, u8: 1 };

// --- scalar AssemblyScript: the float tree over f64, the int tree over i32 ---

/** f64 implementations: tanh is math.ts's exp-based tanh (about 3x faster than the library's). */
const F64_FNS: Readonly<Record<expr.FloatFn, string>> = {
  abs: 'Math.abs',
  exp: 'Math.exp',
  expm1: 'Math.expm1',
  log: 'Math.log',
  log1p: 'Math.log1p',
  sqrt: 'Math.sqrt',
  sin: 'Math.sin',
  cos: 'Math.cos',
  tanh: 'tanh',
  floor: 'Math.floor',
  ceil: 'Math.ceil',
  rint: 'rint',
  erf: 'erf',
  pow: 'Math.pow',
};
const I32_FNS: Readonly<Record<expr.IntFn, string>> = { abs: 'abs<i32>', max: 'max<i32>', min: 'min<i32>', ipow: 'ipow' };

function f64Literal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '(-Infinity)';
  const s = expr.floatLiteral(Math.abs(v));
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

function scalarDialect(domain: expr.Domain): expr.Dialect {
  const f64 = domain === 'float';
  return {
    arg: (name) => name,
    lit: f64 ? f64Literal : (v) => (v < 0 ? `(${v})` : String(v)),
    neg: (x) => `(-${x})`,
    arith: (op, x, y) => `(${x} ${op} ${y})`,
    call: (f, args) => `${f64 ? F64_FNS[f as expr.FloatFn] : I32_FNS[f as expr.IntFn]}(${args.join(', ')})`,
    select: (c, t, f) => `(${c} ? ${t} : ${f})`,
    cmp: (op, x, y) => `(${x} ${op} ${y})`,
    logic: (op, x, y) => `(${x} ${op} ${y})`,
    test: (f, x) => (!f64 ? 'false' : f === 'isnan' ? `(${x} != ${x})` : `(Math.abs(${x}) == Infinity)`),
  };
}

/** The tree as an AssemblyScript expression of the domain's type (bools as 1 / 0). */
function scalar(e: expr.Expr, domain: expr.Domain): string {
  const s = expr.print(e, scalarDialect(domain));
  return expr.isBool(e) ? `(${s} ? 1 : 0)` : s;
}

// --- SIMD: the same tree over four lanes, where that is exact ---

type Lanes = 'f32' | 'i32';
const LANE_OPS: Record<Lanes, Readonly<Record<expr.ArithOp | expr.CmpOp, string | undefined>>> = {
  f32: {
    '+': 'f32x4.add',
    '-': 'f32x4.sub',
    '*': 'f32x4.mul',
    '/': 'f32x4.div',
    '<': 'f32x4.lt',
    '<=': 'f32x4.le',
    '>': 'f32x4.gt',
    '>=': 'f32x4.ge',
    '==': 'f32x4.eq',
    '!=': 'f32x4.ne',
  },
  i32: {
    '+': 'i32x4.add',
    '-': 'i32x4.sub',
    '*': 'i32x4.mul',
    '/': undefined,
    '<': 'i32x4.lt_s',
    '<=': 'i32x4.le_s',
    '>': 'i32x4.gt_s',
    '>=': 'i32x4.ge_s',
    '==': 'i32x4.eq',
    '!=': 'i32x4.ne',
  },
};
const LANE_FNS: Record<Lanes, Readonly<Record<expr.MathFn, string | undefined>>> = {
  f32: {
    abs: 'f32x4.abs',
    sqrt: 'f32x4.sqrt',
    floor: 'f32x4.floor',
    ceil: 'f32x4.ceil',
    rint: 'f32x4.nearest',
    exp: undefined,
    expm1: undefined,
    log: undefined,
    log1p: undefined,
    sin: undefined,
    cos: undefined,
    tanh: undefined,
    erf: undefined,
    pow: undefined,
    max: undefined,
    min: undefined,
    ipow: undefined,
  },
  i32: {
    abs: 'i32x4.abs',
    max: 'i32x4.max_s',
    min: 'i32x4.min_s',
    sqrt: undefined,
    floor: undefined,
    ceil: undefined,
    rint: undefined,
    exp: undefined,
    expm1: undefined,
    log: undefined,
    log1p: undefined,
    sin: undefined,
    cos: undefined,
    tanh: undefined,
    erf: undefined,
    pow: undefined,
    ipow: undefined,
  },
};
/** Splatted literals the SIMD forms use, emitted as module constants. */
const splats = new Map<string, string>();
function splat(t: Lanes, v: number): string {
  const name = `${t.toUpperCase()}_${v < 0 ? 'M' : ''}${String(Math.abs(v)).replace('.', '_')}`;
  splats.set(name, `${t}x4.splat(${t === 'f32' ? expr.floatLiteral(v) : v})`);
  return name;
}

/**
 * The tree over v128 lanes of type t, or undefined when it has no exact lane form. int32 lanes
 * wrap like the scalar i32 form. f32 lanes match the scalar f64 form rounded to f32 only when
 * at most one rounding step occurs and it is the last: + - * / and sqrt of float32 values
 * rounded once to f64 and then to f32 give the correctly rounded f32 result; selects,
 * comparisons, neg, abs, floor, ceil, nearest and f32-exact literals round nothing.
 */
function simd(e: expr.Expr, t: Lanes, operands: { a: string; b: string }): string | undefined {
  let rounding = 0;
  let usable = true;
  expr.visit(e, (n) => {
    if (n.k === 'lit') usable &&= t === 'i32' ? Number.isInteger(n.v) : Number.isFinite(n.v) && Math.fround(n.v) === n.v;
    if (n.k === 'test') usable &&= n.f === 'isnan' && t === 'f32';
    if (n.k === 'arith' || (n.k === 'call' && n.f === 'sqrt')) rounding++;
  });
  if (!usable || (t === 'f32' && rounding > (e.k === 'arith' || (e.k === 'call' && e.f === 'sqrt') ? 1 : 0))) return undefined;
  const missing = '\0';
  const s = expr.print(e, {
    arg: (name) => operands[name],
    lit: (v) => splat(t, v),
    neg: (x) => `${t}x4.neg(${x})`,
    arith: (op, x, y) => (LANE_OPS[t][op] === undefined ? missing : `${LANE_OPS[t][op]}(${x}, ${y})`),
    call: (f, args) => (LANE_FNS[t][f] === undefined ? missing : `${LANE_FNS[t][f]}(${args.join(', ')})`),
    select: (c, x, y) => `v128.bitselect(${x}, ${y}, ${c})`,
    cmp: (op, x, y) => `${LANE_OPS[t][op]}(${x}, ${y})`,
    logic: (op, x, y) => `${op === '||' ? 'v128.or' : 'v128.and'}(${x}, ${y})`,
    test: (_f, x) => `f32x4.ne(${x}, ${x})`,
  });
  return s.includes(missing) ? undefined : s;
}

/** The tree an op runs in element type t: the int tree for int32 when it has one. */
function treeOf(op: UnaryOp | BinaryOp, t: T): { tree: expr.Expr; domain: expr.Domain } {
  const def = definitionOf(op);
  return t === 'i32' && def.int !== FLOAT_ONLY ? { tree: def.int as expr.Expr, domain: 'int' } : { tree: def.float, domain: 'float' };
}

// --- kernel ids (shared with the JS side through src/kernel-ids.gen.ts) -------------------------

/** Map kernels (one input): unary per type, then casts, then copies. */
const unaryTypes: T[] = ['f32', 'i32'];
const castTypes: T[] = ['f32', 'i32', 'u8'];
const binaryTypes: T[] = ['f32', 'i32', 'u8'];

const isCompare = (op: BinaryOp): boolean => expr.isBool(BINARY_TABLE[op].float);

const map1: { id: number; name: string; fn: string }[] = [];
const map2: { id: number; name: string; fn: string }[] = [];
const map3: { id: number; name: string; fn: string }[] = [];

function load(t: T, p: string): string {
  return t === 'f32' ? `<f64>load<f32>(${p})` : t === 'i32' ? `<f64>load<i32>(${p})` : `<f64>load<u8>(${p})`;
}

/** Stores the f64 result r into out type t with the cpu backend's typed-array conversion. */
function store(t: T, p: string, r: string): string {
  if (t === 'f32') return `store<f32>(${p}, <f32>(${r}))`;
  if (t === 'i32') return `store<i32>(${p}, toInt32(${r}))`;
  return `store<u8>(${p}, u8byte(${r}))`;
}

const out: string[] = [];
const emit = (s: string): void => {
  out.push(s);
};

// Scalar op functions, one per tree: u_/b_ over f64, ui_/bi_ over i32 for ops with an int form.
const hasInt = (op: UnaryOp | BinaryOp): boolean => treeOf(op, 'i32').domain === 'int';
for (const op of UNARY_OPS) {
  emit(`function u_${op}(a: f64): f64 { return ${scalar(treeOf(op, 'f32').tree, 'float')}; }`);
  if (hasInt(op)) emit(`function ui_${op}(a: i32): i32 { return ${scalar(treeOf(op, 'i32').tree, 'int')}; }`);
}
for (const op of BINARY_OPS) {
  emit(`function b_${op}(a: f64, b: f64): f64 { return ${scalar(treeOf(op, 'f32').tree, 'float')}; }`);
  if (hasInt(op)) emit(`function bi_${op}(a: i32, b: i32): i32 { return ${scalar(treeOf(op, 'i32').tree, 'int')}; }`);
}
emit('');

// Unary rows.
for (const t of unaryTypes) {
  UNARY_OPS.forEach((op, k) => {
    const name = `un_${op}_${t}`;
    map1.push({ id: (t === 'f32' ? 0 : 32) + k, name: `${op}:${t}`, fn: name });
    const { tree, domain } = treeOf(op, t);
    const lanes = simd(tree, t === 'f32' ? 'f32' : 'i32', { a: 'a', b: 'b' });
    const e = SIZE[t];
    const lines = [`function ${name}(x: usize, sx: isize, o: usize, so: isize, n: i32): void {`, '  let i = 0;'];
    if (lanes !== undefined) {
      lines.push(
        `  if (sx === ${e} && so === ${e}) {`,
        '    for (; i + 4 <= n; i += 4) {',
        `      const a = v128.load(x); v128.store(o, ${lanes}); x += 16; o += 16;`,
        '    }',
        '  }',
      );
    }
    const one = domain === 'int' ? `store<i32>(o, ui_${op}(load<i32>(x)))` : store(t, 'o', `u_${op}(${load(t, 'x')})`);
    lines.push(`  for (; i < n; i++) { ${one}; x += sx; o += so; }`, '}');
    emit(lines.join('\n'));
  });
}

// Casts: every pair of element types (same type is a copy).
castTypes.forEach((s, i) => {
  castTypes.forEach((d, j) => {
    const name = `cast_${s}_${d}`;
    map1.push({ id: 64 + i * 3 + j, name: `cast:${s}:${d}`, fn: name });
    emit(`function ${name}(x: usize, sx: isize, o: usize, so: isize, n: i32): void {
  for (let i = 0; i < n; i++) { ${store(d, 'o', load(s, 'x'))}; x += sx; o += so; }
}`);
  });
});

// Copies by element size: contiguous rows are one memory.copy, short ones (im2col's rows of a
// few pixels) a SIMD loop, which costs less than memory.copy's call.
for (const [id, e, ty] of [
  [80, 4, 'i32'],
  [81, 1, 'u8'],
] as const) {
  const name = `copy_${e}`;
  map1.push({ id, name: `copy:${e}`, fn: name });
  const short =
    e === 4
      ? `  if (sx === 4 && so === 4 && n < 64) {
    let i = 0;
    for (; i + 4 <= n; i += 4) { v128.store(o, v128.load(x)); x += 16; o += 16; }
    for (; i < n; i++) { store<i32>(o, load<i32>(x)); x += 4; o += 4; }
    return;
  }
`
      : '';
  emit(`function ${name}(x: usize, sx: isize, o: usize, so: isize, n: i32): void {
${short}  if (sx === ${e} && so === ${e}) { memory.copy(o, x, <usize>n * ${e}); return; }
  if (sx === 0 && so === ${e}) { const v = load<${ty}>(x); for (let i = 0; i < n; i++) { store<${ty}>(o, v); o += ${e}; } return; }
  for (let i = 0; i < n; i++) { store<${ty}>(o, load<${ty}>(x)); x += sx; o += so; }
}`);
}

// Binary rows.
for (const t of binaryTypes) {
  BINARY_OPS.forEach((op, k) => {
    const cmp = isCompare(op);
    if (t === 'u8' && !cmp) return; // bool arithmetic is promoted to int32 by the frontend
    const ot: T = cmp ? 'u8' : t;
    const name = `bin_${op}_${t}`;
    map2.push({ id: (t === 'f32' ? 0 : t === 'i32' ? 32 : 64) + k, name: `${op}:${t}`, fn: name });
    const e = SIZE[t];
    const oe = SIZE[ot];
    const { tree, domain } = treeOf(op, t);
    const one =
      domain === 'int'
        ? `store<${ot}>(o, <${ot}>bi_${op}(load<i32>(pa), load<i32>(pb)))`
        : store(ot, 'o', `b_${op}(${load(t, 'pa')}, ${load(t, 'pb')})`);
    const lines = [`function ${name}(pa: usize, sa: isize, pb: usize, sb: isize, o: usize, so: isize, n: i32): void {`, '  let i = 0;'];
    // Loads of 4 lanes for operand p (a or b) whose stride is either contiguous or 0 (splat).
    const ld = (p: 'a' | 'b', splat: boolean, off: number): string => (splat ? `V${p}` : `v128.load(p${p}, ${off})`);
    const lanes = t === 'u8' ? undefined : simd(tree, t, { a: 'a', b: 'b' });
    const variants: [string, boolean, boolean][] = [
      [`sa === ${e} && sb === ${e}`, false, false],
      [`sa === 0 && sb === ${e}`, true, false],
      [`sa === ${e} && sb === 0`, false, true],
    ];
    const splatOf = (p: 'a' | 'b'): string => (t === 'f32' ? `f32x4.splat(load<f32>(p${p}))` : `i32x4.splat(load<i32>(p${p}))`);
    if (!cmp && lanes !== undefined) {
      lines.push(`  if (so === ${oe}) {`);
      for (const [cond, sA, sB] of variants) {
        lines.push(
          `    ${cond === variants[0][0] ? 'if' : 'else if'} (${cond}) {`,
          ...(sA ? [`      const Va = ${splatOf('a')};`] : []),
          ...(sB ? [`      const Vb = ${splatOf('b')};`] : []),
          '      for (; i + 4 <= n; i += 4) {',
          `        const a = ${ld('a', sA, 0)}; const b = ${ld('b', sB, 0)};`,
          `        v128.store(o, ${lanes});${sA ? '' : ' pa += 16;'}${sB ? '' : ' pb += 16;'} o += 16;`,
          '      }',
          '    }',
        );
      }
      lines.push('  }');
    } else if (cmp && lanes !== undefined) {
      // 16 comparisons per step, masks narrowed to 16 bytes of 0/1.
      lines.push(`  if (so === 1) {`);
      for (const [cond, sA, sB] of variants) {
        const m = (q: number): string => simd(tree, t as Lanes, { a: ld('a', sA, 16 * q), b: ld('b', sB, 16 * q) })!;
        lines.push(
          `    ${cond === variants[0][0] ? 'if' : 'else if'} (${cond}) {`,
          ...(sA ? [`      const Va = ${splatOf('a')};`] : []),
          ...(sB ? [`      const Vb = ${splatOf('b')};`] : []),
          '      for (; i + 16 <= n; i += 16) {',
          `        const lo = i16x8.narrow_i32x4_s(${m(0)}, ${m(1)});`,
          `        const hi = i16x8.narrow_i32x4_s(${m(2)}, ${m(3)});`,
          `        v128.store(o, v128.and(i8x16.narrow_i16x8_s(lo, hi), i8x16.splat(1)));${sA ? '' : ' pa += 64;'}${sB ? '' : ' pb += 64;'} o += 16;`,
          '      }',
          '    }',
        );
      }
      lines.push('  }');
    }
    lines.push(`  for (; i < n; i++) { ${one}; pa += sa; pb += sb; o += so; }`, '}');
    emit(lines.join('\n'));
  });
}

// where by element size: cond is bool (u8); a, b and out share the element size.
for (const [id, e, ty] of [
  [0, 4, 'i32'],
  [1, 1, 'u8'],
] as const) {
  const name = `where_${e}`;
  map3.push({ id, name: `where:${e}`, fn: name });
  const simd =
    e === 4
      ? `  if (sc === 1 && so === 4 && (sa === 4 || sa === 0) && (sb === 4 || sb === 0)) {
    const ea: isize = sa === 0 ? 0 : 16;
    const eb: isize = sb === 0 ? 0 : 16;
    const Sa = i32x4.splat(load<i32>(a));
    const Sb = i32x4.splat(load<i32>(b));
    for (; i + 4 <= n; i += 4) {
      const m = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(c))), i32x4.splat(0));
      const va = sa === 0 ? Sa : v128.load(a);
      const vb = sb === 0 ? Sb : v128.load(b);
      v128.store(o, v128.bitselect(va, vb, m));
      c += 4; a += ea; b += eb; o += 16;
    }
  }
`
      : '';
  emit(`function ${name}(c: usize, sc: isize, a: usize, sa: isize, b: usize, sb: isize, o: usize, so: isize, n: i32): void {
  let i = 0;
${simd}  for (; i < n; i++) { store<${ty}>(o, load<u8>(c) !== 0 ? load<${ty}>(a) : load<${ty}>(b)); c += sc; a += sa; b += sb; o += so; }
}`);
}

// Dispatchers (a br_table per row, not per element).
emit(`
export function row1(fid: i32, x: usize, sx: isize, o: usize, so: isize, n: i32): void {
  switch (fid) {
${map1.map((m) => `    case ${m.id}: ${m.fn}(x, sx, o, so, n); break;`).join('\n')}
    default: unreachable();
  }
}

export function row2(fid: i32, a: usize, sa: isize, b: usize, sb: isize, o: usize, so: isize, n: i32): void {
  switch (fid) {
${map2.map((m) => `    case ${m.id}: ${m.fn}(a, sa, b, sb, o, so, n); break;`).join('\n')}
    default: unreachable();
  }
}

export function row3(fid: i32, c: usize, sc: isize, a: usize, sa: isize, b: usize, sb: isize, o: usize, so: isize, n: i32): void {
  switch (fid) {
${map3.map((m) => `    case ${m.id}: ${m.fn}(c, sc, a, sa, b, sb, o, so, n); break;`).join('\n')}
    default: unreachable();
  }
}
`);

/** The generated AssemblyScript source. */
export function generateAssembly(): string {
  const constants = [...splats].map(([name, value]) => `const ${name} = ${value};`);
  return `// GENERATED by scripts/gen-elementwise.ts from @nn/tensor's elementwise table. Do not edit.
// Row kernels: n elements, pointers and strides in bytes. Contiguous rows of ops with a SIMD form
// run 128-bit lanes; every other case runs the scalar form of the table's expression.
import { erf } from './erf.gen';
import { ipow, rint, tanh, toInt32, u8byte } from './math';

${constants.join('\n')}

${out.join('\n')}`;
}

/** AssemblyScript's erf, from @nn/tensor's coefficient arrays (the same pieces as its erf). */
export function generateErf(): string {
  const array = (name: string, c: readonly number[]): string =>
    `const ${name}: StaticArray<f64> = [\n  ${c.map(expr.floatLiteral).join(', ')},\n];`;
  return `// GENERATED by scripts/gen-elementwise.ts from @nn/tensor's ERF_POLYNOMIALS. Do not edit.
// erf as @nn/tensor defines it (relative error ~2e-16): |x| < 1: x * P(2x^2 - 1);
// 1 <= z < 6: 1 - t exp(-z^2 + P(y)), t = 2 / (2 + z); z >= 6: +-1.
${array('SMALL', ERF_POLYNOMIALS.small)}
${array('MID', ERF_POLYNOMIALS.mid)}
${array('TAIL', ERF_POLYNOMIALS.tail)}

function horner(p: StaticArray<f64>, y: f64): f64 {
  const n = p.length;
  let s = unchecked(p[n - 1]);
  for (let k = n - 2; k >= 0; k--) s = s * y + unchecked(p[k]);
  return s;
}

/** The error function. */
export function erf(x: f64): f64 {
  const z = Math.abs(x);
  if (z < 1) return x * horner(SMALL, 2 * x * x - 1);
  if (z !== z) return x;
  if (z >= 6) return x > 0 ? 1 : -1;
  const t = 2 / (2 + z);
  const f = z < 3 ? horner(MID, 7.5 * t - 4) : horner(TAIL, (40 * t - 13) / 3);
  const r = 1 - t * Math.exp(-z * z + f);
  return x < 0 ? -r : r;
}
`;
}

/** The generated TypeScript id table for the JS side. */
export function generateIds(): string {
  const obj = (ms: { id: number; name: string }[]): string => `{\n${ms.map((m) => `  '${m.name}': ${m.id},`).join('\n')}\n}`;
  return `// GENERATED by scripts/gen-elementwise.ts. Do not edit.
/** Row kernel ids of assembly/elementwise.gen.ts, keyed 'op:type' (type: f32, i32, u8). */
export const MAP1_IDS: Readonly<Record<string, number>> = ${obj(map1)};

export const MAP2_IDS: Readonly<Record<string, number>> = ${obj(map2)};

export const MAP3_IDS: Readonly<Record<string, number>> = ${obj(map3)};
`;
}

export const ASSEMBLY_PATH = fileURLToPath(new URL('../assembly/elementwise.gen.ts', import.meta.url));
export const ERF_PATH = fileURLToPath(new URL('../assembly/erf.gen.ts', import.meta.url));
export const IDS_PATH = fileURLToPath(new URL('../src/kernel-ids.gen.ts', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ASSEMBLY_PATH, generateAssembly());
  writeFileSync(ERF_PATH, generateErf());
  writeFileSync(IDS_PATH, generateIds());
  console.log(`wrote ${ASSEMBLY_PATH}, ${ERF_PATH} and ${IDS_PATH}`);
}
