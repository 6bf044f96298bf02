/**
 * Gradient registrations for the tfjs kernels the MLP benchmark differentiates.
 *
 * tfjs-core's Node entry (dist/tf-core.node.js, what `import '@tensorflow/tfjs-core'` loads) does
 * not register any gradients: upstream, they are registered by the @tensorflow/tfjs union bundle
 * from tfjs-core's dist/register_all_gradients.js, an extensionless ESM file that Node cannot load
 * directly (ERR_UNSUPPORTED_DIR_IMPORT). Without them `optimizer.minimize` throws "gradient
 * function not found for Mean". Rather than pulling in the whole union package (layers,
 * converter, data, webgl), these are line-for-line ports of tfjs-core 4.22.0's own configs
 * (dist/gradients/{BatchMatMul,Add,Sub,Tanh,Square,Mean}_grad.js) through the public API, so the
 * backward pass costs what it costs in stock tfjs. Kernels that already have a gradient are left
 * alone.
 */
import type * as TfCore from '@tensorflow/tfjs-core';

type Tf = typeof TfCore;
type T = TfCore.Tensor;

export function registerMlpGradients(tf: Tf): string[] {
  const { backend_util: bu, util } = tf;
  const reduceTo = (dy: T, shape: number[], outShape: number[]): T => {
    let res = dy;
    const axes = bu.getReductionAxes(shape, outShape);
    if (axes.length > 0) res = tf.sum(res, axes);
    return tf.reshape(res, shape);
  };
  const configs: TfCore.GradConfig[] = [
    {
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved;
        const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
        const d = dy as T;
        if (!transposeA && !transposeB) return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
        if (!transposeA && transposeB) return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) };
        if (transposeA && !transposeB) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) };
        return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
      },
    },
    {
      kernelName: 'Add',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved;
        const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
        return { a: () => reduceTo(dy as T, a.shape, out), b: () => reduceTo(dy as T, b.shape, out) };
      },
    },
    {
      kernelName: 'Sub',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved;
        const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
        return {
          a: () => reduceTo(dy as T, a.shape, out),
          b: () => {
            let res = dy as T;
            const axes = bu.getReductionAxes(b.shape, out);
            if (axes.length > 0) res = tf.sum(res, axes);
            return tf.reshape(tf.neg(res), b.shape);
          },
        };
      },
    },
    {
      kernelName: 'Tanh',
      outputsToSave: [true],
      gradFunc: (dy, saved) => {
        const [y] = saved;
        return { x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy as T) };
      },
    },
    {
      kernelName: 'Square',
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved;
        return { x: () => tf.mul(dy as T, tf.mul(tf.cast(x, 'float32'), 2)) };
      },
    },
    {
      kernelName: 'Mean',
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const { axis } = attrs as { axis: number | number[] };
        const axes = util.parseAxisParam(axis, x.shape);
        const reduceSize = util.sizeFromShape(bu.computeOutAndReduceShapes(x.shape, axes)[1]);
        return {
          x: () => {
            const expanded = x.shape.slice();
            for (const ax of axes) expanded[ax] = 1;
            return tf.div(tf.mul(tf.reshape(dy as T, expanded), tf.ones(x.shape, 'float32')), reduceSize);
          },
        };
      },
    },
  ];
  const added: string[] = [];
  for (const c of configs) {
    if (tf.getGradient(c.kernelName) != null) continue;
    tf.registerGradient(c);
    added.push(c.kernelName);
  }
  return added;
}
