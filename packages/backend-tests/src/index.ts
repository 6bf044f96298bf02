/**
 * @nn/backend-tests: the conformance suite every @nn backend runs. Call `runBackendConformance`
 * at the top level of a vitest test file; it registers the backend, makes it current for the
 * duration of the suite, and checks every primitive (through the public ops) against naive
 * reference implementations in plain JavaScript.
 */
import { type DType, getBackend, registerBackend, setBackend } from '@nn/tensor';
import type { BackendFactory } from '@nn/tensor/backend';
import { afterAll, beforeAll, describe } from 'vitest';
import { creationTests } from './creation.js';
import { elementwiseTests } from './elementwise.js';
import { Ctx } from './helpers.js';
import { lossTests } from './losses.js';
import { matmulTests } from './matmul.js';
import { memoryTests } from './memory.js';
import { movementTests } from './movement.js';
import { propertyTests } from './properties.js';
import { randomTests } from './random.js';
import { reduceTests } from './reduce.js';
import { sequenceTests } from './sequence.js';
import { sortTests } from './sort.js';
import { windowTests } from './windows.js';

export { ACTIVATION_REF, BINARY_REF, UNARY_REF, erf, gelu, roundHalfEven } from './oracle.js';

export interface ConformanceOptions {
  /** dtypes to leave untested even though the backend lists them (float64 is only tested when listed). */
  skipDTypes?: DType[];
}

/**
 * Defines the conformance suite for a backend. `name` must be the backend's `name`; registering
 * under 'cpu' replaces the default cpu backend, which is how @nn/tensor's own backend is tested.
 */
export function runBackendConformance(name: string, createBackend: BackendFactory, options: ConformanceOptions = {}): void {
  describe(`backend conformance: ${name}`, () => {
    const ctx = new Ctx(name, options.skipDTypes ?? [], createBackend);
    let previous = 'cpu';

    beforeAll(async () => {
      const backend = await createBackend();
      if (backend.name !== name) {
        throw new Error(
          `runBackendConformance('${name}'): createBackend() returned a backend named '${backend.name}'; the names must match`,
        );
      }
      registerBackend(backend);
      ctx.backend = backend;
      previous = getBackend().name;
      setBackend(name);
    });

    afterAll(async () => {
      await ctx.backend?.sync?.();
      if (ctx.backend !== null) setBackend(previous === name ? 'cpu' : previous);
    });

    elementwiseTests(ctx);
    reduceTests(ctx);
    matmulTests(ctx);
    movementTests(ctx);
    creationTests(ctx);
    randomTests(ctx);
    propertyTests(ctx);
    memoryTests(ctx);
    sortTests(ctx);
    sequenceTests(ctx);
    windowTests(ctx);
    lossTests(ctx);
  });
}
