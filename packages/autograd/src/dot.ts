/** Draws the backward graph behind a tensor as Graphviz DOT (like torchviz's make_dot). */
import { type GradFn, NNError, type Tensor } from '@nn/tensor';

/** Options of {@link toDot}. */
export interface ToDotOptions {
  /** Names for leaf tensors (e.g. `Object.fromEntries(model.namedParameters())`), shown on their nodes. */
  params?: Record<string, Tensor> | Map<string, Tensor>;
}

const shapeOf = (t: Tensor): string => `[${t.shape.join(', ')}]`;
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * Graphviz source for the graph that computed `root`: one box per backward step (`MulBackward`,
 * ...), a light-blue node per leaf (its name from `params`, and shape), the output in green.
 * Render with `dot -Tsvg`, or paste into any Graphviz viewer.
 */
export function toDot(root: Tensor, options: ToDotOptions = {}): string {
  root._check('toDot');
  if (root.gradFn === null) {
    throw new NNError(
      `toDot: the tensor (shape ${shapeOf(root)}) has no gradFn: it is a leaf or was computed without gradients, so there is no graph to draw`,
    );
  }
  const names = new Map<Tensor, string>();
  const entries = options.params instanceof Map ? options.params.entries() : Object.entries(options.params ?? {});
  for (const [name, t] of entries) names.set(t, name);

  const ids = new Map<GradFn, string>();
  const lines = ['digraph {', '  node [shape=box, style=filled, fillcolor=white, fontname="Helvetica"];', '  rankdir=BT;'];
  const idOf = (fn: GradFn): string => {
    let id = ids.get(fn);
    if (id === undefined) {
      ids.set(fn, (id = `n${ids.size}`));
      const v = fn.variable;
      const label = v === undefined ? fn.name : `${names.get(v) ?? fn.name}\n${shapeOf(v)}`;
      lines.push(`  ${id} [label=${quote(label)}${v === undefined ? '' : ', fillcolor=lightblue'}];`);
      stack.push(fn);
    }
    return id;
  };
  const stack: GradFn[] = [];
  lines.push(`  out [label=${quote(`output\n${shapeOf(root)}`)}, fillcolor=darkolivegreen1];`);
  lines.push(`  ${idOf(root.gradFn)} -> out;`);
  while (stack.length > 0) {
    const fn = stack.pop()!;
    for (const next of fn.nextFunctions) if (next !== null) lines.push(`  ${idOf(next)} -> ${ids.get(fn)};`);
  }
  lines.push('}');
  return lines.join('\n');
}
