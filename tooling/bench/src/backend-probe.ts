/**
 * Instruments an @nn backend object in place (the tensors of every backend call it through the
 * object), for the training-step benchmarks:
 * - `trackPeak`: live backend bytes and their high-water mark, from alloc/free (and, on wasm, the
 *   heap top's high-water mark, which also counts fragmentation);
 * - `profile`: wall time per primitive call, keyed by primitive, op and shapes. Only meaningful on
 *   synchronous backends (cpu, wasm), where a call returns when its work is done.
 */
import type { Backend, DType } from '@nn/tensor';
import { PRIMITIVES, type View } from '@nn/tensor/backend';

const bytesOf = (size: number, dtype: DType): number => size * (dtype === 'bool' ? 1 : dtype === 'float64' ? 8 : 4);

export interface PeakTracker {
  /** Starts a new measurement: the high-water marks restart from the current values. */
  reset(): void;
  readonly live: number;
  readonly peak: number;
  /** wasm only: the heap top's high-water mark (bytes of linear memory in use), else null. */
  readonly heapTopPeak: number | null;
}

export function trackPeak(be: Backend): PeakTracker {
  const sizes = new Map<unknown, number>();
  const footprint = (be as { footprint?: () => { heapTop: number } }).footprint;
  let live = 0;
  let peak = 0;
  let heapTopPeak: number | null = footprint ? footprint().heapTop : null;
  const alloc = be.alloc.bind(be);
  const free = be.free.bind(be);
  const mut = be as { alloc: Backend['alloc']; free: Backend['free'] };
  mut.alloc = (size, dtype) => {
    const b = alloc(size, dtype);
    const n = bytesOf(size, dtype);
    sizes.set(b, n);
    live += n;
    if (live > peak) peak = live;
    if (footprint) heapTopPeak = Math.max(heapTopPeak ?? 0, footprint().heapTop);
    return b;
  };
  mut.free = (b) => {
    live -= sizes.get(b) ?? 0;
    sizes.delete(b);
    free(b);
  };
  return {
    reset() {
      peak = live;
      heapTopPeak = footprint ? footprint().heapTop : null;
    },
    get live() {
      return live;
    },
    get peak() {
      return peak;
    },
    get heapTopPeak() {
      return heapTopPeak;
    },
  };
}

export interface Profile {
  on: boolean;
  /** Process CPU time instead of wall time (for one-thread runs on a loaded machine). */
  cpuTime: boolean;
  /** key -> calls and total ms */
  readonly entries: Map<string, { calls: number; ms: number }>;
}

const isView = (v: unknown): v is View => typeof v === 'object' && v !== null && 'shape' in v && 'strides' in v;
const fmtView = (v: View): string =>
  `[${v.shape.join(',')}]${v.strides.every((s, i) => s === v.shape.slice(i + 1).reduce((a, b) => a * b, 1)) ? '' : `/s[${v.strides.join(',')}]`}`;

/** Wraps every primitive and fused routine of `be` with a timer that records while `on`. */
export function profile(be: Backend): Profile {
  const p: Profile = { on: false, cpuTime: false, entries: new Map() };
  const now = (): number =>
    p.cpuTime
      ? (() => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1000;
        })()
      : performance.now();
  const wrap = <F extends (...a: never[]) => unknown>(name: string, f: F): F =>
    ((...a: Parameters<F>) => {
      if (!p.on) return f(...a);
      const t0 = now();
      const r = f(...a);
      const ms = now() - t0;
      const op = typeof a[0] === 'string' ? `:${a[0]}` : '';
      const views = (a as unknown[]).filter(isView);
      const key = `${name}${op} ${views.slice(0, -1).map(fmtView).join(' ')} -> ${views.length > 0 ? fmtView(views[views.length - 1]) : ''}`;
      const e = p.entries.get(key) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += ms;
      p.entries.set(key, e);
      return r;
    }) as F;
  const mut = be as unknown as Record<string, (...a: never[]) => unknown>;
  for (const k of PRIMITIVES) mut[k] = wrap(k, mut[k].bind(be));
  const fused = be.fused as Record<string, ((...a: never[]) => unknown) | undefined>;
  for (const k of Object.keys(fused)) {
    const f = fused[k];
    if (f !== undefined) fused[k] = wrap(`fused.${k}`, f.bind(fused));
  }
  return p;
}

/** The heaviest entries per step: ms per step, calls per step, key. */
export function profileRows(p: Profile, steps: number, top = 30): string[][] {
  const rows = [...p.entries.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, e]) => s + e.ms, 0);
  return [
    ['ms/step', 'calls', 'primitive and shapes (/s: strides of a non-contiguous view)'],
    ...rows.slice(0, top).map(([k, e]) => [(e.ms / steps).toFixed(2), String(e.calls / steps), k]),
    [(total / steps).toFixed(2), '', `total in ${rows.length} kinds of call`],
  ];
}
