/**
 * The Playground's logic without a browser: the URL state, the expression parser, the
 * computational graph read from the autograd graph, the train/validation sizes, and that the
 * learning-rate curve drawn before training is the lr the worker's schedulers actually use.
 */
import * as T from '@nn/tensor';
import { SGD } from '@nn/optim';
import { TensorDataset, randomSplit } from '@nn/data';
import { describe, expect, it } from 'vitest';
import { type Config, DEFAULTS, SCHEDULES, type ScheduleName, keysOf, normalize } from '../src/config.js';
import { ExprError, keyOf, parse, variables } from '../src/expr.js';
import { scheduleCurve, scheduleSteps, trainCount } from '../src/schedule.js';
import { decodeConfig, encodeConfig } from '../src/url-state.js';
import { computeGraph } from '../src/worker/graph.js';
import { makeScheduler } from '../src/worker/optim.js';

describe('URL state', () => {
  it('writes only what differs from the defaults and reads it back', () => {
    expect(encodeConfig(DEFAULTS)).toBe('');
    const c: Config = { ...DEFAULTS, dataset: 'xor', hidden: [8, 4], optimizer: 'sgd', nesterov: true, lr: 0.1, compare: ['adam', 'lion'] };
    const hash = encodeConfig(c);
    expect(hash).toBe('dataset=xor&hidden=8%2C4&optimizer=sgd&lr=0.1&nesterov=true&compare=adam%2Clion');
    expect(decodeConfig(`#${hash}`)).toEqual(c);
  });

  it('ignores unknown keys and invalid values', () => {
    const c = decodeConfig('dataset=mnist&hidden=8,x&lr=abc&nesterov=yes&epochs=50&bogus=1&compare=sgd,foo');
    expect(c).toEqual({ ...DEFAULTS, epochs: 50 });
  });

  it('normalize picks a loss that fits the task', () => {
    expect(normalize({ ...DEFAULTS, dataset: 'regression', loss: 'cross-entropy' }).loss).toBe('mse');
    expect(normalize({ ...DEFAULTS, dataset: 'spiral', loss: 'huber' }).loss).toBe('cross-entropy');
  });
});

describe('expressions', () => {
  it('parses with precedence and shares identical subexpressions', () => {
    const e = parse('x1*x2 + exp(x1*x2) - sin(x2)');
    expect(keyOf(e)).toBe('(((x1*x2)+exp((x1*x2)))-sin(x2))');
    expect(variables(e)).toEqual(['x1', 'x2']);
    expect(keyOf(parse('-a^2*b'))).toBe('(-((a^2))*b)');
  });

  it('reports bad input', () => {
    expect(() => parse('x1 +')).toThrow(ExprError);
    expect(() => parse('foo(x)')).toThrow(/unknown function 'foo'/);
    expect(() => parse('(x')).toThrow(/expected '\)'/);
  });
});

describe('computational graph', () => {
  it("gives the lecture's evaluation trace: 7 nodes, their values and adjoints", () => {
    const [x1, x2] = [1.5, 0.5];
    const g = computeGraph('x1*x2 + exp(x1*x2) - sin(x2)', { x1, x2 });
    const byName = Object.fromEntries(g.nodes.map((n) => [n.name, n]));
    expect(g.nodes.map((n) => n.expr)).toEqual(['x1', 'x2', 'v1 · v2', 'exp(v3)', 'v3 + v4', 'sin(v2)', 'v5 − v6']);
    expect(g.nodes.map((n) => n.gradFn)).toEqual([
      'input',
      'input',
      'MulBackward',
      'ExpBackward',
      'AddBackward',
      'SinBackward',
      'SubBackward',
    ]);
    // Edges come from gradFn.nextFunctions: v3 feeds both exp and the sum, as in the slides.
    const edges = g.edges.map(([a, b]) => `${g.nodes[a].name}->${g.nodes[b].name}`).sort();
    expect(edges).toEqual(['v1->v3', 'v2->v3', 'v2->v6', 'v3->v4', 'v3->v5', 'v4->v5', 'v5->v7', 'v6->v7'].sort());
    const e = Math.exp(x1 * x2);
    expect(g.output).toBeCloseTo(x1 * x2 + e - Math.sin(x2), 5);
    expect(byName.v3.grad).toBeCloseTo(1 + e, 5); // v̄3 = v̄4·exp(v3) + v̄5
    expect(byName.v2.grad).toBeCloseTo(x1 * (1 + e) - Math.cos(x2), 5);
    expect(byName.v6.grad).toBe(-1);
    expect(g.dot).toContain('digraph');
    expect(byName.v7.depth).toBe(4);
  });

  it('folds constants and rejects an expression without variables', () => {
    const g = computeGraph('2*x + 3^2', { x: 1 });
    expect(g.output).toBe(11);
    expect(g.nodes[0].grad).toBe(2);
    expect(() => computeGraph('1 + 2', {})).toThrow(/depend on a variable/);
  });
});

describe('schedules', () => {
  it('trainCount matches randomSplit', () => {
    for (const [n, v] of [
      [400, 0.25],
      [301, 0.15],
      [1797, 0.2],
      [50, 0.45],
    ] as const) {
      const [train] = randomSplit(new TensorDataset(T.zeros([n, 1])), [1 - v, v], { seed: 0 });
      expect(trainCount(n, v)).toBe(train.length);
    }
  });

  for (const name of keysOf(SCHEDULES)) {
    it(`${name}: the curve drawn before training is the lr the scheduler gives at every step`, () => {
      const c: Config = { ...DEFAULTS, schedule: name as ScheduleName, epochs: 12, samples: 200, batchSize: 16, optimizer: 'sgd', lr: 0.2 };
      const steps = scheduleSteps(c);
      const [, planned] = scheduleCurve(c, steps.total);
      const p = T.zeros([1]).requiresGrad_();
      const opt = new SGD([p], { lr: c.lr, momentum: 0.9 });
      const sched = makeScheduler(opt, c);
      const used: number[] = [];
      for (let t = 0; t < steps.total; t++) {
        used.push(opt.paramGroups[0].lr);
        sched?.step();
      }
      expect(used).toHaveLength(planned.length);
      used.forEach((lr, t) => expect(lr, `step ${t}`).toBeCloseTo(planned[t], 6));
    });
  }
});
