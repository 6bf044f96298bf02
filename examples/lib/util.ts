// Small helpers the examples share.
import { noGrad } from '@nn/autograd';
import { tidy } from '@nn/tensor';

export { manualSeed } from '@nn/tensor';

/** Runs `fn` without recording gradients and frees its temporaries: evaluation code. */
export function noGradTidy<R>(fn: () => R): R {
  return noGrad(() => tidy(fn));
}
