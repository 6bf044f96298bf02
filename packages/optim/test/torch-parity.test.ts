/**
 * Trajectories and schedules against PyTorch 1.13 (values from tooling/torch-reference/optim.py):
 * 25 steps of full-batch training of a fixed 2-16-16-1 tanh MLP per optimizer configuration (loss
 * at every step, parameters at the end), and 30-step lr (and momentum / beta1) sequences.
 */
import type { Tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import * as O from '@nn/optim';
import { lr } from '@nn/optim';
import { type RefT, expectClose, initialParams, lossAndGrad, mlpLoss, ref } from './helpers.js';

type AnyOpt = O.AnyOptimizer;

function makeOptimizer(
  name: string,
  ps: Tensor[],
  options: Record<string, unknown>,
  groups: any[] | null,
  extra: Record<string, unknown> = {},
): AnyOpt {
  const Ctor = (O as any)[name] as new (p: unknown, o: unknown) => AnyOpt;
  const params = groups === null ? ps : groups.map(({ params, ...g }) => ({ params: params.map((i: number) => ps[i]), ...g }));
  return new Ctor(params, { ...options, ...extra });
}

const LAMBDAS: Record<string, (t: number) => number> = {
  power_s10_c075: (t) => (1 + t / 10) ** -0.75,
  inv_sqrt_w4: (t) => 1 / Math.sqrt(Math.max(t, 4)),
  step_halves: (t) => 0.5 ** Math.floor(t / 4),
};

function makeScheduler(opt: AnyOpt, spec: { type: string; options: any }): any {
  const o = { ...spec.options };
  if (spec.type === 'SequentialLR') {
    const children = o.schedulers.map((c: any) => makeScheduler(opt, c));
    return new lr.SequentialLR(opt, { schedulers: children, milestones: o.milestones });
  }
  if (spec.type === 'LambdaLR') return new lr.LambdaLR(opt, { lrLambda: LAMBDAS[o.lambda] });
  return new (lr as any)[spec.type](opt, o);
}

/** Params: rtol 1e-5 with a floor of 1e-6·max|p| per tensor (elements that are ~0 in float32). */
function expectParams(ps: Tensor[], want: RefT[], label: string): void {
  ps.forEach((p, i) => {
    const w = want[i];
    expect(p.shape).toEqual(w.shape);
    expectClose(p.dataSync(), w.data, `${label} ${w.name}`, 1e-5, 1e-6 * Math.max(...w.data.map(Math.abs)));
  });
}

/** Runs a trajectory config the way optim.py does. */
function runTrajectory(
  t: any,
  extra: Record<string, unknown> = {},
): { losses: number[]; norms: number[]; lrs: number[][]; ps: Tensor[]; opt: AnyOpt } {
  const ps = initialParams();
  const opt = makeOptimizer(t.optimizer, ps, t.options, t.groups, extra);
  const sched = t.scheduler === null ? null : makeScheduler(opt, t.scheduler);
  const losses: number[] = [];
  const norms: number[] = [];
  const lrs: number[][] = [];
  for (let s = 0; s < ref.steps; s++) {
    opt.zeroGrad();
    losses.push(lossAndGrad(ps));
    if (t.clip !== null) {
      if ('clipValue' in t.clip) O.clipGradValue(ps, t.clip.clipValue);
      else {
        const n = O.clipGradNorm(ps, t.clip.maxNorm, t.clip.normType);
        norms.push(n.item());
        n.dispose();
      }
    }
    lrs.push(opt.paramGroups.map((g) => g.lr));
    opt.step();
    sched?.step();
  }
  return { losses, norms, lrs, ps, opt };
}

describe('optimizer trajectories match PyTorch (25 steps, loss per step and final parameters)', () => {
  for (const t of ref.trajectories) {
    it(t.name, () => {
      const { losses, norms, lrs, ps, opt } = runTrajectory(t);
      expectClose(losses, t.losses, `${t.name} loss`);
      if (t.totalNorms !== null) expectClose(norms, t.totalNorms, `${t.name} total grad norm`);
      if (t.lrs !== null) expectClose(lrs.flat(), t.lrs.flat(), `${t.name} lr`, 1e-9);
      expectParams(ps, t.params, t.name);
      const final = mlpLoss(ps);
      expectClose([final.item()], [t.finalLoss], `${t.name} final loss`);
      final.dispose();
      opt.dispose();
      for (const p of ps) p.dispose();
    });
  }
});

describe('the composed (non-fused) update path matches PyTorch too', () => {
  for (const t of ref.trajectories.filter((x: any) => ['SGD', 'Adam', 'AdamW'].includes(x.optimizer))) {
    it(`${t.name} (fused: false)`, () => {
      const { losses, ps, opt } = runTrajectory(t, { fused: false });
      expectClose(losses, t.losses, `${t.name} loss`);
      expectParams(ps, t.params, t.name);
      opt.dispose();
      for (const p of ps) p.dispose();
    });
  }
});

function groupLrsOf(s: any): number[] | null {
  return s.groupLrs;
}

function runSchedule(s: any): { lrs: number[][]; momentum: (number | null)[][]; lastLrs: number[][] } {
  const n = groupLrsOf(s)?.length ?? 1;
  const ps = Array.from({ length: n }, () => initialParams()[1]);
  const params = s.groupLrs === null ? ps : ps.map((p: Tensor, i: number) => ({ params: [p], lr: s.groupLrs[i] }));
  const Ctor = (O as any)[s.optimizer];
  const optimizer: AnyOpt = new Ctor(params, s.options);
  const sched = makeScheduler(optimizer, s.scheduler);
  const mom = () => optimizer.paramGroups.map((g: any) => (g.betas !== undefined ? g.betas[0] : (g.momentum ?? null)));
  const lrs = [optimizer.paramGroups.map((g) => g.lr)];
  const momentum = [mom()];
  const lastLrs = [sched.getLastLr()];
  for (let i = 0; i < ref.schedulerSteps; i++) {
    optimizer.step();
    if (s.metrics !== null) sched.step(s.metrics[i]);
    else sched.step();
    lrs.push(optimizer.paramGroups.map((g) => g.lr));
    momentum.push(mom());
    lastLrs.push(sched.getLastLr());
  }
  return { lrs, momentum, lastLrs };
}

describe('learning-rate schedulers match PyTorch (lr after construction and after each of 30 steps)', () => {
  for (const s of ref.schedulers) {
    it(s.name, () => {
      const { lrs, momentum, lastLrs } = runSchedule(s);
      expectClose(lrs.flat(), s.lrs.flat(), `${s.name} lr`, 1e-9);
      expectClose(lastLrs.flat(), s.lrs.flat(), `${s.name} getLastLr()`, 1e-9);
      expectClose(momentum.flat() as number[], s.momentum.flat(), `${s.name} momentum/beta1`, 1e-9);
    });
  }
});
