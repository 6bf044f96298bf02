/**
 * Test plumbing: a WebGPU backend in Node (Dawn + a Vulkan driver), or a loud skip.
 *
 * Without an adapter, webgpu test files skip with a console.warn naming the reason and the
 * install command, unless NN_REQUIRE_ALL_TESTS=1 (CI), where they fail.
 */
import { existsSync } from 'node:fs';
import { initWebGPU, NODE_INSTALL_HINT, type InitWebGPUOptions, type WebGPUBackend } from '@nn/webgpu-backend/node';

export const REQUIRE_ALL = process.env.NN_REQUIRE_ALL_TESTS === '1';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Uses Debian chromium's SwiftShader when no Vulkan driver was chosen and it is installed. */
export function defaultIcd(): void {
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

let reason: string | null = null;

/** A new WebGPU backend (not registered), or null (with `skipReason()` set) when there is no adapter. */
export async function tryWebGPU(options: InitWebGPUOptions = {}): Promise<WebGPUBackend | null> {
  defaultIcd();
  try {
    return await initWebGPU({ register: false, ...options });
  } catch (e) {
    reason = (e as Error).message;
    return null;
  }
}

/**
 * Whether the webgpu tests of a file can run. Warns loudly when they cannot; throws (failing the
 * file) when NN_REQUIRE_ALL_TESTS=1.
 */
export async function webgpuAvailable(file: string): Promise<boolean> {
  const probe = await tryWebGPU();
  if (probe !== null) {
    probe.dispose();
    return true;
  }
  const why = `${reason}\n  To run them: ${NODE_INSTALL_HINT}.`;
  if (REQUIRE_ALL) throw new Error(`${file}: the WebGPU tests cannot run (NN_REQUIRE_ALL_TESTS=1 makes that a failure): ${why}`);
  console.warn(`\n*** ${file}: SKIPPING the WebGPU tests: ${why}\n`);
  return false;
}
