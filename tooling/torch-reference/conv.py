#!/usr/bin/env python3
"""PyTorch reference values for convolutional networks: the functional ops (conv1d, conv2d,
convTranspose2d, pooling, unfold/fold, pad modes) with gradients, and the modules (Conv*, pooling,
BatchNorm2d with running statistics, GroupNorm).

    /usr/bin/python3 tooling/torch-reference/conv.py

Writes out/conv.json: {"torch", "ops": [...], "modules": [...]}. `ops` entries have the schema of
ops.json cases (name, op, args, inputs, output, gradOutput, grads); `args` is the options object
of the library call, in its camelCase spelling. `modules` entries have the schema of layers.json
modules (name, ctor {type, args}, state, steps). See README.md.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from generate import In, ints, lit, normal, rng_for, tensor_json, write_json
from layers import module_case, randn


def _pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else v


def _conv(fn):
    def run(a, x, w, b=None):
        pad = a.get("padding", 0)
        return fn(x, w, b, stride=_pair(a.get("stride", 1)), padding=pad if isinstance(pad, str) else _pair(pad),
                  dilation=_pair(a.get("dilation", 1)), groups=a.get("groups", 1))
    return run


def _conv_transpose(a, x, w, b=None):
    return F.conv_transpose2d(x, w, b, stride=_pair(a.get("stride", 1)), padding=_pair(a.get("padding", 0)),
                              output_padding=_pair(a.get("outputPadding", 0)), groups=a.get("groups", 1),
                              dilation=_pair(a.get("dilation", 1)))


def _max_pool(a, x):
    return F.max_pool2d(x, _pair(a["kernelSize"]), stride=_pair(a.get("stride")), padding=_pair(a.get("padding", 0)),
                        dilation=_pair(a.get("dilation", 1)), ceil_mode=a.get("ceilMode", False))


def _avg_pool(a, x):
    return F.avg_pool2d(x, _pair(a["kernelSize"]), stride=_pair(a.get("stride")), padding=_pair(a.get("padding", 0)),
                        ceil_mode=a.get("ceilMode", False), count_include_pad=a.get("countIncludePad", True),
                        divisor_override=a.get("divisorOverride"))


def _window_args(a):
    return dict(dilation=_pair(a.get("dilation", 1)), padding=_pair(a.get("padding", 0)), stride=_pair(a.get("stride", 1)))


OPS = {
    "conv1d": _conv(F.conv1d),
    "conv2d": _conv(F.conv2d),
    "convTranspose2d": _conv_transpose,
    "maxPool2d": _max_pool,
    "avgPool2d": _avg_pool,
    "adaptiveAvgPool2d": lambda a, x: F.adaptive_avg_pool2d(x, _pair(a["outputSize"])),
    "unfold": lambda a, x: F.unfold(x, _pair(a["kernelSize"]), **_window_args(a)),
    "fold": lambda a, x: F.fold(x, _pair(a["outputSize"]), _pair(a["kernelSize"]), **_window_args(a)),
    "pad": lambda a, x: F.pad(x, a["pad"], mode=a["mode"]),
}

CASES: list[tuple[str, str, list[In], dict]] = []


def case(name: str, op: str, *inputs: In, **args) -> None:
    assert op in OPS and all(c[0] != name for c in CASES), name
    CASES.append((name, op, list(inputs), args))


# conv2d: odd sizes, rectangular kernels, stride, dilation, groups, padding modes, batch 1, one channel
case("conv2d_basic", "conv2d", normal(2, 3, 5, 6), normal(4, 3, 3, 3), normal(4))
case("conv2d_pad1_stride2", "conv2d", normal(2, 3, 7, 6), normal(5, 3, 3, 3), normal(5), padding=1, stride=2)
case("conv2d_rect", "conv2d", normal(1, 2, 6, 7), normal(3, 2, 2, 4), normal(3), padding=[1, 2], stride=[2, 1])
case("conv2d_dilation", "conv2d", normal(2, 2, 9, 8), normal(3, 2, 3, 3), normal(3), dilation=2, padding=2)
case("conv2d_dilation_rect", "conv2d", normal(1, 3, 8, 9), normal(2, 3, 2, 3), normal(2), dilation=[2, 1], stride=[1, 3])
case("conv2d_groups", "conv2d", normal(2, 4, 5, 5), normal(6, 2, 3, 3), normal(6), groups=2, padding=1)
case("conv2d_depthwise", "conv2d", normal(1, 3, 6, 6), normal(3, 1, 3, 3), normal(3), groups=3)
case("conv2d_same_odd", "conv2d", normal(2, 2, 5, 7), normal(3, 2, 3, 3), normal(3), padding="same")
case("conv2d_same_even_dilated", "conv2d", normal(1, 2, 6, 5), normal(3, 2, 4, 2), normal(3), padding="same", dilation=[1, 2])
case("conv2d_valid_nobias", "conv2d", normal(2, 3, 5, 5), normal(2, 3, 3, 2), padding="valid")
case("conv2d_batch1_channel1", "conv2d", normal(1, 1, 4, 4), normal(1, 1, 2, 2), normal(1))
case("conv2d_unbatched", "conv2d", normal(3, 5, 5), normal(2, 3, 3, 3), normal(2), padding=1)
case("conv2d_1x1", "conv2d", normal(2, 3, 4, 4), normal(5, 3, 1, 1), normal(5))
case("conv2d_stride_gt_kernel", "conv2d", normal(2, 2, 7, 8), normal(3, 2, 2, 2), normal(3), stride=3)
case("conv2d_kernel_eq_input", "conv2d", normal(2, 2, 3, 3), normal(4, 2, 3, 3), normal(4))

# conv1d
case("conv1d_basic", "conv1d", normal(2, 3, 10), normal(4, 3, 3), normal(4), stride=2, padding=1)
case("conv1d_groups_dilation", "conv1d", normal(1, 4, 9), normal(4, 2, 2), groups=2, dilation=3)
case("conv1d_same_even", "conv1d", normal(2, 2, 7), normal(3, 2, 4), normal(3), padding="same")
case("conv1d_unbatched", "conv1d", normal(2, 6), normal(3, 2, 3), normal(3))

# convTranspose2d: stride, padding, outputPadding, groups, dilation
case("convT2d_basic", "convTranspose2d", normal(2, 3, 4, 5), normal(3, 2, 3, 3), normal(2))
case("convT2d_stride2_pad1_outpad1", "convTranspose2d", normal(2, 3, 4, 4), normal(3, 4, 3, 3), normal(4),
     stride=2, padding=1, outputPadding=1)
case("convT2d_groups_dilation", "convTranspose2d", normal(1, 4, 3, 3), normal(4, 3, 2, 3), normal(6),
     groups=2, dilation=[2, 1], stride=[1, 2])
case("convT2d_outpad_lt_dilation", "convTranspose2d", normal(1, 2, 3, 4), normal(2, 2, 2, 2), normal(2),
     dilation=2, outputPadding=1)
case("convT2d_rect_nobias", "convTranspose2d", normal(2, 2, 3, 5), normal(2, 3, 3, 2), stride=[2, 3], padding=[0, 2],
     outputPadding=[1, 0])
case("convT2d_unbatched", "convTranspose2d", normal(2, 3, 3), normal(2, 1, 2, 2), normal(1), stride=2)

# pooling: ceilMode, padding, ties (max pool routes the gradient to the first maximum)
case("maxPool2d_k2", "maxPool2d", normal(2, 3, 6, 6), kernelSize=2)
case("maxPool2d_k3_s2_p1", "maxPool2d", normal(2, 2, 7, 7), kernelSize=3, stride=2, padding=1)
case("maxPool2d_ceil", "maxPool2d", normal(1, 2, 7, 8), kernelSize=3, stride=2, ceilMode=True)
case("maxPool2d_ceil_pad", "maxPool2d", normal(1, 1, 6, 5), kernelSize=3, stride=2, padding=1, ceilMode=True)
case("maxPool2d_ties_overlap", "maxPool2d", ints(2, 2, 5, 5, lo=0, hi=2), kernelSize=2, stride=1)
case("maxPool2d_ties_zero", "maxPool2d", lit([[[[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]]]), kernelSize=2, stride=1)
case("maxPool2d_rect", "maxPool2d", normal(2, 1, 6, 9), kernelSize=[2, 3], stride=[1, 2])
case("maxPool2d_dilation", "maxPool2d", normal(1, 2, 7, 7), kernelSize=2, dilation=2, padding=1)
case("maxPool2d_unbatched", "maxPool2d", normal(2, 5, 5), kernelSize=2)
case("avgPool2d_k2", "avgPool2d", normal(2, 3, 6, 6), kernelSize=2)
case("avgPool2d_k3_s2_p1", "avgPool2d", normal(2, 2, 7, 7), kernelSize=3, stride=2, padding=1)
case("avgPool2d_exclude_pad", "avgPool2d", normal(2, 2, 7, 7), kernelSize=3, stride=2, padding=1, countIncludePad=False)
case("avgPool2d_ceil_pad", "avgPool2d", normal(1, 2, 6, 5), kernelSize=3, stride=2, padding=1, ceilMode=True)
case("avgPool2d_ceil_exclude", "avgPool2d", normal(1, 1, 7, 8), kernelSize=3, stride=2, padding=1, ceilMode=True,
     countIncludePad=False)
case("avgPool2d_rect_divisor", "avgPool2d", normal(2, 1, 6, 9), kernelSize=[2, 3], stride=[1, 2], divisorOverride=5)
case("adaptiveAvgPool2d_divisible", "adaptiveAvgPool2d", normal(2, 3, 6, 8), outputSize=[3, 4])
case("adaptiveAvgPool2d_uneven", "adaptiveAvgPool2d", normal(2, 2, 7, 5), outputSize=[3, 2])
case("adaptiveAvgPool2d_global", "adaptiveAvgPool2d", normal(2, 3, 5, 5), outputSize=1)
case("adaptiveAvgPool2d_upsample", "adaptiveAvgPool2d", normal(1, 1, 3, 3), outputSize=[5, 4])
case("adaptiveAvgPool2d_none", "adaptiveAvgPool2d", normal(1, 2, 4, 6), outputSize=[None, 4])

# unfold / fold (im2col and col2im), pad modes
case("unfold_basic", "unfold", normal(2, 3, 4, 5), kernelSize=3)
case("unfold_all_options", "unfold", normal(2, 3, 5, 6), kernelSize=[2, 3], dilation=[1, 2], padding=1, stride=[2, 1])
case("fold_overlap", "fold", normal(2, 12, 20), outputSize=[5, 6], kernelSize=2)
case("fold_all_options", "fold", normal(1, 6, 12), outputSize=[5, 6], kernelSize=[2, 3], dilation=[1, 2], padding=1, stride=[2, 1])
case("pad_reflect_2d", "pad", normal(2, 3, 4, 5), pad=[1, 2, 3, 1], mode="reflect")
case("pad_replicate_2d", "pad", normal(2, 3, 4, 5), pad=[2, 0, 1, 3], mode="replicate")
case("pad_circular_2d", "pad", normal(1, 2, 3, 4), pad=[1, 2, 2, 1], mode="circular")
case("pad_reflect_1d", "pad", normal(2, 3, 6), pad=[3, 2], mode="reflect")


def run_case(name: str, op: str, specs: list[In], args: dict) -> dict:
    rng = rng_for(name)
    ts = [torch.from_numpy(s.make(rng).copy()).requires_grad_(True) for s in specs]
    out = OPS[op](args, *ts)
    g = torch.from_numpy(rng_for(name, "gradOutput").standard_normal(tuple(out.shape)).astype(np.float32).reshape(tuple(out.shape)))
    out.backward(g)
    return {
        "name": name, "op": op, "args": args,
        "inputs": [tensor_json(t, requires_grad=True) for t in ts],
        "output": tensor_json(out), "gradOutput": tensor_json(g),
        "grads": [tensor_json(t.grad) for t in ts],
    }


def modules() -> list[dict]:
    x = lambda key, *s: randn(key, *s)  # noqa: E731
    cases = []

    def add(name, module, ctor, inputs, modes=("train",)):
        cases.append(module_case(name, module, ctor, inputs, list(modes)))

    add("Conv2d", nn.Conv2d(3, 4, 3, padding=1), {"type": "Conv2d", "args": [3, 4, 3, {"padding": 1}]}, [x("c2", 2, 3, 5, 6)])
    add("Conv2d_groups_stride_nobias", nn.Conv2d(4, 6, (3, 2), stride=2, groups=2, bias=False, dilation=(1, 2)),
        {"type": "Conv2d", "args": [4, 6, [3, 2], {"stride": 2, "groups": 2, "bias": False, "dilation": [1, 2]}]}, [x("c2g", 2, 4, 7, 8)])
    add("Conv2d_same", nn.Conv2d(2, 3, 4, padding="same"), {"type": "Conv2d", "args": [2, 3, 4, {"padding": "same"}]}, [x("c2s", 1, 2, 5, 6)])
    for mode in ("reflect", "replicate", "circular"):
        add(f"Conv2d_{mode}", nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode),
            {"type": "Conv2d", "args": [2, 3, 3, {"padding": [1, 2], "paddingMode": mode}]}, [x(f"c2{mode}", 2, 2, 5, 6)])
    add("Conv1d", nn.Conv1d(3, 4, 3, stride=2, padding=1), {"type": "Conv1d", "args": [3, 4, 3, {"stride": 2, "padding": 1}]},
        [x("c1", 2, 3, 9)])
    add("ConvTranspose2d", nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        {"type": "ConvTranspose2d", "args": [4, 6, 3, {"stride": 2, "padding": 1, "outputPadding": 1, "groups": 2}]},
        [x("ct2", 2, 4, 3, 4)])
    add("MaxPool2d", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
        {"type": "MaxPool2d", "args": [3, {"stride": 2, "padding": 1, "ceilMode": True}]}, [x("mp", 2, 2, 7, 6)])
    add("AvgPool2d", nn.AvgPool2d(2, padding=1, count_include_pad=False),
        {"type": "AvgPool2d", "args": [2, {"padding": 1, "countIncludePad": False}]}, [x("ap", 2, 2, 5, 5)])
    add("AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((2, 3)), {"type": "AdaptiveAvgPool2d", "args": [[2, 3]]}, [x("aap", 2, 2, 5, 7)])
    add("BatchNorm2d", nn.BatchNorm2d(3), {"type": "BatchNorm2d", "args": [3]},
        [x(f"bn2_{i}", 2, 3, 4, 5) * (i + 1) + i for i in range(4)], ("train", "train", "train", "eval"))
    add("BatchNorm2d_cma_noaffine", nn.BatchNorm2d(2, momentum=None, affine=False, eps=1e-3),
        {"type": "BatchNorm2d", "args": [2, {"momentum": None, "affine": False, "eps": 1e-3}]},
        [x(f"bn2c_{i}", 3, 2, 3, 3) + i for i in range(3)], ("train", "train", "eval"))
    add("GroupNorm", nn.GroupNorm(2, 4), {"type": "GroupNorm", "args": [2, 4]}, [x("gn", 2, 4, 3, 5) * 2 + 1])
    add("GroupNorm_noaffine_3d", nn.GroupNorm(3, 6, eps=1e-3, affine=False),
        {"type": "GroupNorm", "args": [3, 6, {"eps": 1e-3, "affine": False}]}, [x("gn3", 2, 6, 7)])
    add("GroupNorm_instance", nn.GroupNorm(4, 4), {"type": "GroupNorm", "args": [4, 4]}, [x("gni", 1, 4, 3, 3)])
    return cases


def main() -> None:
    ops = [run_case(*c) for c in CASES]
    missing = set(OPS) - {c["op"] for c in ops}
    assert not missing, f"ops without a case: {sorted(missing)}"
    path = write_json("conv.json", {"torch": torch.__version__, "ops": ops, "modules": modules()})
    print(f"{path.name}: {path.stat().st_size} bytes, {len(ops)} op cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
