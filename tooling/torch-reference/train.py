#!/usr/bin/env python3
"""PyTorch reference for @nn/train: logistic regression trained by minibatch SGD with momentum and
an exponential learning-rate schedule, with explicit initial weights and batch order.

    /usr/bin/python3 tooling/torch-reference/train.py

Writes out/train.json: { torch, x [n,d], y [n,1], weight [1,d], bias [1], lr, momentum, gamma,
batchSize, epochs, order: [epoch][n] sample indices, stepLosses: [epoch][batch], epochLr: [epoch]
(lr used during the epoch), final: { weight, bias } }.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from generate import rng_for, tensor_json, write_json

torch.set_num_threads(1)

N, D, BATCH, EPOCHS = 48, 3, 8, 4
LR, MOMENTUM, GAMMA = 0.5, 0.9, 0.9


def main() -> None:
    rng = rng_for("train/logreg")
    x = torch.from_numpy(rng.standard_normal((N, D)).astype(np.float32))
    true_w = torch.tensor([[1.5, -2.0, 0.5]])
    y = ((x @ true_w.T + 0.3 + 0.5 * torch.from_numpy(rng.standard_normal((N, 1)).astype(np.float32))) > 0).float()
    model = nn.Linear(D, 1)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(rng.standard_normal((1, D)).astype(np.float32) * 0.1))
        model.bias.zero_()
    init = {"weight": tensor_json(model.weight), "bias": tensor_json(model.bias)}
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=GAMMA)
    order, step_losses, epoch_lr = [], [], []
    for _ in range(EPOCHS):
        perm = rng.permutation(N)
        order.append([int(i) for i in perm])
        epoch_lr.append(opt.param_groups[0]["lr"])
        losses = []
        for b in range(0, N, BATCH):
            idx = torch.from_numpy(perm[b:b + BATCH])
            loss = F.binary_cross_entropy_with_logits(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        step_losses.append(losses)
        sched.step()
    write_json("train.json", {
        "torch": torch.__version__, "x": tensor_json(x), "y": tensor_json(y), **init,
        "lr": LR, "momentum": MOMENTUM, "gamma": GAMMA, "batchSize": BATCH, "epochs": EPOCHS,
        "order": order, "stepLosses": step_losses, "epochLr": epoch_lr,
        "final": {"weight": tensor_json(model.weight), "bias": tensor_json(model.bias)},
    })


if __name__ == "__main__":
    main()
