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
 * - @nn bytes: live bytes the backend reports (must not change at all);
 * - GCs: young-generation (scavenge) and full collections V8 ran in the window; scavenges come
 *   every few MB allocated, so they track the JS garbage a step makes.
 *
 * Run: node --conditions=@nn/source --import tsx src/memory-growth.ts [--only cpu,wasm,wasm-2t]
 *      [--steps 500] [--from 100]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { isMain, table } from './harness.js';

const BACKENDS = ['cpu', 'wasm', 'wasm-2t'] as const;
/**
 * RSS read at one instant includes however much garbage the young generation holds then (a few
 * MB either way); its minimum over this many steps is the floor a growth or leak would raise.
 */
const FLOOR_WINDOW = 50;
type Backend = (typeof BACKENDS)[number];

interface Reading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  wasm: number;
  nnBytes: number;
}

interface GrowthResult {
  backend: Backend;
  fused: boolean;
  from: number;
  to: number;
  at: [Reading, Reading];
  /** The lowest RSS over the FLOOR_WINDOW steps ending at `from` and at `to`. */
  rssFloor: [number, number];
  minorGcs: number;
  majorGcs: number;
  skipped?: string;
}

/** Counts garbage collections by kind that start between `from` and `to` (performance.now() times). */
function gcCounter(): { from: number; to: number; minor: number; major: number; stop(): void } {
  const c = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY, minor: 0, major: 0, stop: () => obs.disconnect() };
  // Entries arrive asynchronously, after the synchronous loop: filter them by their start time.
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.startTime < c.from || e.startTime > c.to) continue;
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) c.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) c.major++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return c;
}

async function runChild(backend: Backend, fused: boolean, from: number, to: number): Promise<GrowthResult> {
  const t = await import('@nn/tensor');
  await import('@nn/autograd');
  let footprint = (): number => 0;
  if (backend !== 'cpu') {
    const { createWasmBackend } = await import('@nn/wasm-backend');
    const threads = backend === 'wasm' ? 1 : 2;
    const be = await createWasmBackend({ threads, name: backend });
    if (be.threads !== threads) throw new Error(`only ${be.threads} wasm thread(s) here`);
    t.registerBackend(be);
    footprint = () => be.footprint().memoryBytes;
  }
  const { makeW2Problem, nnAdamTrainer } = await import('./wasm-mlp.js');
  const trainer = nnAdamTrainer(backend, makeW2Problem(), fused);
  const read = (): Reading => {
    const m = process.memoryUsage();
    const nn = t.memory().backends[backend];
    return {
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      wasm: footprint(),
      nnBytes: nn?.bytes ?? 0,
    };
  };
  // RSS after every step of the FLOOR_WINDOW steps that end at `from` and at `to`: their minima.
  const floor = (lo: number, hi: number): number => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = lo; i < hi; i++) {
      trainer.step(i);
      if (i >= hi - FLOOR_WINDOW) min = Math.min(min, process.memoryUsage.rss());
    }
    return min;
  };
  const floor0 = floor(0, from);
  const gcs = gcCounter();
  const r0 = read();
  gcs.from = performance.now();
  const floor1 = floor(from, to);
  gcs.to = performance.now();
  const r1 = read();
  await new Promise((resolve) => setTimeout(resolve, 10)); // the observer reports asynchronously
  gcs.stop();
  trainer.dispose();
  return { backend, fused, from, to, at: [r0, r1], rssFloor: [floor0, floor1], minorGcs: gcs.minor, majorGcs: gcs.major };
}

function spawnGrowth(backend: Backend, fused: boolean, from: number, to: number): GrowthResult {
  const self = fileURLToPath(import.meta.url);
  const args = [
    ...process.execArgv,
    self,
    '--child',
    backend,
    '--from',
    String(from),
    '--steps',
    String(to),
    ...(fused ? ['--fused'] : []),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: process.env });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) {
    const why = `child exited with ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ').slice(0, 200)}`;
    const zero: Reading = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, wasm: 0, nnBytes: 0 };
    return { backend, fused, from, to, at: [zero, zero], rssFloor: [0, 0], minorGcs: 0, majorGcs: 0, skipped: why };
  }
  return JSON.parse(line) as GrowthResult;
}

const mb = (x: number): string => (x / 2 ** 20).toFixed(2);

export function growthTable(results: GrowthResult[]): string {
  const rows = results.map((r) => {
    const name = `${r.backend}, ${r.fused ? 'fused Adam' : 'Adam as tensor ops'}`;
    if (r.skipped !== undefined) return [name, '-', '-', '-', '-', '-', '-', '-', '-', r.skipped];
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
      '@nn bytes',
      'GCs minor / full',
    ],
    ...rows,
  ]);
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      only: { type: 'string' },
      steps: { type: 'string' },
      from: { type: 'string' },
      fused: { type: 'boolean' },
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
  if (values.child !== undefined) {
    console.log(JSON.stringify(await runChild(values.child as Backend, values.fused === true, from, to)));
    process.exit(0);
  }
  const only = (values.only?.split(',') ?? [...BACKENDS]) as Backend[];
  const bad = only.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (bad.length > 0) {
    console.error(`memory-growth: unknown --only ${bad.join(',')} (valid: ${BACKENDS.join(', ')})`);
    process.exit(2);
  }
  console.log(
    `W4: memory growth over W2 steps ${from}->${to}, no forced GC, a fresh process per row; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const results: GrowthResult[] = [];
  for (const b of only) for (const fused of [true, false]) results.push(spawnGrowth(b, fused, from, to));
  console.log(growthTable(results));
}
