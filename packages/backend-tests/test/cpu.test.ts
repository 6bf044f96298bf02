/** The default cpu backend, run through the conformance suite (registered as 'cpu', replacing the default instance). */
import { createCpuBackend } from '@nn/tensor';
import { runBackendConformance } from '../src/index.js';

runBackendConformance('cpu', () => createCpuBackend());
