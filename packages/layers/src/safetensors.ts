/**
 * safetensors (https://github.com/huggingface/safetensors) reading and writing, byte-compatible
 * with the reference serializer: tensors sorted by dtype (descending) then name, compact JSON
 * header padded with spaces to a multiple of 8, little-endian data.
 */
import * as T from '@nn/tensor';
import { type DataArray, DTypeError, NNError, type Tensor } from '@nn/tensor';
import { Module, type StateDict } from './module.js';

export class SafetensorsError extends NNError {
  override name = 'SafetensorsError';
}

// The reference implementation's Dtype enum order (its sort key), and our mapping.
const DTYPE_ORDER = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];
const TO_ST: Record<T.DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL', float64: 'F64' };
const BYTES: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };

export type Metadata = Record<string, string>;

interface Entry {
  name: string;
  t: Tensor;
  dtype: string;
}

function entriesOf(sd: StateDict): Entry[] {
  const entries = Object.entries(sd).map(([name, t]) => ({ name, t, dtype: TO_ST[t.dtype] }));
  // The reference serializer's order: dtype descending (its enum order), then name.
  entries.sort((a, b) => DTYPE_ORDER.indexOf(b.dtype) - DTYPE_ORDER.indexOf(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries;
}

function serialize(entries: Entry[], data: DataArray[], metadata?: Metadata): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  const chunks = data.map((d) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  entries.forEach(({ name, t, dtype }, i) => {
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + chunks[i].length] };
    offset += chunks[i].length;
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
    return serialize(entries, entries.map((e) => e.t.dataSync()), metadata);
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

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parses safetensors bytes into tensors (F16/BF16 widen to float32, I64 narrows to int32 if in range). */
export function fromBytes(bytes: Uint8Array, options: { backend?: string } = {}): { tensors: StateDict; metadata: Metadata } {
  if (bytes.length < 8) throw new SafetensorsError(`safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) throw new SafetensorsError(`safetensors: header length ${n} exceeds the file (${bytes.length} bytes): truncated or not a safetensors file`);
  let header: Record<string, HeaderEntry | Metadata>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ as Metadata | undefined) ?? {};
  const tensors: StateDict = {};
  try {
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const e = raw as HeaderEntry;
      const width = BYTES[e.dtype];
      if (width === undefined) throw new SafetensorsError(`safetensors: tensor '${name}' has unsupported dtype ${e.dtype}`);
      const count = e.shape.reduce((a, b) => a * b, 1);
      const [begin, end] = e.data_offsets;
      if (end - begin !== count * width || end > dataLen || begin < 0) {
        throw new SafetensorsError(`safetensors: tensor '${name}' (${e.dtype} [${e.shape.join(',')}]) has data offsets [${begin}, ${end}] that do not fit ${count * width} bytes within ${dataLen} bytes of data`);
      }
      const slice = bytes.slice(dataStart + begin, dataStart + end);
      tensors[name] = T.tensor(decode(name, e.dtype, slice, count), { shape: e.shape, backend: options.backend });
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
    case 'BOOL': case 'U8':
      return new Uint8Array(b.buffer, b.byteOffset, count);
    case 'I8': case 'I16': case 'U16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dtype === 'I8' ? dv.getInt8(i) : dtype === 'I16' ? dv.getInt16(2 * i, true) : dv.getUint16(2 * i, true);
      return out;
    }
    case 'I64': case 'U64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = dtype === 'I64' ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) throw new DTypeError(`safetensors: tensor '${name}' holds ${v}, outside int32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'F16': case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dtype === 'F16' ? halfToFloat(dv.getUint16(2 * i, true)) : new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0];
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
function nodeFs(): NodeFs {
  const fs = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.('node:fs/promises');
  if (fs === undefined) throw new NNError('safetensors: saving to a path needs Node; in browsers use toBytes()');
  return fs as NodeFs;
}

/** Writes a model (or state dict) to a path atomically: a temp file, then a rename. */
export async function save(source: Module | StateDict, path: string, metadata?: Metadata): Promise<void> {
  const fs = nodeFs();
  const bytes = await toBytesAsync(source, metadata);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** Reads tensors from a path (Node), a URL (fetch) or bytes. */
export async function load(from: string | URL | Uint8Array, options: { backend?: string } = {}): Promise<StateDict> {
  let bytes: Uint8Array;
  if (from instanceof Uint8Array) bytes = from;
  else if (from instanceof URL && from.protocol !== 'file:') bytes = new Uint8Array(await (await fetch(from)).arrayBuffer());
  else bytes = new Uint8Array(await nodeFs().readFile(from));
  return fromBytes(bytes, options).tensors;
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
