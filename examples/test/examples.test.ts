// Runs every example as a user would (node --conditions=@nn/source --import tsx examples/<name>.ts)
// with --quick sizes, and checks the numbers each one reports (NN_EXAMPLES_RESULTS), not just its
// exit code. Every examples/*.ts needs an entry in `checks`: a new example without one fails here.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findFashionMnist } from '../lib/fashion-mnist.js';

const examples = fileURLToPath(new URL('../', import.meta.url));
const repo = join(examples, '..');
const work = mkdtempSync(join(tmpdir(), 'nn-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Results are JSON written by the examples.
type Results = Record<string, any>;
type Check = (r: Results, files: string[]) => void;

const checks: Record<string, Check> = {
  'linear-regression': (r, files) => {
    expect(r.finalLoss).toBeLessThan(0.02); // the noise floor is 0.01
    expect(r.w1).toBeCloseTo(3, 1);
    expect(r.w2).toBeCloseTo(-2, 1);
    expect(r.b).toBeCloseTo(0.5, 1);
    expect(files).toContain('linear-regression-loss.svg');
  },
  'logistic-regression': (r, files) => {
    expect(r.accuracy).toBeGreaterThan(0.9);
    expect(r.finalLoss).toBeLessThan(0.2);
    expect(files).toContain('logistic-regression-boundary.svg');
  },
  perceptron: (r) => {
    expect(r.AND).toBeTypeOf('number');
    expect(r.OR).toBeTypeOf('number');
    expect(r.XOR).toMatch(/no convergence/);
    expect(r.blobsAccuracy).toBe(1);
  },
  'gradient-descent-variants': (r) => {
    for (const k of ['batch', 'minibatch', 'stochastic']) expect(r[`${k}Loss`]).toBeLessThan(0.15); // noise floor 0.09
    expect(r.stochasticUpdates).toBe(r.batchUpdates * 128);
  },
  optimizers: (r) => {
    expect(Object.keys(r.finalLoss)).toEqual(['SGD', 'momentum', 'Nesterov', 'Adagrad', 'RMSprop', 'Adam', 'AdamW']);
    for (const v of Object.values<number>(r.finalLoss)) expect(v).toBeLessThan(Math.log(3)); // all below chance
    expect(r.finalLoss.Adam).toBeLessThan(r.finalLoss.SGD);
    expect(r.accuracy.Adam).toBeGreaterThan(0.85);
  },
  'lr-schedules': (r, files) => {
    expect(r.maxDifference).toBeLessThan(1e-12); // scheduler classes == closed forms
    expect(r.finalLoss['one cycle']).toBeLessThan(r.finalLoss.constant);
    expect(files).toContain('lr-schedules.svg');
  },
  'weight-decay': (r) => {
    expect(r.sgdL2VsWeightDecayMaxDiff).toBeLessThan(1e-6);
    expect(r.adamL2VsOptionMaxDiff).toBeLessThan(1e-6);
    expect(r.weightNorm.adamL2).toBeLessThan(r.weightNorm.none);
    expect(r.weightNorm.adamW).toBeLessThan(r.weightNorm.none);
    expect(Math.abs(r.weightNorm.adamW - r.weightNorm.adamL2)).toBeGreaterThan(0.1); // not the same method
  },
  initialization: (r) => {
    expect(r.constantInitDistinctUnits).toBe(1);
    expect(r.randomInitDistinctUnits).toBe(16);
    expect(r.randomInitAccuracy).toBeGreaterThan(r.constantInitAccuracy);
    expect(r.lastLayerStd['N(0, 0.01), tanh']).toBeLessThan(1e-6); // vanished
    expect(r.lastLayerStd['Kaiming, ReLU']).toBeGreaterThan(0.1); // kept
    expect(r.lastLayerStd['Xavier, tanh']).toBeGreaterThan(0.1);
  },
  normalization: (r) => {
    expect(r.accuracy.BatchNorm).toBeGreaterThan(r.accuracy.none);
    expect(r.accuracy.LayerNorm).toBeGreaterThan(r.accuracy.none);
    expect(r.batchDependence.batchNormTrain).toBeGreaterThan(0.1);
    expect(r.batchDependence.batchNormEval).toBe(0);
    expect(r.batchDependence.layerNorm).toBe(0);
  },
  dropout: (r) => {
    expect(r.trainZeroFraction).toBeCloseTo(0.5, 1);
    expect(r.trainMean).toBeCloseTo(1, 1);
    expect(r.trainMax).toBe(2);
    expect(r.evalIsIdentity).toBe(true);
    expect(r.withDropout.test).toBeGreaterThan(0.8);
  },
  'residual-gradients': (r, files) => {
    expect(r.plainFirstToLastRatio).toBeLessThan(1e-4); // vanished
    expect(r.residualFirstToLastRatio).toBeGreaterThan(0.01);
    expect(r.residualLossAfterTraining).toBeLessThan(r.plainLossAfterTraining);
    expect(files).toContain('residual-gradient-norms.svg');
  },
  'early-stopping': (r) => {
    expect(r.stopped).toBe('callback');
    expect(r.epochsRun).toBeLessThan(r.maxEpochs);
    expect(r.lastValLoss).toBeGreaterThan(r.bestValLoss);
    expect(r.restoredValLoss).toBeCloseTo(r.bestValLoss, 5); // the best weights came back
  },
  ensemble: (r) => {
    expect(r.ensembleAccuracy).toBeGreaterThanOrEqual(r.meanMemberAccuracy);
    expect(r.ensembleAccuracy).toBeGreaterThan(0.7);
  },
  'double-descent': (r, files) => {
    expect(r.peakAtThreshold).toBeGreaterThan(10 * r.bestBelowThreshold);
    expect(r.widest).toBeLessThan(r.bestBelowThreshold);
    expect(files).toContain('double-descent.svg');
  },
  'computation-graph': (r, files) => {
    expect(r.reverseError).toBeLessThan(1e-12);
    expect(r.forwardError).toBeLessThan(1e-12);
    expect(files).toContain('computation-graph.dot');
  },
  'pytorch-weights': (r) => {
    expect(r.tensorsInFile).toBe(11);
    expect(r.maxAbsDiff).toBeLessThan(1e-4);
    expect(r.accuracy).toBeCloseTo(r.pytorchAccuracy, 6);
  },
  'fashion-mnist': (r) => {
    expect(r.testAccuracy).toBeGreaterThan(0.7);
  },
  'fashion-mnist-cnn': (r, files) => {
    expect(r.testAccuracy).toBeGreaterThan(0.7); // 2 epochs on 5,400 images; the full run: 91%+
    expect(r.testAccuracyByEpoch).toHaveLength(2);
    expect(files).toContain('fashion-mnist-cnn.svg');
  },
  'char-lm': (r, files) => {
    expect(r.vocabulary).toBe(84);
    for (const curve of [r.transformerPerplexity, r.lstmPerplexity]) {
      expect(curve[curve.length - 1]).toBeLessThan(curve[0] / 2); // from about uniform (84) to well below
      expect(curve[curve.length - 1]).toBeLessThan(40);
    }
    expect(r.transformerSample).toHaveLength(80);
    expect(files).toContain('char-lm-perplexity.svg');
  },
};
/** Examples that need data this repository does not ship: skipped (with a note) without it. */
const needs: Record<string, () => string | null> = {
  'fashion-mnist': () => (findFashionMnist() === null ? 'Fashion-MNIST not found' : null),
  'fashion-mnist-cnn': () => (findFashionMnist() === null ? 'Fashion-MNIST not found' : null),
};

const names = readdirSync(examples)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));

// Two at a time: the machine has two cores.
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function run(name: string, out: string, results: string): Promise<{ code: number | null; log: string }> {
  return limited(() => spawnExample(name, out, results));
}

function spawnExample(name: string, out: string, results: string): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@nn/source', '--import', 'tsx', `examples/${name}.ts`, '--quick'], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', NN_EXAMPLES_OUT: out, NN_EXAMPLES_RESULTS: results },
      timeout: 110_000,
    });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, log }));
  });
}

describe('examples (--quick)', () => {
  it('every example has a check', () => {
    expect(names.filter((n) => checks[n] === undefined)).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(17);
  });

  for (const name of names) {
    const missing = needs[name]?.() ?? null;
    if (missing !== null) {
      it.skip(`${name} (${missing})`, () => {});
      continue;
    }
    it.concurrent(name, { timeout: 120_000 }, async () => {
      const out = join(work, name);
      const results = join(work, `${name}.json`);
      const { code, log } = await run(name, out, results);
      expect(code, `${name} exited with ${code}:\n${log}`).toBe(0);
      expect(existsSync(results), `${name} reported no results:\n${log}`).toBe(true);
      checks[name]?.(JSON.parse(readFileSync(results, 'utf8')), existsSync(out) ? readdirSync(out) : []);
    });
  }
});
