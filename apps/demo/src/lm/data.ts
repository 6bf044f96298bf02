/**
 * Text for the character-level language model: the bundled public-domain text (data/README.md),
 * a character vocabulary, a train/validation split, and batches of (input, next-character) windows.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@nn/tensor';
import { DemoError } from '../ui.js';

/** Ambrose Bierce, The Devil's Dictionary (1911), public domain: see apps/demo/data/README.md. */
export const BUNDLED_TEXT = fileURLToPath(new URL('../../data/devils-dictionary.txt', import.meta.url));

export function readText(path: string = BUNDLED_TEXT): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DemoError(`cannot read the text ${path}: ${(e as Error).message}`);
  }
  return text;
}

/** The characters of a text, sorted by code point; ids are positions in that list. */
export class CharVocab {
  readonly chars: string[];
  private readonly index: Map<string, number>;
  constructor(text: string) {
    this.chars = [...new Set(text)].sort();
    this.index = new Map(this.chars.map((c, i) => [c, i]));
  }
  get size(): number {
    return this.chars.length;
  }
  /** Ids of a string's characters; a character outside the vocabulary is a DemoError naming it. */
  encode(s: string): Int32Array {
    const ids = new Int32Array([...s].length);
    let i = 0;
    for (const c of s) {
      const id = this.index.get(c);
      if (id === undefined)
        throw new DemoError(`the character ${JSON.stringify(c)} is not in the text's vocabulary of ${this.size} characters`);
      ids[i++] = id;
    }
    return ids;
  }
  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.chars[i]).join('');
  }
}

/** A text's ids split into a training part (the first 1 - valFraction) and a validation part. */
export interface Corpus {
  vocab: CharVocab;
  train: Int32Array;
  val: Int32Array;
}

export function makeCorpus(text: string, valFraction = 0.1): Corpus {
  const vocab = new CharVocab(text);
  const ids = vocab.encode(text);
  const cut = Math.round(ids.length * (1 - valFraction));
  return { vocab, train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

/** mulberry32: a small seeded generator for batch offsets (the host picks windows, no readback). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Batch {
  /** [batch, context] int32 inputs. */
  x: T.Tensor;
  /** [batch * context] int32 targets: each input character's successor. */
  y: T.Tensor;
}

/** Tensors for windows starting at `starts`: x = ids[s, s + context), y = ids[s + 1, s + context + 1). */
export function batchAt(ids: Int32Array, starts: readonly number[], context: number): Batch {
  const x = new Int32Array(starts.length * context);
  const y = new Int32Array(starts.length * context);
  starts.forEach((s, b) => {
    x.set(ids.subarray(s, s + context), b * context);
    y.set(ids.subarray(s + 1, s + context + 1), b * context);
  });
  return { x: T.tensor(x, { shape: [starts.length, context], dtype: 'int32' }), y: T.tensor(y, { dtype: 'int32' }) };
}

/** `batch` windows at random offsets of the training text. */
export function randomBatch(ids: Int32Array, batch: number, context: number, rand: () => number): Batch {
  const span = ids.length - context - 1;
  if (span < 1) throw new DemoError(`the training text (${ids.length} characters) is shorter than the context (${context}) plus one`);
  return batchAt(
    ids,
    Array.from({ length: batch }, () => Math.floor(rand() * span)),
    context,
  );
}

/** Non-overlapping windows covering (up to `maxWindows` of) the validation text, in order. */
export function validationStarts(ids: Int32Array, context: number, maxWindows: number): number[] {
  const n = Math.min(maxWindows, Math.floor((ids.length - 1) / context));
  if (n < 1) throw new DemoError(`the validation text (${ids.length} characters) is shorter than the context (${context}) plus one`);
  return Array.from({ length: n }, (_, i) => i * context);
}
