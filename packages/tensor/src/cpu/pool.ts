/** The fused max-pooling argmax (the contract's `poolArgmax`): one pass over each window. */
import type { CpuView } from './buffer.js';

export function poolArgmax(
  x: CpuView,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  out: CpuView,
): void {
  const [n, c, , w] = x.shape;
  const [oh, ow] = out.shape.slice(2);
  const [kh, kw] = kernel;
  const [sn, sc, sh, sw] = x.strides;
  const X = x.buffer;
  const O = out.buffer;
  let o = out.offset;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = x.offset + b * sn + ch * sc;
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const h0 = i * stride[0];
          const w0 = j * stride[1];
          let best = X[plane + h0 * sh + w0 * sw];
          let at = h0 * w + w0;
          for (let a = 0; a < kh; a++) {
            const h = h0 + a * dilation[0];
            for (let e = a === 0 ? 1 : 0; e < kw; e++) {
              const col = w0 + e * dilation[1];
              const v = X[plane + h * sh + col * sw];
              // Strictly greater keeps the first maximum; a NaN wins unless one already has.
              if (best === best && (v > best || v !== v)) {
                best = v;
                at = h * w + col;
              }
            }
          }
          O[o++] = at;
        }
      }
    }
  }
}
