// --overfit-batch (overfitBatch's verdict) and --history (per-epoch logs as JSON or CSV).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { capture } from './capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'nn-demo-history-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--overfit-batch', () => {
  it('passes for a healthy setup: 16 examples memorized, nothing trained further or saved', async () => {
    const io = capture();
    const { exitCode, overfit, result } = await main(['--overfit-batch', '--hidden', '32,32', '--overfit-steps', '150'], io);
    expect(io.stderrLines).toEqual([]);
    expect(exitCode).toBe(0);
    expect(result).toBeUndefined();
    const o = overfit!;
    expect(o).toMatchObject({ examples: 16, steps: 150 });
    expect(o.report.ok).toBe(true);
    expect(o.report.problems).toEqual([]);
    expect(o.report.accuracy).toBe(1);
    expect(o.report.finalLoss).toBeLessThan(o.report.initialLoss * 0.5);
    expect(o.liveTensors.after).toBe(o.liveTensors.before);
    const text = io.stdout.join('\n');
    expect(text).toContain('  check  overfitBatch: 16 training examples, 150 steps');
    expect(text).toMatch(/^loss \S+ -> \S+, training accuracy 100\.0%$/m);
    expect(text).toContain('verdict: PASS');
    expect(text).not.toContain('model saved');
  });

  it('fails with the reasons and exit code 1 when every weight starts at zero (--init zeros)', async () => {
    const io = capture();
    const { exitCode, overfit } = await main(['--overfit-batch', '--hidden', '16', '--init', 'zeros', '--overfit-steps', '50'], io);
    expect(exitCode).toBe(1);
    expect(overfit!.report.ok).toBe(false);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^verdict: FAIL \(\d+ problems\):$/m);
    expect(text).toContain('  - all-zero gradient for 0.weight on every step');
    expect(text).toMatch(/ {2}- the loss did not fall: /);
    expect(io.stderrLines).toEqual(['demo: --overfit-batch: the check failed (the problems are listed above)']);
    expect(overfit!.liveTensors.after).toBe(overfit!.liveTensors.before);
  });

  it('checks a regression model by its loss alone (no accuracy)', async () => {
    const io = capture();
    const { exitCode, overfit } = await main(
      ['--dataset', 'linreg', '--overfit-batch', '--overfit-steps', '100', '--optimizer', 'sgd'],
      io,
    );
    expect(exitCode).toBe(0);
    expect(overfit!.report.accuracy).toBeNull();
    expect(io.stdout.join('\n')).toMatch(/^loss \S+ -> \S+$/m);
  });
});

describe('--history', () => {
  const RUN = ['--samples', '300', '--hidden', '8', '--epochs', '3', '--no-progress'];

  async function run(args: string[]) {
    const io = capture();
    const { exitCode, result } = await main([...RUN, '--out', join(tmp, 'm.safetensors'), ...args], io);
    expect(io.stderrLines).toEqual([]);
    expect(exitCode).toBe(0);
    return { r: result!, text: io.stdout.join('\n') };
  }

  it('writes JSON: the run settings and every epoch, exactly as fit logged them', async () => {
    const dir = join(tmp, 'json');
    const file = join(dir, 'run.json');
    const { r, text } = await run(['--history', file, '--optimizer', 'adamw', '--schedule', 'step', '--norm', 'layernorm']);
    expect(text).toContain(`history of 3 epochs written to ${file}`);
    expect(r.historyFile).toBe(file);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.epochs).toEqual(r.history);
    expect(Object.keys(json.epochs[0])).toEqual(['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', 'seconds']);
    expect(json.run).toMatchObject({
      dataset: 'spiral',
      hidden: [8],
      activation: 'relu',
      norm: 'layernorm',
      dropout: 0,
      residual: false,
      init: 'default',
      optimizer: 'adamw',
      lr: 0.01,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.01,
      schedule: 'step',
      stepSize: 1,
      gamma: 0.1,
      epochs: 3,
      batchSize: 32,
      seed: 0,
      backend: 'cpu',
    });
    expect(readdirSync(dir)).toEqual(['run.json']); // no temp file left behind
  });

  it('writes CSV: a header of the columns, one full-precision row per epoch', async () => {
    const file = join(tmp, 'run.csv');
    const { r } = await run(['--history', file]);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('epoch,loss,accuracy,valLoss,valAccuracy,lr,seconds');
    expect(lines).toHaveLength(5); // header, 3 epochs, the final newline
    expect(lines[4]).toBe('');
    lines.slice(1, 4).forEach((line, i) => {
      const cells = line.split(',').map(Number);
      const h = r.history[i];
      expect(cells).toEqual([h.epoch, h.loss, h.accuracy, h.valLoss, h.valAccuracy, h.lr, h.seconds]);
    });
  });

  it('writes the regression columns for linreg, and replaces an existing file', async () => {
    const file = join(tmp, 'linreg.CSV');
    writeFileSync(file, 'old contents\n');
    await run(['--dataset', 'linreg', '--history', file]);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,valLoss,lr,seconds');
    expect(lines).toHaveLength(4);
  });

  it('exits 1 with the reason when the file cannot be written, leaving no temp file', async () => {
    const notADir = join(tmp, 'plain-file');
    writeFileSync(notADir, '');
    const file = join(notADir, 'h.json');
    const io = capture();
    const { exitCode } = await main([...RUN, '--out', join(tmp, 'm2.safetensors'), '--history', file], io);
    expect(exitCode).toBe(1);
    expect(io.stderrLines.join('\n')).toMatch(
      new RegExp(`^demo: cannot write the history to ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
    );
    expect(existsSync(file)).toBe(false);
  });

  it('rejects a bad extension before training', async () => {
    const dir = join(tmp, 'never');
    mkdirSync(dir);
    const io = capture();
    const { exitCode } = await main([...RUN, '--history', join(dir, 'h.txt')], io);
    expect(exitCode).toBe(2);
    expect(io.stderrLines.join('\n')).toBe(
      `demo: --history must name a .json or .csv file (the extension picks the format), got '${join(dir, 'h.txt')}'\nRun with --help to see the options.`,
    );
    expect(io.stdout).toEqual([]); // nothing trained
    expect(readdirSync(dir)).toEqual([]);
  });
});
