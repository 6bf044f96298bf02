/** The fused max-pooling argmax (assembly/pool.ts), split by planes across threads. */
import { DTypeError } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { ptrOf } from './layout.js';
import { type Runner, rangeAt } from './runner.js';

const PLANES = rangeAt(16);

export function poolArgmax(
  r: Runner,
  x: View,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  out: View,
): void {
  if (x.dtype !== 'float32') throw new DTypeError(`wasm backend: fused poolArgmax takes float32, got ${x.dtype}`);
  const n = x.shape[0];
  const c = x.shape[1];
  const w = x.shape[3];
  const oh = out.shape[2];
  const ow = out.shape[3];
  const planes = n * c;
  if (planes === 0 || oh * ow === 0) return;
  const s = x.strides;
  // Work per plane is about its window elements: split when a call reads as much as an elementwise one.
  const min = Math.ceil(r.thresholds.elementwise / (oh * ow * kernel[0] * kernel[1]));
  r.split(
    'poolArgmax',
    planes,
    min,
    1,
    PLANES,
    ptrOf(x),
    s[0] * 4,
    s[1] * 4,
    s[2] * 4,
    s[3] * 4,
    c,
    w,
    oh,
    ow,
    kernel[0],
    kernel[1],
    stride[0],
    stride[1],
    dilation[0],
    dilation[1],
    ptrOf(out),
    0,
    planes,
  );
}
