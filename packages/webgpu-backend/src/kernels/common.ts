/** Helpers shared by the kernel generators: WGSL types of dtypes, conversions, dim collapsing, parameter access. */
import { BackendError, type DType } from '@nn/tensor';
import { collapse as collapseInto, flatStep, type View } from '@nn/tensor/backend';
import type { GpuBuffer } from '../runtime.js';

export type GView = View<GpuBuffer>;

/**
 * WGSL types a value can have in a kernel: f32, i32, u32 (a bool's storage word, 0 or 1, or raw
 * 32-bit data in moves) and bool (a WGSL boolean, e.g. a comparison's result).
 */
export type WType = 'f32' | 'i32' | 'u32' | 'bool';

/** Storage type of a dtype: float32 as f32, int32 as i32, bool as one u32 word (0 or 1) per element. */
export function storageType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw new BackendError(`webgpu: dtype ${dtype} is not supported (float32, int32 and bool are)`);
  }
}

/** Bytes per element on the GPU: every dtype takes one 32-bit word. */
export const WORD = 4;

/**
 * Converts a WGSL expression between types with the cpu backend's store semantics: float ->
 * int truncates toward zero and wraps (NaN, Inf -> 0), anything -> bool is (x != 0, NaN -> true).
 */
export function convert(e: string, from: WType, to: WType): string {
  if (from === to) return e;
  switch (from) {
    case 'f32':
      if (to === 'i32') return `nn_f2i(${e})`;
      if (to === 'u32') return `select(0u, 1u, !((${e}) == 0.0))`;
      return `!((${e}) == 0.0)`;
    case 'i32':
      if (to === 'f32') return `f32(${e})`;
      if (to === 'u32') return `select(0u, 1u, (${e}) != 0)`;
      return `((${e}) != 0)`;
    case 'u32':
      if (to === 'f32') return `f32(${e})`;
      if (to === 'i32') return `i32(${e})`;
      return `((${e}) != 0u)`;
    case 'bool':
      if (to === 'f32') return `select(0.0, 1.0, ${e})`;
      if (to === 'i32') return `select(0, 1, ${e})`;
      return `select(0u, 1u, ${e})`;
  }
}

export { sizeOf } from '@nn/tensor/backend';

/** Parameter word w of the uniform block `P: array<vec4<u32>, N>`. */
export function pw(w: number): string {
  return `P[${w >> 2}].${'xyzw'[w & 3]}`;
}

/** The uniform parameter block declaration for `words` 32-bit words. */
export function paramBlock(words: number): string {
  return `@group(0) @binding(0) var<uniform> P: array<vec4<u32>, ${Math.max(1, Math.ceil(words / 4))}>;`;
}

export function vec4sFor(words: number): number {
  return Math.max(1, Math.ceil(words / 4));
}

/** Linear workgroup index over a grid that may wrap into a second dimension (see Runtime.dispatch). */
export const ENTRY_ARGS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';
export const GROUP_INDEX = '(wid.y * nwg.x + wid.x)';

export interface Collapsed {
  shape: number[];
  /** Per operand, strides over the collapsed shape. */
  strides: number[][];
}

/**
 * Drops size-1 dims and merges adjacent dims that every operand walks as one (outer stride =
 * inner stride * inner size). A 0-d or all-size-1 shape collapses to [1] with zero strides.
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const cs: number[] = [];
  const cst: number[][] = strides.map(() => []);
  const r = collapseInto(shape, strides.length, strides, cs, cst);
  cs.length = r;
  for (const s of cst) s.length = r;
  return { shape: cs, strides: cst };
}

/** 'c': row-major over shape; 's': every stride 0 (a broadcast scalar); 'g': anything else. */
export type Layout = 'c' | 's' | 'g';

export function classify(shape: readonly number[], strides: readonly number[]): Layout {
  const step = flatStep(shape, strides);
  return step === 1 ? 'c' : step === 0 ? 's' : 'g';
}

/** WGSL statements decoding flat index `i` into coordinates c0..c{rank-1} of the shape at words `at..`. */
export function decode(rank: number, at: number, i = 'i'): string {
  if (rank === 1) return `let c0 = ${i};`;
  const lines = [`var rem = ${i};`];
  for (let d = rank - 1; d >= 1; d--) {
    lines.push(`let c${d} = rem % ${pw(at + d)}; rem = rem / ${pw(at + d)};`);
  }
  lines.push('let c0 = rem;');
  return lines.join('\n  ');
}

/** Index expression offset + sum(c_d * stride_d) with the offset and strides at words `at..`. */
export function stridedIndex(rank: number, at: number): string {
  const terms = [pw(at)];
  for (let d = 0; d < rank; d++) terms.push(`c${d} * ${pw(at + 1 + d)}`);
  return terms.join(' + ');
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** The float32 bits of x, as a parameter word. */
export function f32bits(x: number): number {
  F32[0] = x;
  return U32[0];
}

/** The 32-bit word a dtype stores for the number v (as the cpu backend's typed-array stores). */
export function dtypeBits(dtype: DType, v: number): number {
  if (dtype === 'float32') return f32bits(v);
  if (dtype === 'int32') return v | 0;
  return v !== 0 ? 1 : 0;
}
