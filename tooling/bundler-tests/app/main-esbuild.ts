/**
 * Entry for esbuild, which does not follow `new URL('….wasm', import.meta.url)`: the kernel files
 * are imported with `loader: { '.wasm': 'file' }`, which emits them and gives their URLs.
 */
import wasmUrl from '@nn/wasm-backend/wasm/nn.wasm';
import relaxedWasmUrl from '@nn/wasm-backend/wasm/nn-relaxed.wasm';
import threadedRelaxedWasmUrl from '@nn/wasm-backend/wasm/nn-threads-relaxed.wasm';
import threadedWasmUrl from '@nn/wasm-backend/wasm/nn-threads.wasm';
import { start } from './train-app.js';

start({ wasmUrl, threadedWasmUrl, relaxedWasmUrl, threadedRelaxedWasmUrl });
