/**
 * Attention: scaledDotProductAttention (torch.nn.functional.scaled_dot_product_attention) and
 * MultiheadAttention (torch.nn.MultiheadAttention) with PyTorch's state-dict keys, init and mask
 * conventions. Composed from matmul, softmax, where and add, so gradients (of any order) come from
 * those ops' rules and every backend runs it.
 */
import * as T from '@nn/tensor';
import { DTypeError, ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { checkOptions, checkPositiveInt, dims, type Rule, type Rules, rule, withDefaults } from './check.js';
import { dropout } from './dropout.js';
import { constant_, xavierUniform_ } from './init.js';
import { Linear } from './linear.js';
import { Module, parameter } from './module.js';

export const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;
export const isTensor = (v: unknown): v is Tensor => v instanceof T.Tensor;

/**
 * A mask on attention scores [..., L, S]. `keep`: a bool mask is true where a position takes part
 * (scaledDotProductAttention) rather than where it is masked out (MultiheadAttention's attnMask
 * and keyPaddingMask). A float mask is added to the scores (-Infinity removes a position).
 */
interface ScoreMask {
  mask: Tensor;
  keep: boolean;
}

/** Scores with every mask applied: bool masks select -Infinity, float masks add. */
function applyMasks(scores: Tensor, masks: readonly ScoreMask[]): Tensor {
  let s = scores;
  for (const { mask, keep } of masks) {
    const next =
      mask.dtype === 'bool'
        ? keep
          ? T.where(mask, s, Number.NEGATIVE_INFINITY)
          : T.where(mask, Number.NEGATIVE_INFINITY, s)
        : T.add(s, mask);
    if (s !== scores) s.dispose();
    s = next;
  }
  return s;
}

/** PyTorch 2's causal mask [L, S]: query i sees keys 0..i (top-left aligned), true = take part. */
export function causalMask(l: number, s: number, backend?: string): Tensor {
  return T.tidy(() => {
    const opts = { dtype: 'int32' as const, backend };
    return T.ge(T.reshape(T.arange(0, l, 1, opts), [l, 1]), T.arange(0, s, 1, opts));
  });
}

/**
 * The attention core on [..., L, E] queries, [..., S, E] keys and [..., S, Ev] values: scores
 * (q * scale) k^T, masks, softmax over keys, dropout, times v. Returns the weights too (for
 * MultiheadAttention's needWeights). The scale is applied to q, as PyTorch's MultiheadAttention does
 * (fewer multiplies than scaling the scores when L·E < L·S).
 */
export function attend(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  masks: readonly ScoreMask[],
  dropoutP: number,
  scale: number,
): { output: Tensor; weights: Tensor } {
  return T.tidy(() => {
    const scores = applyMasks(T.matmul(T.mul(q, scale), T.transpose(k, -2, -1)), masks);
    let weights = T.softmax(scores, -1);
    if (dropoutP > 0) weights = dropout(weights, dropoutP, true);
    return { output: T.matmul(weights, v), weights };
  });
}

/** Options of {@link scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]: bool (true = the position takes part, as PyTorch 2's
   * F.scaled_dot_product_attention) or float (added to the scores; -Infinity removes a position).
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (always applied when > 0, as PyTorch's function). */
  dropoutP?: number;
  /** Query i attends to keys 0..i only (PyTorch's top-left causal mask); excludes attnMask. */
  isCausal?: boolean;
  /** Factor on the scores; default 1 / sqrt(E). */
  scale?: number | null;
}

/** Query, key and value (projections of). */
type Triple = [Tensor, Tensor, Tensor];

const SDPA_RULES: Rules<Required<ScaledDotProductAttentionOptions>> = {
  attnMask: { ok: (v) => v === null || isTensor(v), valid: 'a bool or float Tensor, or null' },
  dropoutP: rule.dropout,
  isCausal: rule.bool,
  scale: { ok: (v) => v === null || (typeof v === 'number' && Number.isFinite(v)), valid: 'a finite number or null (1 / sqrt(E))' },
};

/** Checks a mask's dtype (bool or float, like the scores) and that it broadcasts to `target`. */
function checkMask(op: string, name: string, mask: Tensor, target: readonly number[], scoresDtype: T.DType, expected: string): void {
  if (mask.dtype !== 'bool' && mask.dtype !== scoresDtype) {
    throw new DTypeError(`${op}: ${name} must be bool or ${scoresDtype} (the query's dtype), got ${mask.dtype}`);
  }
  const ok = mask.ndim <= target.length && mask.shape.every((d, i) => d === 1 || d === target[target.length - mask.ndim + i]);
  if (!ok)
    throw new ShapeError(
      `${op}: ${name} of shape ${fmt(mask.shape)} does not broadcast to the attention scores ${fmt(target)}; expected ${expected}`,
    );
}

/**
 * Scaled dot-product attention, as torch.nn.functional.scaled_dot_product_attention (PyTorch 2):
 * softmax(q k^T · scale + mask) v.
 *
 * Args:
 *   query [..., L, E], key [..., S, E], value [..., S, Ev] (same rank, at least 2; batch dims
 *   broadcast). Options: attnMask (bool, true = take part, or additive float), dropoutP (0),
 *   isCausal (false), scale (1 / sqrt(E)).
 *
 * Shape: output [..., L, Ev]. A query whose every key is masked out gets NaN, as in PyTorch.
 *
 * Example:
 *   const q = T.randn([2, 4, 10, 16]);  // [batch, heads, L, E]
 *   const y = scaledDotProductAttention(q, q, q, { isCausal: true });  // [2, 4, 10, 16]
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  for (const [n, t] of [
    ['query', query],
    ['key', key],
    ['value', value],
  ] as const) {
    if (!isTensor(t)) throw new ValueRangeError(`${op}: ${n} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
  const o = withDefaults<ScaledDotProductAttentionOptions>(op, { attnMask: null, dropoutP: 0, isCausal: false, scale: null }, options);
  checkOptions(op, SDPA_RULES, options, o);
  if (query.ndim < 2 || key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new ShapeError(
      `${op}: query [..., L, E], key [..., S, E] and value [..., S, Ev] must have the same rank (at least 2), got shapes ${fmt(query.shape)}, ${fmt(key.shape)} and ${fmt(value.shape)}`,
    );
  }
  if (!query.dtype.startsWith('float') || key.dtype !== query.dtype || value.dtype !== query.dtype) {
    throw new DTypeError(
      `${op}: query, key and value must share a floating-point dtype, got ${query.dtype}, ${key.dtype} and ${value.dtype}`,
    );
  }
  const [l, e] = dims(query.shape, -2, -1);
  const [s, ek] = dims(key.shape, -2, -1);
  const [sv] = dims(value.shape, -2);
  if (ek !== e)
    throw new ShapeError(
      `${op}: key's last dim must equal the query's (E = ${e}), got key ${fmt(key.shape)} and query ${fmt(query.shape)}`,
    );
  if (sv !== s)
    throw new ShapeError(
      `${op}: value must have key's sequence length (S = ${s}) in dim -2, got value ${fmt(value.shape)} and key ${fmt(key.shape)}`,
    );
  const batch = T.broadcastShapes(op, query.shape.slice(0, -2), T.broadcastShapes(op, key.shape.slice(0, -2), value.shape.slice(0, -2)));
  if (o.attnMask !== null) {
    if (o.isCausal) throw new ValueRangeError(`${op}: pass either attnMask or isCausal, not both (isCausal is the causal attnMask)`);
    checkMask(op, 'attnMask', o.attnMask, [...batch, l, s], query.dtype, `a mask broadcastable to [..., ${l}, ${s}] ([..., L, S])`);
  }
  return T.tidy(() => {
    const masks: ScoreMask[] = [];
    if (o.attnMask !== null) masks.push({ mask: o.attnMask, keep: true });
    if (o.isCausal) masks.push({ mask: causalMask(l, s, query.backend.name), keep: true });
    return attend(query, key, value, masks, o.dropoutP, o.scale ?? 1 / Math.sqrt(e)).output;
  });
}

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Features of the key (default embedDim). */
  kdim?: number | null;
  /** Features of the value (default embedDim). */
  vdim?: number | null;
  /** PyTorch's bias_k/bias_v and zero attention are not implemented: only false is accepted. */
  addBiasKv?: false;
  /** Not implemented (PyTorch's add_zero_attn): only false is accepted. */
  addZeroAttn?: false;
}

/** Options of {@link MultiheadAttention.forward}. */
export interface MultiheadAttentionForwardOptions {
  /**
   * [N, S] (or [S] unbatched): bool, true = that key is padding and ignored; or float, added to
   * the scores of that key.
   */
  keyPaddingMask?: Tensor | null;
  /**
   * [L, S] or [N * numHeads, L, S]: bool, true = not allowed to attend (PyTorch's MultiheadAttention
   * convention, the opposite of scaledDotProductAttention's); or float, added to the scores.
   */
  attnMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the returned weights over heads ([N, L, S]) or not ([N, numHeads, L, S]); default true. */
  averageAttnWeights?: boolean;
  /**
   * Apply the causal mask (query i sees keys 0..i). PyTorch 2 takes this as a hint that attnMask is
   * the causal mask; here attnMask may be left out and is then built, and a given attnMask is used as is.
   */
  isCausal?: boolean;
}

/** How a layer built on MultiheadAttention names itself and the masks in error messages. */
export interface MaskNames {
  layer: string;
  attnMask: string;
  keyPaddingMask: string;
}

const maybeDim: Rule = { ok: (v) => v === null || (Number.isInteger(v) && (v as number) > 0), valid: 'an integer > 0 or null (embedDim)' };
const onlyFalse: Rule = { ok: (v) => v === false, valid: 'false (not implemented)' };

const MHA_RULES: Rules<Required<MultiheadAttentionOptions>> = {
  dropout: rule.dropout,
  bias: rule.bool,
  batchFirst: rule.bool,
  kdim: maybeDim,
  vdim: maybeDim,
  addBiasKv: onlyFalse,
  addZeroAttn: onlyFalse,
};

const maskRule: Rule = { ok: (v) => v === null || isTensor(v), valid: 'a bool or float Tensor, or null' };
const FORWARD_RULES: Rules<Required<MultiheadAttentionForwardOptions>> = {
  keyPaddingMask: maskRule,
  attnMask: maskRule,
  needWeights: rule.bool,
  averageAttnWeights: rule.bool,
  isCausal: rule.bool,
};

/**
 * Multi-head attention, as torch.nn.MultiheadAttention: the query, key and value are projected,
 * split into numHeads heads of embedDim / numHeads features, attended per head, concatenated and
 * projected by `out_proj`.
 *
 * Args:
 *   embedDim: features of the query and output. numHeads: heads (must divide embedDim).
 *   Options: dropout (0, on the attention weights in training), bias (true), batchFirst (false),
 *   kdim, vdim (default embedDim).
 *
 * Parameters, under PyTorch's keys: `in_proj_weight` [3E, E] (when kdim = vdim = embedDim; else
 * `q_proj_weight` [E, E], `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim]), `in_proj_bias`
 * [3E], `out_proj.weight` [E, E], `out_proj.bias` [E]. Init as PyTorch: xavier_uniform_ on the
 * input projections, zero biases, out_proj.weight as a Linear's.
 *
 * Shape: query [L, N, E] (or [N, L, E] with batchFirst, or [L, E] unbatched), key [S, N, kdim],
 * value [S, N, vdim] -> [output [L, N, E], weights [N, L, S] (averaged) or [N, numHeads, L, S],
 * or null when needWeights is false].
 *
 * Example:
 *   const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 *   const x = T.randn([8, 10, 64]);
 *   const [y, w] = mha(x, x, x, { isCausal: true });  // y [8, 10, 64], w [8, 10, 10]
 */
export class MultiheadAttention extends Module {
  // Declared in PyTorch's registration order, so stateDict() lists keys as PyTorch does.
  /** Packed q, k, v projection `[3·embedDim, embedDim]` (when kdim = vdim = embedDim), else null. */
  in_proj_weight: Tensor | null = null;
  /** Query projection `[embedDim, embedDim]` when kdim or vdim differ, else null. */
  q_proj_weight: Tensor | null = null;
  /** Key projection `[embedDim, kdim]` when kdim or vdim differ, else null. */
  k_proj_weight: Tensor | null = null;
  /** Value projection `[embedDim, vdim]` when kdim or vdim differ, else null. */
  v_proj_weight: Tensor | null = null;
  /** Packed q, k, v bias `[3·embedDim]` (null without `bias`). */
  in_proj_bias: Tensor | null = null;
  /** Output projection embedDim → embedDim. */
  out_proj: Linear;
  /** Features of the key. */
  readonly kdim: number;
  /** Features of the value. */
  readonly vdim: number;
  /** Features per head: embedDim / numHeads. */
  readonly headDim: number;
  /** Dropout probability on the attention weights (training mode). */
  readonly dropout: number;
  /** Inputs are `[N, seq, feature]` instead of `[seq, N, feature]`. */
  readonly batchFirst: boolean;

  /**
   * @param embedDim features of the query and the output
   * @param numHeads parallel heads (must divide embedDim)
   * @param options dropout, bias, batchFirst, kdim, vdim
   */
  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    const name = 'MultiheadAttention';
    checkPositiveInt(name, 'embedDim', embedDim);
    checkPositiveInt(name, 'numHeads', numHeads);
    const o = withDefaults<MultiheadAttentionOptions>(
      name,
      { dropout: 0, bias: true, batchFirst: false, kdim: null, vdim: null, addBiasKv: false, addZeroAttn: false },
      options,
    );
    checkOptions(name, MHA_RULES, options, o);
    if (embedDim % numHeads !== 0) throw new ValueRangeError(`${name}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this.headDim = embedDim / numHeads;
    this.dropout = o.dropout;
    this.batchFirst = o.batchFirst;
    const e = embedDim;
    if (this.kdim === e && this.vdim === e) this.in_proj_weight = parameter(T.zeros([3 * e, e]));
    else {
      this.q_proj_weight = parameter(T.zeros([e, e]));
      this.k_proj_weight = parameter(T.zeros([e, this.kdim]));
      this.v_proj_weight = parameter(T.zeros([e, this.vdim]));
    }
    if (o.bias) this.in_proj_bias = parameter(T.zeros([3 * e]));
    this.out_proj = new Linear(e, e, { bias: o.bias });
    this.resetParameters();
  }

  /** xavier_uniform_ on the input projections, zeros for in_proj_bias and out_proj.bias (PyTorch). */
  resetParameters(): void {
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w !== null) xavierUniform_(w);
    if (this.in_proj_bias !== null) {
      constant_(this.in_proj_bias, 0);
      constant_(this.out_proj.bias!, 0);
    }
  }

  private label(): string {
    return `MultiheadAttention(${this.embedDim}, ${this.numHeads})`;
  }

  /**
   * Checks inputs and masks as forward does, without computing anything; returns the sizes. A layer
   * built on this one (TransformerEncoderLayer) calls it first, naming itself and its mask options.
   */
  checkInputs(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    o: Pick<MultiheadAttentionForwardOptions, 'attnMask' | 'keyPaddingMask'>,
    names: MaskNames = { layer: this.label(), attnMask: 'attnMask', keyPaddingMask: 'keyPaddingMask' },
  ): {
    /** Whether the inputs have a batch dim. */
    batched: boolean;
    /** Batch size (1 when unbatched). */
    n: number;
    /** Target (query) length. */
    l: number;
    /** Source (key) length. */
    s: number;
  } {
    const name = names.layer;
    for (const [k, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (!isTensor(t)) throw new ValueRangeError(`${name}: ${k} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    }
    const layout = this.batchFirst ? '[N, L, E]' : '[L, N, E]';
    if (query.ndim !== 2 && query.ndim !== 3) {
      throw new ShapeError(`${name}: expected a 3-D query ${layout} or a 2-D unbatched query [L, E], got shape ${fmt(query.shape)}`);
    }
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${name}: key and value must have the query's rank (${query.ndim}), got query ${fmt(query.shape)}, key ${fmt(key.shape)}, value ${fmt(value.shape)}`,
      );
    }
    if (!query.dtype.startsWith('float') || key.dtype !== query.dtype || value.dtype !== query.dtype) {
      throw new DTypeError(
        `${name}: query, key and value must share a floating-point dtype, got ${query.dtype}, ${key.dtype} and ${value.dtype}`,
      );
    }
    const batched = query.ndim === 3;
    const bf = batched && this.batchFirst;
    const seqOf = (t: Tensor) => dims(t.shape, bf ? 1 : 0)[0];
    const batchOf = (t: Tensor) => (batched ? dims(t.shape, bf ? 0 : 1)[0] : 1);
    for (const [k, t, d] of [
      ['query', query, this.embedDim, 'embedDim'],
      ['key', key, this.kdim, 'kdim'],
      ['value', value, this.vdim, 'vdim'],
    ] as const) {
      if (t.shape.at(-1) !== d) {
        const what = k === 'query' ? 'embedDim' : k === 'key' ? 'kdim' : 'vdim';
        throw new ShapeError(`${name}: expected ${k} with last dimension ${what} = ${d}, got shape ${fmt(t.shape)}`);
      }
    }
    const n = batchOf(query);
    if (batchOf(key) !== n || batchOf(value) !== n) {
      throw new ShapeError(
        `${name}: query, key and value must have the same batch size, got query ${fmt(query.shape)}, key ${fmt(key.shape)}, value ${fmt(value.shape)}`,
      );
    }
    const l = seqOf(query);
    const s = seqOf(key);
    if (seqOf(value) !== s)
      throw new ShapeError(
        `${name}: key and value must have the same sequence length, got key ${fmt(key.shape)} and value ${fmt(value.shape)}`,
      );
    if (o.attnMask != null) {
      const m = o.attnMask;
      if (!isTensor(m)) throw new ValueRangeError(`${name}: ${names.attnMask} must be a bool or float Tensor, or null, got ${typeof m}`);
      if (m.dtype !== 'bool' && m.dtype !== query.dtype)
        throw new DTypeError(`${name}: ${names.attnMask} must be bool or ${query.dtype} (the query's dtype), got ${m.dtype}`);
      const want2 = [l, s];
      const want3 = [n * this.numHeads, l, s];
      const same = (a: readonly number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
      if (!same(m.shape, want2) && !same(m.shape, want3)) {
        throw new ShapeError(
          `${name}: ${names.attnMask} must have shape ${fmt(want2)} ([L, S]) or ${fmt(want3)} ([N * numHeads, L, S]), got ${fmt(m.shape)}`,
        );
      }
    }
    if (o.keyPaddingMask != null) {
      const m = o.keyPaddingMask;
      if (!isTensor(m))
        throw new ValueRangeError(`${name}: ${names.keyPaddingMask} must be a bool or float Tensor, or null, got ${typeof m}`);
      if (m.dtype !== 'bool' && m.dtype !== query.dtype) {
        throw new DTypeError(
          `${name}: ${names.keyPaddingMask} must be bool (true = padding) or ${query.dtype} (added to the scores), got ${m.dtype}`,
        );
      }
      const want = batched ? [n, s] : [s];
      if (m.ndim !== want.length || m.shape.some((d, i) => d !== want[i])) {
        throw new ShapeError(
          `${name}: ${names.keyPaddingMask} must have shape ${fmt(want)} (${batched ? '[N, S]' : '[S] for unbatched input'}), got ${fmt(m.shape)}`,
        );
      }
    }
    return { batched, n, l, s };
  }

  /**
   * Attends from query to key/value. Returns [output, weights or null] (see the class comment).
   * Masks: attnMask bool true = masked out, keyPaddingMask bool true = padding (PyTorch's
   * MultiheadAttention convention), float masks are added.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const name = this.label();
    const o = withDefaults<MultiheadAttentionForwardOptions>(
      `${name}.forward`,
      { keyPaddingMask: null, attnMask: null, needWeights: true, averageAttnWeights: true, isCausal: false },
      options,
    );
    checkOptions(`${name}.forward`, FORWARD_RULES, options, o);
    const { batched, n, l, s } = this.checkInputs(query, key, value, o);
    const h = this.numHeads;
    const d = this.headDim;
    const e = this.embedDim;
    return T.tidy(() => {
      // Work in [seq, N, features] (unbatched: N = 1) or [N, seq, features] (batchFirst).
      const bf = batched && this.batchFirst;
      const lift = (t: Tensor) => (batched ? t : T.unsqueeze(t, 1));
      const [q0, k0, v0] = [lift(query), lift(key), lift(value)];
      const [q, k, v] = this.project(q0, k0, v0, query === key && key === value);
      // [.., H*D] -> [N, H, seq, D]
      const heads = (t: Tensor) => T.permute(T.reshape(t, [...t.shape.slice(0, 2), h, d]), bf ? [0, 2, 1, 3] : [1, 2, 0, 3]);
      const masks: ScoreMask[] = [];
      if (o.attnMask !== null) {
        masks.push({ mask: o.attnMask.ndim === 3 ? T.reshape(o.attnMask, [n, h, l, s]) : o.attnMask, keep: false });
      } else if (o.isCausal) masks.push({ mask: causalMask(l, s, query.backend.name), keep: true });
      if (o.keyPaddingMask !== null) masks.push({ mask: T.reshape(o.keyPaddingMask, [n, 1, 1, s]), keep: false });
      const r = attend(heads(q), heads(k), heads(v), masks, this.training ? this.dropout : 0, 1 / Math.sqrt(d));
      // [N, H, L, D] -> [L, N, E] or [N, L, E]
      const merged = T.reshape(T.permute(r.output, bf ? [0, 2, 1, 3] : [2, 0, 1, 3]), bf ? [n, l, e] : [l, n, e]);
      let out = this.out_proj(merged) as Tensor;
      if (!batched) out = T.squeeze(out, 1);
      if (!o.needWeights) return [out, null] as [Tensor, Tensor | null];
      let w = o.averageAttnWeights ? T.mean(r.weights, 1) : r.weights;
      if (!batched) w = T.squeeze(w, 0);
      return [out, w] as [Tensor, Tensor | null];
    });
  }

  /** The input projections: one matmul for self-attention with packed weights, else one each. */
  private project(q: Tensor, k: Tensor, v: Tensor, same: boolean): Triple {
    const e = this.embedDim;
    // The packed [3E, E] weight and [3E] bias split into three E-sized parts.
    const [bq, bk, bv] = this.in_proj_bias === null ? [null, null, null] : (T.split(this.in_proj_bias, e) as Triple);
    if (this.in_proj_weight !== null) {
      if (same) return T.split(T.linear(q, this.in_proj_weight, this.in_proj_bias), e, -1) as Triple;
      const [wq, wk, wv] = T.split(this.in_proj_weight, e) as Triple;
      return [T.linear(q, wq, bq), T.linear(k, wk, bk), T.linear(v, wv, bv)];
    }
    return [T.linear(q, this.q_proj_weight!, bq), T.linear(k, this.k_proj_weight!, bk), T.linear(v, this.v_proj_weight!, bv)];
  }

  override extraRepr(): string {
    const extra = [this.kdim !== this.embedDim ? `kdim=${this.kdim}` : '', this.vdim !== this.embedDim ? `vdim=${this.vdim}` : ''].filter(
      Boolean,
    );
    return [
      `embed_dim=${this.embedDim}`,
      `num_heads=${this.numHeads}`,
      ...(this.dropout > 0 ? [`dropout=${this.dropout}`] : []),
      ...(this.batchFirst ? ['batch_first=True'] : []),
      ...extra,
    ].join(', ');
  }
}
