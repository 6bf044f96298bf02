import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@nn/tensor';
import { BackendError, DTypeError } from '@nn/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromBytes, load, SafetensorsError, save, toBytes } from '@nn/layers';

/** A safetensors file from a header (object, JSON text or raw bytes) and `dataLen` bytes of data. */
function file(header: unknown, dataLen = 0): Uint8Array {
  const h = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + dataLen);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
const f32 = (shape: unknown, data_offsets: unknown) => ({ dtype: 'F32', shape, data_offsets });

/** Runs `f`, expects a SafetensorsError matching `re`, and checks no tensor was left alive. */
function rejects(f: () => unknown, re: RegExp): void {
  const before = T.memory().tensors;
  expect(f).toThrow(SafetensorsError);
  expect(f).toThrow(re);
  expect(T.memory().tensors).toBe(before);
}

describe('safetensors: hostile headers', () => {
  it('malformed header and entries throw SafetensorsError naming the entry and what is valid', () => {
    const cases: [unknown, number, RegExp][] = [
      [null, 0, /header must be a JSON object/],
      [[1, 2], 0, /header must be a JSON object/],
      [{ a: null }, 0, /tensor 'a' must be an object \{dtype, shape, data_offsets\}, got null/],
      [
        { a: { dtype: 'F32', data_offsets: [0, 4] } },
        4,
        /tensor 'a' has shape undefined; it must be an array of integers 0 <= d <= 2\^53-1/,
      ],
      [{ a: f32(4, [0, 16]) }, 16, /tensor 'a' has shape 4;/],
      [{ a: f32([1.5], [0, 4]) }, 4, /tensor 'a' has shape \[1.5\]/],
      [{ a: f32([-1], [0, 4]) }, 4, /tensor 'a' has shape \[-1\]/],
      [{ a: { dtype: 'F32', shape: [1] } }, 4, /tensor 'a' has data_offsets undefined; they must be \[begin, end\]/],
      [{ a: f32([0], [4, 0]) }, 4, /tensor 'a' has data_offsets \[4,0\]/],
      [{ a: f32([1], [-4, 0]) }, 4, /tensor 'a' has data_offsets \[-4,0\]/],
      [{ a: f32([1], [0, 4.5]) }, 4, /tensor 'a' has data_offsets \[0,4.5\]/],
      [{ a: f32([1], ['0', '4']) }, 4, /tensor 'a' has data_offsets \["0","4"\]/],
      [{ a: f32([1], [0]) }, 4, /tensor 'a' has data_offsets \[0\]/],
      [{ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, 1, /tensor 'a' has dtype "Q4"; supported: BOOL, U8/],
      [{ a: { dtype: 'constructor', shape: [1], data_offsets: [0, 1] } }, 1, /tensor 'a' has dtype "constructor"/],
      [{ a: { dtype: 7, shape: [1], data_offsets: [0, 1] } }, 1, /tensor 'a' has dtype 7/],
      [{ a: f32([2, 2], [0, 12]) }, 12, /tensor 'a' has data_offsets \[0, 12\] \(12 bytes\) but F32 \[2,2\] needs 16 bytes/],
    ];
    for (const [header, dataLen, re] of cases) rejects(() => fromBytes(file(header, dataLen)), re);
  });

  it('rejects what the reference rejects: overlap, gaps, trailing bytes, overflowing shapes', () => {
    // Overlapping (aliased) tensors.
    rejects(
      () => fromBytes(file({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, 4)),
      /tensor '[ab]' data offsets \[0, 4\] overlap the previous tensor/,
    );
    rejects(() => fromBytes(file({ a: f32([2], [0, 8]), b: f32([1], [4, 8]) }, 8)), /tensor 'b' data offsets \[4, 8\] overlap/);
    // A gap hides bytes between tensors.
    rejects(
      () => fromBytes(file({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12)),
      /tensor 'b' data offsets \[8, 12\] leave a gap after byte 4/,
    );
    rejects(() => fromBytes(file({ a: f32([1], [4, 8]) }, 8)), /leave a gap after byte 0/);
    // Trailing bytes after the last tensor.
    rejects(() => fromBytes(file({ a: f32([1], [0, 4]) }, 8)), /cover 4 bytes but the data section has 8: 4 trailing bytes/);
    rejects(() => fromBytes(file({}, 3)), /cover 0 bytes but the data section has 3/);
    // Element count overflows even though a zero dim makes the JS product 0.
    rejects(() => fromBytes(file({ a: f32([2 ** 52, 2 ** 52, 0], [0, 0]) })), /tensor 'a' has shape .* whose element count overflows/);
    rejects(() => fromBytes(file({ a: f32([2 ** 52, 4], [0, 0]) })), /element count overflows/);
    rejects(() => fromBytes(file({ a: f32([2 ** 51, 2], [0, 0]) })), /byte size overflows/);
    // Offsets past the data section (truncated file).
    rejects(() => fromBytes(file({ a: f32([2], [0, 8]) }, 4)), /tensor 'a' data offsets \[0, 8\] do not fit the 4 bytes of data/);
  });

  it('valid edge cases still load: zero-size tensors, scalars, any offset order, padding', () => {
    const bytes = file(
      `{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"s":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}   `,
      4,
    );
    new DataView(bytes.buffer).setInt32(bytes.length - 4, -7, true);
    const { tensors } = fromBytes(bytes);
    expect(tensors.z.shape).toEqual([0, 3]);
    expect(tensors.s.shape).toEqual([]);
    expect(tensors.s.item()).toBe(-7);
    for (const t of Object.values(tensors)) t.dispose();
  });

  it('duplicate keys are rejected (JSON.parse would keep the last silently)', () => {
    const a = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    rejects(() => fromBytes(file(`{"a":${a},"a":${a}}`, 4)), /header repeats the key 'a'/);
    rejects(() => fromBytes(file(`{"a":${a},"\\u0061":${a}}`, 4)), /header repeats the key 'a'/);
    rejects(() => fromBytes(file(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4)), /repeats the key 'dtype'/);
    rejects(() => fromBytes(file(`{"__metadata__":{"k":"1","k":"2"}}`)), /repeats the key 'k'/);
    // Keys that only look alike are fine; strings containing quotes and braces do not confuse the scan.
    const { tensors, metadata } = fromBytes(file(`{"__metadata__":{"x":"{\\"a\\":1,","y":"a"},"a":${a}}`, 4));
    expect(metadata).toEqual({ x: '{"a":1,', y: 'a' });
    expect(Object.keys(tensors)).toEqual(['a']);
    tensors.a.dispose();
  });

  it('non-UTF-8 headers, oversized headers and header lengths past the file are rejected', () => {
    const enc = new TextEncoder();
    const good = enc.encode('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}');
    const latin1 = Uint8Array.from([...enc.encode('{"'), 0xe9, ...enc.encode('":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}')]); // é in Latin-1
    rejects(() => fromBytes(file(latin1, 1)), /header is not valid UTF-8/);
    expect(Object.keys(fromBytes(file(good, 1)).tensors)).toEqual(['a']);
    // A BOM is not JSON whitespace (the reference rejects it too).
    rejects(() => fromBytes(file(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode('{}')]))), /not valid JSON/);
    const huge = new Uint8Array(8 + 100_000_008).fill(0x20);
    new DataView(huge.buffer).setBigUint64(0, 100_000_008n, true);
    huge[8] = 0x7b; // '{' ... '}': valid JSON, but over the reference's 100,000,000-byte cap
    huge[huge.length - 1] = 0x7d;
    rejects(() => fromBytes(huge), /header length 100000008 exceeds the 100000000-byte limit/);
    const long = file({});
    new DataView(long.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    rejects(() => fromBytes(long), /header length 18446744073709551615 exceeds the file \(10 bytes\)/);
  });

  it('__metadata__ must map strings to strings', () => {
    rejects(() => fromBytes(file({ __metadata__: { epoch: 3 } })), /__metadata__ 'epoch' must be a string, got 3/);
    rejects(() => fromBytes(file({ __metadata__: null })), /__metadata__ must be a map of strings to strings, got null/);
    rejects(() => fromBytes(file({ __metadata__: 'x' })), /__metadata__ must be a map/);
    rejects(() => fromBytes(file({ __metadata__: ['a'] })), /__metadata__ must be a map/);
    expect(() => toBytes({}, { epoch: 3 } as never)).toThrow(SafetensorsError);
    expect(fromBytes(file({ __metadata__: { epoch: '3' } })).metadata).toEqual({ epoch: '3' });
  });

  it("a tensor named '__proto__' round-trips instead of being dropped (and leaked)", () => {
    const before = T.memory().tensors;
    const t = T.tensor(new Float32Array([1, 2, 3]));
    const bytes = toBytes({ ['__proto__']: t, w: t });
    const { tensors } = fromBytes(bytes);
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'w']);
    const proto = '__proto__';
    expect(Array.from(tensors[proto].dataSync())).toEqual([1, 2, 3]);
    expect(() => toBytes({ __metadata__: t })).toThrow(/'__metadata__' is reserved/);
    for (const x of Object.values(tensors)) x.dispose();
    t.dispose();
    expect(T.memory().tensors).toBe(before);
  });

  it('nothing is allocated before validation completes and nothing leaks: out-of-range I64, unknown backend', () => {
    const data = new Uint8Array(4 + 8);
    new DataView(data.buffer).setBigInt64(4, 2n ** 40n, true);
    const bytes = file({ a: f32([1], [0, 4]), b: { dtype: 'I64', shape: [1], data_offsets: [4, 12] } }, 12);
    bytes.set(data, bytes.length - 12);
    const before = T.memory().tensors;
    expect(() => fromBytes(bytes)).toThrow(DTypeError);
    expect(() => fromBytes(bytes)).toThrow(/tensor 'b' holds 1099511627776, outside int32/);
    const ok = file({ a: f32([1], [0, 4]), b: f32([1], [4, 8]) }, 8);
    expect(() => fromBytes(ok, { backend: 'no-such-backend' })).toThrow(BackendError);
    // Validation finishes before the first tensor is created: with a backend that cannot create
    // tensors, the file's own error still wins.
    expect(() => fromBytes(bytes, { backend: 'no-such-backend' })).toThrow(DTypeError);
    const badSecond = file({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12);
    expect(() => fromBytes(badSecond, { backend: 'no-such-backend' })).toThrow(SafetensorsError);
    expect(T.memory().tensors).toBe(before);
  });
});

describe('safetensors: load from paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-st-hostile-'));

  it('a missing file or a directory throws SafetensorsError naming the path', async () => {
    const missing = join(dir, 'nope.safetensors');
    await expect(load(missing)).rejects.toThrow(SafetensorsError);
    await expect(load(missing)).rejects.toThrow(`safetensors '${missing}': cannot read (no such file)`);
    await expect(load(dir)).rejects.toThrow(SafetensorsError);
    await expect(load(dir)).rejects.toThrow(/cannot read \(it is a directory, expected a \.safetensors file\)/);
  });

  it('header errors name the file', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, file({ a: null }));
    await expect(load(path)).rejects.toThrow(SafetensorsError);
    await expect(load(path)).rejects.toThrow(`safetensors '${path}': tensor 'a' must be an object`);
  });
});

describe('safetensors: save', () => {
  afterEach(() => vi.restoreAllMocks());
  const deadPid = 2 ** 22 + 12345; // above Linux's largest pid_max: never a live process

  it('removes stale temp files of the same target only, then writes the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-st-save-'));
    const stale = [`m.safetensors.tmp-${deadPid}-1700000000000`, `m.safetensors.tmp-${process.pid}-1`];
    const kept = [
      'other.tmp-1-2',
      `n.safetensors.tmp-${deadPid}-1`, // another target
      `xm.safetensors.tmp-${deadPid}-1`,
      `m.safetensors.tmp-${deadPid}-1.bak`,
      `m.safetensors.tmp-${deadPid}-`,
      `m.safetensors.tmp-${process.ppid}-5`, // a live process's save in progress
    ];
    for (const f of [...stale, ...kept]) writeFileSync(join(dir, f), 'x');
    mkdirSync(join(dir, `m.safetensors.tmp-${deadPid}-7`)); // a directory, not a temp file
    const t = T.tensor(new Float32Array([1.5, -2]));
    await save({ t }, join(dir, 'm.safetensors'), { note: 'hi' });
    expect(readdirSync(dir).sort()).toEqual([...kept, `m.safetensors.tmp-${deadPid}-7`, 'm.safetensors'].sort());
    const back = await load(join(dir, 'm.safetensors'));
    expect(Array.from(back.t.dataSync())).toEqual([1.5, -2]);
    back.t.dispose();
    t.dispose();
  });

  it('fsyncs the temp file before the rename and the directory after it', async () => {
    const fsp = process.getBuiltinModule('node:fs/promises');
    const probe = await fsp.open(tmpdir(), 'r');
    const FileHandle = Object.getPrototypeOf(probe);
    await probe.close();
    const events: string[] = [];
    const sync = FileHandle.sync;
    vi.spyOn(FileHandle, 'sync').mockImplementation(function (this: unknown) {
      events.push('sync');
      return sync.call(this);
    });
    const rename = fsp.rename;
    vi.spyOn(fsp, 'rename').mockImplementation((a, b) => {
      events.push('rename');
      return rename(a, b);
    });
    const dir = mkdtempSync(join(tmpdir(), 'nn-st-sync-'));
    const t = T.tensor(new Float32Array([3]));
    await save({ t }, join(dir, 'm.safetensors'));
    t.dispose();
    expect(events).toEqual(['sync', 'rename', 'sync']);
  });

  it("concurrent saves to one target in this process do not delete each other's temp files", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-st-conc-'));
    const t = T.tensor(new Float32Array(1000).fill(1));
    await Promise.all([0, 1, 2, 3].map(() => save({ t }, join(dir, 'm.safetensors'))));
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
    t.dispose();
  });

  it('a failed write removes its temp file and throws SafetensorsError naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-st-fail-'));
    const t = T.tensor(new Float32Array([1]));
    const target = join(dir, 'sub'); // a non-empty directory: the rename fails
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    await expect(save({ t }, target)).rejects.toThrow(SafetensorsError);
    await expect(save({ t }, target)).rejects.toThrow(`safetensors: saving '${target}' failed`);
    expect(readdirSync(dir)).toEqual(['sub']);
    const missingDir = join(dir, 'no', 'm.safetensors');
    await expect(save({ t }, missingDir)).rejects.toThrow(new RegExp(`saving '${missingDir}' failed \\(ENOENT`));
    t.dispose();
  });
});
