/**
 * Creating the device: `navigator.gpu` in browsers (and Deno), Dawn through the `webgpu` npm
 * package in Node when asked (`{ node: true }`, or the `@nn/webgpu-backend/node` entry). The
 * `webgpu` package is imported dynamically, only then, so browser bundles never include it.
 */
/// <reference types="@webgpu/types" />
import { BackendError, registerBackend } from '@nn/tensor';
import { createWebGPUBackend, type WebGPUBackend, type WebGPUBackendOptions } from './backend.js';

export interface InitWebGPUOptions extends WebGPUBackendOptions {
  /** Use this adapter instead of requesting one. */
  adapter?: GPUAdapter;
  /**
   * Node: create the adapter with Dawn from the `webgpu` package (an optional peer dependency,
   * imported only when this is set). Ignored when `adapter` is given.
   */
  node?: boolean;
  /** Passed to requestAdapter. */
  powerPreference?: GPUPowerPreference;
  /** Register the backend with @nn/tensor (default true). `setBackend('webgpu')` then selects it. */
  register?: boolean;
}

/** What to install for WebGPU without a GPU in Node, for error messages and skipped tests. */
export const NODE_INSTALL_HINT =
  'install a Vulkan driver Dawn accepts: on Debian/Ubuntu `apt-get install -y libvulkan1 chromium` and set ' +
  'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (SwiftShader, a CPU Vulkan driver shipped with ' +
  "Debian's chromium), or run `bash tooling/ci/install-webgpu.sh` and source .ci/webgpu.env " +
  "(Debian 12's lavapipe, mesa-vulkan-drivers 22.x, is rejected by Dawn)";

// Dawn's GPU object must outlive the devices made from it.
const keepAlive: unknown[] = [];

async function nodeGpu(): Promise<GPU> {
  const spec = 'webgpu';
  let mod: { create: (flags: string[]) => GPU };
  try {
    // A specifier in a variable, with both bundlers' ignore comments: browser bundles leave it out.
    mod = await import(/* @vite-ignore */ /* webpackIgnore: true */ spec);
  } catch (e) {
    throw new BackendError(
      `initWebGPU({ node: true }): cannot load the \`webgpu\` package (Dawn for Node): ${(e as Error).message}. ` +
        'Install it next to @nn/webgpu-backend: `npm install webgpu@0.6.2`.',
    );
  }
  const gpu = mod.create([]);
  keepAlive.push(gpu);
  return gpu;
}

async function requestAdapter(options: InitWebGPUOptions): Promise<GPUAdapter> {
  let gpu: GPU | undefined;
  if (options.node) gpu = await nodeGpu();
  else {
    gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (gpu === undefined) {
      const node = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
      throw new BackendError(
        node
          ? 'initWebGPU: Node has no navigator.gpu; call initWebGPU({ node: true }) or import initWebGPU from ' +
              "'@nn/webgpu-backend/node' to use Dawn (the `webgpu` package)"
          : 'initWebGPU: this browser does not expose WebGPU (navigator.gpu is undefined): use a browser with ' +
              'WebGPU enabled (Chrome/Edge 113+, Safari 26+, Firefox 141+ on Windows; headless Chromium needs ' +
              '--enable-unsafe-webgpu) and a secure context (https or localhost)',
      );
    }
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  if (adapter === null) {
    throw new BackendError(
      options.node
        ? `initWebGPU: Dawn found no GPU adapter (no usable Vulkan driver). To run without a GPU, ${NODE_INSTALL_HINT}.`
        : 'initWebGPU: navigator.gpu.requestAdapter() returned null: WebGPU is disabled or no GPU is usable ' +
            '(check chrome://gpu; headless Chromium needs --enable-unsafe-webgpu)',
    );
  }
  return adapter;
}

/**
 * Creates the WebGPU backend and registers it as 'webgpu' (select it with `setBackend('webgpu')`
 * or per tensor with `{ backend: 'webgpu' }`).
 *
 * ```ts
 * // browser
 * await initWebGPU();
 * // Node (Dawn via the `webgpu` package, plus a Vulkan driver)
 * await initWebGPU({ node: true });
 * ```
 * Throws a BackendError naming what to install when no adapter is available.
 */
export async function initWebGPU(options: InitWebGPUOptions = {}): Promise<WebGPUBackend> {
  const adapter = options.adapter ?? (await requestAdapter(options));
  const limits = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        // More buffers per kernel: longer chains of elementwise ops fuse into one (fusion.ts).
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (e) {
    throw new BackendError(`initWebGPU: requestDevice failed: ${(e as Error).message}`);
  }
  const backend = createWebGPUBackend(device, { destroyDeviceOnDispose: true, ...options });
  if (options.register ?? true) registerBackend(backend);
  return backend;
}
