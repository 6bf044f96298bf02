/**
 * The computational graph of a small expression (the lecture's evaluation trace): nodes v1, v2, …
 * from the library's gradFn graph, each with its forward value and its adjoint ∂f/∂v, drawn in
 * SVG left (inputs) to right (output), with the primal/adjoint table and the Graphviz source.
 */
import { el, fmt } from '../dom.js';
import { parse, variables } from '../expr.js';
import type { GraphNode, Reply } from '../protocol.js';

type Graph = Extract<Reply, { type: 'graph' }>;
const SVG = 'http://www.w3.org/2000/svg';
const W = 150;
const H = 58;
const GAP_X = 50;
const GAP_Y = 18;

const PRESETS: { label: string; expression: string; values: Record<string, number> }[] = [
  { label: 'x₁x₂ + exp(x₁x₂) − sin(x₂)', expression: 'x1*x2 + exp(x1*x2) - sin(x2)', values: { x1: 1.5, x2: 0.5 } },
  { label: '(x₁ + x₂)x₃ − x₄', expression: '(x1 + x2)*x3 - x4', values: { x1: 5, x2: 4, x3: 3, x4: 2 } },
  { label: 'a neuron: tanh(w·x + b)', expression: 'tanh(w*x + b)', values: { w: 0.5, x: 2, b: -0.3 } },
];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export class GraphPanel {
  private readonly expression: HTMLInputElement;
  private readonly values: HTMLElement;
  private readonly figure: HTMLElement;
  private readonly table: HTMLElement;
  private readonly dot: HTMLElement;
  private current: Record<string, number> = {};

  constructor(
    parent: HTMLElement,
    private readonly run: (expression: string, values: Record<string, number>) => void,
  ) {
    this.expression = el('input', { id: 'graph-expression', type: 'text', size: 36 });
    this.values = el('span', { class: 'row' });
    this.figure = el('div', { class: 'graph-figure' });
    this.table = el('div');
    this.dot = el('pre', { class: 'dot' });
    const presets = el(
      'div',
      { class: 'row' },
      ...PRESETS.map((p) => {
        const b = el('button', { type: 'button' }, p.label);
        b.addEventListener('click', () => this.load(p.expression, p.values));
        return b;
      }),
    );
    this.expression.addEventListener('change', () => this.load(this.expression.value, this.current));
    parent.append(
      presets,
      el('div', { class: 'row' }, el('label', {}, 'f = ', this.expression), this.values),
      this.figure,
      this.table,
      el('details', {}, el('summary', { text: 'Graphviz source (@nn/autograd toDot)' }), this.dot),
    );
    this.load(PRESETS[0].expression, PRESETS[0].values);
  }

  /** Sets the expression, makes an input per variable, and evaluates. */
  private load(expression: string, values: Record<string, number>): void {
    this.expression.value = expression;
    let names: string[];
    try {
      names = variables(parse(expression));
    } catch (e) {
      this.figure.replaceChildren(el('p', { class: 'error', text: (e as Error).message }));
      return;
    }
    this.current = Object.fromEntries(names.map((n) => [n, values[n] ?? 1]));
    this.values.replaceChildren(
      ...names.map((n) => {
        const input = el('input', { type: 'number', step: 0.1, value: this.current[n], 'data-var': n, size: 5 });
        input.addEventListener('change', () => {
          this.current[n] = Number(input.value);
          this.run(this.expression.value, this.current);
        });
        return el('label', {}, `${n} = `, input);
      }),
    );
    this.run(expression, this.current);
  }

  error(message: string): void {
    this.figure.replaceChildren(el('p', { class: 'error', text: message }));
  }

  show(g: Graph): void {
    const layers = new Map<number, GraphNode[]>();
    for (const n of g.nodes) layers.set(n.depth, [...(layers.get(n.depth) ?? []), n]);
    const depth = Math.max(...g.nodes.map((n) => n.depth));
    const tallest = Math.max(...[...layers.values()].map((l) => l.length));
    const width = (depth + 1) * (W + GAP_X);
    const height = tallest * (H + GAP_Y) + GAP_Y;
    const pos = new Map<number, [number, number]>();
    for (const [d, nodes] of layers) {
      const top = (height - nodes.length * (H + GAP_Y) + GAP_Y) / 2;
      nodes.forEach((n, i) => pos.set(n.id, [d * (W + GAP_X) + 4, top + i * (H + GAP_Y)]));
    }
    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, id: 'graph-svg' });
    const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#777' }));
    const defs = svg('defs', {});
    defs.append(marker);
    root.append(defs);
    for (const [from, to] of g.edges) {
      const [x1, y1] = pos.get(from)!;
      const [x2, y2] = pos.get(to)!;
      const mx = (x1 + W + x2) / 2;
      root.append(
        svg('path', {
          d: `M${x1 + W},${y1 + H / 2} C${mx},${y1 + H / 2} ${mx},${y2 + H / 2} ${x2},${y2 + H / 2}`,
          fill: 'none',
          stroke: '#999',
          'marker-end': 'url(#arrow)',
        }),
      );
    }
    const out = g.nodes.at(-1)!.id;
    for (const n of g.nodes) {
      const [x, y] = pos.get(n.id)!;
      const group = svg('g', { class: 'graph-node', 'data-name': n.name });
      const fill = n.gradFn === 'input' ? '#e3f2fd' : n.id === out ? '#e8f5e9' : '#fff';
      group.append(
        svg('rect', { x, y, width: W, height: H, rx: 6, fill, stroke: '#607d8b' }),
        svg('text', { x: x + 6, y: y + 15, 'font-weight': 'bold' }, `${n.name} = ${n.expr}`),
        svg('text', { x: x + 6, y: y + 31, fill: '#37474f' }, `value ${fmt(n.value, 4)}`),
        svg('text', { x: x + 6, y: y + 47, fill: '#c2185b' }, `∂f/∂${n.name} ${fmt(n.grad, 4)}`),
        svg('title', {}, n.gradFn === 'input' ? 'input (leaf: AccumulateGrad)' : n.gradFn),
      );
      root.append(group);
    }
    this.figure.replaceChildren(root);
    const head = el('tr', {}, ...['v', 'expression', 'gradFn', 'value vᵢ', 'adjoint v̄ᵢ = ∂f/∂vᵢ'].map((h) => el('th', { text: h })));
    const rows = g.nodes.map((n) =>
      el('tr', { 'data-name': n.name }, ...[n.name, n.expr, n.gradFn, fmt(n.value, 5), fmt(n.grad, 5)].map((t) => el('td', { text: t }))),
    );
    this.table.replaceChildren(el('table', { class: 'trace', id: 'graph-table' }, el('thead', {}, head), el('tbody', {}, ...rows)));
    this.dot.textContent = g.dot;
  }
}
