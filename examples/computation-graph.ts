// The computation-graph example of Deck 000: f(x1, x2) = x1 x2 + exp(x1 x2) - sin(x2), its
// evaluation trace v1..v7, and its derivatives two ways:
// - reverse mode (backward): one pass from the output down gives df/dx1 and df/dx2 together;
// - forward mode (jvp): one pass from the inputs up per input direction: tangent (1, 0) gives
//   df/dx1, tangent (0, 1) gives df/dx2.
// toDot draws the graph autograd recorded (Graphviz: `dot -Tsvg out/computation-graph.dot`).
import { writeFileSync } from 'node:fs';
import { jvp, toDot } from '@nn/autograd';
import { type Tensor, tensor } from '@nn/tensor';
import { outFile, report } from './lib/options.js';

/** The trace of the slide, one primal variable per line. */
function f(x1: Tensor, x2: Tensor): Tensor {
  const v3 = x1.mul(x2); //   v3 = v1 v2
  const v4 = x2.sin(); //      v4 = sin(v2)
  const v5 = v3.exp(); //      v5 = exp(v3)
  const v6 = v3.sub(v4); //    v6 = v3 - v4
  return v5.add(v6); //        v7 = v5 + v6
}

const [a, b] = [1.5, 0.5]; // the point to differentiate at
// float64 (cpu backend) so the comparison with the formulas is not blurred by float32 rounding.
const x1 = tensor(new Float64Array([a]))
  .reshape([])
  .requiresGrad_();
const x2 = tensor(new Float64Array([b]))
  .reshape([])
  .requiresGrad_();

// Reverse mode.
const y = f(x1, x2);
writeFileSync(outFile('computation-graph.dot'), toDot(y, { params: { x1, x2 } }));
y.backward();
const reverse = [x1.grad!.item(), x2.grad!.item()];

// Forward mode: push a tangent through the same function.
const one = tensor(new Float64Array([1])).reshape([]);
const zero = tensor(new Float64Array([0])).reshape([]);
const [value, dfdx1] = jvp(f, [x1.detach(), x2.detach()], [one, zero]);
const [, dfdx2] = jvp(f, [x1.detach(), x2.detach()], [zero, one]);
const forward = [dfdx1.item(), dfdx2.item()];

// By hand: df/dx1 = x2 (1 + e^(x1 x2)), df/dx2 = x1 (1 + e^(x1 x2)) - cos(x2).
const e = Math.exp(a * b);
const exact = [b * (1 + e), a * (1 + e) - Math.cos(b)];
const err = (g: number[]) => Math.max(Math.abs(g[0] - exact[0]), Math.abs(g[1] - exact[1]));

console.log(`f(${a}, ${b}) = ${value.item()}  (by hand ${a * b + e - Math.sin(b)})`);
console.log(`reverse mode  [${reverse}]\nforward mode  [${forward}]\nby hand       [${exact}]`);
console.log(`graph: ${outFile('computation-graph.dot')}`);
report({ value: value.item(), reverse, forward, exact, reverseError: err(reverse), forwardError: err(forward) });
