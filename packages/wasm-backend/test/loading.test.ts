/**
 * Where the kernels come from: the default location, or each build's URL or bytes
 * (wasmUrl/wasmBytes, threadedWasmUrl/threadedWasmBytes), with typed errors naming the option.
 * Browser bundles (esbuild, Vite, webpack) are tested in tooling/bundler-tests.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as nn from '@nn/tensor';
import { BackendError, ValueRangeError } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreateWasmOptions, createWasmBackend } from '../src/index.js';

const single = new URL('../wasm/nn.wasm', import.meta.url);
const threaded = new URL('../wasm/nn-threads.wasm', import.meta.url);
const singleBytes = readFileSync(single);
const threadedBytes = readFileSync(threaded);

let n = 0;
/** Creates a backend from these options, checks it computes, and disposes it. */
async function works(options: CreateWasmOptions): Promise<number> {
  const be = await createWasmBackend({ name: `wasm-loading-${n++}`, ...options });
  try {
    nn.registerBackend(be);
    const y = nn.matmul(nn.ones([3, 4], { backend: be.name }), nn.ones([4, 2], { backend: be.name }));
    expect(Array.from(y.dataSync())).toEqual([4, 4, 4, 4, 4, 4]);
    return be.threads;
  } finally {
    be.dispose();
  }
}

describe('kernel sources', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/nn.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(singleBytes);
      else if (req.url === '/nn-octet.wasm') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(singleBytes);
      else if (req.url === '/spa.wasm') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('loads each build from bytes (ArrayBuffer, Uint8Array, Node Buffer)', async () => {
    expect(await works({ threads: 1, wasmBytes: singleBytes })).toBe(1);
    expect(await works({ threads: 1, wasmBytes: new Uint8Array(singleBytes).buffer })).toBe(1);
    expect(await works({ threads: 2, threadedWasmBytes: new Uint8Array(threadedBytes) })).toBe(2);
  });

  it('loads each build from a URL: URL object, file path, http (with or without the wasm MIME type)', async () => {
    expect(await works({ threads: 1, wasmUrl: single })).toBe(1);
    expect(await works({ threads: 1, wasmUrl: fileURLToPath(single) })).toBe(1);
    expect(await works({ threads: 2, threadedWasmUrl: threaded.href })).toBe(2);
    expect(await works({ threads: 1, wasmUrl: `${origin}/nn.wasm` })).toBe(1);
    expect(await works({ threads: 1, wasmUrl: `${origin}/nn-octet.wasm` })).toBe(1);
  });

  it('only loads the build it needs (a bad threaded source is not fetched on one thread)', async () => {
    expect(await works({ threads: 1, threadedWasmUrl: `${origin}/missing.wasm` })).toBe(1);
  });

  it('rejects bad options with a ValueRangeError naming the option and what is valid', async () => {
    const cases: [CreateWasmOptions, RegExp][] = [
      [{ wasmUrl: single, wasmBytes: singleBytes }, /give wasmUrl or wasmBytes for nn\.wasm, not both/],
      [
        { threadedWasmUrl: threaded, threadedWasmBytes: threadedBytes },
        /give threadedWasmUrl or threadedWasmBytes for nn-threads\.wasm, not both/,
      ],
      [{ wasmUrl: 3 as unknown as string }, /wasmUrl must be a URL or a non-empty string .*got number 3/],
      [{ wasmUrl: '' }, /wasmUrl must be a URL or a non-empty string/],
      [{ wasmBytes: [0, 97, 115, 109] as unknown as Uint8Array }, /wasmBytes must be an ArrayBuffer or a typed array .*got a Array/],
      [
        { wasmBytes: new TextEncoder().encode('<!doctype html>') },
        /wasmBytes is not nn\.wasm: 15 bytes that do not start with the WebAssembly magic/,
      ],
      [
        { wasmURL: single } as unknown as CreateWasmOptions,
        /unknown option 'wasmURL' \(valid: threads, wasmUrl, wasmBytes, threadedWasmUrl, threadedWasmBytes/,
      ],
    ];
    for (const [options, message] of cases) {
      const p = createWasmBackend({ threads: 1, ...options });
      await expect(p).rejects.toThrow(ValueRangeError);
      await expect(p).rejects.toThrow(message);
    }
  });

  it('fails to load with a BackendError naming the file, the option and the URL', async () => {
    const cases: [CreateWasmOptions, RegExp][] = [
      [
        { threads: 1, wasmUrl: `${origin}/missing.wasm` },
        /could not load the kernels from http:.*\/missing\.wasm \(wasmUrl\) \(HTTP 404\)/,
      ],
      [{ threads: 1, wasmUrl: `${origin}/spa.wasm` }, /spa\.wasm \(wasmUrl\) is not a WebAssembly module: .*"<!doctype html>/],
      [{ threads: 1, wasmUrl: '/no/such/dir/nn.wasm' }, /could not read file:\/\/\/no\/such\/dir\/nn\.wasm \(wasmUrl\)/],
      // The builds swapped: the threaded file needs a shared memory, the single one refuses it.
      [
        { threads: 1, wasmBytes: threadedBytes },
        /wasmBytes \(nn\.wasm\) does not fit the single-thread build .*nn-threads\.wasm to threadedWasmUrl/,
      ],
      [{ threads: 2, threadedWasmBytes: singleBytes }, /threadedWasmBytes \(nn-threads\.wasm\) does not fit the threaded build/],
    ];
    for (const [options, message] of cases) {
      const p = createWasmBackend(options);
      await expect(p).rejects.toThrow(BackendError);
      await expect(p).rejects.toThrow(message);
    }
  });
});
