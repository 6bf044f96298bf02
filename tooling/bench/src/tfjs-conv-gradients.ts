/**
 * Gradients of the kernels the tfjs W6 CNN differentiates beyond the MLP's (tfjs-gradients.ts):
 * line-for-line ports of tfjs-core 4.22.0's dist/gradients/{Conv2D,MaxPool,Relu,Reshape,Transpose}_grad.js.
 * tfjs-core does not export conv2DBackpropFilter or maxPoolGrad, so their kernels are run by name
 * through the engine, exactly as the ops do; a backend without the kernel (tfjs-wasm has no
 * Conv2DBackpropFilter) throws tfjs's own "not registered" error.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { registerMlpGradients } from './tfjs-gradients.js';

type Tf = typeof TfCore;
type T = TfCore.Tensor;
type Attrs = Record<string, unknown>;

export function registerConvGradients(tf: Tf): void {
  registerMlpGradients(tf);
  const run = (kernel: string, inputs: Record<string, T>, attrs: Attrs): T =>
    tf.engine().runKernel(kernel, inputs as TfCore.NamedTensorMap, attrs as TfCore.NamedAttrMap) as T;
  const configs: TfCore.GradConfig[] = [
    {
      kernelName: 'Conv2D',
      inputsToSave: ['x', 'filter'],
      gradFunc: (dy, saved, attrs) => {
        const [x, filter] = saved;
        const { strides, pad, dataFormat } = attrs as Attrs;
        return {
          x: () =>
            run(
              'Conv2DBackpropInput',
              { dy: dy as T, filter },
              { strides, pad, dataFormat, dimRoundingMode: undefined, inputShape: x.shape },
            ),
          filter: () =>
            run(
              'Conv2DBackpropFilter',
              { x, dy: dy as T },
              { strides, pad, dataFormat, dimRoundingMode: undefined, filterShape: filter.shape },
            ),
        };
      },
    },
    {
      kernelName: 'MaxPool',
      inputsToSave: ['x'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, y] = saved;
        const { filterSize, strides, pad } = attrs as Attrs;
        return {
          x: () => run('MaxPoolGrad', { dy: dy as T, input: x, output: y }, { filterSize, strides, pad, dimRoundingMode: undefined }),
        };
      },
    },
    {
      kernelName: 'Relu',
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as T, tf.cast(tf.step(saved[0]), 'float32')) }),
    },
    {
      kernelName: 'Reshape',
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as T, saved[0].shape) }),
    },
    {
      kernelName: 'Transpose',
      gradFunc: (dy, _saved, attrs) => {
        const perm = (attrs as { perm: number[] }).perm;
        const undo = perm.map((_, i) => perm.indexOf(i));
        return { x: () => tf.transpose(dy as T, undo) };
      },
    },
  ];
  for (const c of configs) if (tf.getGradient(c.kernelName) == null) tf.registerGradient(c);
}
