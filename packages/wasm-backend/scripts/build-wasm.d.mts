/** Types of build-wasm.mjs (for the tests that rebuild the kernels). */
export declare const TARGETS: string[];
export declare function buildWasm(outDir?: string): Promise<string[]>;
