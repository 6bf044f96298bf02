#!/usr/bin/env python3
"""PyTorch reference values for @nn/optim: optimizer trajectories (full-batch MSE training of a
fixed 2-16-16-1 tanh MLP), gradient clipping inside the loop, and learning-rate scheduler
sequences (lr and momentum / beta1 after construction and after each of 30 steps).

    /usr/bin/python3 tooling/torch-reference/optim.py

Writes out/optim.json (deterministic: explicit initial weights and data from a crc32-seeded
numpy generator, one thread). Schema:

    torch            torch version
    model            sizes [2,16,16,1], activation, loss (text), params [{name,shape,dtype,data}]
                     (w1 b1 w2 b2 w3 b3, weights [out,in]), x [16,2], y [16,1]
    steps            25 (training steps per trajectory)
    schedulerSteps   30
    trajectories[]   name, optimizer (class name), options (defaults, camelCase), groups (null, or
                     [{params: [indices], ...options}]), clip (null | {maxNorm, normType (number or
                     "inf")} | {clipValue}), scheduler (null | {type, options}), losses[25] (loss
                     before each update), totalNorms (clipGradNorm results per step, or null), lrs
                     (per step, per group, when a scheduler runs), finalLoss, params (after 25 steps)
    schedulers[]     name, optimizer, options, groupLrs (null = one group, else one group per lr),
                     scheduler {type, options} (SequentialLR: options.schedulers is a list of specs;
                     LambdaLR: options.lambda names a function in LAMBDAS), metrics (the values fed to
                     ReduceLROnPlateau.step, or null), lrs[31][groups] (after construction, then after
                     each step), momentum[31][groups] (group momentum, or betas[0] for Adam)

Each step is zero_grad(set_to_none=True), forward, backward, [clip], optimizer.step(),
[scheduler.step()]. Floats from tensors are float32 (shortest round-trip decimals); lrs are doubles.
Options are written in the library's camelCase spelling and translated to torch's keyword
arguments here, so the TypeScript tests can pass them straight to the constructors.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, clip_grad_value_
from torch.optim import lr_scheduler as S

from generate import OUT_DIR, f32, rng_for, tensor_json, write_json

SIZES = [2, 16, 16, 1]
BATCH = 16
STEPS = 25
SCHED_STEPS = 30

# camelCase option -> torch keyword
KW = {
    "lr": "lr", "momentum": "momentum", "dampening": "dampening", "weightDecay": "weight_decay",
    "nesterov": "nesterov", "maximize": "maximize", "lrDecay": "lr_decay",
    "initialAccumulatorValue": "initial_accumulator_value", "eps": "eps", "alpha": "alpha",
    "centered": "centered", "betas": "betas", "amsgrad": "amsgrad",
    # schedulers
    "stepSize": "step_size", "gamma": "gamma", "milestones": "milestones", "factor": "factor",
    "totalIters": "total_iters", "startFactor": "start_factor", "endFactor": "end_factor",
    "power": "power", "tMax": "T_max", "etaMin": "eta_min", "t0": "T_0", "tMult": "T_mult",
    "maxLr": "max_lr", "totalSteps": "total_steps", "pctStart": "pct_start",
    "annealStrategy": "anneal_strategy", "divFactor": "div_factor", "finalDivFactor": "final_div_factor",
    "threePhase": "three_phase", "baseMomentum": "base_momentum", "maxMomentum": "max_momentum",
    "cycleMomentum": "cycle_momentum", "mode": "mode", "patience": "patience",
    "threshold": "threshold", "thresholdMode": "threshold_mode", "cooldown": "cooldown", "minLr": "min_lr",
}

OPTIMIZERS = {
    "SGD": torch.optim.SGD, "Adagrad": torch.optim.Adagrad, "RMSprop": torch.optim.RMSprop,
    "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW, "Adamax": torch.optim.Adamax,
}


def kw(options: dict) -> dict:
    return {KW[k]: (tuple(v) if k == "betas" else v) for k, v in options.items()}


# --------------------------------------------------------------------------------------------
# The model and data (explicit values, written to the JSON)
# --------------------------------------------------------------------------------------------


def make_model() -> tuple[list[tuple[str, torch.Tensor]], torch.Tensor, torch.Tensor]:
    rng = rng_for("optim", "mlp")
    params = []
    for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:]), start=1):
        bound = 1.0 / math.sqrt(n_in)
        params.append((f"w{i}", torch.from_numpy(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))))
        params.append((f"b{i}", torch.from_numpy(rng.uniform(-bound, bound, (n_out,)).astype(np.float32))))
    x = rng.uniform(-2.0, 2.0, (BATCH, 2)).astype(np.float32)
    y = (np.sin(x[:, :1]) * np.cos(x[:, 1:]) + 0.1 * x[:, :1]).astype(np.float32)
    return params, torch.from_numpy(x), torch.from_numpy(y)


def mlp_loss(ps: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    w1, b1, w2, b2, w3, b3 = ps
    h = torch.tanh(F.linear(x, w1, b1))
    h = torch.tanh(F.linear(h, w2, b2))
    return torch.mean((F.linear(h, w3, b3) - y) ** 2)


# --------------------------------------------------------------------------------------------
# Trajectories
# --------------------------------------------------------------------------------------------

# name, optimizer, options (defaults for every group), groups (None = one group with all params;
# else a list of {"params": [indices], **options}), clip (None or {"maxNorm", "normType"} or
# {"clipValue"}), scheduler (None or {"type", "options"}; stepped after optimizer.step()).
TRAJECTORIES = [
    ("sgd_plain", "SGD", {"lr": 0.1}, None, None, None),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None, None, None),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None, None, None),
    ("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}, None, None, None),
    ("sgd_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.9, "weightDecay": 0.01}, None, None, None),
    ("sgd_maximize", "SGD", {"lr": 0.002, "momentum": 0.5, "maximize": True}, None, None, None),
    ("adagrad", "Adagrad", {"lr": 0.05, "lrDecay": 0.01, "weightDecay": 0.001, "initialAccumulatorValue": 0.1},
     None, None, None),
    ("adagrad_default", "Adagrad", {}, None, None, None),
    ("rmsprop", "RMSprop", {"lr": 0.003}, None, None, None),
    ("rmsprop_centered_momentum", "RMSprop",
     {"lr": 0.002, "alpha": 0.9, "centered": True, "momentum": 0.8, "weightDecay": 0.001}, None, None, None),
    ("adam", "Adam", {"lr": 0.01}, None, None, None),
    ("adam_default", "Adam", {}, None, None, None),
    ("adam_amsgrad_weight_decay", "Adam", {"lr": 0.01, "amsgrad": True, "weightDecay": 0.01,
                                           "betas": [0.8, 0.99], "eps": 1e-6}, None, None, None),
    ("adam_maximize", "Adam", {"lr": 0.005, "maximize": True}, None, None, None),
    ("adamw", "AdamW", {"lr": 0.01}, None, None, None),
    ("adamw_amsgrad", "AdamW", {"lr": 0.01, "weightDecay": 0.1, "amsgrad": True}, None, None, None),
    ("adam_two_groups", "Adam", {"lr": 0.001},
     [{"params": [0, 1], "lr": 0.02}, {"params": [2, 3, 4, 5], "betas": [0.85, 0.995]}], None, None),
    ("adamax", "Adamax", {"lr": 0.01, "weightDecay": 0.001}, None, None, None),
    ("sgd_momentum_clip_norm", "SGD", {"lr": 0.1, "momentum": 0.9}, None, {"maxNorm": 0.05, "normType": 2}, None),
    ("adam_clip_norm_inf", "Adam", {"lr": 0.01}, None, {"maxNorm": 0.02, "normType": "inf"}, None),
    ("sgd_clip_norm_1", "SGD", {"lr": 0.1}, None, {"maxNorm": 0.1, "normType": 1}, None),
    ("sgd_clip_value", "SGD", {"lr": 0.1, "momentum": 0.5}, None, {"clipValue": 0.01}, None),
    ("sgd_onecycle", "SGD", {"lr": 0.1, "momentum": 0.9}, None, None,
     {"type": "OneCycleLR", "options": {"maxLr": 0.2, "totalSteps": STEPS}}),
    ("adam_onecycle", "Adam", {"lr": 0.01}, None, None,
     {"type": "OneCycleLR", "options": {"maxLr": 0.02, "totalSteps": STEPS, "pctStart": 0.4}}),
    ("adamw_cosine", "AdamW", {"lr": 0.02, "weightDecay": 0.05}, None, None,
     {"type": "CosineAnnealingLR", "options": {"tMax": 10, "etaMin": 0.001}}),
]


def make_scheduler(opt, spec: dict):
    t = spec["type"]
    o = dict(spec.get("options", {}))
    if t == "SequentialLR":
        children = [make_scheduler(opt, c) for c in o.pop("schedulers")]
        return S.SequentialLR(opt, children, milestones=o["milestones"])
    if t == "LambdaLR":
        return S.LambdaLR(opt, LAMBDAS[o["lambda"]])
    if t == "ReduceLROnPlateau":
        return S.ReduceLROnPlateau(opt, **kw(o))
    return getattr(S, t)(opt, **kw(o))


def run_trajectory(model, x, y, name, opt_name, options, groups, clip, sched) -> dict:
    ps = [p.clone().requires_grad_(True) for _, p in model]
    if groups is None:
        opt = OPTIMIZERS[opt_name](ps, **kw(options))
    else:
        torch_groups = [{"params": [ps[i] for i in g["params"]], **kw({k: v for k, v in g.items() if k != "params"})}
                        for g in groups]
        opt = OPTIMIZERS[opt_name](torch_groups, **kw(options))
    scheduler = make_scheduler(opt, sched) if sched is not None else None
    losses, norms, lrs = [], [], []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = mlp_loss(ps, x, y)
        loss.backward()
        losses.append(f32(loss.item()))
        if clip is not None:
            if "clipValue" in clip:
                clip_grad_value_(ps, clip["clipValue"])
            else:
                nt = math.inf if clip["normType"] == "inf" else clip["normType"]
                norms.append(f32(clip_grad_norm_(ps, clip["maxNorm"], nt).item()))
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return {
        "name": name,
        "optimizer": opt_name,
        "options": options,
        "groups": groups,
        "clip": clip,
        "scheduler": sched,
        "losses": losses,
        "totalNorms": norms if norms else None,
        "lrs": lrs if sched is not None else None,
        "finalLoss": f32(mlp_loss(ps, x, y).item()),
        "params": [tensor_json(p, n) for (n, _), p in zip(model, ps)],
    }


# --------------------------------------------------------------------------------------------
# Schedulers
# --------------------------------------------------------------------------------------------

LAMBDAS = {
    # the seeds' power schedule lr0 * (1 + t/s)^(-c) with s = 10, c = 0.75
    "power_s10_c075": lambda t: (1 + t / 10) ** (-0.75),
    # inverse square root with warmup: lr0 / sqrt(max(t, warmup)), warmup = 4
    "inv_sqrt_w4": lambda t: 1 / math.sqrt(max(t, 4)),
    "step_halves": lambda t: 0.5 ** (t // 4),
}

SGD_M = ("SGD", {"lr": 0.1, "momentum": 0.9})
# name, (optimizer, options), group lrs (None = one group), scheduler spec, metrics (plateau only)
SCHEDULERS = [
    ("step", SGD_M, None, {"type": "StepLR", "options": {"stepSize": 7, "gamma": 0.5}}, None),
    ("step_two_groups", SGD_M, [0.1, 0.03], {"type": "StepLR", "options": {"stepSize": 4}}, None),
    ("multistep", SGD_M, None, {"type": "MultiStepLR", "options": {"milestones": [5, 12, 12, 20], "gamma": 0.3}}, None),
    ("exponential", SGD_M, None, {"type": "ExponentialLR", "options": {"gamma": 0.9}}, None),
    ("constant", SGD_M, None, {"type": "ConstantLR", "options": {"factor": 0.25, "totalIters": 6}}, None),
    ("linear_warmup_default", SGD_M, None, {"type": "LinearLR", "options": {}}, None),
    ("linear_decay", SGD_M, [0.1, 0.02], {"type": "LinearLR", "options": {"startFactor": 1.0, "endFactor": 0.05, "totalIters": 20}}, None),
    ("polynomial", SGD_M, None, {"type": "PolynomialLR", "options": {"totalIters": 20, "power": 2.0}}, None),
    ("polynomial_default", SGD_M, None, {"type": "PolynomialLR", "options": {}}, None),
    ("cosine_tmax10_etamin", SGD_M, None, {"type": "CosineAnnealingLR", "options": {"tMax": 10, "etaMin": 0.001}}, None),
    ("cosine_tmax30", SGD_M, None, {"type": "CosineAnnealingLR", "options": {"tMax": 30}}, None),
    ("cosine_tmax7_two_groups", SGD_M, [0.1, 0.5], {"type": "CosineAnnealingLR", "options": {"tMax": 7, "etaMin": 0.01}}, None),
    ("warm_restarts_t5_mult2", SGD_M, None,
     {"type": "CosineAnnealingWarmRestarts", "options": {"t0": 5, "tMult": 2, "etaMin": 0.01}}, None),
    ("warm_restarts_t7", SGD_M, None, {"type": "CosineAnnealingWarmRestarts", "options": {"t0": 7}}, None),
    ("onecycle_sgd", SGD_M, None, {"type": "OneCycleLR", "options": {"maxLr": 0.5, "totalSteps": 30}}, None),
    ("onecycle_adam_three_phase_linear", ("Adam", {"lr": 0.001}), [0.001, 0.002],
     {"type": "OneCycleLR", "options": {"maxLr": [0.01, 0.03], "totalSteps": 40, "pctStart": 0.25,
                                        "annealStrategy": "linear", "threePhase": True,
                                        "divFactor": 10.0, "finalDivFactor": 100.0}}, None),
    ("onecycle_sgd_custom_momentum", ("SGD", {"lr": 0.1, "momentum": 0.5}), None,
     {"type": "OneCycleLR", "options": {"maxLr": 1.0, "totalSteps": 35, "pctStart": 0.2,
                                        "baseMomentum": 0.8, "maxMomentum": 0.9}}, None),
    ("lambda_power", SGD_M, None, {"type": "LambdaLR", "options": {"lambda": "power_s10_c075"}}, None),
    ("lambda_inv_sqrt", SGD_M, None, {"type": "LambdaLR", "options": {"lambda": "inv_sqrt_w4"}}, None),
    ("lambda_step_halves", SGD_M, None, {"type": "LambdaLR", "options": {"lambda": "step_halves"}}, None),
    ("sequential_warmup_cosine", SGD_M, None,
     {"type": "SequentialLR", "options": {"schedulers": [
         {"type": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 5}},
         {"type": "CosineAnnealingLR", "options": {"tMax": 25}}], "milestones": [5]}}, None),
    ("sequential_three", SGD_M, [0.1, 0.04],
     {"type": "SequentialLR", "options": {"schedulers": [
         {"type": "ConstantLR", "options": {"factor": 0.5, "totalIters": 3}},
         {"type": "ExponentialLR", "options": {"gamma": 0.8}},
         {"type": "StepLR", "options": {"stepSize": 4, "gamma": 0.5}}], "milestones": [4, 12]}}, None),
    ("plateau_min_rel", SGD_M, None,
     {"type": "ReduceLROnPlateau", "options": {"factor": 0.5, "patience": 2, "threshold": 0.01,
                                               "cooldown": 1, "minLr": 0.01}}, "plateau"),
    ("plateau_max_abs_two_groups", SGD_M, [0.1, 0.05],
     {"type": "ReduceLROnPlateau", "options": {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05,
                                               "thresholdMode": "abs", "minLr": [0.001, 0.004]}}, "rising"),
    ("plateau_defaults", SGD_M, None, {"type": "ReduceLROnPlateau", "options": {}}, "flat"),
]

METRICS = {
    # falls, stalls, falls a little (below the 1% relative threshold), stalls again
    "plateau": [1.0, 0.8, 0.7, 0.69, 0.695, 0.7, 0.6, 0.598, 0.597, 0.5969, 0.5, 0.45, 0.45, 0.45, 0.45,
                0.449, 0.449, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2],
    "rising": [0.1, 0.2, 0.22, 0.3, 0.31, 0.32, 0.5, 0.5, 0.56, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.8,
               0.8, 0.8, 0.8, 0.8, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98],
    "flat": [1.0] * SCHED_STEPS,
}


def momentum_of(group) -> float | None:
    if "betas" in group:
        return group["betas"][0]
    return group.get("momentum")


def run_scheduler(name, opt_spec, group_lrs, spec, metrics) -> dict:
    opt_name, options = opt_spec
    if group_lrs is None:
        ps = [torch.zeros(2, requires_grad=True)]
        opt = OPTIMIZERS[opt_name](ps, **kw(options))
    else:
        ps = [torch.zeros(2, requires_grad=True) for _ in group_lrs]
        opt = OPTIMIZERS[opt_name]([{"params": [p], "lr": lr} for p, lr in zip(ps, group_lrs)], **kw(options))
    sched = make_scheduler(opt, spec)
    plateau = spec["type"] == "ReduceLROnPlateau"
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [[momentum_of(g) for g in opt.param_groups]]
    ms = METRICS[metrics] if metrics else None
    n = SCHED_STEPS
    for i in range(n):
        opt.step()  # no gradients: a no-op, but keeps torch's call order
        if plateau:
            sched.step(ms[i])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([momentum_of(g) for g in opt.param_groups])
        if not plateau:
            assert sched.get_last_lr() == lrs[-1]
    for row in lrs:
        for v in row:
            assert math.isfinite(v)
    return {
        "name": name,
        "optimizer": opt_name,
        "options": options,
        "groupLrs": group_lrs,
        "scheduler": spec,
        "metrics": ms,
        "lrs": lrs,
        "momentum": moms,
    }


def main() -> None:
    # SequentialLR steps a child with an explicit epoch at each milestone (torch's own design); it warns.
    warnings.filterwarnings("ignore", message="The epoch parameter")
    model, x, y = make_model()
    trajectories = [run_trajectory(model, x, y, *t) for t in TRAJECTORIES]
    schedulers = [run_scheduler(*s) for s in SCHEDULERS]
    payload = {
        "torch": torch.__version__,
        "model": {
            "sizes": SIZES,
            "activation": "tanh",
            "loss": "mean((linear(tanh(linear(tanh(linear(x,w1,b1)),w2,b2)),w3,b3) - y)**2)",
            "params": [tensor_json(p, n) for n, p in model],
            "x": tensor_json(x),
            "y": tensor_json(y),
        },
        "steps": STEPS,
        "schedulerSteps": SCHED_STEPS,
        "trajectories": trajectories,
        "schedulers": schedulers,
    }
    path = write_json("optim.json", payload)
    print(f"{path.relative_to(OUT_DIR.parent.parent.parent)}: {path.stat().st_size} bytes, "
          f"{len(trajectories)} trajectories, {len(schedulers)} scheduler sequences, torch {torch.__version__}")


if __name__ == "__main__":
    main()
