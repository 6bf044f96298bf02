/**
 * Runs the benchmark workloads and prints a summary.
 *
 *   pnpm bench                                  (all, via turbo)
 *   pnpm --filter @nn/bench bench --only mlp    (one workload)
 *   options: --only matmul|mlp, --budget MS (time per measurement, default 1000), --sizes 128,256
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchMatmul, matmulTable, type MatmulResult } from './matmul.js';
import { benchMlp, mlpTable, type MlpResult, BATCH, LAYERS, LR, MOMENTUM } from './mlp.js';

const WORKLOADS = ['matmul', 'mlp'] as const;
type Workload = (typeof WORKLOADS)[number];

function usage(): string {
  return [
    'usage: bench [--only matmul|mlp] [--budget MS] [--sizes N,N,...]',
    '  --only     run one workload (default: all)',
    '  --budget   time spent on timed runs per measurement, in ms (default 1000)',
    '  --sizes    matmul sizes (default 128,256,512,1024)',
  ].join('\n');
}

function parse(): { only: Workload[]; budgetMs: number; sizes: number[] | undefined } {
  let values: { only?: string; budget?: string; sizes?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { only: { type: 'string' }, budget: { type: 'string' }, sizes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${usage()}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  if (values.only !== undefined && !WORKLOADS.includes(values.only as Workload)) {
    console.error(`bench: --only must be one of ${WORKLOADS.join(', ')}, got '${values.only}'\n${usage()}`);
    process.exit(2);
  }
  const budgetMs = values.budget === undefined ? 1000 : Number(values.budget);
  if (!(budgetMs > 0)) {
    console.error(`bench: --budget must be a positive number of ms, got '${values.budget}'`);
    process.exit(2);
  }
  const sizes = values.sizes?.split(',').map(Number);
  if (sizes?.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`bench: --sizes must be positive integers separated by commas, got '${values.sizes}'`);
    process.exit(2);
  }
  return { only: values.only === undefined ? [...WORKLOADS] : [values.only as Workload], budgetMs, sizes };
}

const { only, budgetMs, sizes } = parse();
const cpu = cpus();
console.log(
  `@nn benchmarks — Node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${process.platform}/${process.arch}`,
);

let mm: MatmulResult | null = null;
let mlp: MlpResult | null = null;
if (only.includes('matmul')) {
  console.log('\n[matmul] square float32 products, median run after warm-up');
  mm = await benchMatmul({ sizes, budgetMs });
}
if (only.includes('mlp')) {
  console.log(`\n[mlp] ${LAYERS.join('-')} tanh, batch ${BATCH}, MSE, SGD momentum ${MOMENTUM}, lr ${LR}`);
  mlp = await benchMlp({ budgetMs });
}

console.log('\n=== summary ===');
if (mm !== null) {
  console.log('\nmatmul (GFLOP/s = 2n^3 / median time; ratio > 1 means @nn is faster)');
  console.log(matmulTable(mm));
  for (const n of mm.notes) console.log(`  ${n}`);
}
if (mlp !== null) {
  console.log('\nmlp training steps (ratio > 1 means @nn is faster; equal losses = same math)');
  console.log(mlpTable(mlp));
  console.log(`  @nn memory: ${mlp.nn.memoryNote}`);
  if (mlp.tfjs !== null) console.log(`  tfjs memory: ${mlp.tfjs.memoryNote}`);
  for (const n of mlp.notes) console.log(`  ${n}`);
}
