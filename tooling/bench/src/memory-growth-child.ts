/**
 * The child of memory-growth.ts: W2 in a fresh process, memory read at two steps (see there); the
 * configuration comes in NN_W4 as JSON, the report goes out as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { type Adam, type Backend, FLOOR_WINDOW, type GrowthResult, type Reading } from './memory-growth.js';

const ARENA_ALIGN = 64n * 2n ** 20n;

/**
 * Resident bytes of the C heap: the main arena ([heap]) and the threads' arenas, which glibc maps
 * at 64 MiB-aligned addresses (a heuristic; NaN without /proc/self/smaps).
 */
function mallocBytes(): number {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return Number.NaN;
  }
  let total = 0;
  let inArena = false;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ rw-p \S+ \S+ 0\s*(\S*)$/.exec(line);
    if (m !== null) inArena = m[2] === '[heap]' || (m[2] === '' && BigInt(`0x${m[1]}`) % ARENA_ALIGN === 0n);
    else if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inArena = false;
    else if (inArena && line.startsWith('Rss:')) total += Number(line.slice(4).trim().split(' ')[0]) * 1024;
  }
  return total;
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

async function runChild(backend: Backend, adam: Adam, from: number, to: number): Promise<GrowthResult> {
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
  const { makeW2Problem, nnAdamTrainer, nnCompiledAdamTrainer } = await import('./wasm-mlp.js');
  const trainer =
    adam === 'compiled' ? nnCompiledAdamTrainer(backend, makeW2Problem()) : nnAdamTrainer(backend, makeW2Problem(), adam === 'fused');
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
      malloc: mallocBytes(),
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
  return { backend, adam, from, to, at: [r0, r1], rssFloor: [floor0, floor1], minorGcs: gcs.minor, majorGcs: gcs.major };
}

const { backend, adam, from, to } = JSON.parse(process.env.NN_W4 ?? 'null') as {
  backend: Backend;
  adam: Adam;
  from: number;
  to: number;
};
console.log(JSON.stringify(await runChild(backend, adam, from, to)));
process.exit(0);
