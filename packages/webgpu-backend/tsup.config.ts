import { defineConfig } from 'tsup';
import base from '../../tooling/tsup.base.js';

export default defineConfig({
  ...(base as object),
  entry: ['src/index.ts', 'src/node.ts'],
  // The declarations name GPUDevice & co.: keep the reference to their types.
  dts: { banner: '/// <reference types="@webgpu/types" />' },
  external: ['webgpu'],
});
