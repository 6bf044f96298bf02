/**
 * W3 steps in one process with step markers, to read V8's optimizer traces against the step count:
 * which functions TurboFan compiles, when, and which it throws away again (deopts).
 *
 * Run: node --conditions=@nn/source --import tsx --trace-opt --trace-deopt src/w3-trace.ts
 *      [cpu|wasm] [steps] [--profile cpu|heap]
 * `STEP i t ms` lines mark every 50th step; the last line is steps/s over steps 100 to the end.
 * Count compilations with `grep -c 'completed optimizing'` and deopts with `grep bailout`; add
 * `--trace-deopt-verbose` for the position of each deopt (an offset into tsx's one-line output),
 * and `--no-concurrent-recompilation` to see each compile's cost on the main thread.
 *
 * `--profile cpu` samples where the main thread spends steps 100 to the end (self time per
 * function); `--profile heap` samples what they allocate (bytes per step by function, a builtin
 * such as `push` or `set` named with its JavaScript caller). Both print the top 30.
 */
import '@nn/autograd';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { registerBackend } from '@nn/tensor';
import { nnSgdTrainer } from './wasm-mlp.js';

const { values, positionals } = parseArgs({ options: { profile: { type: 'string' } }, allowPositionals: true });
const kind = positionals[0] ?? 'cpu';
const steps = Number(positionals[1] ?? 1100);
const profile = values.profile;
if (kind !== 'cpu' && kind !== 'wasm') throw new Error(`w3-trace: backend must be cpu or wasm, got ${kind}`);
if (!Number.isInteger(steps) || steps <= 100) throw new Error(`w3-trace: steps must be an integer above 100, got ${positionals[1]}`);
if (profile !== undefined && profile !== 'cpu' && profile !== 'heap')
  throw new Error(`w3-trace: --profile must be cpu or heap, got ${profile}`);
if (kind === 'wasm') {
  const { createWasmBackend } = await import('@nn/wasm-backend');
  registerBackend(await createWasmBackend({ threads: 1, name: 'wasm' }));
}
const trainer = nnSgdTrainer(kind);
const session = profile === undefined ? null : new Session();
const t0 = performance.now();
let cold = 0;
for (let i = 0; i < steps; i++) {
  if (i === 100) {
    if (session !== null) await startProfile(session, profile!);
    cold = performance.now();
  }
  if (i % 50 === 0) console.log(`STEP ${i} ${(performance.now() - t0).toFixed(1)} ms`);
  trainer.step(i);
}
console.log(`steps 100-${steps - 1}: ${((1000 * (steps - 100)) / (performance.now() - cold)).toFixed(0)} steps/s`);
if (session !== null) await printProfile(session, profile!, steps - 100);
trainer.dispose();

async function startProfile(s: Session, what: string): Promise<void> {
  s.connect();
  if (what === 'cpu') {
    await s.post('Profiler.enable');
    await s.post('Profiler.setSamplingInterval', { interval: 50 });
    await s.post('Profiler.start');
  } else {
    await s.post('HeapProfiler.enable');
    // Every sample, collected garbage included: the point is what a step allocates.
    await s.post('HeapProfiler.startSampling', {
      samplingInterval: 64,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as object);
  }
}

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  selfSize?: number;
  children?: ProfileNode[] | number[];
}

async function printProfile(s: Session, what: string, n: number): Promise<void> {
  const totals = new Map<string, number>();
  const name = (node: ProfileNode): string =>
    `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(packages|tooling)\//, '')}`;
  const add = (key: string, v: number): void => {
    totals.set(key, (totals.get(key) ?? 0) + v);
  };
  let unit: string;
  if (what === 'cpu') {
    const { profile: p } = (await s.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
    for (const node of p.nodes) add(name(node), node.hitCount ?? 0);
    unit = 'samples';
  } else {
    const { profile: p } = (await s.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    // A builtin (no url) is charged to its nearest JavaScript caller.
    const walk = (node: ProfileNode, caller: string): void => {
      const own = node.callFrame.url === '' && caller !== '' ? `${name(node).trim()} <- ${caller}` : name(node);
      add(own, node.selfSize ?? 0);
      for (const c of (node.children ?? []) as ProfileNode[]) walk(c, node.callFrame.url === '' ? caller : name(node));
    };
    walk(p.head, '');
    unit = 'bytes';
  }
  const total = [...totals.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${what} profile of steps 100-${100 + n - 1}: ${total} ${unit}${what === 'heap' ? ` (${(total / n).toFixed(0)} per step)` : ''}`,
  );
  for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
}
