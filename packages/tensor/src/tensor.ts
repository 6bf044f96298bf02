import type { Backend, View } from './backend/contract.js';
import type { DataArray, DType } from './dtype.js';
import { DisposedError, NNError } from './errors.js';
import { formatTensor } from './format.js';
import { autograd, type BackwardOptions, type GradFn, type GradNodeRef, requireAutograd } from './hooks.js';
import { type Owned, type Storage, retarget, setTensorCheck, trackTensor, untrackTensor, untrackedCount } from './memory.js';
import * as ops from './ops/index.js';
import type { Scalar, TensorLike } from './ops/core.js';
import type { PadOptions, PadSpec } from './ops/movement.js';
import type { MultinomialOptions } from './ops/multinomial.js';
import type { SortOptions, SortResult, TopkOptions } from './ops/sort.js';
import { sizeOf } from './shape.js';

// Ships in the .d.ts so consumers whose lib lacks esnext.disposable (e.g. es2022 + dom) can read
// `[Symbol.dispose]`. It is the lib's own declaration (as in @types/node): TS merges the two.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

let nextId = 0;

/**
 * An n-dimensional array on a backend: a view (shape, strides, offset) over ref-counted storage.
 * Tensors are immutable from the user's side; every op returns a new tensor.
 */
export class Tensor implements View {
  readonly id = nextId++;
  readonly size: number;
  /** Whether gradients are tracked for this tensor (set on leaves with requiresGrad_). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** @internal storage and graph node, freed by the collector if this tensor is dropped undisposed. */
  readonly _owned: Owned;
  /** @internal forward-mode tangent (during jvp). */
  _tangent: Tensor | null = null;
  /** @internal set when disposed. */
  private _disposed = false;

  /** @internal use the creation functions (tensor, zeros, ...) instead. */
  constructor(
    storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
    tracked = true,
  ) {
    this.size = sizeOf(shape);
    this._owned = { storage, node: null };
    if (tracked) trackTensor(this, storage.backend.name);
    else untrackedCount.n++;
  }

  /** @internal the ref-counted storage this tensor views. */
  get storage(): Storage {
    return this._owned.storage;
  }
  /**
   * @internal takes over `from`'s storage (same shape, contiguous), keeping this tensor's identity,
   * requiresGrad and graph node: how modules and optimizers move between backends in place.
   * The caller disposes `from`.
   */
  _adopt(from: Tensor): void {
    const old = this.storage;
    from.storage.retain();
    retarget(old.backend.name, from.storage.backend.name);
    this._owned.storage = from.storage;
    old.release();
  }
  /** @internal autograd node that produced this tensor (or accumulates into it). */
  get _node(): GradNodeRef | null {
    return this._owned.node;
  }
  set _node(node: GradNodeRef | null) {
    this._owned.node = node;
  }

  get ndim(): number {
    return this.shape.length;
  }
  get backend(): Backend {
    return this.storage.backend;
  }
  /** @internal the backend buffer (Tensor is its own View). */
  get buffer(): unknown {
    return this.storage.buffer;
  }
  /** Number of elements (PyTorch's numel()). */
  numel(): number {
    return this.size;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** @internal throws if disposed; every op calls it on its inputs. */
  _check(op: string): void {
    if (this._disposed) throw new DisposedError(`${op}: tensor #${this.id} (shape [${this.shape.join(',')}]) was disposed and cannot be used`);
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrackTensor(this, this.storage.backend.name);
    this.storage.release();
    if (this._node !== null) {
      this._node.release();
      this._node = null;
    }
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
    if (this._tangent !== null) {
      this._tangent.dispose();
      this._tangent = null;
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  // --- reading -------------------------------------------------------------------------------
  /** The elements in row-major order (a copy). */
  data(): Promise<DataArray> {
    return ops.readData(this);
  }
  /** Synchronous read, on backends that allow it (cpu, wasm). */
  dataSync(): DataArray {
    return ops.readDataSync(this);
  }
  /** Nested arrays (a number for a 0-d tensor; booleans for bool). */
  async array(): Promise<unknown> {
    return ops.toNested(this, await this.data());
  }
  arraySync(): unknown {
    return ops.toNested(this, this.dataSync());
  }
  /** The value of a one-element tensor (synchronous; cpu and wasm). */
  item(): number {
    this._check('item');
    if (this.size !== 1) throw new NNError(`item: tensor of shape [${this.shape.join(',')}] has ${this.size} elements; item() needs exactly 1`);
    return this.dataSync()[0];
  }
  toString(): string {
    if (this._disposed) return `tensor(<disposed>, shape=[${this.shape.join(',')}])`;
    if (!this.backend.readSync) {
      return `tensor(<on ${this.backend.name}: read with await t.data() or await t.array()>, shape=[${this.shape.join(',')}], dtype=${this.dtype})`;
    }
    return formatTensor(this.shape, this.dtype, this.dataSync(), this.requiresGrad);
  }
  /** console.log in Node prints what String(t) does, not the internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  /** A copy on another backend. Needs a synchronous read from the source (else use toAsync). */
  to(backendName: string): Tensor {
    return ops.toBackend(this, backendName);
  }
  async toAsync(backendName: string): Promise<Tensor> {
    return ops.toBackendAsync(this, backendName);
  }

  // --- autograd ------------------------------------------------------------------------------
  /** Marks this (leaf) tensor as requiring gradients; returns it. */
  requiresGrad_(on = true): this {
    if (on && !(this.dtype === 'float32' || this.dtype === 'float64')) {
      throw new NNError(`requiresGrad_: only floating-point tensors can require gradients, got ${this.dtype}`);
    }
    if (this._node !== null && !on) throw new NNError('requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    this.requiresGrad = on;
    return this;
  }
  /** Backpropagates from this tensor into the .grad of the leaves it depends on. */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    this._check('backward');
    requireAutograd('backward').backward(this, gradient, options);
  }
  /** A tensor sharing storage with this one, cut off from the graph. */
  detach(): Tensor {
    this._check('detach');
    this.storage.retain();
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
  }
  /** Whether this tensor was produced by a recorded op (not a leaf). */
  get isLeaf(): boolean {
    return this._node === null || this._node.isLeaf;
  }
  /**
   * The backward step that produced this tensor (PyTorch's `grad_fn`), null for leaves and for
   * tensors computed without gradients. Walk `gradFn.nextFunctions` to see the graph (or draw it
   * with @nn/autograd's `toDot`).
   */
  get gradFn(): GradFn | null {
    return this._node === null || this._node.isLeaf ? null : this._node;
  }
  /** @internal a view sharing storage and graph node, invisible to scopes (autograd's saved refs). */
  _share(): Tensor {
    this.storage.retain();
    const t = new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype, false);
    t.requiresGrad = this.requiresGrad;
    if (this._tangent !== null) t._tangent = this._tangent._share();
    if (this._node !== null) {
      this._node.retain();
      t._node = this._node;
    }
    return t;
  }
  /** @internal frees a `_share()`d tensor. */
  _unshare(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrackedCount.n--;
    if (this._tangent !== null) {
      this._tangent._unshare();
      this._tangent = null;
    }
    this.storage.release();
    if (this._node !== null) {
      this._node.release();
      this._node = null;
    }
  }

  // --- elementwise ---------------------------------------------------------------------------
  add(other: TensorLike): Tensor { return ops.add(this, other); }
  sub(other: TensorLike): Tensor { return ops.sub(this, other); }
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  pow(other: TensorLike): Tensor { return ops.pow(this, other); }
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }
  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  expm1(): Tensor { return ops.expm1(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  square(): Tensor { return ops.square(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  erf(): Tensor { return ops.erf(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ops.leakyRelu(this, negativeSlope); }
  elu(alpha?: number): Tensor { return ops.elu(this, alpha); }
  gelu(approximate?: 'none' | 'tanh'): Tensor { return ops.gelu(this, approximate); }
  softplus(beta?: number, threshold?: number): Tensor { return ops.softplus(this, beta, threshold); }
  silu(): Tensor { return ops.silu(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }

  // --- reductions ----------------------------------------------------------------------------
  sum(dim?: number | number[] | null, keepdim?: boolean): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number | number[] | null, keepdim?: boolean): Tensor { return ops.mean(this, dim, keepdim); }
  prod(dim?: number | number[] | null, keepdim?: boolean): Tensor { return ops.prod(this, dim, keepdim); }
  max(dim?: number | number[] | null, keepdim?: boolean): Tensor { return ops.max(this, dim, keepdim); }
  min(dim?: number | number[] | null, keepdim?: boolean): Tensor { return ops.min(this, dim, keepdim); }
  argmax(dim?: number | null, keepdim?: boolean): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim?: boolean): Tensor { return ops.argmin(this, dim, keepdim); }
  var(dim?: number | number[] | null, options?: { correction?: number; keepdim?: boolean }): Tensor { return ops.variance(this, dim, options); }
  std(dim?: number | number[] | null, options?: { correction?: number; keepdim?: boolean }): Tensor { return ops.std(this, dim, options); }
  logsumexp(dim?: number | number[] | null, keepdim?: boolean): Tensor { return ops.logsumexp(this, dim, keepdim); }
  softmax(dim = -1): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim = -1): Tensor { return ops.logSoftmax(this, dim); }

  // --- linear algebra ------------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }

  // --- movement ------------------------------------------------------------------------------
  reshape(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatArgs(shape)); }
  flatten(startDim?: number, endDim?: number): Tensor { return ops.flatten(this, startDim, endDim); }
  squeeze(dim?: number | number[]): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return ops.transpose(this, dim0, dim1); }
  /** Transpose of a matrix (2-D), like torch's .T / .t(). */
  get T(): Tensor { return ops.transpose(this, 0, Math.max(this.ndim - 1, 0)); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, flatArgs(dims)); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return ops.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return ops.expand(this, other.shape); }
  /** Elements start, start+step, ... < end along dim (like x[..., start:end:step]). */
  slice(dim: number, start?: number, end?: number, step?: number): Tensor { return ops.slice(this, dim, start, end, step); }
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  split(sizeOrSections: number | number[], dim = 0): Tensor[] { return ops.split(this, sizeOrSections, dim); }
  pad(pad: PadSpec, value: number | PadOptions = 0): Tensor { return ops.pad(this, pad, value); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ops.scatterAdd(this, dim, index, src); }
  contiguous(): Tensor { return ops.contiguous(this); }
  clone(): Tensor { return ops.clone(this); }
  /** Writes src (broadcast, cast) into this tensor's elements in place; returns this. */
  copy_(src: Tensor | number): this { ops.copy_(this, src); return this; }
  // In place (PyTorch's trailing underscore): the result keeps this tensor's shape and dtype.
  add_(other: TensorLike): this { ops.inPlace('add_', this, () => ops.add(this, other), other); return this; }
  sub_(other: TensorLike): this { ops.inPlace('sub_', this, () => ops.sub(this, other), other); return this; }
  mul_(other: TensorLike): this { ops.inPlace('mul_', this, () => ops.mul(this, other), other); return this; }
  div_(other: TensorLike): this { ops.inPlace('div_', this, () => ops.div(this, other), other); return this; }
  clamp_(min?: number | null, max?: number | null): this { ops.inPlace('clamp_', this, () => ops.clamp(this, min, max)); return this; }
  fill_(value: number | boolean): this { ops.fill_(this, value); return this; }
  zero_(): this { ops.fill_(this, 0, 'zero_'); return this; }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  oneHot(numClasses?: number): Tensor { return ops.oneHot(this, numClasses); }
  where(cond: Tensor, other: Scalar | Tensor): Tensor { return ops.where(cond, this, other); }

  // --- sequence ops --------------------------------------------------------------------------
  cumsum(dim: number): Tensor { return ops.cumsum(this, dim); }
  cumprod(dim: number): Tensor { return ops.cumprod(this, dim); }
  tril(diagonal = 0): Tensor { return ops.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return ops.triu(this, diagonal); }
  /** This tensor with `value` where the bool mask (broadcast) is true. */
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor { return ops.maskedFill(this, mask, value); }
  sort(options?: SortOptions): SortResult { return ops.sort(this, options); }
  argsort(options?: SortOptions): Tensor { return ops.argsort(this, options); }
  topk(k: number, options?: TopkOptions): SortResult { return ops.topk(this, k, options); }
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  /** Tiles the tensor: `x.repeat(2, 1)` (torch.Tensor.repeat). */
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return ops.repeat(this, ...sizes); }
  repeatInterleave(repeats: number | readonly number[], dim?: number): Tensor { return ops.repeatInterleave(this, repeats, dim); }
  /** Category indices drawn from this tensor's rows of probabilities (int32). */
  multinomial(numSamples: number, options?: MultinomialOptions): Tensor { return ops.multinomial(this, numSamples, options); }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return (args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : args) as number[];
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
setTensorCheck(isTensor);

export { autograd };
