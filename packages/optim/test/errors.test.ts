/**
 * Bad input: each a typed error from @nn/tensor at construction, naming the optimizer (or
 * scheduler), the option, the value and what is valid, thrown before any state changes.
 */
import * as T from '@nn/tensor';
import { DTypeError, DisposedError, NNError, type Tensor, ValueRangeError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as O from '@nn/optim';
import { lr } from '@nn/optim';

const param = (n = 3): Tensor => T.zeros([n], { requiresGrad: true });

function expectError(fn: () => unknown, cls: new (m: string) => Error, message: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${cls.name}: ${message}`).toBeInstanceOf(cls);
  expect((err as Error).message).toBe(message);
}

describe('optimizer options', () => {
  const p = param();
  it('negative lr', () =>
    expectError(() => new O.SGD([p], { lr: -0.1 }), ValueRangeError, 'SGD: lr must be a finite number >= 0, got -0.1'));
  it('NaN lr', () =>
    expectError(() => new O.Adam([p], { lr: Number.NaN }), ValueRangeError, 'Adam: lr must be a finite number >= 0, got NaN'));
  it('infinite lr', () =>
    expectError(() => new O.RMSprop([p], { lr: Infinity }), ValueRangeError, 'RMSprop: lr must be a finite number >= 0, got Infinity'));
  it('SGD without lr', () =>
    expectError(
      () => new O.SGD([p]),
      ValueRangeError,
      'SGD: lr is required (a finite number >= 0): pass { lr } in the options or in every param group',
    ));
  it('lr given as a string', () =>
    expectError(
      () => new O.AdamW([p], { lr: '0.1' as unknown as number }),
      ValueRangeError,
      "AdamW: lr must be a finite number >= 0, got '0.1'",
    ));
  it('beta1 = 1', () =>
    expectError(() => new O.Adam([p], { betas: [1, 0.999] }), ValueRangeError, 'Adam: betas[0] must be in [0, 1), got 1'));
  it('beta2 < 0', () =>
    expectError(() => new O.AdamW([p], { betas: [0.9, -0.1] }), ValueRangeError, 'AdamW: betas[1] must be in [0, 1), got -0.1'));
  it('betas not a pair', () =>
    expectError(
      () => new O.Adamax([p], { betas: [0.9] as unknown as [number, number] }),
      ValueRangeError,
      'Adamax: betas must be a pair [beta1, beta2] with each beta in [0, 1), got [0.9]',
    ));
  it('negative momentum', () =>
    expectError(
      () => new O.SGD([p], { lr: 0.1, momentum: -0.5 }),
      ValueRangeError,
      'SGD: momentum must be a finite number >= 0, got -0.5',
    ));
  it('RMSprop negative momentum', () =>
    expectError(() => new O.RMSprop([p], { momentum: -1 }), ValueRangeError, 'RMSprop: momentum must be a finite number >= 0, got -1'));
  it('nesterov without momentum', () =>
    expectError(
      () => new O.SGD([p], { lr: 0.1, nesterov: true }),
      ValueRangeError,
      'SGD: param group 0: nesterov: true requires momentum > 0 and dampening 0, got momentum 0 and dampening 0',
    ));
  it('nesterov with dampening', () =>
    expectError(
      () => new O.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      ValueRangeError,
      'SGD: param group 0: nesterov: true requires momentum > 0 and dampening 0, got momentum 0.9 and dampening 0.1',
    ));
  it('negative eps', () =>
    expectError(() => new O.Adam([p], { eps: -1e-8 }), ValueRangeError, 'Adam: eps must be a finite number >= 0, got -1e-8'));
  it('negative weight decay', () =>
    expectError(
      () => new O.AdamW([p], { weightDecay: -0.01 }),
      ValueRangeError,
      'AdamW: weightDecay must be a finite number >= 0, got -0.01',
    ));
  it('negative RMSprop alpha', () =>
    expectError(() => new O.RMSprop([p], { alpha: -0.9 }), ValueRangeError, 'RMSprop: alpha must be a finite number >= 0, got -0.9'));
  it('negative Adagrad lrDecay', () =>
    expectError(() => new O.Adagrad([p], { lrDecay: -1 }), ValueRangeError, 'Adagrad: lrDecay must be a finite number >= 0, got -1'));
  it('negative Adagrad initialAccumulatorValue', () =>
    expectError(
      () => new O.Adagrad([p], { initialAccumulatorValue: -0.1 }),
      ValueRangeError,
      'Adagrad: initialAccumulatorValue must be a finite number >= 0, got -0.1',
    ));
  it('non-boolean flag', () =>
    expectError(
      () => new O.Adam([p], { amsgrad: 1 as unknown as boolean }),
      ValueRangeError,
      'Adam: amsgrad must be true or false, got 1',
    ));
  it('unknown option (a typo)', () =>
    expectError(
      () => new O.SGD([p], { lr: 0.1, momentun: 0.9 } as never),
      NNError,
      "SGD: unknown option 'momentun' (valid options: lr, momentum, dampening, weightDecay, nesterov, maximize, fused)",
    ));
  it('a bad option in one param group names the group', () =>
    expectError(
      () => new O.Adam([{ params: [p] }, { params: [param()], lr: -1 }]),
      ValueRangeError,
      'Adam: param group 1: lr must be a finite number >= 0, got -1',
    ));
  it('Lion betas', () =>
    expectError(() => new O.Lion([p], { betas: [0.9, 1.5] }), ValueRangeError, 'Lion: betas[1] must be in [0, 1), got 1.5'));
});

describe('parameters', () => {
  it('an empty parameter list', () =>
    expectError(
      () => new O.Adam([]),
      ValueRangeError,
      'Adam: got an empty parameter list; pass at least one tensor (e.g. model.parameters())',
    ));
  it('a parameter in two groups', () => {
    const p = param();
    expectError(
      () => new O.SGD([{ params: [p] }, { params: [param(), p] }], { lr: 0.1 }),
      ValueRangeError,
      'SGD: param group 1: params[1] (shape [3]) already appears in another parameter group; each parameter may belong to one group only',
    );
  });
  it('a parameter twice in one group', () => {
    const p = param(2);
    expectError(() => new O.Adam([p, p]), ValueRangeError, 'Adam: param group 0: params[1] (shape [2]) appears twice in the same group');
  });
  it('a non-float parameter', () =>
    expectError(
      () => new O.Adam([T.tensor([1, 2, 3], { dtype: 'int32' })]),
      DTypeError,
      'Adam: param group 0: params[0] has dtype int32; only floating-point tensors (float32, float64) can be optimized',
    ));
  it('a non-leaf parameter', () => {
    const p = param();
    const q = T.mul(p, 2);
    expectError(
      () => new O.SGD([q], { lr: 0.1 }),
      NNError,
      'SGD: param group 0: params[0] (shape [3]) is not a leaf tensor (it was computed by an op); optimize the leaf itself, or detach() it and call requiresGrad_()',
    );
  });
  it('something that is not a tensor', () =>
    expectError(
      () => new O.Adam([param(), [1, 2] as unknown as Tensor]),
      NNError,
      'Adam: param group 0: params[1] is not a Tensor (got [1,2])',
    ));
  it('a disposed parameter', () => {
    const p = param();
    p.dispose();
    expectError(() => new O.Adam([p]), DisposedError, 'Adam: param group 0: params[0] (shape [3]) was disposed');
  });
  it('params that are neither tensors nor groups', () =>
    expectError(
      () => new O.Adam(42 as never),
      NNError,
      'Adam: params must be a Tensor, an iterable of Tensors, or an iterable of param groups ({ params, ...options }), got 42',
    ));
  it('a Set of params (unordered)', () =>
    expectError(
      () => new O.Adam([{ params: new Set([param()]) }]),
      NNError,
      "Adam: param group 0: params must be an ordered collection (an array), not a Set, so the state dict's order is stable",
    ));
});

describe('errors are thrown before any state changes', () => {
  it('addParamGroup with a bad group leaves the optimizer as it was', () => {
    const p = param();
    const opt = new O.Adam([p]);
    const before = opt.paramGroups.length;
    expect(() => opt.addParamGroup({ params: [param()], betas: [0.9, 2] })).toThrow(
      'Adam: param group 1: betas[1] must be in [0, 1), got 2',
    );
    expect(() => opt.addParamGroup({ params: [p] })).toThrow('already appears in another parameter group');
    expect(opt.paramGroups.length).toBe(before);
    const q = param();
    opt.addParamGroup({ params: [q], lr: 0.5 });
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].betas).toEqual([0.9, 0.999]);
  });

  it('a bad later group: the optimizer is not created and earlier params are untouched', () => {
    const p = param();
    expect(() => new O.Adagrad([{ params: [p] }, { params: [param()], eps: -1 }])).toThrow(
      'Adagrad: param group 1: eps must be a finite number >= 0, got -1',
    );
    expect(p.grad).toBe(null);
  });

  it('OneCycleLR with a bad option does not touch the groups', () => {
    const opt = new O.SGD([param()], { lr: 0.1, momentum: 0.9 });
    expect(() => new lr.OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 2 })).toThrow(ValueRangeError);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups[0].initialLr).toBeUndefined();
  });
});

describe('scheduler options', () => {
  const sgd = () => new O.SGD([param()], { lr: 0.1, momentum: 0.9 });
  it('StepLR stepSize 0', () =>
    expectError(() => new lr.StepLR(sgd(), { stepSize: 0 }), ValueRangeError, 'StepLR: stepSize must be an integer >= 1, got 0'));
  it('LinearLR startFactor > 1', () =>
    expectError(
      () => new lr.LinearLR(sgd(), { startFactor: 1.5 }),
      ValueRangeError,
      'LinearLR: startFactor must be a number in (0, 1], got 1.5',
    ));
  it('CosineAnnealingLR without tMax', () =>
    expectError(
      () => new lr.CosineAnnealingLR(sgd(), {} as never),
      ValueRangeError,
      'CosineAnnealingLR: tMax must be an integer >= 1, got undefined',
    ));
  it('CosineAnnealingWarmRestarts tMult 1.5', () =>
    expectError(
      () => new lr.CosineAnnealingWarmRestarts(sgd(), { t0: 5, tMult: 1.5 }),
      ValueRangeError,
      'CosineAnnealingWarmRestarts: tMult must be an integer >= 1, got 1.5',
    ));
  it('OneCycleLR without a length', () =>
    expectError(
      () => new lr.OneCycleLR(sgd(), { maxLr: 0.1 }),
      ValueRangeError,
      'OneCycleLR: give totalSteps, or epochs and stepsPerEpoch',
    ));
  it('OneCycleLR with maxLr for the wrong number of groups', () =>
    expectError(
      () => new lr.OneCycleLR(sgd(), { maxLr: [0.1, 0.2], totalSteps: 10 }),
      ValueRangeError,
      'OneCycleLR: maxLr has 2 values but the optimizer has 1 parameter groups',
    ));
  it('OneCycleLR cycling momentum of an optimizer without momentum', () =>
    expectError(
      () => new lr.OneCycleLR(new O.Adagrad([param()]), { maxLr: 0.1, totalSteps: 10 }),
      ValueRangeError,
      'OneCycleLR: cycleMomentum needs an optimizer with momentum or betas (Adagrad has neither); pass cycleMomentum: false',
    ));
  it('OneCycleLR stepped past totalSteps', () => {
    const s = new lr.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    expectError(() => s.step(), ValueRangeError, 'OneCycleLR: tried to step 5 times; the schedule has totalSteps 3');
  });
  it('SequentialLR with the wrong number of milestones', () => {
    const o = sgd();
    expectError(
      () => new lr.SequentialLR(o, { schedulers: [new lr.LinearLR(o), new lr.ExponentialLR(o, { gamma: 0.9 })], milestones: [] }),
      ValueRangeError,
      'SequentialLR: expected 1 milestones (one fewer than the 2 schedulers), got 0',
    );
  });
  it('SequentialLR with a scheduler of another optimizer', () => {
    const o = sgd();
    expectError(
      () => new lr.SequentialLR(o, { schedulers: [new lr.LinearLR(o), new lr.ExponentialLR(sgd(), { gamma: 0.9 })], milestones: [3] }),
      ValueRangeError,
      'SequentialLR: schedulers[1] belongs to a different optimizer; all must use the optimizer passed to SequentialLR',
    );
  });
  it('ReduceLROnPlateau factor >= 1', () =>
    expectError(
      () => new lr.ReduceLROnPlateau(sgd(), { factor: 1 }),
      ValueRangeError,
      'ReduceLROnPlateau: factor must be a number in [0, 1), got 1',
    ));
  it("ReduceLROnPlateau mode 'avg'", () =>
    expectError(
      () => new lr.ReduceLROnPlateau(sgd(), { mode: 'avg' as never }),
      ValueRangeError,
      "ReduceLROnPlateau: mode must be 'min' or 'max', got 'avg'",
    ));
  it('LambdaLR without a function', () =>
    expectError(
      () => new lr.LambdaLR(sgd(), { lrLambda: 0.5 as never }),
      ValueRangeError,
      'LambdaLR: lrLambda must be a function (epoch) => factor, or an array of them (one per parameter group), got 0.5',
    ));
  it('LambdaLR with one function too few', () =>
    expectError(
      () => new lr.LambdaLR(new O.SGD([{ params: [param()] }, { params: [param()] }], { lr: 0.1 }), { lrLambda: [() => 1] }),
      ValueRangeError,
      'LambdaLR: expected 2 lrLambda functions (one per parameter group), got 1',
    ));
  it("PyTorch's spellings name the camelCase option (T_0, TMult, T_max, T0, weight_decay)", () => {
    expectError(
      () => new lr.CosineAnnealingWarmRestarts(sgd(), { T_0: 5 } as never),
      NNError,
      "CosineAnnealingWarmRestarts: unknown option 'T_0'; use 't0' (options are camelCase)",
    );
    expectError(
      () => new lr.CosineAnnealingWarmRestarts(sgd(), { t0: 5, TMult: 2 } as never),
      NNError,
      "CosineAnnealingWarmRestarts: unknown option 'TMult'; use 'tMult' (options are camelCase)",
    );
    expectError(
      () => new lr.CosineAnnealingLR(sgd(), { T_max: 5 } as never),
      NNError,
      "CosineAnnealingLR: unknown option 'T_max'; use 'tMax' (options are camelCase)",
    );
    expectError(
      () => lr.cosineAnnealingWarmRestarts({ lr0: 0.1, T0: 5 } as never),
      NNError,
      "cosineAnnealingWarmRestarts: unknown option 'T0'; use 't0' (options are camelCase)",
    );
    expectError(
      () => new O.AdamW([param()], { weight_decay: 0.1 } as never),
      NNError,
      "AdamW: unknown option 'weight_decay'; use 'weightDecay' (options are camelCase)",
    );
  });
  it('an unknown scheduler option lists the valid ones', () =>
    expectError(
      () => new lr.StepLR(sgd(), { stepSize: 2, gama: 0.5 } as never),
      NNError,
      "StepLR: unknown option 'gama' (valid options: stepSize, gamma, lastEpoch)",
    ));
  it('lastEpoch below -1', () =>
    expectError(
      () => new lr.ExponentialLR(sgd(), { gamma: 0.9, lastEpoch: -2 }),
      ValueRangeError,
      'ExponentialLR: lastEpoch must be an integer >= -1, got -2',
    ));
  it('a bad scheduler option leaves the groups untouched (no initialLr)', () => {
    const o = sgd();
    expect(() => new lr.PolynomialLR(o, { power: -1 })).toThrow('PolynomialLR: power must be a finite number >= 0, got -1');
    expect(o.paramGroups[0].initialLr).toBeUndefined();
  });
  it('ReduceLROnPlateau minLr for the wrong number of groups', () =>
    expectError(
      () => new lr.ReduceLROnPlateau(sgd(), { minLr: [0, 0] }),
      ValueRangeError,
      'ReduceLROnPlateau: minLr has 2 values but the optimizer has 1 parameter groups',
    ));
  it('a scheduler given something that is not an optimizer', () =>
    expectError(() => new lr.StepLR({} as never, { stepSize: 2 }), NNError, 'StepLR: the first argument must be an optimizer, got {}'));
  it('schedule functions check their options', () =>
    expectError(
      () => lr.cosineAnnealing({ lr0: 0.1, tMax: 0 }),
      ValueRangeError,
      'cosineAnnealing: tMax must be a finite number > 0, got 0',
    ));
});

describe('gradient clipping arguments', () => {
  it('negative maxNorm', () =>
    expectError(() => O.clipGradNorm([param()], -1), ValueRangeError, 'clipGradNorm: maxNorm must be a number >= 0, got -1'));
  it('normType 0', () =>
    expectError(
      () => O.clipGradNorm([param()], 1, 0),
      ValueRangeError,
      "clipGradNorm: normType must be a number > 0 or Infinity ('inf'), got 0",
    ));
  it('NaN clipValue', () =>
    expectError(() => O.clipGradValue([param()], Number.NaN), ValueRangeError, 'clipGradValue: clipValue must be a number >= 0, got NaN'));
});
