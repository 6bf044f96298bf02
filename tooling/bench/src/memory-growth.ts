/**
 * W4: how much memory a steady training loop gains, without forcing garbage collection. W2 (one
 * Adam step of the 784-256-256-10 ReLU MLP, batch 128, the loss read every step; wasm-mlp.ts) runs
 * 500 steps in a fresh process per configuration; the process's memory is read at step 100 and at
 * step 500, split as Node reports it:
 *
 * - RSS: what the OS sees (the goal: under 1 MB of growth, PyTorch's is 0.1 MB), at the two
 *   instants and as the growth of its floor (the lowest RSS over the 50 steps before each): an
 *   instant's reading also holds the young generation's current garbage, a few MB up or down;
 * - JS heap used / total: V8's objects, and the space V8 has reserved for them (it grows its young
 *   generation and keeps promoted garbage until a full GC, so garbage per step shows here);
 * - external / arrayBuffers: typed arrays' memory outside the JS heap (the cpu backend's buffers);
 * - wasm memory: the wasm backend's linear memory (grows only, never shrinks);
 * - malloc arenas (Linux): resident bytes of the C heap, the main arena ([heap]) and the threads'
 *   arenas (anonymous mappings at 64 MiB-aligned addresses, glibc's arena size). V8's compiler
 *   threads take TurboFan's working memory from their arenas, and glibc keeps what they free, so
 *   this grows with every function V8 optimizes in the window (none of it is @nn's data);
 * - @nn bytes: live bytes the backend reports (must not change at all);
 * - GCs: young-generation (scavenge) and full collections V8 ran in the window; scavenges come
 *   every few MB allocated, so they track the JS garbage a step makes.
 *
 * Each configuration runs in a fresh process: memory-growth-child.ts bundled by esbuild and run by
 * plain Node (child-bundle.ts: no TypeScript loader thread in the process).
 *
 * Run: node --conditions=@nn/source --import tsx src/memory-growth.ts [--only cpu,wasm,wasm-2t]
 *      [--steps 500] [--from 100]   (without the condition: @nn from dist/, after `pnpm build`)
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type ChildScript, bundleChild, fromSource, runChildScript } from './child-bundle.js';
import { isMain, table } from './harness.js';

const BACKENDS = ['cpu', 'wasm', 'wasm-2t'] as const;
/**
 * RSS read at one instant includes however much garbage the young generation holds then (a few
 * MB either way); its minimum over this many steps is the floor a growth or leak would raise.
 */
export const FLOOR_WINDOW = 50;
export type Backend = (typeof BACKENDS)[number];
export const ADAMS = ['fused', 'ops', 'compiled'] as const;
export type Adam = (typeof ADAMS)[number];
const ADAM_NAMES: Record<Adam, string> = { fused: 'fused Adam', ops: 'Adam as tensor ops', compiled: 'compiled (Adam as tensor ops)' };

export interface Reading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  wasm: number;
  nnBytes: number;
  malloc: number;
}

export interface GrowthResult {
  backend: Backend;
  /** How the step updates: the backend's fused Adam, Adam as tensor ops, or the tensor-op step through compile. */
  adam: Adam;
  from: number;
  to: number;
  at: [Reading, Reading];
  /** The lowest RSS over the FLOOR_WINDOW steps ending at `from` and at `to`. */
  rssFloor: [number, number];
  minorGcs: number;
  majorGcs: number;
  skipped?: string;
}

function spawnGrowth(child: ChildScript, backend: Backend, adam: Adam, from: number, to: number): GrowthResult {
  const r = runChildScript(child, { NN_W4: JSON.stringify({ backend, adam, from, to }) });
  if ('report' in r) return r.report as GrowthResult;
  const zero: Reading = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, wasm: 0, nnBytes: 0, malloc: 0 };
  return { backend, adam, from, to, at: [zero, zero], rssFloor: [0, 0], minorGcs: 0, majorGcs: 0, skipped: r.error };
}

const mb = (x: number): string => (x / 2 ** 20).toFixed(2);

export function growthTable(results: GrowthResult[]): string {
  const rows = results.map((r) => {
    const name = `${r.backend}, ${ADAM_NAMES[r.adam]}`;
    if (r.skipped !== undefined) return [name, '-', '-', '-', '-', '-', '-', '-', '-', '-', r.skipped];
    const [a, b] = r.at;
    const d = (k: keyof Reading): string => mb(b[k] - a[k]);
    return [
      name,
      mb(a.rss),
      d('rss'),
      mb(r.rssFloor[1] - r.rssFloor[0]),
      d('heapUsed'),
      d('heapTotal'),
      d('external'),
      d('wasm'),
      d('malloc'),
      String(b.nnBytes - a.nnBytes),
      `${r.minorGcs} / ${r.majorGcs}`,
    ];
  });
  const span = results.length > 0 ? `${results[0].from}->${results[0].to}` : '';
  return table([
    [
      'W2 on',
      `RSS at ${results[0]?.from ?? ''} MB`,
      `RSS growth ${span} MB`,
      `RSS floor growth MB`,
      'heap used',
      'heap total',
      'external',
      'wasm memory',
      'malloc arenas',
      '@nn bytes',
      'GCs minor / full',
    ],
    ...rows,
  ]);
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      steps: { type: 'string' },
      from: { type: 'string' },
    },
    strict: true,
  });
  const to = Number(values.steps ?? 500);
  const from = Number(values.from ?? 100);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < FLOOR_WINDOW || to - from < FLOOR_WINDOW) {
    console.error(
      `memory-growth: need integers ${FLOOR_WINDOW} <= --from <= --steps - ${FLOOR_WINDOW}, got ${values.from} and ${values.steps}`,
    );
    process.exit(2);
  }
  const only = (values.only?.split(',') ?? [...BACKENDS]) as Backend[];
  const bad = only.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (bad.length > 0) {
    console.error(`memory-growth: unknown --only ${bad.join(',')} (valid: ${BACKENDS.join(', ')})`);
    process.exit(2);
  }
  console.log(
    `W4: memory growth over W2 steps ${from}->${to}, no forced GC, a fresh process per row, @nn from ${fromSource ? 'src/' : 'dist/'}; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const child = await bundleChild('memory-growth-child.ts');
  const results: GrowthResult[] = [];
  for (const b of only) for (const adam of ADAMS) results.push(spawnGrowth(child, b, adam, from, to));
  child.cleanup();
  console.log(growthTable(results));
}
