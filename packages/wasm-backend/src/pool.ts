/** The fused max-pooling argmax (assembly/pool.ts), split by planes across threads. */
import { DTypeError } from '@nn/tensor';
import type { View } from '@nn/tensor/backend';
import { ptrOf } from './layout.js';
import type { Runner } from './runner.js';

export function poolArgmax(
  r: Runner,
  x: View,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  out: View,
): void {
  if (x.dtype !== 'float32') throw new DTypeError(`wasm backend: fused poolArgmax takes float32, got ${x.dtype}`);
  const [n, c, , w] = x.shape;
  const [oh, ow] = out.shape.slice(2);
  const planes = n * c;
  if (planes === 0 || oh * ow === 0) return;
  const [sn, sc, sh, sw] = x.strides.map((s) => s * 4);
  const px = ptrOf(x);
  const po = ptrOf(out);
  // Work per plane is about its window elements: split when a call reads as much as an elementwise one.
  const per = oh * ow * kernel[0] * kernel[1];
  r.split('poolArgmax', planes, Math.ceil(r.thresholds.elementwise / per), 1, (lo, hi) => [
    px,
    sn,
    sc,
    sh,
    sw,
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
    po,
    lo,
    hi,
  ]);
}
