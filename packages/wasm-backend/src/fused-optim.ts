/**
 * The contract's fused optimizer steps (PyTorch's single-tensor Adam/AdamW and SGD), in place over
 * contiguous float32 buffers. Scalars are computed in double as the composed version computes
 * them and rounded to float32 by the call; assembly/optim.ts then does the same float32 operations
 * in the same order, so results are the composed version's bits.
 */
import { DTypeError } from '@nn/tensor';
import type { FusedRoutines, View } from '@nn/tensor/backend';
import type { WasmBuffer } from './heap.js';
import { ptrOf, sizeOf } from './layout.js';
import { type Runner, rangeAt } from './runner.js';

const ADAM_PARTS = rangeAt(5);
const SGD_PARTS = rangeAt(3);

type Routines = Required<FusedRoutines<WasmBuffer>>;
type AdamOptions = Parameters<Routines['adam']>[5];
type SgdOptions = Parameters<Routines['sgd']>[3];

/** Flag bits of assembly/optim.ts. */
const MAXIMIZE = 1;
const DECOUPLED = 2;
const COUPLED = 4;
const FIRST = 8;
const NESTEROV = 16;
const DAMPED = 32;
const DECAY = 64;

function floatOnly(op: string, v: View): void {
  if (v.dtype !== 'float32') throw new DTypeError(`wasm backend: fused ${op} needs float32 parameters, got ${v.dtype}`);
}

export function adam(r: Runner, param: View, grad: View, expAvg: View, expAvgSq: View, maxExpAvgSq: View | null, o: AdamOptions): void {
  floatOnly('adam', param);
  const n = sizeOf(param.shape);
  if (n === 0) return;
  const wdOn = o.weightDecay !== 0;
  const flags = (o.maximize ? MAXIMIZE : 0) | (o.decoupled && wdOn ? DECOUPLED : 0) | (!o.decoupled && wdOn ? COUPLED : 0);
  const ns = -(o.lr / (1 - o.beta1 ** o.step));
  const bc = Math.sqrt(1 - o.beta2 ** o.step);
  const dec = 1 - o.lr * o.weightDecay;
  const vm = maxExpAvgSq === null ? 0 : ptrOf(maxExpAvgSq);
  const min = r.thresholds.elementwise / 4;
  r.split(
    'adam',
    n,
    min,
    16,
    ADAM_PARTS,
    ptrOf(param),
    ptrOf(grad),
    ptrOf(expAvg),
    ptrOf(expAvgSq),
    vm,
    0,
    n,
    flags,
    o.beta1,
    1 - o.beta1,
    o.beta2,
    1 - o.beta2,
    o.weightDecay,
    dec,
    ns,
    bc,
    o.eps,
  );
}

export function sgd(r: Runner, param: View, grad: View, momentumBuf: View | null, o: SgdOptions): void {
  floatOnly('sgd', param);
  const n = sizeOf(param.shape);
  if (n === 0) return;
  const b = momentumBuf === null || o.momentum === 0 ? 0 : ptrOf(momentumBuf);
  const flags =
    (o.maximize ? MAXIMIZE : 0) |
    (o.weightDecay !== 0 ? DECAY : 0) |
    (o.firstStep ? FIRST : 0) |
    (o.dampening !== 0 ? DAMPED : 0) |
    (o.nesterov ? NESTEROV : 0);
  const min = r.thresholds.elementwise / 2;
  r.split('sgd', n, min, 16, SGD_PARTS, ptrOf(param), ptrOf(grad), b, 0, n, flags, o.weightDecay, o.momentum, 1 - o.dampening, -o.lr);
}
