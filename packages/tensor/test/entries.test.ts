/**
 * The two entries: `@nn/tensor` (the user API) and `@nn/tensor/backend` (the kit), sharing one set
 * of modules; and no runtime import cycle among @nn/tensor's sources.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as user from '@nn/tensor';
import * as kit from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));

describe('entries', () => {
  it('the main entry keeps backend internals out; the kit has them', () => {
    const internals = [
      'philox4x32',
      'fillRandom',
      'blocksUsed',
      'seedKey',
      'permutationFromBits',
      'flatStep',
      'sizeOf',
      'contiguousStrides',
      'isContiguous',
      'collapse',
      'collapseGroup',
      'argsortLines',
      'autograd',
      'installAutograd',
      'UNARY_OPS',
      'BINARY_OPS',
      'ARITH_OPS',
      'COMPARE_OPS',
      'REDUCE_OPS',
      'UNARY_TABLE',
      'BINARY_TABLE',
      'sliceView',
      'padWindow',
      'intTuple',
      'checkKnownOptions',
    ];
    for (const name of internals) {
      expect(name in user, `@nn/tensor exports ${name}`).toBe(false);
      expect(name in kit, `@nn/tensor/backend lacks ${name}`).toBe(true);
    }
    expect('formatTensor' in user).toBe(false);
  });

  it('both entries share one registry and one Tensor class', () => {
    expect(kit.registerBackend).toBe(user.registerBackend);
    const t = user.tensor([1, 2]);
    expect(t).toBeInstanceOf(user.Tensor);
    expect(kit.sizeOf(t.shape)).toBe(2);
  });

  it('no runtime import cycle among the sources (type-only imports are erased)', () => {
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const graph = new Map<string, string[]>();
    for (const f of files) {
      const text = readFileSync(join(src, f), 'utf8');
      const deps: string[] = [];
      for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s*'(\.[^']+)'/gms)) {
        const named = m[2].trim();
        const typeOnly =
          m[1] !== undefined ||
          (named.startsWith('{') &&
            named
              .slice(1, -1)
              .split(',')
              .every((s) => s.trim() === '' || s.trim().startsWith('type ')));
        if (!typeOnly) deps.push(relative(src, resolve(dirname(join(src, f)), m[3].replace(/\.js$/, '.ts'))));
      }
      graph.set(f, deps);
    }
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(graph.size).toBeGreaterThan(30);
    expect(cycles).toEqual([]);
  });
});
