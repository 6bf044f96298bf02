import { describe, expect, it } from 'vitest';
import { HELP, main } from '../src/cli.js';
import { TRUE_B, TRUE_W } from '../src/linreg.js';
import type { Io } from '../src/ui.js';

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), tty: null };
}

describe('demo CLI', () => {
  it('learns the linear-regression coefficients within 0.1 of the truth in a few epochs', async () => {
    const io = capture();
    const { exitCode, result } = await main(['--task', 'linreg', '--epochs', '30', '--seed', '3'], io);
    expect(exitCode).toBe(0);
    const [w1, w2, b] = result!.linreg!.learned;
    expect(Math.abs(w1 - TRUE_W[0])).toBeLessThan(0.1);
    expect(Math.abs(w2 - TRUE_W[1])).toBeLessThan(0.1);
    expect(Math.abs(b - TRUE_B)).toBeLessThan(0.1);
    expect(result!.liveTensors.after).toBe(result!.liveTensors.before);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/coefficient\s+true\s+learned/);
    expect(text).toMatch(/epoch 30\/30/);
    expect(io.stderr).toEqual([]);
  });

  it('runs both models with small epochs, without leaking tensors, deterministically per seed', async () => {
    const run = async () => (await main(['--epochs', '5', '--seed', '11', '--log-every', '5'], capture())).result!;
    const a = await run();
    const b = await run();
    expect(a.spiral!.history).toHaveLength(5);
    expect(a.spiral!.trainAccuracy).toBeGreaterThan(0.4);
    expect(a.liveTensors.after).toBe(a.liveTensors.before);
    expect(b.linreg!.learned).toEqual(a.linreg!.learned);
    expect(b.spiral!.history).toEqual(a.spiral!.history);
  });

  it('rejects an unknown flag with a clear message and exit code 2', async () => {
    const io = capture();
    const { exitCode, result } = await main(['--epoch', '3'], io);
    expect(exitCode).toBe(2);
    expect(result).toBeUndefined();
    expect(io.stderr.join('\n')).toContain("unknown option '--epoch'");
    expect(io.stderr.join('\n')).toContain('--help');
    expect(io.stdout).toEqual([]);
  });

  it.each([
    [['--epochs', 'ten'], "--epochs must be a positive integer, got 'ten'"],
    [['--epochs', '0'], "--epochs must be a positive integer, got '0'"],
    [['--lr', 'fast'], "--lr must be a positive number, got 'fast'"],
    [['--seed', '-1'], "option '--seed' argument is ambiguous"],
    [['--seed', '1.5'], "--seed must be a non-negative integer, got '1.5'"],
    [['--task', 'mnist'], "--task must be one of all, linreg, spiral, got 'mnist'"],
    [['--activation', 'gelu'], "--activation must be tanh or relu, got 'gelu'"],
    [['--epochs'], "option '--epochs <value>' argument missing"],
    [['stray'], "unexpected argument 'stray'"],
  ])('rejects %j', async (argv, message) => {
    const io = capture();
    expect((await main(argv, io)).exitCode).toBe(2);
    expect(io.stderr.join('\n')).toContain(message);
  });

  it('--help documents every flag and exits 0', async () => {
    const io = capture();
    expect((await main(['--help'], io)).exitCode).toBe(0);
    expect(io.stdout.join('\n')).toBe(HELP);
    for (const flag of ['--epochs', '--lr', '--seed', '--task', '--batch-size', '--activation', '--log-every', '--help']) {
      expect(HELP).toContain(flag);
    }
  });
});
