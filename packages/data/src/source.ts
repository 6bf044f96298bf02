/**
 * Reading bytes from a path, a URL or memory, without a static import of Node modules (so browser
 * bundles stay free of `fs`): Node's modules come from `process.getBuiltinModule` at run time.
 */
import { NNError } from '@nn/tensor';

/** A path (Node), a URL (http(s) via fetch; file: via fs in Node), or the bytes themselves. */
export type ByteSource = string | URL | Uint8Array | ArrayBuffer;

/** Errors reading or decoding a data file (bad format, truncated, missing). */
export class DataFormatError extends NNError {
  /** The error's class name. */
  override name = 'DataFormatError';
}

/** A file or URL that could not be read. `notFound` is set for missing files (ENOENT, HTTP 404). */
export class DataSourceError extends NNError {
  /** The error's class name. */
  override name = 'DataSourceError';
  constructor(
    message: string,
    /** True for a missing file or an HTTP 404. */
    readonly notFound: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type BuiltinLoader = (id: string) => any;

function builtin(id: string): any {
  const proc = (globalThis as { process?: { getBuiltinModule?: BuiltinLoader } }).process;
  return proc?.getBuiltinModule?.(id);
}

const URL_LIKE = /^(?:https?|file|data|blob):/i;

export function describeSource(source: ByteSource): string {
  if (typeof source === 'string') return `'${source}'`;
  if (source instanceof URL) return source.href;
  return `${(source as Uint8Array | ArrayBuffer).byteLength} bytes`;
}

/** The bytes of a source. Uint8Arrays are returned as they are (not copied). */
export async function readBytes(op: string, source: ByteSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source === 'string' && URL_LIKE.test(source)) source = new URL(source);
  const fs = builtin('node:fs/promises');
  if (source instanceof URL) {
    if (source.protocol === 'file:' && fs !== undefined) return readFile(op, fs, source, source.href);
    return fetchBytes(op, source.href);
  }
  if (typeof source !== 'string') {
    throw new NNError(
      `${op}: source must be a path, a URL, a Uint8Array or an ArrayBuffer, got ${source === null ? 'null' : typeof source}`,
    );
  }
  if (fs !== undefined) return readFile(op, fs, source, source);
  return fetchBytes(op, source); // browsers: a path is a URL relative to the page
}

async function readFile(op: string, fs: any, path: string | URL, label: string): Promise<Uint8Array> {
  try {
    const buf: Uint8Array = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new DataSourceError(`${op}: cannot read ${label}: ${reason}`, code === 'ENOENT', { cause: e });
  }
}

async function fetchBytes(op: string, url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataSourceError(`${op}: fetching ${url} failed: ${(e as Error).message}`, false, { cause: e });
  }
  if (!res.ok)
    throw new DataSourceError(`${op}: fetching ${url} failed: HTTP ${res.status} ${res.statusText}`.trimEnd(), res.status === 404);
  return new Uint8Array(await res.arrayBuffer());
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data (node:zlib where available, else DecompressionStream); other bytes pass
 * through. Output beyond `maxBytes` stops the inflation with a DataFormatError (a small .gz can
 * expand a thousandfold: a bomb must not exhaust memory before the caller's check).
 */
export async function maybeGunzip(op: string, bytes: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const tooLarge = () =>
    new DataFormatError(
      `${op}: the gzip data inflates to more than maxBytes = ${maxBytes.toLocaleString('en-US')} bytes; pass a larger { maxBytes } if the file is genuine`,
    );
  try {
    const zlib = builtin('node:zlib');
    if (zlib !== undefined) {
      const limit = Number.isFinite(maxBytes) ? { maxOutputLength: maxBytes } : {};
      try {
        const out: Uint8Array = zlib.gunzipSync(bytes, limit);
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
        throw e;
      }
    }
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    throw new DataFormatError(`${op}: cannot decompress the gzip data (${(e as Error).message}); the file may be truncated or corrupt`, {
      cause: e,
    });
  }
}
