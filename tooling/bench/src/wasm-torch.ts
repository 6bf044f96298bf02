/**
 * The native reference of the wasm benchmark: PyTorch (Debian's python3-torch, CPU) timing W1 (square
 * matmul) and W2 (the same Adam step on the same weights and batches) in a child process, with 1 and
 * with 2 intra-op threads. Null, with the reason, where python3 or torch is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAM, W2_BATCH, W2_SIZES, type W2Problem } from './wasm-mlp.js';

export interface TorchResult {
  version: string;
  /** The BLAS torch was built with ('generic' for Debian's python3-torch: the reference BLAS, slow products). */
  blas: string;
  /** GFLOP/s per size, by thread count. */
  w1: Record<string, Record<string, number>>;
  /** ms per W2 step and the losses at steps 0 and 19, by thread count. */
  w2: Record<string, { ms: number; loss0: number; lossN: number }>;
}

const SCRIPT = `
import json, re, sys, time
import numpy as np, torch
d, sizes, budget = sys.argv[1], [int(s) for s in sys.argv[2].split(',') if s], float(sys.argv[3]) / 1000
def median_time(fn, per):
    fn(); fn()
    ts, t_end = [], time.perf_counter() + budget
    while time.perf_counter() < t_end or len(ts) < 5:
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) / per)
    return sorted(ts)[len(ts) // 2]
blas = re.search(r'BLAS_INFO=([A-Za-z0-9_]+)', torch.__config__.show())
out = {'version': torch.__version__, 'blas': blas.group(1) if blas else 'unknown', 'w1': {}, 'w2': {}}
sz = [int(v) for v in open(d + '/sizes').read().split()]
flat = np.fromfile(d + '/init.f32', dtype=np.float32)
x = torch.from_numpy(np.fromfile(d + '/x.f32', dtype=np.float32)).reshape(-1, ${W2_BATCH}, sz[0])
y = torch.from_numpy(np.fromfile(d + '/y.i32', dtype=np.int32)).reshape(-1, ${W2_BATCH}).long()
for threads in (1, 2):
    torch.set_num_threads(threads)
    w1 = {}
    for n in sizes:
        g = torch.Generator().manual_seed(n)
        a, b = torch.rand(n, n, generator=g), torch.rand(n, n, generator=g)
        w1[str(n)] = 2 * n ** 3 / median_time(lambda: torch.mm(a, b), 1) / 1e9
    out['w1'][str(threads)] = w1
    layers, at = [], 0
    for i in range(len(sz) - 1):
        lin = torch.nn.Linear(sz[i], sz[i + 1])
        with torch.no_grad():
            k = sz[i] * sz[i + 1]
            lin.weight.copy_(torch.from_numpy(flat[at:at + k].copy()).reshape(sz[i + 1], sz[i])); at += k
            lin.bias.copy_(torch.from_numpy(flat[at:at + sz[i + 1]].copy())); at += sz[i + 1]
        layers += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(model.parameters(), lr=${ADAM.lr}, betas=(${ADAM.beta1}, ${ADAM.beta2}), eps=${ADAM.eps})
    step_i = [0]
    def step():
        i = step_i[0] % x.shape[0]; step_i[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x[i]), y[i])
        loss.backward(); opt.step()
        return loss.item()
    losses = [step() for _ in range(20)]
    ms = median_time(lambda: [step() for _ in range(10)], 10) * 1000
    out['w2'][str(threads)] = {'ms': ms, 'loss0': losses[0], 'lossN': losses[-1]}
print(json.dumps(out))
`;

/** Runs the PyTorch timings (W1 at `sizes`, W2 on `problem`), `budgetMs` per measurement. */
export function runTorch(problem: W2Problem, sizes: number[], budgetMs: number): TorchResult | string {
  const dir = mkdtempSync(join(tmpdir(), 'nn-bench-torch-'));
  try {
    writeFileSync(join(dir, 'sizes'), W2_SIZES.join(' '));
    const init = new Float32Array(problem.init.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const p of problem.init) {
      init.set(p.data, at);
      at += p.data.length;
    }
    writeFileSync(join(dir, 'init.f32'), init);
    const xs = new Float32Array(problem.batches.length * W2_BATCH * W2_SIZES[0]);
    const ys = new Int32Array(problem.batches.length * W2_BATCH);
    problem.batches.forEach((b, i) => {
      xs.set(b.x, i * b.x.length);
      ys.set(b.labels, i * b.labels.length);
    });
    writeFileSync(join(dir, 'x.f32'), xs);
    writeFileSync(join(dir, 'y.i32'), ys);
    const r = spawnSync('/usr/bin/python3', ['-c', SCRIPT, dir, sizes.join(','), String(budgetMs)], { encoding: 'utf8', timeout: 600_000 });
    if (r.error) return `python3 did not run: ${r.error.message}`;
    if (r.status !== 0) return `python3 failed: ${(r.stderr ?? '').trim().split('\n').at(-1)}`;
    return JSON.parse(r.stdout) as TorchResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
