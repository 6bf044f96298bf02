import { NNError, type Tensor, isTensor } from '@nn/tensor';

/** A batch as DataLoader yields it: [input, target] (or { x, y } / { input, target }). */
export type Batch =
  | readonly [Tensor, Tensor, ...unknown[]]
  | {
      /** Inputs. */
      x: Tensor;
      /** Targets. */
      y: Tensor;
    }
  | {
      /** Inputs. */
      input: Tensor;
      /** Targets. */
      target: Tensor;
    };
/** What fit and evaluate iterate over: any (async) iterable of batches, e.g. a DataLoader. */
export type Batches = Iterable<Batch> | AsyncIterable<Batch>;

export function splitBatch(b: Batch, where: string): [Tensor, Tensor] {
  let pair: unknown[];
  if (Array.isArray(b)) pair = b;
  else if (b !== null && typeof b === 'object' && 'x' in b) pair = [b.x, b.y];
  else if (b !== null && typeof b === 'object' && 'input' in b) pair = [b.input, b.target];
  else pair = [];
  if (!isTensor(pair[0]) || !isTensor(pair[1])) {
    throw new NNError(
      `${where}: each batch must be [input, target] tensors (or { x, y }), as a DataLoader over a TensorDataset(x, y) yields`,
    );
  }
  return [pair[0], pair[1]];
}

/** Disposes every tensor of a batch (batches belong to the loop that consumed them). */
export function disposeBatch(b: Batch): void {
  const parts = Array.isArray(b) ? b : Object.values(b);
  for (const t of parts) if (isTensor(t)) t.dispose();
}

export function batchSize(x: Tensor): number {
  return x.shape[0] ?? 1; // a 0-d tensor is one example
}
