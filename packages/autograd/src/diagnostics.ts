/** Gradient norms per parameter, for spotting exploding or vanishing gradients. */
import type { Tensor } from '@nn/tensor';

/** One parameter's gradient norm, from {@link gradNorms}. */
export interface GradNormEntry {
  /** The parameter's name (e.g. `layers.0.weight`), or its index. */
  name: string;
  /** L2 norm of the gradient, or null if the parameter has no gradient yet. */
  norm: number | null;
}

/** L2 norm of each parameter's .grad (reads values synchronously; a diagnostic). */
export function gradNorms(params: Iterable<[string, Tensor]> | Tensor[]): GradNormEntry[] {
  const entries: [string, Tensor][] = Array.isArray(params)
    ? (params as unknown[]).map((p, i) => (Array.isArray(p) ? (p as [string, Tensor]) : [String(i), p as Tensor]))
    : [...params];
  return entries.map(([name, p]) => {
    if (p.grad === null) return { name, norm: null };
    const d = p.grad.dataSync();
    let s = 0;
    for (const v of d) s += v * v;
    return { name, norm: Math.sqrt(s) };
  });
}
