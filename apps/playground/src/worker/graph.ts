/**
 * The computational graph of a small expression, from the library's own graph: each intermediate
 * tensor's `gradFn` (MulBackward, ...) and `gradFn.nextFunctions` give the nodes and edges; the
 * forward values are the tensors' values and the adjoints ∂f/∂v come from @nn/autograd's engine
 * (computeGrads with the intermediates as targets). Runs on the cpu backend.
 */
import * as T from '@nn/tensor';
import type { GradFn, Tensor } from '@nn/tensor';
import { computeGrads, toDot } from '@nn/autograd';
import { type BinaryOp, type Expr, type FunctionName, keyOf, parse, variables } from '../expr.js';
import type { GraphNode, Reply } from '../protocol.js';

const BINARY: Record<
  BinaryOp,
  { f: (a: Tensor | number, b: Tensor | number) => Tensor; sym: string; num: (a: number, b: number) => number }
> = {
  '+': { f: (a, b) => T.add(a as Tensor, b), sym: '+', num: (a, b) => a + b },
  '-': { f: (a, b) => T.sub(a as Tensor, b), sym: '−', num: (a, b) => a - b },
  '*': { f: (a, b) => T.mul(a as Tensor, b), sym: '·', num: (a, b) => a * b },
  '/': { f: (a, b) => T.div(a as Tensor, b), sym: '/', num: (a, b) => a / b },
  '^': { f: (a, b) => T.pow(a as Tensor, b), sym: '^', num: (a, b) => a ** b },
};

const CALLS: Record<FunctionName, (a: Tensor) => Tensor> = {
  exp: T.exp,
  log: T.log,
  sin: T.sin,
  cos: T.cos,
  tanh: T.tanh,
  sigmoid: T.sigmoid,
  relu: T.relu,
  sqrt: T.sqrt,
};

interface Built {
  tensor: Tensor;
  node: Omit<GraphNode, 'value' | 'grad' | 'depth'>;
}

export function computeGraph(expression: string, values: Record<string, number>): Extract<Reply, { type: 'graph' }> {
  const ast = parse(expression);
  const previous = T.getBackend().name;
  T.setBackend('cpu');
  try {
    return T.tidy(() => {
      const built = new Map<string, Built>();
      const order: Built[] = [];
      const add = (key: string, tensor: Tensor, expr: string, gradFn: string): Built => {
        const b: Built = { tensor, node: { id: order.length, name: `v${order.length + 1}`, expr, gradFn } };
        built.set(key, b);
        order.push(b);
        return b;
      };
      // Inputs first, so they are v1, v2, ... in order of appearance.
      for (const name of variables(ast)) {
        const v = values[name];
        if (v === undefined || !Number.isFinite(v)) throw new Error(`give a value for ${name}`);
        add(name, T.tensor(v).requiresGrad_(), name, 'input');
      }
      const label = (x: Built | number) => (typeof x === 'number' ? String(x) : x.node.name);
      const visit = (e: Expr): Built | number => {
        if (e.kind === 'num') return e.value;
        const key = keyOf(e);
        const seen = built.get(key);
        if (seen !== undefined) return seen;
        let t: Tensor;
        let text: string;
        if (e.kind === 'var') throw new Error(`unknown variable ${e.name}`);
        if (e.kind === 'neg' || e.kind === 'call') {
          const a = visit(e.a);
          if (typeof a === 'number') return e.kind === 'neg' ? -a : CALLS[e.fn](T.tensor(a)).item();
          t = e.kind === 'neg' ? T.neg(a.tensor) : CALLS[e.fn](a.tensor);
          text = e.kind === 'neg' ? `−${label(a)}` : `${e.fn}(${label(a)})`;
        } else {
          const a = visit(e.a);
          const b = visit(e.b);
          const op = BINARY[e.op];
          if (typeof a === 'number' && typeof b === 'number') return op.num(a, b);
          // A number on the left: make it a tensor that needs no gradient (no node in the graph).
          t = op.f(typeof a === 'number' ? T.tensor(a) : a.tensor, typeof b === 'number' ? b : b.tensor);
          text = `${label(a)} ${op.sym} ${label(b)}`;
        }
        return add(key, t, text, t.gradFn?.name ?? 'none');
      };
      const root = visit(ast);
      if (typeof root === 'number' || root.tensor.gradFn === null) throw new Error('the expression must depend on a variable');
      const inputs = order.filter((b) => b.node.gradFn === 'input');
      const dot = toDot(root.tensor, { params: Object.fromEntries(inputs.map((b) => [b.node.expr, b.tensor])) });
      const edges = graphEdges(order);
      const grads = computeGrads({ roots: [root.tensor], targets: order.map((b) => b.tensor), retainGraph: false, createGraph: false });
      const depth = new Array<number>(order.length).fill(0);
      for (const [from, to] of [...edges].sort((p, q) => p[1] - q[1])) depth[to] = Math.max(depth[to], depth[from] + 1);
      const nodes: GraphNode[] = order.map((b, i) => ({ ...b.node, value: b.tensor.item(), grad: grads[i]?.item() ?? 0, depth: depth[i] }));
      return { type: 'graph', nodes, edges, dot, output: root.tensor.item() };
    });
  } finally {
    T.setBackend(previous);
  }
}

/**
 * Edges [from, to] read from the autograd graph: a node's gradFn.nextFunctions lead to the inputs'
 * AccumulateGrad steps (their `variable`) or to other nodes' gradFns; steps that are not ours (an
 * op composed of several primitives) are walked through.
 */
function graphEdges(order: Built[]): [number, number][] {
  const byFn = new Map<GradFn, number>();
  const byLeaf = new Map<Tensor, number>();
  for (const b of order) {
    const fn = b.tensor.gradFn;
    if (fn !== null) byFn.set(fn, b.node.id);
    else byLeaf.set(b.tensor, b.node.id);
  }
  const sources = (fn: GradFn, seen: Set<GradFn>): number[] => {
    const out: number[] = [];
    for (const next of fn.nextFunctions) {
      if (next === null || seen.has(next)) continue;
      seen.add(next);
      const id = next.variable !== undefined ? byLeaf.get(next.variable) : byFn.get(next);
      if (id !== undefined) out.push(id);
      else out.push(...sources(next, seen));
    }
    return out;
  };
  const edges: [number, number][] = [];
  for (const b of order) {
    const fn = b.tensor.gradFn;
    if (fn === null) continue;
    for (const from of new Set(sources(fn, new Set()))) edges.push([from, b.node.id]);
  }
  return edges;
}
