/** Functional autodiff: grad, valueAndGrad, jvp, jacrev, jacfwd, hessian, noGrad, customGrad. */
import * as T from '@nn/tensor';
import { NNError, type Tensor } from '@nn/tensor';
import { autograd } from '@nn/tensor/backend';
import { attachNode, computeGrads } from './engine.js';
import type { OpNode } from './node.js';

/** Runs fn without recording gradients (like torch.no_grad). */
export function noGrad<R>(fn: () => R): R {
  const prev = autograd.gradEnabled;
  autograd.gradEnabled = false;
  try {
    return fn();
  } finally {
    autograd.gradEnabled = prev;
  }
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<R>(fn: () => R): R {
  const prev = autograd.gradEnabled;
  autograd.gradEnabled = true;
  try {
    return fn();
  } finally {
    autograd.gradEnabled = prev;
  }
}

/** True unless inside {@link noGrad} (reverse-mode recording is on). */
export function isGradEnabled(): boolean {
  return autograd.gradEnabled;
}

/**
 * Inputs for a differentiated call: a leaf view of each argument, or (when the argument is itself
 * being differentiated by an outer transform) a recorded identity of it, so gradients nest.
 */
function prepareArgs(args: Tensor[], argnums: number[]): Tensor[] {
  return args.map((a, i) => {
    if (!argnums.includes(i)) return a;
    if (!(a instanceof T.Tensor)) throw new NNError(`grad: argument ${i} must be a Tensor`);
    if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new NNError(`grad: argument ${i} must be floating point, got ${a.dtype}`);
    if (a.requiresGrad && autograd.gradEnabled) return T.reshape(a, a.shape);
    const leaf = a.detach().requiresGrad_(true);
    if (a._tangent !== null) leaf._tangent = T.clone(a._tangent); // forward-over-reverse
    return leaf;
  });
}

function nested(args: Tensor[], argnums: number[]): boolean {
  return argnums.some((i) => args[i]?.requiresGrad === true && autograd.gradEnabled) || autograd.forwardLevels > 0;
}

function checkScalarOut(op: string, y: unknown): Tensor {
  if (!(y instanceof T.Tensor)) throw new NNError(`${op}: the function must return a Tensor`);
  if (y.size !== 1) throw new NNError(`${op}: the function must return a scalar (one element), got shape [${y.shape.join(',')}]`);
  return y;
}

/**
 * valueAndGrad(f, argnums = 0)(...args) -> [f(...args), gradient(s)]. Gradients are a tensor for a
 * single argnum, an array for an array of argnums. Higher order: grad(grad(f)) works.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums: number | number[] = 0) {
  const nums = typeof argnums === 'number' ? [argnums] : argnums;
  return (...args: A): [Tensor, Tensor | Tensor[]] =>
    T.tidy(() => {
      for (const i of nums)
        if (i < 0 || i >= args.length) throw new NNError(`grad: argnum ${i} is out of range for ${args.length} argument(s)`);
      const createGraph = nested(args, nums);
      const inputs = prepareArgs(args, nums);
      const y = checkScalarOut(
        'grad',
        enableGrad(() => f(...(inputs as A))),
      );
      const targets = nums.map((i) => inputs[i]!); // argnums checked in range above
      const gs = y.requiresGrad ? computeGrads({ roots: [y], targets, retainGraph: false, createGraph }) : targets.map(() => null);
      const grads = targets.map((t, k) => gs[k] ?? T.zerosLike(t));
      for (const t of targets) t.dispose();
      const value = createGraph ? y : detachInto(y);
      return [value, typeof argnums === 'number' ? grads[0]! : grads] as [Tensor, Tensor | Tensor[]]; // one argnum: one gradient
    });
}

function detachInto(y: Tensor): Tensor {
  const d = y.detach();
  y.dispose();
  return d;
}

/**
 * `grad(f, argnums = 0)` returns a function computing the gradient of the scalar function `f` with
 * respect to argument(s) `argnums` (jax.grad / torch.func.grad): a tensor for one argnum, an array
 * for several. It composes: `grad(grad(f))` is the second derivative.
 *
 * @example
 * ```ts
 * import { grad } from '@nn/autograd';
 * import { type Tensor, tensor } from '@nn/tensor';
 *
 * const f = (x: Tensor) => x.pow(3).sum();
 * grad(f)(tensor([1, 2]));                                   // 3x²: [3, 12]
 * grad((x: Tensor) => (grad(f)(x) as Tensor).sum())(tensor([2])); // 6x: [12]
 * ```
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums: number | number[] = 0) {
  const vg = valueAndGrad(f, argnums);
  return (...args: A): Tensor | Tensor[] => {
    const [v, g] = vg(...args);
    v.dispose();
    return g;
  };
}

/** Forward mode: [f(primals), directional derivative along tangents]. */
export function jvp(f: (...args: Tensor[]) => Tensor, primals: Tensor[], tangents: Tensor[]): [Tensor, Tensor] {
  if (primals.length !== tangents.length) throw new NNError(`jvp: got ${primals.length} primals but ${tangents.length} tangents`);
  primals.forEach((p, i) => {
    const t = tangents[i]!; // lengths checked equal above
    if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) {
      throw new NNError(`jvp: tangent ${i} has shape [${t.shape.join(',')}] but its primal has [${p.shape.join(',')}]`);
    }
  });
  const inputs = primals.map((p, i) => {
    const v = T.reshape(p, p.shape);
    v._tangent = T.clone(tangents[i]!);
    return v;
  });
  autograd.forwardLevels++;
  let y: Tensor;
  try {
    y = T.tidy(() => f(...inputs)); // frees f's intermediates; y keeps its tangent
  } finally {
    autograd.forwardLevels--;
  }
  const tangent = y._tangent ?? T.zerosLike(y);
  y._tangent = null;
  for (const v of inputs) v.dispose();
  return [y, tangent];
}

/** The Jacobian of f at x by reverse mode, shape [...out.shape, ...x.shape]. */
export function jacrev(f: (x: Tensor) => Tensor) {
  return (x: Tensor): Tensor =>
    T.tidy(() => {
      const createGraph = nested([x], [0]);
      const [input] = prepareArgs([x], [0]) as [Tensor];
      const y = T.tidy(() => enableGrad(() => f(input)));
      const rows: Tensor[] = [];
      for (let i = 0; i < y.size; i++) {
        const onehot = T.reshape(T.oneHot(T.tensor([i], { backend: y.backend.name, dtype: 'int32' }), y.size).cast(y.dtype), y.shape);
        const [g] = y.requiresGrad
          ? computeGrads({ roots: [y], gradients: [onehot], targets: [input], retainGraph: true, createGraph })
          : [null];
        rows.push(g ?? T.zerosLike(input));
      }
      const stacked = rows.length > 0 ? T.stack(rows, 0) : T.zeros([0, ...x.shape], { dtype: x.dtype, backend: x.backend.name });
      const jac = T.reshape(stacked, [...y.shape, ...x.shape]);
      return jac;
    });
}

/** The Jacobian of f at x by forward mode, shape [...out.shape, ...x.shape]. */
export function jacfwd(f: (x: Tensor) => Tensor) {
  return (x: Tensor): Tensor =>
    T.tidy(() => {
      const cols: Tensor[] = [];
      let outShape: readonly number[] = [];
      for (let j = 0; j < x.size; j++) {
        const e = T.reshape(T.oneHot(T.tensor([j], { backend: x.backend.name, dtype: 'int32' }), x.size).cast(x.dtype), x.shape);
        const [y, t] = jvp(f, [x], [e]);
        outShape = y.shape;
        cols.push(T.reshape(t, [y.size]));
      }
      const m = cols.length > 0 ? T.stack(cols, 1) : T.zeros([0, 0], { dtype: x.dtype, backend: x.backend.name });
      const jac = T.reshape(m, [...outShape, ...x.shape]);
      return jac;
    });
}

/** The Hessian of a scalar f at x: forward-over-reverse (jacfwd of grad), shape [...x.shape, ...x.shape]. */
export function hessian(f: (x: Tensor) => Tensor) {
  return jacfwd(grad(f) as (x: Tensor) => Tensor);
}

/**
 * A function with a hand-written gradient: forward computes the output from the inputs (not
 * recorded); backward maps the output's gradient to one gradient per input (null for none).
 */
export function customGrad<A extends Tensor[]>(
  forward: (...inputs: A) => Tensor,
  backward: (g: Tensor, inputs: A, output: Tensor) => (Tensor | null)[],
) {
  return (...inputs: A): Tensor => {
    const out = noGrad(() => forward(...inputs));
    const needs = inputs.map((t) => t.requiresGrad);
    if (autograd.gradEnabled && needs.some(Boolean)) {
      attachNode('custom', null, inputs, out, needs, (node: OpNode, g: Tensor) => {
        const res = backward(g, node.saved as A, node.out);
        if (res.length !== inputs.length)
          throw new NNError(`customGrad: backward returned ${res.length} gradients for ${inputs.length} inputs`);
        return res;
      });
    }
    return out;
  };
}
