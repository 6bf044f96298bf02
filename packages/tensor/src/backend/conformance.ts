/**
 * The conformance suite's side of the contract. The suite itself lives in the private workspace
 * package `@nn/backend-tests` (it runs under vitest, which @nn/tensor must not depend on); a
 * backend hands it a factory of this type: `runBackendConformance('mine', createMyBackend)`.
 * docs/backend.md says how a backend outside this repository runs it.
 */
import type { Backend } from './contract.js';

/** Creates a fresh backend instance (async when it must compile or request a device first). */
export type BackendFactory = () => Backend | Promise<Backend>;
