/** matmul with torch.matmul semantics, and linear (optionally fused by the backend). */
import type { FusedActivation, View } from '../backend/contract.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError, ValueRangeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { isContiguous, sizeOf } from '../layout.js';
import type { Tensor } from '../tensor.js';
import { NO_PARAMS, backendOf, disposeAll, empty, needsRecord, rawView, record } from './core.js';
import { add, gelu, relu, sigmoid, tanh } from './elementwise.js';
import { reshape, squeeze, transpose, unsqueeze } from './movement.js';

/** Matrix product: dot for 1-D x 1-D, matrix-vector, and batched with broadcast batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  backendOf('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both arguments need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.dtype !== b.dtype) throw new DTypeError(`matmul: dtypes must match, got ${a.dtype} and ${b.dtype}`);
  if (a.dtype === 'bool') throw new DTypeError('matmul: bool tensors are not supported; cast first');
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, -1) : b;
  const k1 = a2.shape[a2.ndim - 1];
  const k2 = b2.shape[b2.ndim - 2];
  if (k1 !== k2) {
    throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not align: ${k1} != ${k2}`);
  }
  const out = matmul2d(a2, b2);
  if (a2 === a && b2 === b) return out;
  const drop = [];
  if (a.ndim === 1) drop.push(out.ndim - 2);
  if (b.ndim === 1) drop.push(out.ndim - 1);
  const r = squeeze(out, drop);
  disposeAll([out, ...(a2 !== a ? [a2] : []), ...(b2 !== b ? [b2] : [])]);
  return r;
}

/** The recorded op: [..., M, K] @ [..., K, N] with broadcast batch dims. */
function matmul2d(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 2 && b.ndim === 2) return matmulPlain(a, b);
  const be = a.storage.backend;
  const m = a.shape[a.ndim - 2];
  const n = b.shape[b.ndim - 1];
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = empty(be, [...batch, m, n], a.dtype, 'matmul');
  const temps: Tensor[] = [];
  const av = batchedView(a, batch, temps);
  const bv = batchedView(b, batch, temps);
  be.matmul(av, bv, rawView(out, [sizeOf(batch), m, n], [m * n, n, 1], 0));
  if (needsRecord(a, b)) record('matmul', [a, b], NO_PARAMS, out);
  disposeAll(temps);
  return out;
}

/** [M, K] @ [K, N], every linear layer's case: matmul2d with no batch dims, without its bookkeeping. */
function matmulPlain(a: Tensor, b: Tensor): Tensor {
  const be = a.storage.backend;
  const m = a.shape[0];
  const k = a.shape[1];
  const n = b.shape[1];
  const out = empty(be, [m, n], a.dtype, 'matmul');
  const av = rawView(a, [1, m, k], [0, a.strides[0], a.strides[1]], a.offset);
  const bv = rawView(b, [1, k, n], [0, b.strides[0], b.strides[1]], b.offset);
  be.matmul(av, bv, rawView(out, [1, m, n], [m * n, n, 1], 0));
  if (needsRecord(a, b)) record('matmul', [a, b], NO_PARAMS, out);
  return out;
}

/** x broadcast to batch + its last two dims, as a 3-D view [prod(batch), r, c]. */
function batchedView(x: Tensor, batch: readonly number[], temps: Tensor[]): View {
  const r = x.shape[x.ndim - 2];
  const c = x.shape[x.ndim - 1];
  const lead = batch.length - (x.ndim - 2);
  const bStrides = batch.map((_d, i) => {
    const j = i - lead;
    return j < 0 || x.shape[j] === 1 ? 0 : x.strides[j];
  });
  // Collapse batch dims into one stride when the layout allows it; otherwise materialize.
  let stride: number | null = bStrides.length === 0 ? 0 : bStrides[bStrides.length - 1];
  for (let i = bStrides.length - 2; i >= 0 && stride !== null; i--) {
    if (batch[i] !== 1 && bStrides[i] !== bStrides[i + 1] * batch[i + 1]) stride = null;
  }
  const rs = x.strides[x.ndim - 2];
  const cs = x.strides[x.ndim - 1];
  if (stride !== null) return rawView(x, [sizeOf(batch), r, c], [stride, rs, cs], x.offset);
  const be = x.storage.backend;
  const full = empty(be, [...batch, r, c], x.dtype, 'matmul');
  be.copy(rawView(x, [...batch, r, c], [...bStrides, rs, cs]), full);
  temps.push(full);
  return rawView(full, [sizeOf(batch), r, c], [r * c, c, 1], 0);
}

const ACTIVATIONS: Record<FusedActivation, ((x: Tensor) => Tensor) | null> = {
  none: null,
  relu,
  tanh,
  sigmoid,
  gelu: (x) => gelu(x),
};

/**
 * y = act(x @ w^T + bias) with x [..., in], w [out, in], bias [out] (PyTorch's nn.Linear layout).
 * Uses the backend's fused routine when it has one (float x, 2-D or contiguous with leading dims
 * folded into rows): recorded as one `linear` op when gradients are on (except with gelu).
 * Otherwise composed from matmul, add and the activation.
 */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null, activation: FusedActivation = 'none'): Tensor {
  const be = backendOf('linear', x, w, bias ?? undefined);
  if (!(activation in ACTIVATIONS)) {
    throw new ValueRangeError(`linear: activation must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${String(activation)}`);
  }
  if (w.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmtShape(w.shape)}`);
  const inF = w.shape[1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: input's last dim ${x.shape[x.ndim - 1]} != weight's in_features ${inF} (input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)})`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== w.shape[0])) {
    throw new ShapeError(`linear: bias shape ${fmtShape(bias.shape)} must be [${w.shape[0]}]`);
  }
  const fused = be.fused.linear;
  // Recorded as one op (one kernel forward, no bias add or activation pass, dW in w's layout),
  // unless the activation's derivative needs the pre-activation (gelu): then the composite runs.
  const rec = needsRecord(x, w, bias ?? undefined);
  const canFuse =
    fused !== undefined &&
    isFloat(x.dtype) &&
    x.dtype === w.dtype &&
    (bias === null || bias.dtype === x.dtype) &&
    (!rec || activation !== 'gelu');
  if (canFuse && x.ndim === 2) {
    const out = empty(be, [x.shape[0], w.shape[0]], x.dtype, 'linear');
    fused(x, w, bias, activation, out);
    if (rec && activation !== 'gelu') record('linear', bias === null ? [x, w] : [x, w, bias], { activation }, out);
    return out;
  }
  if (canFuse && x.ndim > 2 && isContiguous(x.shape, x.strides)) {
    // Leading dims fold into rows without a copy: [..., in] -> [rows, in], then back.
    const lead = x.shape.slice(0, -1);
    const x2 = reshape(x, [sizeOf(lead), inF]);
    const y2 = linear(x2, w, bias, activation);
    const y = reshape(y2, [...lead, w.shape[0]]);
    disposeAll([x2, y2]);
    return y;
  }
  const wt = transpose(w, 0, 1);
  const xw = matmul(x, wt);
  wt.dispose();
  const pre = bias === null ? xw : add(xw, bias);
  if (pre !== xw) xw.dispose();
  const act = ACTIVATIONS[activation];
  if (act === null) return pre;
  const y = act(pre);
  pre.dispose();
  return y;
}
