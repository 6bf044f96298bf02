"""A small classifier trained in PyTorch, for examples/pytorch-weights.ts.

    /usr/bin/python3 tooling/torch-reference/example_weights.py

Trains Sequential(Linear(2, 32), BatchNorm1d(32), ReLU(), Dropout(0.1), Linear(32, 32), ReLU(),
Linear(32, 3)) on a three-arm spiral made with numpy, and writes:
- out/example-mlp.safetensors: its state_dict (BatchNorm running statistics and the int64
  num_batches_tracked included), in the reference serializer's layout;
- out/example-mlp.json: the architecture, test inputs, their labels, and the model's eval-mode
  logits and accuracy, for the TypeScript side to reproduce.
Deterministic: the data come from a crc32-keyed numpy generator, the weights from torch.manual_seed.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from generate import OUT_DIR, rng_for, tensor_json, write_json
from layers import write_safetensors


def spiral(key: str, n: int, classes: int = 3, noise: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    rng = rng_for(key)
    per = n // classes
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1, per)
        t = 2 * np.pi * c / classes + r * 2 * np.pi + rng.standard_normal(per) * noise
        xs.append(np.stack([r * np.cos(t), r * np.sin(t)], 1))
        ys.append(np.full(per, c))
    return torch.tensor(np.concatenate(xs), dtype=torch.float32), torch.tensor(np.concatenate(ys), dtype=torch.int64)


def main() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3)
    )
    x, y = spiral("example-mlp/train", 600)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(60):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    xt, yt = spiral("example-mlp/test", 300)
    with torch.no_grad():
        logits = model(xt)
    accuracy = (logits.argmax(1) == yt).float().mean().item()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_safetensors(OUT_DIR / "example-mlp.safetensors", model.state_dict())
    write_json("example-mlp.json", {
        "torch": torch.__version__,
        "architecture": "Sequential(Linear(2, 32), BatchNorm1d(32), ReLU(), Dropout(0.1), Linear(32, 32), ReLU(), Linear(32, 3))",
        "input": tensor_json(xt),
        "labels": tensor_json(yt.to(torch.int32)),
        "logits": tensor_json(logits),
        "accuracy": accuracy,
    })
    print(f"test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
