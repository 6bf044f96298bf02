/**
 * One kernel for a chain of elementwise ops over the same output shape (planned by ../fusion.ts).
 *
 * Each thread runs the ops in program order for its own element. Every memory value is kept as
 * a raw 32-bit word (`u32`) and bitcast to the type the reading op declares, so an intermediate
 * that an op of the chain reads back through the view it was written with is forwarded in a
 * register, bit for bit what a store and a load would give; buffers are bound as `array<u32>`,
 * one binding per buffer (read_write when the chain writes it). A store is skipped when its
 * buffer is overwritten later in the chain or was freed and nothing after the chain reads it.
 *
 * The pipeline is cached by the chain's structure: ops, dtypes, where each input comes from, which
 * outputs are stored, and each memory access's layout class; shapes, strides and offsets are
 * run-time parameters, as in ./elementwise.ts.
 */
import type { Runtime } from '../runtime.js';
import { mathPrelude } from '../wgsl/math.js';
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
import { NAMES, type Spec, WG } from './elementwise.js';

/** One elementwise op of a chain (views are snapshots: plain objects, never Tensors). */
export interface ChainOp {
  readonly spec: Spec;
  readonly ins: readonly GView[];
  readonly out: GView;
}

/** A memory access of the chain: a load or a store of one view of a bound buffer. */
interface Access {
  readonly binding: number;
  readonly view: GView;
}

/** The value of an input: a load (index into accesses) or the word an earlier op produced. */
type Source = { load: number } | { op: number };

interface Plan {
  readonly ops: readonly ChainOp[];
  readonly sources: readonly Source[][];
  /** Per op: the index of its store access, or -1 when its store is skipped. */
  readonly stores: readonly number[];
  readonly accesses: readonly Access[];
  /** Per binding: the buffer and whether the chain writes it. */
  readonly bindings: readonly { readonly view: GView; readonly written: boolean }[];
}

/** Whether two views of one shape address the same element at every position. */
export function sameMapping(a: GView, b: GView): boolean {
  if (a.buffer !== b.buffer || a.offset !== b.offset) return false;
  for (let d = 0; d < a.shape.length; d++) if (a.shape[d] > 1 && a.strides[d] !== b.strides[d]) return false;
  return true;
}

/** Whether no two positions of v address the same element (an output a thread may own). */
export function injective(v: GView): boolean {
  const dims = v.shape.map((n, d) => [n, Math.abs(v.strides[d])]).filter(([n]) => n > 1);
  dims.sort((x, y) => x[1] - y[1]);
  let reach = 1; // elements spanned by the inner dims
  for (const [n, s] of dims) {
    if (s < reach) return false;
    reach = s * (n - 1) + reach;
  }
  return true;
}

/**
 * Plans the chain: forwards each input written earlier in the chain, loads the rest (each
 * distinct view once) and stores each buffer's last write unless `skip` says the value is dead.
 */
function plan(ops: readonly ChainOp[], skip: (b: GView['buffer']) => boolean, head: GView | null): Plan {
  const bindings: { view: GView; written: boolean }[] = [];
  const bindingOf = (v: GView): number => {
    let k = bindings.findIndex((e) => e.view.buffer === v.buffer);
    if (k < 0) k = bindings.push({ view: v, written: false }) - 1;
    return k;
  };
  const accesses: Access[] = [];
  // An input written earlier in the chain is forwarded (fusion.ts only chains reads through the
  // view it was written with); the others are loaded, each distinct view once.
  const lastWriter = new Map<GView['buffer'], number>();
  if (head !== null) lastWriter.set(head.buffer, -1); // the head's value arrives as the word h
  const sources = ops.map((op, i) => {
    const src = op.ins.map((v): Source => {
      const w = lastWriter.get(v.buffer);
      if (w !== undefined) return { op: w };
      let k = accesses.findIndex((a) => sameMapping(a.view, v));
      if (k < 0) k = accesses.push({ binding: bindingOf(v), view: v }) - 1;
      return { load: k };
    });
    lastWriter.set(op.out.buffer, i);
    return src;
  });
  // Only the last write of each buffer reaches memory (each thread overwrites its own element).
  const stores = ops.map(() => -1);
  for (const [buffer, i] of lastWriter) {
    if (i < 0 || skip(buffer)) continue;
    const binding = bindingOf(ops[i].out);
    bindings[binding].written = true;
    stores[i] = accesses.push({ binding, view: ops[i].out }) - 1;
  }
  return { ops, sources, stores, accesses, bindings };
}

const fromWord = (e: string, t: WType): string => (t === 'u32' ? e : `bitcast<${t}>(${e})`);
const toWord = (e: string, t: WType): string => (t === 'u32' ? e : `bitcast<u32>(${e})`);

const wordOf = (s: Source): string => ('op' in s ? (s.op < 0 ? 'h' : `w${s.op}`) : `l${s.load}`);

/** A chain compiled to `fn nn_chain(i: u32, h: u32)`: runs it for flat element i (h: the head's word). */
export interface CompiledChain {
  /** The structure the code depends on (a pipeline cache key part). */
  readonly key: string;
  /** Storage binding declarations (B0... at bindingBase...) and the function (built on a pipeline cache miss). */
  code(): string;
  /** Parameter words the function reads, to place at wordBase. */
  readonly words: readonly number[];
  /** The buffers to bind, in order from bindingBase. */
  readonly buffers: readonly GView['buffer'][];
}

/**
 * Compiles ops over `shape` (ops[k].out.shape, or the head's when ops is empty) into a function a
 * kernel calls per element. `head`: a view the caller's kernel produced (its value is passed as h).
 */
export function compileChain(
  ops: readonly ChainOp[],
  shape: readonly number[],
  skip: (b: GView['buffer']) => boolean,
  head: GView | null,
  wordBase: number,
  bindingBase: number,
): CompiledChain {
  const p = plan(ops, skip, head);
  const { shape: cs, strides } = collapse(
    shape,
    p.accesses.map((a) => a.view.strides),
  );
  const classes = strides.map((st) => classify(cs, st));
  const rank = classes.includes('g') ? cs.length : 0;
  const words: number[] = [];
  if (rank > 0) words.push(...cs);
  p.accesses.forEach((a, k) => {
    words.push(a.view.offset);
    if (classes[k] === 'g') for (const st of strides[k]) words.push(st);
  });
  return {
    key: `${chainKey(p, classes, rank)}|${wordBase}|${bindingBase}`,
    code: () => chainSource(p, classes, rank, wordBase, bindingBase),
    words,
    buffers: p.bindings.map((b) => b.view.buffer),
  };
}

function chainSource(p: Plan, classes: readonly Layout[], rank: number, wordBase: number, bindingBase: number): string {
  const decls = p.bindings.map(
    (b, k) => `@group(0) @binding(${bindingBase + k}) var<storage, ${b.written ? 'read_write' : 'read'}> B${k}: array<u32>;`,
  );
  // Word layout from wordBase: shape (if strided), then per access offset [, strides].
  let at = wordBase + rank;
  const index = p.accesses.map((_, k) => {
    const cls = classes[k];
    const e = cls === 'c' ? `${pw(at)} + i` : cls === 's' ? pw(at) : stridedIndex(rank, at);
    at += cls === 'g' ? 1 + rank : 1;
    return e;
  });
  const body: string[] = [];
  if (rank > 0) body.push(decode(rank, wordBase));
  const loaded = new Set<number>();
  p.ops.forEach((op, i) => {
    const outT = storageType(op.out.dtype);
    const lets = op.ins.map((v, k) => {
      const src = p.sources[i][k];
      if ('load' in src && !loaded.has(src.load)) {
        loaded.add(src.load);
        body.push(`let l${src.load} = B${p.accesses[src.load].binding}[${index[src.load]}];`);
      }
      const t = storageType(v.dtype);
      return `let ${NAMES[k]} = ${convert(fromWord(wordOf(src), t), t, op.spec.compute[k])};`;
    });
    body.push(`var w${i}: u32;`);
    body.push(`{ ${lets.join(' ')} w${i} = ${toWord(convert(`(${op.spec.expr})`, op.spec.result, outT), outT)}; }`);
    const st = p.stores[i];
    if (st >= 0) body.push(`B${p.accesses[st].binding}[${index[st]}] = w${i};`);
  });
  const fn = `fn nn_chain(i: u32, h: u32) {\n  ${body.join('\n  ')}\n}`;
  return `${decls.join('\n')}\n${fn}`;
}

/** Records the chain as one dispatch. `skip(buffer)`: the buffer's final value is never read. */
export function runChain(rt: Runtime, ops: readonly ChainOp[], skip: (b: GView['buffer']) => boolean): void {
  const shape = ops[0].out.shape;
  const n = sizeOf(shape);
  const c = compileChain(ops, shape, skip, null, 1, 1);
  const words = [n, ...c.words];
  const kernel = rt.kernel(c.key, vec4sFor(words.length), () => {
    const main = `@compute @workgroup_size(${WG})\nfn main(${ENTRY_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= ${pw(0)}) { return; }
  nn_chain(i, 0u);
}`;
    const code = c.code();
    return [paramBlock(words.length), code, mathPrelude(code), main].join('\n');
  });
  rt.dispatch(kernel, c.buffers, words, Math.ceil(n / WG));
}

/** The structure the generated source depends on (and nothing else). */
function chainKey(p: Plan, classes: readonly Layout[], rank: number): string {
  const ops = p.ops.map((op, i) => {
    const ins = op.ins.map((v, k) => {
      const s = p.sources[i][k];
      return `${v.dtype[0]}${wordOf(s)}`;
    });
    return `${op.spec.name}(${ins.join(',')})${op.out.dtype[0]}${p.stores[i] >= 0 ? `>${p.stores[i]}` : ''}`;
  });
  const acc = p.accesses.map((a, k) => `${a.binding}${classes[k]}`).join('');
  const binds = p.bindings.map((b) => (b.written ? 'w' : 'r')).join('');
  return `chain|${ops.join(';')}|${acc}|${binds}|${rank}`;
}
