/** Convolutional ops and modules on the cpu backend: PyTorch parity (shared with wasm/webgpu). */
import { runConvParity } from './conv-parity.js';

runConvParity('cpu');
