#!/usr/bin/env python3
"""PyTorch reference values for @nn/layers: modules (forward, input and parameter gradients,
BatchNorm running statistics over several training steps, eval mode), losses, and a safetensors
file written by a minimal writer that follows the reference serializer's byte layout.

    /usr/bin/python3 tooling/torch-reference/layers.py

Writes out/layers.json and out/mlp.safetensors. Schema: see README.md ("layers.json").
"""

from __future__ import annotations

import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from generate import OUT_DIR, rng_for, tensor_json, write_json

torch.set_num_threads(1)


def randn(key: str, *shape: int, scale: float = 1.0) -> torch.Tensor:
    return torch.from_numpy(np.asarray(rng_for(key).standard_normal(shape) * scale, dtype=np.float32))


def set_params(m: nn.Module, key: str) -> None:
    """Deterministic parameter values (independent of torch's RNG)."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(randn(f"{key}/{name}", *p.shape, scale=0.5))


def module_case(name: str, module: nn.Module, ctor: dict, inputs: list[torch.Tensor], modes: list[str],
                int_inputs: bool = False) -> dict:
    """Runs one step per mode ('train'/'eval') with fresh inputs per step; records everything."""
    set_params(module, name)
    state0 = {k: tensor_json(v) for k, v in module.state_dict().items() if v.dtype != torch.int64}
    steps = []
    for i, mode in enumerate(modes):
        module.train(mode == "train")
        x = inputs[i].clone()
        if x.is_floating_point():
            x.requires_grad_(True)
        module.zero_grad(set_to_none=True)
        y = module(x)
        g = randn(f"{name}/g{i}", *y.shape)
        (y * g).sum().backward()
        steps.append({
            "mode": mode,
            "input": tensor_json(x),
            "output": tensor_json(y),
            "gradOutput": tensor_json(g),
            "inputGrad": tensor_json(x.grad) if x.grad is not None else None,
            "paramGrads": {k: tensor_json(p.grad) for k, p in module.named_parameters() if p.grad is not None},
            "buffers": {k: tensor_json(b) for k, b in module.named_buffers() if b.dtype != torch.int64},
        })
    return {"name": name, "ctor": ctor, "state": state0, "steps": steps}


def modules() -> list[dict]:
    cases = []
    x = lambda key, *s: randn(key, *s)  # noqa: E731
    cases.append(module_case("linear", nn.Linear(3, 4), {"type": "Linear", "args": [3, 4]}, [x("lin", 5, 3)], ["train"]))
    cases.append(module_case("linear_nobias_3d", nn.Linear(3, 2, bias=False), {"type": "Linear", "args": [3, 2, {"bias": False}]},
                             [x("lin3", 2, 4, 3)], ["train"]))
    for act, ctor in [(nn.Sigmoid(), ["Sigmoid"]), (nn.Tanh(), ["Tanh"]), (nn.ReLU(), ["ReLU"]),
                      (nn.LeakyReLU(0.1), ["LeakyReLU", 0.1]), (nn.ELU(0.7), ["ELU", 0.7]), (nn.GELU(), ["GELU"]),
                      (nn.GELU("tanh"), ["GELU", "tanh"]), (nn.Softplus(2.0, 5.0), ["Softplus", 2.0, 5.0]),
                      (nn.Softmax(1), ["Softmax", 1]), (nn.LogSoftmax(-1), ["LogSoftmax", -1])]:
        nm = "act_" + "_".join(str(c) for c in ctor)
        cases.append(module_case(nm, act, {"type": ctor[0], "args": ctor[1:]}, [x(nm, 4, 5) * 2], ["train"]))
    prelu = nn.PReLU(3)
    cases.append(module_case("prelu3", prelu, {"type": "PReLU", "args": [3]}, [x("prelu", 2, 3, 4)], ["train"]))
    bn = nn.BatchNorm1d(3)
    cases.append(module_case("batchnorm1d", bn, {"type": "BatchNorm1d", "args": [3]},
                             [x(f"bn{i}", 6, 3) * (i + 1) + i for i in range(4)], ["train", "train", "train", "eval"]))
    bn3 = nn.BatchNorm1d(2, momentum=None, affine=False)
    cases.append(module_case("batchnorm1d_3d_cma_noaffine", bn3, {"type": "BatchNorm1d", "args": [2, {"momentum": None, "affine": False}]},
                             [x(f"bn3_{i}", 3, 2, 4) + i for i in range(3)], ["train", "train", "eval"]))
    ln = nn.LayerNorm(4)
    cases.append(module_case("layernorm", ln, {"type": "LayerNorm", "args": [4]}, [x("ln", 2, 3, 4) * 3 + 1], ["train"]))
    ln2 = nn.LayerNorm([3, 4], eps=1e-3)
    cases.append(module_case("layernorm_2d", ln2, {"type": "LayerNorm", "args": [[3, 4], {"eps": 1e-3}]}, [x("ln2", 2, 3, 4)], ["train"]))
    emb = nn.Embedding(5, 3, padding_idx=1)
    idx = torch.tensor([[0, 1, 4], [4, 2, 1]], dtype=torch.int32)
    cases.append(module_case("embedding_padding", emb, {"type": "Embedding", "args": [5, 3, {"paddingIdx": 1}]}, [idx], ["train"]))
    res = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4))

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = res

        def forward(self, t):
            return t + self.body(t)
    cases.append(module_case("residual", Residual(), {"type": "Residual"}, [x("res", 3, 4)], ["train"]))

    class Maxout(nn.Module):  # our definition: Linear(in, out * k), max over each group of k
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2 * 3)

        def forward(self, t):
            z = self.linear(t)
            return z.reshape(*z.shape[:-1], 2, 3).amax(-1)
    cases.append(module_case("maxout", Maxout(), {"type": "Maxout", "args": [3, 2, 3]}, [x("maxout", 4, 3)], ["train"]))
    return cases


def loss_case(name: str, fn, args: dict, input: torch.Tensor, target: torch.Tensor, **tensors) -> dict:
    inp = input.clone().requires_grad_(True)
    out = fn(inp, target, **{k: v for k, v in tensors.items()}, **{k: v for k, v in args.items() if k != "reduction"}, reduction=args["reduction"])
    g = randn(f"{name}/g", *out.shape)
    (out * g).sum().backward()
    return {
        "name": name, "loss": fn.__name__, "args": args,
        "input": tensor_json(inp), "target": tensor_json(target.int() if target.dtype == torch.int64 else target),
        "tensors": {k: tensor_json(v) for k, v in tensors.items()},
        "output": tensor_json(out), "gradOutput": tensor_json(g), "inputGrad": tensor_json(inp.grad),
    }


def losses() -> list[dict]:
    cases = []
    x = randn("loss/x", 4, 3)
    y = randn("loss/y", 4, 3)
    p = torch.sigmoid(randn("loss/p", 4, 3))
    b = (randn("loss/b", 4, 3) > 0).float()
    labels = torch.tensor([2, 0, 1, 2], dtype=torch.int32)
    w = torch.tensor([0.2, 1.0, 3.0])
    for red in ["mean", "sum", "none"]:
        cases.append(loss_case(f"mse_{red}", F.mse_loss, {"reduction": red}, x, y))
        cases.append(loss_case(f"l1_{red}", F.l1_loss, {"reduction": red}, x, y))
        cases.append(loss_case(f"huber_{red}", F.huber_loss, {"reduction": red, "delta": 0.5}, x, y))
        cases.append(loss_case(f"bce_{red}", F.binary_cross_entropy, {"reduction": red}, p, b))
        cases.append(loss_case(f"bce_logits_{red}", F.binary_cross_entropy_with_logits, {"reduction": red}, x * 3, b))
        cases.append(loss_case(f"cross_entropy_{red}", F.cross_entropy, {"reduction": red}, x * 2, labels.long()))
        cases.append(loss_case(f"nll_{red}", F.nll_loss, {"reduction": red}, F.log_softmax(x, 1).detach(), labels.long()))
    cases.append(loss_case("bce_weighted", F.binary_cross_entropy, {"reduction": "mean"}, p, b, weight=torch.tensor([1.0, 2.0, 0.5])))
    cases.append(loss_case("bce_saturated", F.binary_cross_entropy, {"reduction": "sum"}, torch.tensor([0.0, 1.0, 0.5]), torch.tensor([1.0, 1.0, 0.0])))
    cases.append(loss_case("bce_logits_pos_weight", F.binary_cross_entropy_with_logits, {"reduction": "mean"}, x * 3, b,
                           pos_weight=torch.tensor([1.0, 3.0, 0.5]), weight=torch.tensor([[2.0], [1.0], [0.5], [1.0]])))
    cases.append(loss_case("cross_entropy_weight_ignore", F.cross_entropy, {"reduction": "mean", "ignore_index": 1}, x * 2,
                           torch.tensor([2, 1, 1, 0]), weight=w))
    cases.append(loss_case("cross_entropy_smoothing", F.cross_entropy, {"reduction": "mean", "label_smoothing": 0.1}, x * 2, labels.long()))
    cases.append(loss_case("cross_entropy_smoothing_weight_ignore", F.cross_entropy,
                           {"reduction": "mean", "label_smoothing": 0.2, "ignore_index": 0}, x * 2, labels.long(), weight=w))
    cases.append(loss_case("cross_entropy_smoothing_sum", F.cross_entropy, {"reduction": "sum", "label_smoothing": 0.3}, x * 2, labels.long()))
    cases.append(loss_case("cross_entropy_probs", F.cross_entropy, {"reduction": "mean"}, x * 2, torch.softmax(y, 1)))
    cases.append(loss_case("cross_entropy_probs_smoothing_weight", F.cross_entropy, {"reduction": "sum", "label_smoothing": 0.1},
                           x * 2, torch.softmax(y, 1), weight=w))
    cases.append(loss_case("cross_entropy_3d", F.cross_entropy, {"reduction": "mean"}, randn("ce3d", 2, 3, 4),
                           torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]])))
    cases.append(loss_case("nll_weight_ignore", F.nll_loss, {"reduction": "mean", "ignore_index": 2}, F.log_softmax(x, 1).detach(), labels.long(), weight=w))
    return cases


def write_safetensors(path, tensors: dict[str, torch.Tensor]) -> None:
    """Minimal writer with the reference layout: sorted by dtype (descending) then name, compact
    JSON, padded with spaces to a multiple of 8, then little-endian data."""
    order = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
    codes = {torch.float32: "F32", torch.int32: "I32", torch.float64: "F64", torch.bool: "BOOL", torch.int64: "I64"}
    items = sorted(tensors.items(), key=lambda kv: (-order.index(codes[kv[1].dtype]), kv[0]))
    header, blobs, offset = {}, [], 0
    for name, t in items:
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    set_params(model, "safetensors_mlp")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_safetensors(OUT_DIR / "mlp.safetensors", model.state_dict())
    xin = randn("safetensors/x", 4, 2)
    payload = {
        "torch": torch.__version__,
        "modules": modules(),
        "losses": losses(),
        "safetensors": {"file": "mlp.safetensors", "state": {k: tensor_json(v) for k, v in model.state_dict().items()},
                        "input": tensor_json(xin), "output": tensor_json(model(xin))},
    }
    write_json("layers.json", payload)


if __name__ == "__main__":
    main()
