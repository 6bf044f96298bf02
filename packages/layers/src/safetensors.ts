/**
 * safetensors (https://github.com/huggingface/safetensors) reading and writing, byte-compatible
 * with the reference serializer: tensors sorted by dtype (descending) then name, compact JSON
 * header padded with spaces to a multiple of 8, little-endian data.
 */
import * as T from '@nn/tensor';
import { type DataArray, DTypeError, NNError, type Tensor } from '@nn/tensor';
import { Module, type StateDict } from './module.js';

/** Thrown for a malformed or unsupported safetensors file; the message names the source and the problem. */
export class SafetensorsError extends NNError {
  /** The error's class name. */
  override name = 'SafetensorsError';
}

// The reference implementation's Dtype enum order (its sort key), and our mapping.
const DTYPE_ORDER = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];
const TO_ST: Record<T.DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL', float64: 'F64' };
const BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The `__metadata__` of a safetensors file: string keys and values. */
export type Metadata = Record<string, string>;

interface Entry {
  name: string;
  t: Tensor;
  dtype: string;
}

function entriesOf(sd: StateDict): Entry[] {
  const entries = Object.entries(sd).map(([name, t]) => {
    if (name === '__metadata__') fail('toBytes', `'__metadata__' is reserved for the metadata map and cannot name a tensor`);
    if (!Object.hasOwn(TO_ST, t.dtype)) fail('toBytes', `tensor '${name}' has dtype ${t.dtype}; valid: ${Object.keys(TO_ST).join(', ')}`);
    return { name, t, dtype: TO_ST[t.dtype] };
  });
  // The reference serializer's order: dtype descending (its enum order), then name.
  entries.sort((a, b) => DTYPE_ORDER.indexOf(b.dtype) - DTYPE_ORDER.indexOf(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries;
}

function serialize(entries: Entry[], data: DataArray[], metadata?: Metadata): Uint8Array {
  // Null prototype: a tensor named `__proto__` must become a key, not replace the prototype.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) header.__metadata__ = checkMetadata(metadata, (msg) => fail('toBytes', msg));
  let offset = 0;
  const chunks = data.map((d) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  entries.forEach(({ name, t, dtype }, i) => {
    const bytes = chunks[i]!.length; // one chunk per entry
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  });
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad > 0) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Serializes named tensors (a module's state dict by default); reads synchronously (cpu, wasm). */
export function toBytes(source: Module | StateDict, metadata?: Metadata): Uint8Array {
  const sd = source instanceof Module ? source.stateDict() : source;
  try {
    const entries = entriesOf(sd);
    return serialize(
      entries,
      entries.map((e) => e.t.dataSync()),
      metadata,
    );
  } finally {
    if (source instanceof Module) for (const t of Object.values(sd)) t.dispose();
  }
}

/** toBytes for any backend (reads asynchronously, e.g. from WebGPU). */
export async function toBytesAsync(source: Module | StateDict, metadata?: Metadata): Promise<Uint8Array> {
  const sd = source instanceof Module ? source.stateDict() : source;
  try {
    const entries = entriesOf(sd);
    return serialize(entries, await Promise.all(entries.map((e) => e.t.data())), metadata);
  } finally {
    if (source instanceof Module) for (const t of Object.values(sd)) t.dispose();
  }
}

/** The reference reader's cap on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;

function fail(where: string, msg: string): never {
  throw new SafetensorsError(`${where}: ${msg}`);
}

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkMetadata(m: unknown, bad: (msg: string) => never): Metadata {
  if (!isObject(m)) bad(`__metadata__ must be a map of strings to strings, got ${show(m)}`);
  for (const [k, v] of Object.entries(m)) if (typeof v !== 'string') bad(`__metadata__ '${k}' must be a string, got ${show(v)}`);
  return m as Metadata;
}

/** The first repeated key of any object in (already syntax-checked) JSON. JSON.parse silently keeps
 *  the last one; the reference rejects it, and two readers must never see different tensors. */
function duplicateKey(json: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (json[k] === ' ' || json[k] === '\t' || json[k] === '\n' || json[k] === '\r') k++;
      const keys = stack[stack.length - 1];
      if (keys && json[k] === ':') {
        const key = JSON.parse(json.slice(i, j + 1)) as string; // decodes escapes: "a" and "\u0061" collide
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j;
    }
  }
  return undefined;
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  count: number;
}

/** Checks a parsed header as the reference reader does (huggingface safetensors' `validate`):
 *  known dtypes, integer shapes and offsets, byte sizes that match, and tensors that exactly tile
 *  the data section. Pure: nothing is allocated, so a bad file never leaves tensors behind. */
function validateHeader(header: unknown, dataLen: number, bad: (msg: string) => never): { entries: HeaderEntry[]; metadata: Metadata } {
  if (!isObject(header)) bad(`the header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}, got ${show(header)}`);
  let metadata: Metadata = {};
  const entries: HeaderEntry[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(e, bad);
      continue;
    }
    const at = `tensor '${name}'`;
    if (!isObject(e)) bad(`${at} must be an object {dtype, shape, data_offsets}, got ${show(e)}`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype))
      bad(`${at} has dtype ${show(dtype)}; supported: ${Object.keys(BYTES).join(', ')}`);
    const width = BYTES[dtype]!; // a key of BYTES, checked above
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      bad(`${at} has shape ${show(shape)}; it must be an array of integers 0 <= d <= 2^53-1`);
    let count = 1;
    for (const d of shape) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) bad(`${at} has shape ${show(shape)} whose element count overflows`);
    }
    const nbytes = count * width;
    if (nbytes > Number.MAX_SAFE_INTEGER) bad(`${at} has shape ${show(shape)} whose byte size overflows`);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      bad(`${at} has data_offsets ${show(offsets)}; they must be [begin, end], integers with 0 <= begin <= end <= 2^53-1`);
    }
    const [begin, end] = offsets as [number, number];
    if (end - begin !== nbytes)
      bad(`${at} has data_offsets [${begin}, ${end}] (${end - begin} bytes) but ${dtype} ${show(shape)} needs ${nbytes} bytes`);
    if (end > dataLen) bad(`${at} data offsets [${begin}, ${end}] do not fit the ${dataLen} bytes of data: the file is truncated`);
    entries.push({ name, dtype, shape, begin, end, count });
  }
  // Sorted by offset, the tensors must cover the data exactly: no overlap (aliasing), no gap or tail (hidden bytes).
  let pos = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin !== pos) {
      bad(
        `tensor '${e.name}' data offsets [${e.begin}, ${e.end}] ${e.begin < pos ? 'overlap the previous tensor' : `leave a gap after byte ${pos}`}; tensors must tile the data section back to back`,
      );
    }
    pos = e.end;
  }
  if (pos !== dataLen) bad(`the tensors cover ${pos} bytes but the data section has ${dataLen}: ${dataLen - pos} trailing bytes`);
  return { entries, metadata };
}

/** Parses safetensors bytes into tensors (F16/BF16 widen to float32, I64 narrows to int32 if in range). */
export function fromBytes(
  bytes: Uint8Array,
  options: { backend?: string } = {},
): {
  /** The tensors by name. */
  tensors: StateDict;
  /** The file's `__metadata__`. */
  metadata: Metadata;
} {
  return parse(bytes, options.backend, 'safetensors');
}

/** `where` names the source in errors ("safetensors 'model.safetensors'"). */
function parse(bytes: Uint8Array, backend: string | undefined, where: string): { tensors: StateDict; metadata: Metadata } {
  const bad = (msg: string): never => fail(where, msg);
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8))
    bad(`header length ${n64} exceeds the file (${bytes.length} bytes): truncated or not a safetensors file`);
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) bad(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  let json: string;
  let header: unknown;
  try {
    json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return bad('header is not valid UTF-8');
  }
  try {
    header = JSON.parse(json);
  } catch (e) {
    return bad(`header is not valid JSON (${(e as Error).message})`);
  }
  const dup = duplicateKey(json);
  if (dup !== undefined) bad(`header repeats the key '${dup}'; every key must be unique`);
  const dataStart = 8 + n;
  const { entries, metadata } = validateHeader(header, bytes.length - dataStart, bad);
  // I64/U64 narrow to int32: check every value before any tensor exists.
  for (const e of entries) {
    if (e.dtype !== 'I64' && e.dtype !== 'U64') continue;
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin);
    for (let i = 0; i < e.count; i++) {
      const v = e.dtype === 'I64' ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true);
      if (v > 2147483647n || v < -2147483648n)
        throw new DTypeError(`${where}: tensor '${e.name}' holds ${v}, outside int32 (${e.dtype} loads as int32)`);
    }
  }
  const tensors: StateDict = Object.create(null); // null prototype: a tensor may be named `__proto__`
  try {
    for (const e of entries) {
      const data = decode(e.name, e.dtype, bytes.slice(dataStart + e.begin, dataStart + e.end), e.count);
      tensors[e.name] = T.tensor(data, { shape: e.shape, backend });
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

function decode(name: string, dtype: string, b: Uint8Array, count: number): Float32Array | Int32Array | Uint8Array | Float64Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (dtype) {
    case 'F32':
      return new Float32Array(b.buffer, b.byteOffset, count);
    case 'F64':
      return new Float64Array(b.buffer, b.byteOffset, count);
    case 'I32':
      return new Int32Array(b.buffer, b.byteOffset, count);
    case 'BOOL':
    case 'U8':
      return new Uint8Array(b.buffer, b.byteOffset, count);
    case 'I8':
    case 'I16':
    case 'U16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++)
        out[i] = dtype === 'I8' ? dv.getInt8(i) : dtype === 'I16' ? dv.getInt16(2 * i, true) : dv.getUint16(2 * i, true);
      return out;
    }
    case 'I64':
    case 'U64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] = Number(dtype === 'I64' ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true)); // range-checked in parse
      }
      return out;
    }
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++)
        out[i] =
          dtype === 'F16'
            ? halfToFloat(dv.getUint16(2 * i, true))
            : new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0]!;
      return out;
    }
    default:
      throw new SafetensorsError(`safetensors: tensor '${name}' has unsupported dtype ${dtype}`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');
// process.getBuiltinModule keeps node:* out of the import graph, so the package bundles for browsers.
function builtin<M>(name: string): M {
  const m = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.(name);
  if (m === undefined)
    throw new SafetensorsError(
      'safetensors: reading or writing a file path needs Node; in browsers use toBytes()/fromBytes() or load(url)',
    );
  return m as M;
}
const nodeFs = () => builtin<NodeFs>('node:fs/promises');
const nodePath = () => builtin<NodePath>('node:path');

const errText = (e: unknown): string => {
  const { code, message } = e as { code?: string; message?: string };
  return code ? `${code}: ${message}` : String(message ?? e);
};

/** Temp files of saves in progress in this process (absolute paths): never stale. */
const inFlight = new Set<string>();
let lastStamp = 0;

/** A pid that no longer exists. EPERM (someone else's live process) or anything odd counts as alive. */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as { code?: string }).code === 'ESRCH';
  }
}

/** Removes `<base>.tmp-<pid>-<ms>` files of this target left by killed saves (each up to the model's size). */
async function removeStaleTemps(fs: NodeFs, target: string): Promise<void> {
  const { dirname, basename, join } = nodePath();
  const dir = dirname(target);
  const pattern = new RegExp(`^${basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.tmp-(\\d+)-\\d+$`);
  let names: import('node:fs').Dirent[];
  try {
    names = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return; // the write below reports a missing or unreadable directory
  }
  for (const d of names) {
    const pid = Number(pattern.exec(d.name)?.[1]);
    if (!d.isFile() || !Number.isSafeInteger(pid)) continue;
    const file = join(dir, d.name);
    if (pid === process.pid ? inFlight.has(file) : !isDead(pid)) continue;
    await fs.rm(file, { force: true }).catch(() => {}); // best effort: cleanup must not fail a save
  }
}

/** Writes a model (or state dict) to a path atomically and durably: a temp file, fsync, rename, fsync
 *  of the directory. Also removes temp files of this target left by killed saves. */
export async function save(source: Module | StateDict, path: string, metadata?: Metadata): Promise<void> {
  const fs = nodeFs();
  const bytes = await toBytesAsync(source, metadata);
  const target = nodePath().resolve(path);
  lastStamp = Math.max(Date.now(), lastStamp + 1); // unique per save in this process
  const tmp = `${target}.tmp-${process.pid}-${lastStamp}`;
  inFlight.add(tmp);
  try {
    await removeStaleTemps(fs, target);
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync(); // the data must be on disk before the rename makes it the file
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new SafetensorsError(`safetensors: saving '${path}' failed (${errText(e)}); any previous file there is unchanged`, { cause: e });
  } finally {
    inFlight.delete(tmp);
  }
  // Persist the rename itself. Best effort: Windows and some network filesystems cannot fsync a directory.
  try {
    const dir = await fs.open(nodePath().dirname(target), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {}
}

/** Reads tensors from a path (Node), a URL (fetch) or bytes. */
export async function load(from: string | URL | Uint8Array, options: { backend?: string } = {}): Promise<StateDict> {
  if (from instanceof Uint8Array) return fromBytes(from, options).tensors;
  const where = `safetensors '${String(from)}'`;
  let bytes: Uint8Array;
  if (from instanceof URL && from.protocol !== 'file:') {
    let res: Response;
    try {
      res = await fetch(from);
    } catch (e) {
      throw new SafetensorsError(`${where}: fetch failed (${errText(e)})`, { cause: e });
    }
    if (!res.ok)
      throw new SafetensorsError(`${where}: fetch returned HTTP ${res.status} ${res.statusText}; expected a 2xx response with the file`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else {
    const fs = nodeFs();
    try {
      bytes = new Uint8Array(await fs.readFile(from));
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, expected a .safetensors file' : errText(e);
      throw new SafetensorsError(`${where}: cannot read (${why})`, { cause: e });
    }
  }
  return parse(bytes, options.backend, where).tensors;
}

/** Loads a safetensors file into a model's parameters and buffers (strict by default). */
export async function loadInto(model: Module, from: string | URL | Uint8Array, options: { strict?: boolean } = {}): Promise<void> {
  const sd = await load(from);
  try {
    model.loadStateDict(sd, options);
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
}
