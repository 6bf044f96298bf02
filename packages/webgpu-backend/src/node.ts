/**
 * Node entry: `initWebGPU()` here uses Dawn from the `webgpu` package (install it with
 * `npm install webgpu@0.6.2`) and needs a Vulkan driver; see NODE_INSTALL_HINT.
 */
import { initWebGPU as initBase, type InitWebGPUOptions } from './init.js';
import type { WebGPUBackend } from './backend.js';

export * from './index.js';

/** initWebGPU with `node: true`: Dawn from the `webgpu` package. */
export function initWebGPU(options: InitWebGPUOptions = {}): Promise<WebGPUBackend> {
  return initBase({ node: true, ...options });
}
