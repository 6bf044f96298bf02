#!/usr/bin/env python3
"""PyTorch reference values for @nn's op and autograd tests.

Writes two JSON files into ./out next to this script:

  out/ops.json       one case per (op, shapes, args): inputs, output, a fixed upstream gradient
                     `gradOutput` and the gradients of sum(output * gradOutput) w.r.t. each input.
  out/autograd.json  composite scalar functions with gradients, full Hessians (or a
                     Hessian-vector product for the MLP) for higher-order autograd tests.

Everything is computed in float32 on the CPU, like the library. Inputs come from
numpy Generators seeded with crc32(case name), so adding, removing or reordering cases never
changes the values of the other cases, and two runs produce byte-identical files.

Run with the Debian interpreter so the Debian torch module is found:

    apt-get install -y python3-torch
    /usr/bin/python3 tooling/torch-reference/generate.py

See README.md for the JSON schema and the semantics pinned down by particular cases.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = Path(__file__).resolve().parent / "out"

torch.set_num_threads(1)  # fixed reduction order
torch.use_deterministic_algorithms(True)


# --------------------------------------------------------------------------------------------
# Serialization
# --------------------------------------------------------------------------------------------

DTYPE_NAMES = {torch.float32: "float32", torch.int32: "int32", torch.bool: "bool"}


def rng_for(*key: Any) -> np.random.Generator:
    """A generator seeded by the key alone (stable across runs and case reorderings)."""
    return np.random.default_rng(zlib.crc32("/".join(map(str, key)).encode()))


def f32(x: float) -> float:
    """Shortest decimal that still names the same float32 after Math.fround(parseFloat(s))."""
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {x} cannot go into JSON")
    v = np.float32(x)
    d = float(str(v))
    if np.float32(d) != v or math.copysign(1.0, d) != math.copysign(1.0, float(v)):
        d = float(v)  # exact double value of the float32, always round-trips
    return d


def tensor_json(t: torch.Tensor, name: str | None = None,
                requires_grad: bool | None = None) -> dict:
    """{"shape", "dtype", "data"} for a float32 / int32 / bool tensor; data flat, row-major."""
    t = t.detach().cpu().contiguous()
    if t.dtype not in DTYPE_NAMES:
        raise TypeError(f"unsupported dtype {t.dtype}")
    flat = t.reshape(-1).tolist()
    data = [f32(x) for x in flat] if t.dtype == torch.float32 else [int(x) for x in flat]
    out: dict = {} if name is None else {"name": name}
    out.update({"shape": list(t.shape), "dtype": DTYPE_NAMES[t.dtype], "data": data})
    if requires_grad is not None:
        out["requiresGrad"] = requires_grad
    return out


def write_json(name: str, payload: dict) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / name
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    # One case / function per line keeps diffs readable without bloating the file.
    text = text.replace(',{"name":', ',\n{"name":')
    path.write_text(text + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Input specifications (materialized with the case's own generator)
# --------------------------------------------------------------------------------------------


@dataclass
class In:
    """One input of a case. `make(rng)` returns a numpy array of the declared dtype."""

    shape: tuple
    kind: str = "normal"  # normal | uniform | away | ints | index | bool | literal
    lo: float = 0.0
    hi: float = 1.0
    scale: float = 1.0
    values: list | None = None
    dtype: str = "float32"
    grad: bool = True

    def make(self, rng: np.random.Generator) -> np.ndarray:
        shape = self.shape
        if self.kind == "literal":
            return np.asarray(self.values, dtype=self.dtype).reshape(shape)
        if self.kind == "normal":
            a = rng.standard_normal(shape) * self.scale
        elif self.kind == "uniform":
            a = rng.uniform(self.lo, self.hi, shape)
        elif self.kind == "away":  # |x| in [lo, hi], random sign: keeps away from kinks at 0
            a = rng.uniform(self.lo, self.hi, shape) * rng.choice([-1.0, 1.0], shape)
        elif self.kind == "ints":  # integer-valued floats, so comparisons see ties
            a = rng.integers(int(self.lo), int(self.hi) + 1, shape).astype(np.float64)
        elif self.kind == "index":  # int32 in [lo, hi)
            return rng.integers(int(self.lo), int(self.hi), shape).astype(np.int32)
        elif self.kind == "bool":
            return rng.integers(0, 2, shape).astype(np.bool_)
        else:
            raise ValueError(self.kind)
        return np.asarray(a, dtype=np.float32).reshape(shape)


def normal(*shape: int, scale: float = 1.0) -> In:
    return In(tuple(shape), "normal", scale=scale)


def uniform(lo: float, hi: float, *shape: int) -> In:
    return In(tuple(shape), "uniform", lo=lo, hi=hi)


def away(*shape: int, lo: float = 0.2, hi: float = 2.0) -> In:
    return In(tuple(shape), "away", lo=lo, hi=hi)


def positive(*shape: int) -> In:
    return uniform(0.5, 2.0, *shape)


def ints(*shape: int, lo: int = -2, hi: int = 2) -> In:
    return In(tuple(shape), "ints", lo=lo, hi=hi)


def index(high: int, *shape: int) -> In:
    return In(tuple(shape), "index", hi=high, dtype="int32", grad=False)


def mask(*shape: int) -> In:
    return In(tuple(shape), "bool", dtype="bool", grad=False)


def lit(values: list, shape: tuple | None = None, dtype: str = "float32", grad: bool = True) -> In:
    flat = np.asarray(values).reshape(-1).tolist()
    shape = tuple(np.asarray(values).shape) if shape is None else tuple(shape)
    return In(shape, "literal", values=flat, dtype=dtype, grad=grad and dtype == "float32")


def const(spec: In) -> In:
    spec.grad = False
    return spec


# --------------------------------------------------------------------------------------------
# Ops: library name -> torch implementation, called as fn(args, *inputs)
# --------------------------------------------------------------------------------------------


def _dims(a: dict, x: torch.Tensor) -> tuple:
    """args.dim of a reduction: null means every dim (explicit, since torch treats () as all)."""
    return tuple(range(x.dim())) if a["dim"] is None else tuple(a["dim"])


def _prod(a: dict, x: torch.Tensor) -> torch.Tensor:
    # torch.prod takes a single dim; reduce one dim at a time (highest first) with keepdim.
    dims = sorted({d % x.dim() for d in _dims(a, x)} if x.dim() else set(), reverse=True)
    out = x
    for d in dims:
        out = out.prod(d, keepdim=True)
    if not a["keepdim"]:
        out = out.reshape([s for i, s in enumerate(x.shape) if i not in dims])
    return out


def _slice(a: dict, x: torch.Tensor) -> torch.Tensor:
    d = a["dim"] % x.dim()
    return x[(slice(None),) * d + (slice(a["start"], a["end"], a["step"]),)]


def _clamp(a: dict, x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x, min=a["min"], max=a["max"])


UNARY = [
    "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "reciprocal",
    "sin", "cos", "tanh", "sigmoid", "relu", "erf", "floor", "ceil", "round",
]
ARITH = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "maximum": torch.maximum, "minimum": torch.minimum,
}
COMPARE = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt,
           "ge": torch.ge}

OPS: dict[str, Callable[..., torch.Tensor]] = {
    **{op: (lambda fn: lambda a, x: fn(x))(getattr(torch, op)) for op in UNARY},
    "leakyRelu": lambda a, x: F.leaky_relu(x, a["negativeSlope"]),
    "elu": lambda a, x: F.elu(x, a["alpha"]),
    "gelu": lambda a, x: F.gelu(x, approximate=a["approximate"]),
    "softplus": lambda a, x: F.softplus(x, beta=a["beta"], threshold=a["threshold"]),
    "silu": lambda a, x: F.silu(x),
    "clamp": _clamp,
    **{op: (lambda fn: lambda a, x, y: fn(x, y))(fn) for op, fn in {**ARITH, **COMPARE}.items()},
    "where": lambda a, c, x, y: torch.where(c, x, y),
    "sum": lambda a, x: torch.sum(x, dim=_dims(a, x), keepdim=a["keepdim"]),
    "mean": lambda a, x: torch.mean(x, dim=_dims(a, x), keepdim=a["keepdim"]),
    "max": lambda a, x: torch.amax(x, dim=_dims(a, x), keepdim=a["keepdim"]),
    "min": lambda a, x: torch.amin(x, dim=_dims(a, x), keepdim=a["keepdim"]),
    "prod": _prod,
    "var": lambda a, x: torch.var(x, dim=_dims(a, x), correction=a["correction"],
                                  keepdim=a["keepdim"]),
    "std": lambda a, x: torch.std(x, dim=_dims(a, x), correction=a["correction"],
                                  keepdim=a["keepdim"]),
    "logsumexp": lambda a, x: torch.logsumexp(x, dim=_dims(a, x), keepdim=a["keepdim"]),
    "argmax": lambda a, x: torch.argmax(x, dim=a["dim"], keepdim=a["keepdim"]).int(),
    "argmin": lambda a, x: torch.argmin(x, dim=a["dim"], keepdim=a["keepdim"]).int(),
    "softmax": lambda a, x: torch.softmax(x, dim=a["dim"]),
    "logSoftmax": lambda a, x: torch.log_softmax(x, dim=a["dim"]),
    "matmul": lambda a, x, y: torch.matmul(x, y),
    "reshape": lambda a, x: x.reshape(a["shape"]),
    "transpose": lambda a, x: x.transpose(a["dim0"], a["dim1"]),
    "permute": lambda a, x: x.permute(a["dims"]),
    "expand": lambda a, x: x.expand(a["shape"]),
    "slice": _slice,
    "concat": lambda a, *xs: torch.cat(xs, dim=a["dim"]),
    "stack": lambda a, *xs: torch.stack(xs, dim=a["dim"]),
    "pad": lambda a, x: F.pad(x, a["pad"], mode="constant", value=a["value"]),
    "gather": lambda a, x, i: torch.gather(x, a["dim"], i.long()),
    "indexSelect": lambda a, x, i: torch.index_select(x, a["dim"], i.long()),
    "scatterAdd": lambda a, x, i, s: torch.scatter_add(x, a["dim"], i.long(), s),
    "oneHot": lambda a, i: F.one_hot(i.long(), a["numClasses"]).int(),
    "squeeze": lambda a, x: x.squeeze(a["dim"]),
    "unsqueeze": lambda a, x: x.unsqueeze(a["dim"]),
    "flatten": lambda a, x: x.flatten(a["startDim"], a["endDim"]),
}


# --------------------------------------------------------------------------------------------
# Case tables
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    op: str
    inputs: list
    args: dict = field(default_factory=dict)


CASES: list[Case] = []


def case(name: str, op: str, *inputs: In, **args: Any) -> None:
    assert op in OPS, op
    assert all(c.name != name for c in CASES), f"duplicate case name {name}"
    CASES.append(Case(name, op, list(inputs), args))


# unary ------------------------------------------------------------------------------------
UNARY_DOMAIN = {
    "neg": normal(2, 3, 4), "abs": away(3, 4), "exp": normal(2, 3, 4),
    "expm1": normal(3, 4), "log": uniform(0.05, 5.0, 3, 4), "log1p": uniform(-0.6, 3.0, 3, 4),
    "sqrt": uniform(0.1, 4.0, 3, 4), "rsqrt": uniform(0.1, 4.0, 3, 4),
    "reciprocal": away(3, 4, lo=0.3, hi=3.0), "sin": uniform(-4, 4, 3, 4),
    "cos": uniform(-4, 4, 3, 4), "tanh": normal(2, 3, 4, scale=1.5),
    "sigmoid": normal(2, 3, 4, scale=2.0), "relu": away(2, 3, 4), "erf": normal(3, 4),
    "floor": uniform(-3, 3, 3, 4), "ceil": uniform(-3, 3, 3, 4), "round": uniform(-3, 3, 3, 4),
    "sign": lit([[-2.0, -0.5, 0.0], [0.25, 3.0, -0.0]]),
}
for op in UNARY:
    case(op, op, UNARY_DOMAIN[op])

case("exp_0d", "exp", normal())
case("log_0d", "log", uniform(0.5, 3.0))
case("sigmoid_0d", "sigmoid", normal())
case("sqrt_size1", "sqrt", uniform(0.1, 4.0, 3, 1, 2))
case("tanh_size1", "tanh", normal(1, 4, 1))
case("expm1_tiny", "expm1", uniform(-1e-4, 1e-4, 2, 3))
case("log1p_tiny", "log1p", uniform(-1e-4, 1e-4, 2, 3))
case("sigmoid_saturated", "sigmoid", lit([[-30.0, -15.0, -5.0], [5.0, 15.0, 30.0]]))
case("tanh_saturated", "tanh", lit([-20.0, -9.0, -0.001, 0.001, 9.0, 20.0]))
case("exp_wide", "exp", lit([-80.0, -10.0, 0.0, 1e-7, 10.0, 80.0]))
# torch.round is round-half-to-even; floor/ceil/round/sign have zero gradient.
case("round_half_even", "round", lit([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5, 0.49999997]))
case("neg_int32", "neg", lit([[3, -1, 0], [7, -8, 2]], dtype="int32"))
case("abs_int32", "abs", lit([[3, -1, 0], [7, -8, 2]], dtype="int32"))
case("sign_int32", "sign", lit([[3, -1, 0], [7, -8, 2]], dtype="int32"))

# activations ------------------------------------------------------------------------------
case("leakyRelu", "leakyRelu", away(2, 3, 4), negativeSlope=0.01)
case("leakyRelu_slope0.2", "leakyRelu", away(3, 4), negativeSlope=0.2)
case("elu", "elu", normal(2, 3, 4, scale=2.0), alpha=1.0)
case("elu_alpha0.5", "elu", away(3, 4), alpha=0.5)
case("gelu", "gelu", normal(2, 3, 4, scale=2.0), approximate="none")
case("gelu_tanh", "gelu", normal(2, 3, 4, scale=2.0), approximate="tanh")
case("softplus", "softplus", normal(3, 4, scale=3.0), beta=1.0, threshold=20.0)
# beta * x > threshold switches to the identity: values on both sides of 5 / 2 = 2.5.
case("softplus_beta2_threshold5", "softplus", lit([[-4.0, -1.0, 0.5], [2.4, 2.6, 6.0]]),
     beta=2.0, threshold=5.0)
case("silu", "silu", normal(2, 3, 4, scale=2.0))
case("silu_0d", "silu", normal())
case("clamp", "clamp", normal(3, 4), min=-0.5, max=0.5)
case("clamp_min_only", "clamp", normal(2, 3, 4), min=0.1, max=None)
case("clamp_max_only", "clamp", normal(2, 3, 4), min=None, max=-0.1)
# Values exactly on a bound pass the gradient through (torch: min <= x <= max).
case("clamp_boundary", "clamp", lit([-1.0, -0.5, 0.0, 0.5, 1.0]), min=-0.5, max=0.5)

# binary arithmetic with broadcasting ------------------------------------------------------
BINARY_DOMAIN = {  # (a, b) factories by shape
    "add": (normal, normal), "sub": (normal, normal), "mul": (normal, normal),
    "div": (normal, away), "pow": (positive, lambda *s: uniform(-2.0, 2.0, *s)),
    "maximum": (normal, normal), "minimum": (normal, normal),
}
BINARY_SHAPES = {
    "same": ((2, 3), (2, 3)),
    "row": ((2, 3), (3,)),
    "bcast3d": ((2, 1, 4), (3, 1)),
}
BINARY_EXTRA = {  # one more shape pair per op: 0-d scalars and size-1 dims
    "add": ("scalar_lhs", (), (2, 3)),
    "sub": ("scalar_rhs", (2, 3), ()),
    "mul": ("outer", (4, 1), (1, 5)),
    "div": ("0d", (), ()),
    "pow": ("scalar_exp", (2, 3), ()),
    "maximum": ("both", (3, 1, 2), (1, 4, 1)),
    "minimum": ("size1", (1,), (2, 3)),
}
for op, (fa, fb) in BINARY_DOMAIN.items():
    shapes = {**BINARY_SHAPES, BINARY_EXTRA[op][0]: BINARY_EXTRA[op][1:]}
    for tag, (sa, sb) in shapes.items():
        case(f"{op}_{tag}", op, fa(*sa), fb(*sb))

case("sub_col", "sub", normal(3, 1), normal(3, 4))
case("mul_0d", "mul", normal(), normal())
case("div_col", "div", normal(2, 3, 4), away(3, 1))
# Negative base with an integral exponent; the exponent does not require grad
# (d/dexp would be NaN there).
case("pow_negative_base", "pow", lit([[-2.0, -1.5, 0.5], [3.0, -0.5, 1.25]]),
     lit([2.0, 3.0, -1.0], grad=False))
case("pow_square", "pow", normal(2, 3), lit(2.0, grad=False))
# Ties split the gradient evenly between the two inputs.
case("maximum_ties", "maximum", lit([1.0, -2.0, 3.0, 0.5]), lit([1.0, -1.0, 3.0, 0.25]))
case("minimum_ties", "minimum", lit([1.0, -2.0, 3.0, 0.5]), lit([1.0, -1.0, 3.0, 0.25]))

# comparisons and where --------------------------------------------------------------------
for op in COMPARE:
    case(f"{op}_same", op, ints(3, 4), ints(3, 4))
    case(f"{op}_bcast", op, ints(2, 1, 3), ints(4, 1))
case("eq_scalar", "eq", ints(2, 3), lit(1.0))
case("lt_0d", "lt", lit(0.5), lit(0.75))
case("ge_scalar_lhs", "ge", lit(0.0), ints(2, 3))

case("where", "where", mask(2, 3), normal(2, 3), normal(2, 3))
case("where_bcast", "where", mask(2, 1, 4), normal(3, 1), normal())
case("where_row_cond", "where", mask(4), normal(3, 4), normal(3, 1))

# reductions --------------------------------------------------------------------------------
REDUCE_DOMAIN = {
    "sum": normal, "mean": normal, "max": normal, "min": normal,
    "prod": lambda *s: away(*s, lo=0.5, hi=1.5), "var": normal, "std": normal,
    "logsumexp": lambda *s: normal(*s, scale=2.0),
}
REDUCE_VARIANTS = [  # (tag, shape, dim, keepdim, correction)
    ("dim1", (3, 4, 5), [1], False, 1),
    ("dims02_keepdim", (3, 4, 5), [0, 2], True, 0),
    ("all", (2, 3), None, False, 1),
]
for op, dom in REDUCE_DOMAIN.items():
    for tag, shape, dim, keepdim, corr in REDUCE_VARIANTS:
        extra = {"correction": corr} if op in ("var", "std") else {}
        case(f"{op}_{tag}", op, dom(*shape), dim=dim, keepdim=keepdim, **extra)

case("sum_0d", "sum", normal(), dim=None, keepdim=False)
case("sum_all_keepdim", "sum", normal(2, 3, 4), dim=None, keepdim=True)
case("sum_negative_dim", "sum", normal(2, 3, 4), dim=[-1], keepdim=False)
case("sum_empty", "sum", normal(0, 3), dim=[0], keepdim=False)
case("prod_empty", "prod", normal(2, 0), dim=[1], keepdim=True)
case("mean_size1", "mean", normal(3, 1, 4), dim=[1], keepdim=False)
case("mean_0d", "mean", normal(), dim=None, keepdim=True)
case("max_negative_dims_keepdim", "max", normal(2, 3, 4), dim=[-1, -3], keepdim=True)
case("min_size1", "min", normal(3, 1), dim=[1], keepdim=True)
case("prod_dim0", "prod", away(4, 3, lo=0.5, hi=1.5), dim=[0], keepdim=False)
case("var_dim0_correction0", "var", normal(4, 3), dim=[0], keepdim=True, correction=0)
case("std_all_correction0", "std", normal(3, 4), dim=None, keepdim=False, correction=0)
case("var_all_keepdim", "var", normal(2, 3, 2), dim=None, keepdim=True, correction=1)
case("std_dim_last", "std", normal(2, 3, 4), dim=[-1], keepdim=False, correction=1)
case("logsumexp_large", "logsumexp", lit([[100.0, 101.0, 99.5], [-100.0, -101.0, -99.0]]),
     dim=[1], keepdim=False)
case("logsumexp_0d", "logsumexp", normal(), dim=None, keepdim=False)
# amax/amin: the gradient is shared evenly by all tied extremes.
case("max_ties", "max", lit([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, -1.0]]), dim=[1],
     keepdim=False)
case("min_ties_all", "min", lit([[1.0, -3.0, 2.0], [-3.0, 0.0, 4.0]]), dim=None, keepdim=False)

for op in ("argmax", "argmin"):
    case(f"{op}_dim1", op, normal(3, 4, 5), dim=1, keepdim=False)
    case(f"{op}_dim0_keepdim", op, normal(2, 3), dim=0, keepdim=True)
    case(f"{op}_dim_last", op, normal(2, 3, 4), dim=-1, keepdim=False)
    # First index wins on ties.
    case(f"{op}_ties", op, lit([[2.0, 2.0, 1.0, 2.0], [0.0, -1.0, -1.0, 0.0]]), dim=1,
         keepdim=False)

# softmax ------------------------------------------------------------------------------------
for op in ("softmax", "logSoftmax"):
    case(f"{op}_last", op, normal(3, 4, 5, scale=2.0), dim=-1)
    case(f"{op}_dim0", op, normal(3, 4, 5, scale=2.0), dim=0)
    case(f"{op}_dim1", op, normal(2, 3), dim=1)
    case(f"{op}_large", op, lit([[1000.0, 1001.0, 999.0], [-50.0, 0.0, 50.0]]), dim=1)
    case(f"{op}_size1", op, normal(3, 1), dim=1)

# matmul -------------------------------------------------------------------------------------
MATMUL_SHAPES = {
    "vec_vec": ((4,), (4,)),
    "mat_vec": ((3, 4), (4,)),
    "vec_mat": ((4,), (4, 3)),
    "mat_mat": ((3, 4), (4, 5)),
    "batched_mat": ((2, 3, 4), (4, 5)),
    "mat_batched": ((3, 4), (2, 4, 5)),
    "batched_bcast": ((2, 1, 3, 4), (3, 4, 2)),
    "batched_vec": ((2, 3, 4), (4,)),
    "size1": ((1, 4), (4, 1)),
}
for tag, (sa, sb) in MATMUL_SHAPES.items():
    case(f"matmul_{tag}", "matmul", normal(*sa), normal(*sb))

# movement -----------------------------------------------------------------------------------
case("reshape", "reshape", normal(2, 3, 4), shape=[4, 6])
case("reshape_infer", "reshape", normal(2, 3, 4), shape=[3, -1, 2])
case("reshape_to_0d", "reshape", normal(1, 1), shape=[])
case("reshape_from_0d", "reshape", normal(), shape=[1, 1, 1])
case("transpose", "transpose", normal(2, 3, 4), dim0=0, dim1=2)
case("transpose_negative", "transpose", normal(3, 4), dim0=-1, dim1=-2)
case("permute", "permute", normal(2, 3, 4), dims=[2, 0, 1])
case("permute_negative", "permute", normal(2, 1, 3, 2), dims=[-1, 0, -2, 1])
case("expand", "expand", normal(3, 1), shape=[2, 3, 4])
case("expand_0d", "expand", normal(), shape=[2, 3])
case("expand_row", "expand", normal(1, 3), shape=[4, 3])
case("slice", "slice", normal(4, 6), dim=1, start=1, end=5, step=1)
case("slice_step2", "slice", normal(5, 3), dim=0, start=0, end=5, step=2)
case("slice_step3", "slice", normal(2, 7, 3), dim=1, start=1, end=7, step=3)
# Python slicing: negative start/end count from the end.
case("slice_negative", "slice", normal(2, 3, 6), dim=-1, start=-4, end=6, step=2)
case("concat_dim0", "concat", normal(2, 3), normal(1, 3), dim=0)
case("concat_three_dim1", "concat", normal(2, 1), normal(2, 3), normal(2, 2), dim=1)
case("concat_negative", "concat", normal(2, 3, 1), normal(2, 3, 2), dim=-1)
case("stack", "stack", normal(2, 3), normal(2, 3), normal(2, 3), dim=0)
case("stack_last", "stack", normal(3, 2), normal(3, 2), dim=-1)
case("stack_0d", "stack", normal(), normal(), dim=0)
# pad lists [left, right] of the last dim first, then [top, bottom] of the one before, ...
case("pad_last", "pad", normal(2, 3), pad=[1, 2], value=0.0)
case("pad_2d", "pad", normal(2, 3, 4), pad=[1, 0, 2, 1], value=-1.5)
case("pad_3d", "pad", normal(2, 2, 3), pad=[0, 1, 1, 1, 2, 0], value=0.25)
case("gather_dim1", "gather", normal(3, 4), index(4, 3, 2), dim=1)
case("gather_dim0", "gather", normal(3, 4), index(3, 5, 4), dim=0)
case("gather_3d_negative", "gather", normal(2, 3, 4), index(4, 2, 3, 6), dim=-1)
case("indexSelect_dim0", "indexSelect", normal(4, 3), lit([3, 0, 3, 1, 3], dtype="int32"), dim=0)
case("indexSelect_dim1", "indexSelect", normal(2, 5, 3), index(5, 4), dim=1)
case("scatterAdd_dim1", "scatterAdd", normal(3, 5), index(5, 3, 4), normal(3, 4), dim=1)
case("scatterAdd_dim0", "scatterAdd", normal(4, 3), index(4, 6, 3), normal(6, 3), dim=0)
case("oneHot", "oneHot", index(4, 5), numClasses=4)
case("oneHot_2d", "oneHot", index(5, 2, 3), numClasses=5)
case("squeeze", "squeeze", normal(2, 1, 3), dim=1)
case("squeeze_negative", "squeeze", normal(2, 3, 1), dim=-1)
# torch: squeezing a dim whose size is not 1 is a no-op.
case("squeeze_not_size1", "squeeze", normal(2, 3), dim=0)
case("unsqueeze", "unsqueeze", normal(2, 3), dim=1)
case("unsqueeze_end", "unsqueeze", normal(2, 3), dim=-1)
case("unsqueeze_0d", "unsqueeze", normal(), dim=0)
case("flatten_all", "flatten", normal(2, 3, 4), startDim=0, endDim=-1)
case("flatten_middle", "flatten", normal(2, 3, 4, 2), startDim=1, endDim=2)
case("flatten_0d", "flatten", normal(), startDim=0, endDim=-1)


# --------------------------------------------------------------------------------------------
# Running the op cases
# --------------------------------------------------------------------------------------------


def run_case(c: Case) -> dict:
    rng = rng_for(c.name)
    arrays = [spec.make(rng) for spec in c.inputs]
    tensors = [torch.from_numpy(a.copy()) for a in arrays]
    for t, spec in zip(tensors, c.inputs):
        if spec.grad and t.dtype == torch.float32:
            t.requires_grad_(True)
    out = OPS[c.op](c.args, *tensors)
    differentiable = out.dtype == torch.float32 and any(t.requires_grad for t in tensors)
    if not differentiable:  # comparisons, argmax/argmin, oneHot, int32 ops: no gradients at all
        tensors = [t.detach() for t in tensors]

    grad_out = None
    grads: list = [None] * len(tensors)
    if differentiable:
        g = torch.from_numpy(rng_for(c.name, "gradOutput").standard_normal(tuple(out.shape))
                             .astype(np.float32).reshape(tuple(out.shape)))
        out.backward(g)
        grad_out = tensor_json(g)
        grads = [
            (tensor_json(t.grad if t.grad is not None else torch.zeros_like(t))
             if t.requires_grad else None)
            for t in tensors
        ]
    return {
        "name": c.name,
        "op": c.op,
        "args": c.args,
        "inputs": [tensor_json(t, requires_grad=t.requires_grad) for t in tensors],
        "output": tensor_json(out),
        "gradOutput": grad_out,
        "grads": grads,
    }


# --------------------------------------------------------------------------------------------
# Autograd: composite functions with gradients and second derivatives
# --------------------------------------------------------------------------------------------


@dataclass
class Fn:
    name: str
    expression: str  # Python/torch-style, for humans
    inputs: list  # list of (name, In)
    fn: Callable[..., torch.Tensor]
    hessian: bool = True  # full Hessian; otherwise a Hessian-vector product


def mlp_params(rng: np.random.Generator, sizes: list) -> list:
    """torch.nn.Linear-style init, weights [out, in], as explicit literals."""
    params = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        bound = 1.0 / math.sqrt(n_in)
        w = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, (n_out,)).astype(np.float32)
        params += [(f"w{i}", lit(w.tolist())), (f"b{i}", lit(b.tolist()))]
    return params


def mlp_loss(x, y, w1, b1, w2, b2, w3, b3):
    h = torch.tanh(F.linear(x, w1, b1))
    h = torch.tanh(F.linear(h, w2, b2))
    return torch.mean((F.linear(h, w3, b3) - y) ** 2)


_mlp_rng = rng_for("mlp_2_16_16_1", "params")
_mlp_x = np.asarray(_mlp_rng.uniform(-1, 1, (4, 2)), dtype=np.float32)
_mlp_y = (np.sin(2.0 * _mlp_x[:, :1]) * np.cos(_mlp_x[:, 1:])).astype(np.float32)

FUNCTIONS = [
    Fn("seed_scalar", "x1*x2 + exp(x1*x2) - sin(x2)",
       [("x1", lit(1.5)), ("x2", lit(0.5))],
       lambda x1, x2: x1 * x2 + torch.exp(x1 * x2) - torch.sin(x2)),
    Fn("tanh_cubed", "sum(tanh(x)**3)", [("x", normal(2, 3))],
       lambda x: torch.sum(torch.tanh(x) ** 3)),
    Fn("softmax_weighted", "sum(softmax(x, -1) * w)",
       [("x", normal(2, 4, scale=1.5)), ("w", const(normal(2, 4)))],
       lambda x, w: torch.sum(torch.softmax(x, -1) * w)),
    Fn("log_softmax_nll", "-sum(log_softmax(x, -1) * t) / 3",
       [("x", normal(3, 4)),
        ("t", lit([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], grad=False))],
       lambda x, t: -torch.sum(torch.log_softmax(x, -1) * t) / 3),
    Fn("matmul_tanh", "sum(tanh(a @ b))", [("a", normal(2, 3)), ("b", normal(3, 2))],
       lambda a, b: torch.sum(torch.tanh(a @ b))),
    Fn("normalize", "sum(x * w / sqrt(sum(x*x) + 1))",
       [("x", normal(5)), ("w", const(normal(5)))],
       lambda x, w: torch.sum(x * w / torch.sqrt(torch.sum(x * x) + 1))),
    Fn("sigmoid_logsumexp", "logsumexp(x, dim=[0,1]) + sum(sigmoid(x) * x**2)",
       [("x", normal(2, 2))],
       lambda x: torch.logsumexp(x, dim=(0, 1)) + torch.sum(torch.sigmoid(x) * x ** 2)),
    Fn("prod_pow", "prod(x) + sum(x ** y)",
       [("x", positive(3)), ("y", uniform(-1.5, 1.5, 3))],
       lambda x, y: torch.prod(x) + torch.sum(x ** y)),
    Fn("mlp_2_16_16_1",
       "mean((linear(tanh(linear(tanh(linear(x, w1, b1)), w2, b2)), w3, b3) - y)**2)",
       [("x", const(lit(_mlp_x.tolist()))), ("y", const(lit(_mlp_y.tolist())))]
       + mlp_params(_mlp_rng, [2, 16, 16, 1]),
       mlp_loss, hessian=False),
]


def flat_hessian(f: Callable, xs: list) -> torch.Tensor:
    """Full Hessian over the concatenation of the flattened differentiable inputs."""
    blocks = torch.autograd.functional.hessian(f, tuple(xs))
    sizes = [x.numel() for x in xs]
    rows = [torch.cat([blocks[i][j].reshape(sizes[i], sizes[j]) for j in range(len(xs))], 1)
            for i in range(len(xs))]
    return torch.cat(rows, 0)


def run_function(fn: Fn) -> dict:
    rng = rng_for(fn.name)
    specs = [spec for _, spec in fn.inputs]
    tensors = [torch.from_numpy(spec.make(rng).copy()) for spec in specs]
    diff = [t for t, s in zip(tensors, specs) if s.grad]
    for t in diff:
        t.requires_grad_(True)

    out = fn.fn(*tensors)
    assert out.dim() == 0, fn.name
    first = torch.autograd.grad(out, diff, create_graph=True)
    grads = iter(first)
    grads_json = [tensor_json(next(grads)) if s.grad else None for s in specs]

    record = {
        "name": fn.name,
        "expression": fn.expression,
        "inputs": [tensor_json(t, name=n, requires_grad=s.grad)
                   for (n, s), t in zip(fn.inputs, tensors)],
        "output": tensor_json(out),
        "grads": grads_json,
        "hessian": None,
        "hvp": None,
    }
    if fn.hessian:
        def f_of_diff(*d):
            it = iter(d)
            return fn.fn(*[next(it) if s.grad else t for t, s in zip(tensors, specs)])

        h = flat_hessian(f_of_diff, [t.detach() for t in diff])
        record["hessian"] = tensor_json(h)
    else:
        vrng = rng_for(fn.name, "hvp")
        vs = [torch.from_numpy(vrng.standard_normal(tuple(t.shape)).astype(np.float32)
                               .reshape(tuple(t.shape))) for t in diff]
        hv = torch.autograd.grad(sum(torch.sum(g * v) for g, v in zip(first, vs)), diff)
        vit, hit = iter(vs), iter(hv)
        record["hvp"] = {
            "vectors": [tensor_json(next(vit)) if s.grad else None for s in specs],
            "result": [tensor_json(next(hit)) if s.grad else None for s in specs],
        }
    return record


# --------------------------------------------------------------------------------------------


def main() -> None:
    version = torch.__version__
    ops = write_json("ops.json", {"torch": version, "cases": [run_case(c) for c in CASES]})
    ag = write_json("autograd.json",
                    {"torch": version, "functions": [run_function(f) for f in FUNCTIONS]})
    covered = {c.op for c in CASES}
    missing = set(OPS) - covered
    assert not missing, f"ops without a case: {sorted(missing)}"
    for p in (ops, ag):
        print(f"{p.relative_to(OUT_DIR.parent.parent.parent)}: {p.stat().st_size} bytes")
    print(f"{len(CASES)} op cases, {len(FUNCTIONS)} autograd functions, torch {version}")


if __name__ == "__main__":
    main()
