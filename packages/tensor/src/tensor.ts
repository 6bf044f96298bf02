import type { Backend, View } from './backend/contract.js';
import type { DataArray, DType } from './dtype.js';
import { DisposedError, NNError } from './errors.js';
import { formatTensor } from './format.js';
import { type BackwardOptions, type GradFn, type GradNodeRef, requireAutograd } from './hooks.js';
import { type Owned, type Storage, retarget, setTensorCheck, trackTensor, untrackTensor, untrackedCount } from './memory.js';
import * as ops from './ops/index.js';
import { registerTensorClass } from './ops/core.js';
import type { Scalar, TensorLike } from './ops/core.js';
import type { MultinomialOptions } from './ops/multinomial.js';
import type { SortOptions, SortResult, TopkOptions } from './ops/sort.js';
import { sizeOf } from './layout.js';

// Ships in the .d.ts so consumers whose lib lacks esnext.disposable (e.g. es2022 + dom) can read
// `[Symbol.dispose]`. It is the lib's own declaration (as in @types/node): TS merges the two.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

let nextId = 0;

/**
 * An n-dimensional array of float32, int32, bool (or float64) elements on a backend: a view
 * (shape, strides, offset) over ref-counted storage (torch.Tensor). Ops never modify their inputs:
 * each returns a new tensor (methods ending in `_` are the in-place exceptions). Create tensors with
 * {@link tensor}, {@link zeros}, {@link randn}, ...; free them with `dispose()`, `using`, or a
 * {@link tidy} / {@link scope}.
 *
 * With `requiresGrad`, ops on a tensor are recorded, and `backward()` (with `@nn/autograd` imported)
 * fills the leaves' `.grad`.
 *
 * @example
 * ```ts
 * import { tensor, tidy } from '@nn/tensor';
 * import '@nn/autograd';
 *
 * const w = tensor([[1, 2], [3, 4]]).requiresGrad_();
 * const x = tensor([[1], [1]]);
 * const loss = tidy(() => w.matmul(x).pow(2).sum()); // (1+2)² + (3+4)² = 58
 * loss.backward();
 * console.log(loss.item(), w.grad!.arraySync()); // 58 [[6, 6], [14, 14]]
 * ```
 */
export class Tensor implements View {
  /** A unique number per tensor object (for debugging and maps). */
  readonly id = nextId++;
  /** Number of elements (the product of `shape`). */
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
    /** Size of each dim. */
    readonly shape: readonly number[],
    /** Step between neighbours along each dim, in elements. */
    readonly strides: readonly number[],
    /** Position of the first element in the storage, in elements. */
    readonly offset: number,
    /** The elements' type: 'float32', 'int32', 'bool' or 'float64'. */
    readonly dtype: DType,
    tracked = true,
  ) {
    this.size = sizeOf(shape);
    this._owned = { storage, node: null, collectable: false, registered: false };
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
  /** @internal */
  set _node(node: GradNodeRef | null) {
    this._owned.node = node;
  }

  /** Number of dims (`shape.length`). */
  get ndim(): number {
    return this.shape.length;
  }
  /** The backend holding the storage. */
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
  /** True once disposed; using a disposed tensor throws a `DisposedError`. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** @internal throws if disposed; every op calls it on its inputs. */
  _check(op: string): void {
    if (this._disposed)
      throw new DisposedError(`${op}: tensor #${this.id} (shape [${this.shape.join(',')}]) was disposed and cannot be used`);
  }

  /** Releases this tensor's share of its storage (freed when the last view goes) and of its graph node. Idempotent. */
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
  /** Same as `dispose()`, so `using t = ...` frees `t` at the end of the block. */
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
  /** Nested arrays, read synchronously (cpu, wasm). */
  arraySync(): unknown {
    return ops.toNested(this, this.dataSync());
  }
  /** The value of a one-element tensor (synchronous; cpu and wasm). */
  item(): number {
    this._check('item');
    if (this.size !== 1)
      throw new NNError(`item: tensor of shape [${this.shape.join(',')}] has ${this.size} elements; item() needs exactly 1`);
    return this.dataSync()[0];
  }
  /** PyTorch-style text of the values (reads synchronously). */
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
  /** A copy on another backend, read asynchronously (works from WebGPU). */
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
  // As on torch.Tensor: the activations PyTorch keeps in torch.nn.functional (gelu, silu, elu,
  // softplus, leakyRelu), like pad and oneHot, are functions only, so a program that never calls
  // them does not bundle them.
  /** Elementwise `this + other`, broadcasting; see {@link add}. */
  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  /** Elementwise `this − other`, broadcasting; see {@link sub}. */
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  /** Elementwise `this · other`, broadcasting; see {@link mul}. */
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  /** Elementwise `this / other`, broadcasting; see {@link div}. */
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  /** Elementwise `this ** other`, broadcasting; see {@link pow}. */
  pow(other: TensorLike): Tensor {
    return ops.pow(this, other);
  }
  /** Elementwise maximum with `other`; see {@link maximum}. */
  maximum(other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  /** Elementwise minimum with `other`; see {@link minimum}. */
  minimum(other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  /** `this == other` (bool); see {@link eq}. */
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  /** `this != other` (bool); see {@link ne}. */
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  /** `this < other` (bool); see {@link lt}. */
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  /** `this <= other` (bool); see {@link le}. */
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  /** `this > other` (bool); see {@link gt}. */
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  /** `this >= other` (bool); see {@link ge}. */
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
  /** `−this`; see {@link neg}. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** `|this|`; see {@link abs}. */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** Sign of each element (−1, 0, 1); see {@link sign}. */
  sign(): Tensor {
    return ops.sign(this);
  }
  /** `e^this`; see {@link exp}. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** `e^this − 1`; see {@link expm1}. */
  expm1(): Tensor {
    return ops.expm1(this);
  }
  /** Natural logarithm; see {@link log}. */
  log(): Tensor {
    return ops.log(this);
  }
  /** `log(1 + this)`; see {@link log1p}. */
  log1p(): Tensor {
    return ops.log1p(this);
  }
  /** Square root; see {@link sqrt}. */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** `1 / sqrt(this)`; see {@link rsqrt}. */
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  /** `1 / this`; see {@link reciprocal}. */
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  /** `this²`; see {@link square}. */
  square(): Tensor {
    return ops.square(this);
  }
  /** Sine; see {@link sin}. */
  sin(): Tensor {
    return ops.sin(this);
  }
  /** Cosine; see {@link cos}. */
  cos(): Tensor {
    return ops.cos(this);
  }
  /** Hyperbolic tangent; see {@link tanh}. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** Logistic sigmoid; see {@link sigmoid}. */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** `max(0, this)`; see {@link relu}. */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** Error function; see {@link erf}. */
  erf(): Tensor {
    return ops.erf(this);
  }
  /** Round down; see {@link floor}. */
  floor(): Tensor {
    return ops.floor(this);
  }
  /** Round up; see {@link ceil}. */
  ceil(): Tensor {
    return ops.ceil(this);
  }
  /** Round half to even; see {@link round}. */
  round(): Tensor {
    return ops.round(this);
  }
  /** Clamp into `[min, max]`; see {@link clamp}. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return ops.clamp(this, min, max);
  }

  // --- reductions ----------------------------------------------------------------------------
  /** Sum over `dim` (all by default); see {@link sum}. */
  sum(dim?: number | number[] | null, keepdim?: boolean): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  /** Mean over `dim` (all by default); see {@link mean}. */
  mean(dim?: number | number[] | null, keepdim?: boolean): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  /** Product over `dim`; see {@link prod}. */
  prod(dim?: number | number[] | null, keepdim?: boolean): Tensor {
    return ops.prod(this, dim, keepdim);
  }
  /** Largest element over `dim`; see {@link max}. */
  max(dim?: number | number[] | null, keepdim?: boolean): Tensor {
    return ops.max(this, dim, keepdim);
  }
  /** Smallest element over `dim`; see {@link min}. */
  min(dim?: number | number[] | null, keepdim?: boolean): Tensor {
    return ops.min(this, dim, keepdim);
  }
  /** Position of the largest element (int32); see {@link argmax}. */
  argmax(dim?: number | null, keepdim?: boolean): Tensor {
    return ops.argmax(this, dim, keepdim);
  }
  /** Position of the smallest element (int32); see {@link argmin}. */
  argmin(dim?: number | null, keepdim?: boolean): Tensor {
    return ops.argmin(this, dim, keepdim);
  }
  /** Variance over `dim` (unbiased by default); see {@link variance}. */
  var(dim?: number | number[] | null, options?: { correction?: number; keepdim?: boolean }): Tensor {
    return ops.variance(this, dim, options);
  }
  /** Standard deviation over `dim`; see {@link std}. */
  std(dim?: number | number[] | null, options?: { correction?: number; keepdim?: boolean }): Tensor {
    return ops.std(this, dim, options);
  }
  /** `log Σ exp` over `dim`, stably; see {@link logsumexp}. */
  logsumexp(dim?: number | number[] | null, keepdim?: boolean): Tensor {
    return ops.logsumexp(this, dim, keepdim);
  }
  /** Softmax along `dim`; see {@link softmax}. */
  softmax(dim = -1): Tensor {
    return ops.softmax(this, dim);
  }
  /** Log-softmax along `dim`; see {@link logSoftmax}. */
  logSoftmax(dim = -1): Tensor {
    return ops.logSoftmax(this, dim);
  }

  // --- linear algebra ------------------------------------------------------------------------
  /** Matrix product with `other` (batched, broadcasting batch dims); see {@link matmul}. */
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }

  // --- movement ------------------------------------------------------------------------------
  /** The same elements in a new shape (`x.reshape(2, -1)` or `x.reshape([2, -1])`); see {@link reshape}. */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  /** Alias of `reshape` (a view when contiguous); see {@link reshape}. */
  view(...shape: number[] | [readonly number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  /** Merge dims `startDim..endDim`; see {@link flatten}. */
  flatten(startDim?: number, endDim?: number): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /** Remove size-1 dims; see {@link squeeze}. */
  squeeze(dim?: number | number[]): Tensor {
    return ops.squeeze(this, dim);
  }
  /** Insert a size-1 dim; see {@link unsqueeze}. */
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  /** Swap two dims (default the last two); see {@link transpose}. */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** Transpose of a matrix (2-D), like torch's .T / .t(). */
  get T(): Tensor {
    return ops.transpose(this, 0, Math.max(this.ndim - 1, 0));
  }
  /** Reorder the dims; see {@link permute}. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return ops.permute(this, flatArgs(dims));
  }
  /** Broadcast size-1 dims to `shape` without copying; see {@link expand}. */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return ops.expand(this, flatArgs(shape));
  }
  /** Expand to `other`'s shape; see {@link expand}. */
  expandAs(other: Tensor): Tensor {
    return ops.expand(this, other.shape);
  }
  /** Elements start, start+step, ... < end along dim (like x[..., start:end:step]). */
  slice(dim: number, start?: number, end?: number, step?: number): Tensor {
    return ops.slice(this, dim, start, end, step);
  }
  /** `length` elements of `dim` from `start` (a view); see {@link narrow}. */
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  /** Split along `dim` into chunks or given sizes; see {@link split}. */
  split(sizeOrSections: number | number[], dim = 0): Tensor[] {
    return ops.split(this, sizeOrSections, dim);
  }
  /** Values at `index` along `dim` (torch.gather); see {@link gather}. */
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  /** Slices at the int32 `index` positions along `dim`; see {@link indexSelect}. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  /** This plus `src` added at `index` along `dim` (a new tensor); see {@link scatterAdd}. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  }
  /** A row-major copy (or this data, if already contiguous); see {@link contiguous}. */
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
  /** A copy with its own storage (recorded by autograd); see {@link clone}. */
  clone(): Tensor {
    return ops.clone(this);
  }
  /** Writes src (broadcast, cast) into this tensor's elements in place; returns this. */
  copy_(src: Tensor | number): this {
    ops.copy_(this, src);
    return this;
  }
  // In place (PyTorch's trailing underscore): the result keeps this tensor's shape and dtype.
  /** In place: `this += other` (broadcast into this shape and dtype); returns this. */
  add_(other: TensorLike): this {
    ops.inPlace('add_', this, () => ops.add(this, other), other);
    return this;
  }
  /** In place: `this −= other`; returns this. */
  sub_(other: TensorLike): this {
    ops.inPlace('sub_', this, () => ops.sub(this, other), other);
    return this;
  }
  /** In place: `this *= other`; returns this. */
  mul_(other: TensorLike): this {
    ops.inPlace('mul_', this, () => ops.mul(this, other), other);
    return this;
  }
  /** In place: `this /= other`; returns this. */
  div_(other: TensorLike): this {
    ops.inPlace('div_', this, () => ops.div(this, other), other);
    return this;
  }
  /** In place: clamp into `[min, max]`; returns this. */
  clamp_(min?: number | null, max?: number | null): this {
    ops.inPlace('clamp_', this, () => ops.clamp(this, min, max));
    return this;
  }
  /** In place: every element set to `value`; returns this. */
  fill_(value: number | boolean): this {
    ops.fill_(this, value);
    return this;
  }
  /** In place: every element set to 0; returns this. */
  zero_(): this {
    ops.fill_(this, 0, 'zero_');
    return this;
  }
  /** A copy converted to `dtype`; see {@link cast}. */
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  /** This where `cond` is true, else `other`; see {@link where}. */
  where(cond: Tensor, other: Scalar | Tensor): Tensor {
    return ops.where(cond, this, other);
  }

  // --- sequence ops --------------------------------------------------------------------------
  /** Cumulative sum along `dim`; see {@link cumsum}. */
  cumsum(dim: number): Tensor {
    return ops.cumsum(this, dim);
  }
  /** Cumulative product along `dim`; see {@link cumprod}. */
  cumprod(dim: number): Tensor {
    return ops.cumprod(this, dim);
  }
  /** Lower triangle (elements above the `diagonal` zeroed); see {@link tril}. */
  tril(diagonal = 0): Tensor {
    return ops.tril(this, diagonal);
  }
  /** Upper triangle (elements below the `diagonal` zeroed); see {@link triu}. */
  triu(diagonal = 0): Tensor {
    return ops.triu(this, diagonal);
  }
  /** This tensor with `value` where the bool mask (broadcast) is true. */
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  /** `{ values, indices }` sorted along `options.dim`; see {@link sort}. */
  sort(options?: SortOptions): SortResult {
    return ops.sort(this, options);
  }
  /** Positions that sort along `options.dim`; see {@link argsort}. */
  argsort(options?: SortOptions): Tensor {
    return ops.argsort(this, options);
  }
  /** The `k` largest (or smallest) values and their positions; see {@link topk}. */
  topk(k: number, options?: TopkOptions): SortResult {
    return ops.topk(this, k, options);
  }
  /** Split into `chunks` nearly equal pieces along `dim`; see {@link chunk}. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  /** Tiles the tensor: `x.repeat(2, 1)` (torch.Tensor.repeat). */
  repeat(...sizes: number[] | [readonly number[]]): Tensor {
    return ops.repeat(this, ...sizes);
  }
  /** Repeat each element `repeats` times along `dim`; see {@link repeatInterleave}. */
  repeatInterleave(repeats: number | readonly number[], dim?: number): Tensor {
    return ops.repeatInterleave(this, repeats, dim);
  }
  /** Category indices drawn from this tensor's rows of probabilities (int32). */
  multinomial(numSamples: number, options?: MultinomialOptions): Tensor {
    return ops.multinomial(this, numSamples, options);
  }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return (args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : args) as number[];
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
setTensorCheck(isTensor);
registerTensorClass(Tensor);
