/**
 * @nn/webgpu-backend: WGSL compute kernels for @nn/tensor, in browsers (navigator.gpu) and in
 * Node (Dawn via the `webgpu` package: `initWebGPU({ node: true })` or '@nn/webgpu-backend/node').
 */
export { initWebGPU, NODE_INSTALL_HINT, type InitWebGPUOptions } from './init.js';
export { createWebGPUBackend, type WebGPUBackend, type WebGPUBackendOptions, type GpuBuffer } from './backend.js';
export type { WebGPUStats, WebGPUMemoryInfo, RuntimeOptions } from './runtime.js';
export { WGSL_F32, WGSL_I32, WGSL_ACTIVATION } from './wgsl/ops.js';
