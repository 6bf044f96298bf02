/**
 * A tiny static server on 127.0.0.1 (a secure context, so WebGPU and SharedArrayBuffer are allowed).
 * A page requested with `?coi=1` gets the COOP/COEP headers that make it cross-origin isolated
 * (SharedArrayBuffer, so wasm threads); its same-origin scripts and .wasm files need nothing more.
 * A page requested with `?csp=1` gets `Content-Security-Policy: script-src 'self'`: same-origin
 * scripts only, and no eval (`new Function` throws EvalError).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

export interface Served {
  origin: string;
  /** Paths requested that had no file (the test expects none). */
  missing: string[];
  close(): Promise<void>;
}

export async function serve(root: string): Promise<Served> {
  const missing: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = normalize(join(root, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    };
    if (url.searchParams.get('coi') === '1') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    if (url.searchParams.get('csp') === '1') headers['content-security-policy'] = "script-src 'self'";
    try {
      if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) throw new Error('outside the root');
      const body = await readFile(path);
      res.writeHead(200, headers).end(body);
    } catch {
      missing.push(url.pathname);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    missing,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
