/** The reference backend (@nn/tensor's readable, eval-free interpreter of the primitives) through the whole conformance suite. */
import { createReferenceBackend } from '@nn/tensor';
import { runBackendConformance } from '../src/index.js';

runBackendConformance('reference', () => createReferenceBackend());
