import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DataFormatError, DataLoader, TensorDataset, disposeBatch, loadMnistLike, parseIdx, readIdx } from '@nn/data';
import { afterAll, describe, expect, it, vi } from 'vitest';

/** An IDX file: magic 0x0000TTNN, big-endian dims, big-endian values. */
function idx(type: number, dims: number[], values: number[]): Uint8Array {
  const size = type === 0x0e ? 8 : type >= 0x0c ? 4 : type === 0x0b ? 2 : 1;
  const out = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const v = new DataView(out.buffer);
  v.setUint32(0, (type << 8) | dims.length);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  let at = 4 + 4 * dims.length;
  for (const x of values) {
    if (type === 0x08) v.setUint8(at, x);
    else if (type === 0x09) v.setInt8(at, x);
    else if (type === 0x0b) v.setInt16(at, x);
    else if (type === 0x0c) v.setInt32(at, x);
    else if (type === 0x0d) v.setFloat32(at, x);
    else v.setFloat64(at, x);
    at += size;
  }
  return out;
}

const PIXELS = [0, 51, 102, 255, 1, 2, 3, 4, 255, 254, 253, 0];
const IMAGES = idx(0x08, [3, 2, 2], PIXELS);
const LABELS = idx(0x08, [3], [7, 0, 9]);

const dir = mkdtempSync(join(tmpdir(), 'nn-data-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readIdx', () => {
  it('round-trips a hand-built file, plain and gzipped, from bytes, a path and a URL', async () => {
    const plain = join(dir, 'images-idx3-ubyte');
    const gz = join(dir, 'images-idx3-ubyte.gz');
    writeFileSync(plain, IMAGES);
    writeFileSync(gz, gzipSync(IMAGES));
    for (const source of [IMAGES, plain, gz, pathToFileURL(gz), gzipSync(IMAGES)]) {
      const t = await readIdx(source);
      expect(t.shape).toEqual([3, 2, 2]);
      expect(t.dtype).toBe('int32');
      expect(Array.from(t.dataSync())).toEqual(PIXELS);
      t.dispose();
    }
    const f = await readIdx(gz, { dtype: 'float32', scale: 1 / 255 });
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.dataSync().slice(0, 4))).toEqual([0, 0.2, 0.4, 1].map(Math.fround));
    const labels = parseIdx(LABELS);
    expect(labels.arraySync()).toEqual([7, 0, 9]);
  });
  it('reads the other IDX element types', () => {
    expect(parseIdx(idx(0x09, [3], [-1, 0, 127])).arraySync()).toEqual([-1, 0, 127]);
    expect(parseIdx(idx(0x0b, [2], [-300, 300])).arraySync()).toEqual([-300, 300]);
    expect(parseIdx(idx(0x0c, [2], [-70000, 70000])).arraySync()).toEqual([-70000, 70000]);
    const f = parseIdx(idx(0x0d, [1, 2], [0.5, -2]));
    expect(f.dtype).toBe('float32');
    expect(f.arraySync()).toEqual([[0.5, -2]]);
    expect(parseIdx(idx(0x0e, [1], [0.25]), { scale: 2 }).arraySync()).toEqual([0.5]);
    expect(parseIdx(idx(0x09, [2], [-2, 4]), { scale: 0.5 }).arraySync()).toEqual([-1, 2]);
  });
  it('rejects a bad magic number', async () => {
    const bad = IMAGES.slice();
    bad[2] = 0x07;
    await expect(readIdx(bad)).rejects.toThrow(
      'readIdx: bad magic number 0x00000703: expected 0x0000TTNN (type TT = 08 for unsigned bytes, NN dimensions), e.g. 0x00000803 for images or 0x00000801 for labels; is this an IDX file?',
    );
    await expect(readIdx(new TextEncoder().encode('PK\u0003\u0004 a zip file'))).rejects.toThrow(/bad magic number 0x504b0304/);
    await expect(readIdx(new Uint8Array([0, 0]))).rejects.toThrow(
      'readIdx: truncated file: 2 bytes is too short for an IDX file (the magic number alone takes 4)',
    );
  });
  it('rejects a truncated file, naming expected and actual bytes, never a short dataset', async () => {
    const cut = IMAGES.slice(0, IMAGES.length - 3);
    const msg = 'readIdx: truncated file: expected 28 bytes (a 16-byte header and 3x2x2 uint8 values), got 25';
    await expect(readIdx(cut)).rejects.toThrow(msg);
    await expect(readIdx(cut)).rejects.toThrow(DataFormatError);
    await expect(readIdx(gzipSync(cut))).rejects.toThrow(msg);
    await expect(readIdx(IMAGES.slice(0, 10))).rejects.toThrow(
      'readIdx: truncated file: the header of a 3-dimensional IDX file takes 16 bytes, got 10',
    );
    const gz = gzipSync(IMAGES);
    await expect(readIdx(gz.slice(0, gz.length - 10))).rejects.toThrow(
      /readIdx: cannot decompress the gzip data \(.*\); the file may be truncated or corrupt/,
    );
    const extra = new Uint8Array(IMAGES.length + 2);
    extra.set(IMAGES);
    await expect(readIdx(extra)).rejects.toThrow(
      'readIdx: the file has 30 bytes but its header (3x2x2 uint8 values) accounts for 28; 2 unexpected trailing bytes',
    );
  });
  it('stops inflating a gzip bomb as soon as it passes the size its header implies', async () => {
    // 4x4 uint8 values claimed, then 512 MiB of zeros: concatenated gzip members (one per MiB of
    // zeros) make a valid ~0.5 MiB .gz without compressing 512 MiB here.
    const MiB = 1 << 20;
    const zerosGz = gzipSync(new Uint8Array(MiB), { level: 9 });
    const members = [gzipSync(idx(0x08, [4, 4], new Array(16).fill(1)))];
    for (let i = 0; i < 512; i++) members.push(zerosGz);
    const bomb = Buffer.concat(members);
    expect(bomb.length).toBeLessThan(MiB);
    const t0 = performance.now();
    const err = await readIdx(bomb).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toMatch(
      /^readIdx: the gzip data inflates to more than the 28 bytes its header implies \(a 12-byte header and 4x4 uint8 values\); stopped after \d+ bytes/,
    );
    // Inflating all 512 MiB takes seconds; stopping at the first chunks takes milliseconds.
    expect(ms).toBeLessThan(500);
    // A header claiming more than a typed array holds cannot be read at all: rejected before inflating on.
    const huge =
      'readIdx: the header claims 65536x65536x2 uint8 values (8589934608 bytes), more than the 4294967296 bytes a typed array can hold';
    const hugeHeader = idx(0x08, [65536, 65536, 2], []);
    await expect(readIdx(Buffer.concat([gzipSync(hugeHeader), ...members.slice(1)]))).rejects.toThrow(huge);
    await expect(readIdx(hugeHeader)).rejects.toThrow(huge);
    // A bad magic number is found in the first inflated bytes, not after inflating everything.
    const notIdx = Buffer.concat([gzipSync(new TextEncoder().encode('PK\u0003\u0004')), ...members.slice(1)]);
    await expect(readIdx(notIdx)).rejects.toThrow(/readIdx: bad magic number 0x504b0304/);
  });
  it('streams gzip through DecompressionStream where node:zlib is unavailable (browsers)', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    try {
      const t = await readIdx(gzipSync(IMAGES));
      expect(Array.from(t.dataSync())).toEqual(PIXELS);
      t.dispose();
      await expect(readIdx(gzipSync(IMAGES.slice(0, 25)))).rejects.toThrow(
        'readIdx: truncated file: expected 28 bytes (a 16-byte header and 3x2x2 uint8 values), got 25',
      );
      const extra = new Uint8Array(IMAGES.length + 100_000);
      extra.set(IMAGES);
      await expect(readIdx(gzipSync(extra))).rejects.toThrow(
        /^readIdx: the gzip data inflates to more than the 28 bytes its header implies/,
      );
      const gz = gzipSync(IMAGES);
      await expect(readIdx(gz.slice(0, gz.length - 10))).rejects.toThrow(
        /readIdx: cannot decompress the gzip data \(.*\); the file may be truncated or corrupt/,
      );
    } finally {
      vi.restoreAllMocks();
    }
  });
  it('validates options and sources', async () => {
    await expect(readIdx(IMAGES, { dtype: 'int32', scale: 2 })).rejects.toThrow("readIdx: scale needs dtype 'float32' (got dtype 'int32')");
    await expect(readIdx(join(dir, 'missing'))).rejects.toThrow(`readIdx: cannot read ${join(dir, 'missing')}: no such file`);
    expect(() => parseIdx(gzipSync(IMAGES))).toThrow(/gzipped/);
  });
});

describe('loadMnistLike', () => {
  it('loads the standard file names (.gz or plain) as float images in [0, 1] and int32 labels', async () => {
    const d = join(dir, 'mnist');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(IMAGES));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), LABELS);
    const { images, labels } = await loadMnistLike(d, { split: 'train' });
    expect(images.shape).toEqual([3, 4]);
    expect(images.dtype).toBe('float32');
    expect(Array.from(images.dataSync())).toEqual(PIXELS.map((p) => Math.fround(p / 255)));
    expect(labels.dtype).toBe('int32');
    expect(labels.arraySync()).toEqual([7, 0, 9]);
    const viaUrl = await loadMnistLike(pathToFileURL(d), { flatten: false });
    expect(viaUrl.images.shape).toEqual([3, 2, 2]);
    await expect(loadMnistLike(d, { split: 'test' })).rejects.toThrow(
      `loadMnistLike: found neither ${join(d, 't10k-images-idx3-ubyte')} nor ${join(d, 't10k-images-idx3-ubyte.gz')}`,
    );
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), IMAGES);
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idx(0x08, [2], [1, 2]));
    await expect(loadMnistLike(d, { split: 'test' })).rejects.toThrow(
      `loadMnistLike: ${join(d, 't10k-images-idx3-ubyte')} has 3 images but ${join(d, 't10k-labels-idx1-ubyte')} has 2 labels`,
    );
  });
});

// Optional: the real Fashion-MNIST test set, if the shared datasets are next to the repo.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fashion = resolve(repoRoot, '../shared/datasets/fashion-mnist');
const haveFashion = existsSync(join(fashion, 't10k-images-idx3-ubyte.gz')) || existsSync(join(fashion, 't10k-images-idx3-ubyte'));
if (!haveFashion) {
  console.warn(
    `\n*** @nn/data: SKIPPING the Fashion-MNIST test: no t10k files in ${fashion} ` +
      "(get them, e.g., from Debian's dataset-fashion-mnist package) ***\n",
  );
}

describe('Fashion-MNIST (optional, real data)', () => {
  it.skipIf(!haveFashion)('loads the 10k test set and batches it', async () => {
    const t0 = performance.now();
    const { images, labels } = await loadMnistLike(fashion, { split: 'test' });
    const ms = performance.now() - t0;
    console.log(`@nn/data: loaded Fashion-MNIST t10k (10000 images + labels) in ${ms.toFixed(0)} ms`);
    expect(images.shape).toEqual([10000, 784]);
    expect(labels.shape).toEqual([10000]);
    const px = images.dataSync();
    let lo = 1;
    let hi = 0;
    let sum = 0;
    for (let i = 0; i < px.length; i++) {
      lo = Math.min(lo, px[i]);
      hi = Math.max(hi, px[i]);
      sum += px[i];
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    expect(sum / px.length).toBeCloseTo(0.2868, 3); // the published mean pixel of the test set
    const counts = new Array(10).fill(0);
    for (const l of labels.dataSync()) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    expect(labels.dataSync()[0]).toBe(9); // the first test image is an ankle boot
    const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: 256, shuffle: true, seed: 0 });
    const t1 = performance.now();
    let seen = 0;
    for await (const [xb, yb] of loader) {
      seen += yb.shape[0];
      disposeBatch([xb, yb]);
    }
    console.log(`@nn/data: one shuffled epoch of 256-batches over it in ${(performance.now() - t1).toFixed(0)} ms`);
    expect(seen).toBe(10000);
    images.dispose();
    labels.dispose();
  });
});
