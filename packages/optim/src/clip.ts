/** Gradient clipping, in place on `.grad`, like torch.nn.utils.clip_grad_norm_ / clip_grad_value_. */
import * as T from '@nn/tensor';
import { NNError, type Tensor, ValueRangeError, isTensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { fmtValue } from './check.js';

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Throw if the total norm is NaN or infinite (default false, like PyTorch). Reads the norm back. */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = isTensor(params)
    ? [params]
    : params !== null && typeof params === 'object' && Symbol.iterator in params
      ? [...params]
      : null;
  if (list === null) throw new NNError(`${op}: params must be a Tensor or an iterable of Tensors, got ${fmtValue(params)}`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new NNError(`${op}: params[${i}] is not a Tensor (got ${fmtValue(p)})`);
    if (p.grad !== null) grads.push(p.grad);
  });
  return grads;
}

/** ‖x‖_p over all elements (p > 0 finite, or Infinity). */
function vectorNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return T.max(T.abs(x));
  if (p === 2) return T.sqrt(T.sum(T.mul(x, x)));
  if (p === 1) return T.sum(T.abs(x));
  return T.pow(T.sum(T.pow(T.abs(x), p)), 1 / p);
}

/**
 * A power of two s with max|g| <= s (up to rounding of the log; s is kept within float32's
 * normal range), as a 0-d tensor. Norms are computed of g / s and multiplied back, as LAPACK's
 * snrm2 scales, so huge gradients (1e30: the square overflows) and tiny ones (1e-25: the square
 * underflows) keep their norm. Dividing and multiplying by a power of two is exact, so ordinary
 * gradients give the same bits as the plain computation (PyTorch's). A NaN or Inf gradient still
 * makes the norm NaN or Inf: g / s keeps it.
 */
function scaleOf(grads: Tensor[]): Tensor {
  const maxAbs = T.max(T.stack(grads.map((g) => T.max(T.abs(g)))));
  return T.pow(2, T.clamp(T.ceil(T.div(T.log(maxAbs), Math.LN2)), -126, 127));
}

/**
 * Scales the gradients of `params` in place so that their total norm (as if all gradients were
 * one vector) is at most `maxNorm`: each grad is multiplied by min(1, maxNorm / (total + 1e-6)).
 * Returns the total norm before clipping as a 0-d tensor (on the gradients' backend; nothing is
 * read back to the CPU unless `errorIfNonfinite` is set). `normType` may be Infinity (or 'inf').
 *
 * Unlike PyTorch, finite gradients whose norm overflows float32 are still clipped to `maxNorm`
 * (the norm is computed scaled; the returned total is then Infinity); `errorIfNonfinite` throws
 * only for gradients that hold a NaN or an Inf.
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType: number | 'inf' = 2,
  options: ClipGradNormOptions = {},
): Tensor {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new ValueRangeError(`${op}: maxNorm must be a number >= 0, got ${fmtValue(maxNorm)}`);
  }
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || !(p > 0)) {
    throw new ValueRangeError(`${op}: normType must be a number > 0 or Infinity ('inf'), got ${fmtValue(normType)}`);
  }
  // Empty gradients add nothing to any norm and have nothing to scale (max of none is an error).
  const grads = gradsOf(op, params).filter((g) => g.size > 0);
  if (grads.length === 0) return T.tensor(0, { dtype: 'float32' });
  return noGrad(() =>
    T.tidy(() => {
      const s = scaleOf(grads);
      const scaled = grads.map((g) => T.div(g, s));
      const norms = scaled.map((g) => vectorNorm(g, p));
      // r: the norm of g / s, finite unless a gradient is NaN or Inf.
      let r: Tensor;
      if (norms.length === 1) [r] = norms as [Tensor];
      else if (p === Infinity) r = T.max(T.stack(norms));
      else r = vectorNorm(T.stack(norms), p);
      if (options.errorIfNonfinite === true) {
        const v = r.item();
        if (!Number.isFinite(v)) {
          throw new ValueRangeError(
            `${op}: the total norm of order ${p} of the gradients is ${v}, so they cannot be clipped; set errorIfNonfinite: false to scale them by it anyway`,
          );
        }
      }
      // s times PyTorch's min(1, maxNorm / (total + 1e-6)), computed without forming total, so
      // it stays right when total overflows. where (not minimum) keeps a NaN, as torch.clamp.
      const k = T.div(maxNorm, T.add(r, T.div(1e-6, s)));
      const coef = T.where(T.gt(k, s), s, k);
      writeAll(
        grads,
        scaled.map((g) => T.mul(g, coef)),
      );
      return T.mul(r, s);
    }),
  );
}

/** Clamps every gradient element of `params` into [-clipValue, clipValue], in place. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new ValueRangeError(`${op}: clipValue must be a number >= 0, got ${fmtValue(clipValue)}`);
  }
  const grads = gradsOf(op, params);
  noGrad(() =>
    T.tidy(() =>
      writeAll(
        grads,
        grads.map((g) => T.clamp(g, -clipValue, clipValue)),
      ),
    ),
  );
}

/**
 * Writes every new value only after all were computed: two parameters' `.grad` may share storage
 * (autograd hands the same gradient to both inputs of an add), and writing one before reading the
 * other would apply the operation twice.
 */
function writeAll(grads: Tensor[], values: Tensor[]): void {
  grads.forEach((g, i) => g.copy_(values[i]!)); // one value per gradient
}
