import * as T from '@nn/tensor';
import { DTypeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { checkPositiveInt } from './check.js';
import { normal_ } from './init.js';
import { Module, parameter } from './module.js';

/**
 * A lookup table of `numEmbeddings` learnable vectors of size `embeddingDim` (torch.nn.Embedding):
 * row `i` of `weight` is the vector of index `i`. The `paddingIdx` row starts at zero and gets no
 * gradient. Initialised N(0, 1), as PyTorch.
 *
 * Shape: indices int32 `[*]`, output `[*, embeddingDim]`.
 *
 * @example
 * ```ts
 * import { Embedding } from '@nn/layers';
 * import { tensor } from '@nn/tensor';
 *
 * const emb = new Embedding(10, 3);
 * const v = emb(tensor([[1, 2], [4, 9]], { dtype: 'int32' })); // [2, 2, 3]
 * ```
 */
export class Embedding extends Module {
  /** The learnable table, `[numEmbeddings, embeddingDim]`. */
  weight: Tensor;
  /** The index whose vector stays zero and gets no gradient, or null. */
  readonly paddingIdx: number | null;
  /**
   * @param numEmbeddings size of the table (indices are 0..numEmbeddings-1)
   * @param embeddingDim size of each vector
   * @param options `paddingIdx`: an index whose row is zero and gets no gradient
   */
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: { paddingIdx?: number } = {},
  ) {
    super();
    checkPositiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInt('Embedding', 'embeddingDim', embeddingDim);
    let pad = options.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new ValueRangeError(`Embedding: paddingIdx ${pad} must be within [-${numEmbeddings}, ${numEmbeddings - 1}]`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = parameter(T.zeros([numEmbeddings, embeddingDim]));
    normal_(this.weight);
    if (pad !== null) noGrad(() => T.tidy(() => void T.narrow(this.weight, 0, pad, 1).copy_(0)));
  }
  /** The vectors of `indices` (int32 `[*]`) → `[*, embeddingDim]`. */
  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') throw new DTypeError(`Embedding: indices must be int32, got ${indices.dtype}`);
    return T.tidy(() => {
      const flat = T.reshape(indices, [indices.size]);
      let rows = T.indexSelect(this.weight, 0, flat);
      // The padding row is returned as stored but gets no gradient (PyTorch's padding_idx).
      if (this.paddingIdx !== null) rows = T.where(T.unsqueeze(T.ne(flat, this.paddingIdx), 1), rows, rows.detach());
      return T.reshape(rows, [...indices.shape, this.embeddingDim]);
    });
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}
