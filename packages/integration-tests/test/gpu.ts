/**
 * The WebGPU probe (a backend in Node, or a loud skip; a failure under NN_REQUIRE_ALL_TESTS=1),
 * shared with the webgpu backend's own tests, like the layers' parity runners these tests reuse.
 */
export { REQUIRE_ALL, defaultIcd, tryWebGPU, webgpuAvailable } from '../../webgpu-backend/test/gpu.js';
