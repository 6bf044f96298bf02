import * as T from '@nn/tensor';
import { DTypeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { checkPositiveInt } from './check.js';
import { normal_ } from './init.js';
import { Module, parameter } from './module.js';

/** A lookup table of numEmbeddings vectors; the paddingIdx row is zero and gets no gradient. */
export class Embedding extends Module {
  weight: Tensor;
  readonly paddingIdx: number | null;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: { paddingIdx?: number } = {}) {
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
