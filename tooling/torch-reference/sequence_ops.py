#!/usr/bin/env python3
"""PyTorch reference values for the sequence-model ops: cumsum, cumprod, tril, triu, maskedFill,
sort, argsort, topk, einsum, chunk, repeat, repeatInterleave.

    /usr/bin/python3 tooling/torch-reference/sequence_ops.py

Writes out/sequence-ops.json. Same conventions as generate.py (inputs seeded by crc32 of the case
name, float32 on the CPU, shortest round-tripping decimals), but a case may have several outputs
(sort and topk: values and int32 indices; chunk: the pieces): `outputs` lists them, `gradOutputs`
holds one upstream gradient per float output (null for int outputs), and `grads[i]` is the
gradient of sum(output_j * gradOutput_j) over the float outputs with respect to input i.
Schema and semantics: README.md ("sequence-ops.json").
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from generate import In, const, ints, lit, mask, normal, rng_for, tensor_json, uniform, write_json

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def _int32(t: torch.Tensor) -> torch.Tensor:
    return t.int() if t.dtype == torch.int64 else t


def _einsum(a: dict, *xs: torch.Tensor) -> torch.Tensor:
    return torch.einsum(a["equation"], *xs)


def _repeat_interleave(a: dict, x: torch.Tensor) -> torch.Tensor:
    r = a["repeats"]
    reps = torch.tensor(r) if isinstance(r, list) else r
    return torch.repeat_interleave(x, reps, dim=a["dim"])


# Library op name -> torch call returning one tensor or a tuple of tensors.
OPS: dict[str, Callable[..., Any]] = {
    "cumsum": lambda a, x: _int32(torch.cumsum(x, a["dim"])),
    "cumprod": lambda a, x: _int32(torch.cumprod(x, a["dim"])),
    "tril": lambda a, x: torch.tril(x, a["diagonal"]),
    "triu": lambda a, x: torch.triu(x, a["diagonal"]),
    "maskedFill": lambda a, x, m, *v: x.masked_fill(m, v[0] if v else a["value"]),
    "sort": lambda a, x: (lambda r: (r.values, r.indices.int()))(
        torch.sort(x, dim=a["dim"], descending=a["descending"], stable=True)),
    "argsort": lambda a, x: torch.sort(x, dim=a["dim"], descending=a["descending"], stable=True).indices.int(),
    "topk": lambda a, x: (lambda r: (r.values, r.indices.int()))(
        torch.topk(x, a["k"], dim=a["dim"], largest=a["largest"])),
    "einsum": _einsum,
    "chunk": lambda a, x: torch.chunk(x, a["chunks"], a["dim"]),
    "repeat": lambda a, x: x.repeat(*a["sizes"]),
    "repeatInterleave": _repeat_interleave,
}

CASES: list[tuple[str, str, list, dict]] = []


def case(name: str, op: str, *inputs: In, **args: Any) -> None:
    assert op in OPS, op
    assert all(c[0] != name for c in CASES), f"duplicate case name {name}"
    CASES.append((name, op, list(inputs), args))


# scans ---------------------------------------------------------------------------------------
case("cumsum_dim1", "cumsum", normal(3, 5), dim=1)
case("cumsum_dim0", "cumsum", normal(4, 3), dim=0)
case("cumsum_negative_3d", "cumsum", normal(2, 3, 4), dim=-2)
case("cumsum_long", "cumsum", normal(2, 100), dim=1)
case("cumsum_0d", "cumsum", normal(), dim=0)
case("cumsum_int32", "cumsum", lit([[3, -1, 4, 1], [5, -9, 2, 6]], dtype="int32"), dim=1)
case("cumsum_bool", "cumsum", mask(2, 5), dim=1)
case("cumprod_dim1", "cumprod", uniform(0.5, 1.5, 3, 5), dim=1)
case("cumprod_signs", "cumprod", normal(2, 6), dim=-1)
# One zero and two zeros in a row: the gradient is exact (the product rule, no division).
case("cumprod_zeros", "cumprod", lit([[2.0, 0.5, 0.0, 3.0, 1.5], [0.0, 2.0, 0.0, 1.0, 4.0]]), dim=1)

# triangles -----------------------------------------------------------------------------------
for d in (0, -1, 2):
    case(f"tril_diag{d}", "tril", normal(3, 4), diagonal=d)
    case(f"triu_diag{d}", "triu", normal(4, 3), diagonal=d)
case("tril_batched", "tril", normal(2, 3, 3), diagonal=0)
case("triu_batched_wide", "triu", normal(2, 2, 5), diagonal=1)
case("tril_int32", "tril", lit([[1, 2, 3], [4, 5, 6]], dtype="int32"), diagonal=0)

# maskedFill ----------------------------------------------------------------------------------
case("maskedFill_bcast", "maskedFill", normal(2, 3, 4), mask(3, 4), value=-1e9)
case("maskedFill_causal", "maskedFill", normal(2, 4, 4),
     lit(np.triu(np.ones((4, 4)), 1).astype(bool).tolist(), dtype="bool"), value=-10000.0)
case("maskedFill_tensor_value", "maskedFill", normal(3, 4), mask(3, 4), normal(), value=None)

# sorting -------------------------------------------------------------------------------------
case("sort_last", "sort", normal(3, 6), dim=-1, descending=False)
case("sort_descending_dim0", "sort", normal(5, 3), dim=0, descending=True)
case("sort_ties_stable", "sort", ints(3, 8, lo=-2, hi=2), dim=1, descending=False)
case("sort_ties_stable_descending", "sort", ints(2, 9, lo=0, hi=2), dim=-1, descending=True)
case("sort_3d_middle", "sort", normal(2, 5, 3), dim=1, descending=False)
case("sort_int32", "sort", lit([[3, -1, 3, 0, -1]], dtype="int32"), dim=1, descending=True)
case("argsort_ties", "argsort", const(ints(3, 7, lo=-1, hi=1)), dim=-1, descending=False)
case("argsort_descending_dim0", "argsort", const(normal(4, 3)), dim=0, descending=True)
case("topk_largest", "topk", normal(3, 8), k=3, dim=-1, largest=True)
case("topk_smallest_dim0", "topk", normal(6, 4), k=2, dim=0, largest=False)
case("topk_all", "topk", normal(2, 5), k=5, dim=1, largest=True)
case("topk_vocab", "topk", normal(2, 300), k=10, dim=-1, largest=True)

# einsum --------------------------------------------------------------------------------------
EINSUM = [
    ("matmul", "ij,jk->ik", [(3, 4), (4, 5)]),
    ("bmm", "bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("attention_scores", "bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("attention_values", "bhqk,bhkd->bhqd", [(2, 2, 3, 5), (2, 2, 5, 4)]),
    ("transpose", "ij->ji", [(3, 4)]),
    ("sum_all", "ij->", [(3, 4)]),
    ("sum_rows", "ij->i", [(3, 4)]),
    ("outer", "i,j->ij", [(3,), (4,)]),
    ("hadamard", "ij,ij->ij", [(3, 4), (3, 4)]),
    ("dot", "i,i->", [(5,), (5,)]),
    ("trace", "ii->", [(4, 4)]),
    ("diagonal", "ii->i", [(4, 4)]),
    ("batch_diagonal", "bii->bi", [(2, 3, 3)]),
    ("chain", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("implicit", "bij,jk", [(2, 3, 4), (4, 2)]),
    ("ellipsis", "...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("bilinear", "bi,oij,bj->bo", [(2, 3), (4, 3, 5), (2, 5)]),
    ("broadcast_size1", "ij,jk->ik", [(3, 1), (4, 2)]),
]
for name, eq, shapes in EINSUM:
    case(f"einsum_{name}", "einsum", *[normal(*s) for s in shapes], equation=eq)

# tiling --------------------------------------------------------------------------------------
case("chunk_uneven", "chunk", normal(7, 2), chunks=3, dim=0)
case("chunk_last", "chunk", normal(2, 5), chunks=4, dim=-1)
case("repeat_2d", "repeat", normal(2, 3), sizes=[2, 3])
case("repeat_new_dims", "repeat", normal(3), sizes=[2, 1, 2])
case("repeatInterleave_scalar", "repeatInterleave", normal(2, 3), repeats=2, dim=1)
case("repeatInterleave_counts", "repeatInterleave", normal(3, 2), repeats=[1, 0, 3], dim=0)
case("repeatInterleave_flat", "repeatInterleave", normal(2, 2), repeats=3, dim=None)


def run_case(name: str, op: str, inputs: list, args: dict) -> dict:
    rng = rng_for(name)
    tensors = [torch.from_numpy(spec.make(rng).copy()) for spec in inputs]
    for t, spec in zip(tensors, inputs):
        if spec.grad and t.dtype == torch.float32:
            t.requires_grad_(True)
    result = OPS[op](args, *tensors)
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    diff = [o for o in outs if o.dtype == torch.float32 and o.requires_grad]
    grad_outs: list = [None] * len(outs)
    grads: list = [None] * len(tensors)
    if diff:
        gs = [torch.from_numpy(rng_for(name, "gradOutput", i).standard_normal(tuple(o.shape))
                               .astype(np.float32).reshape(tuple(o.shape)))
              if o.dtype == torch.float32 else None for i, o in enumerate(outs)]
        torch.autograd.backward([o for o in outs if o.dtype == torch.float32],
                                [g for g in gs if g is not None])
        grad_outs = [tensor_json(g) if g is not None else None for g in gs]
        grads = [(tensor_json(t.grad if t.grad is not None else torch.zeros_like(t))
                  if t.requires_grad else None) for t in tensors]
    return {
        "name": name,
        "op": op,
        "args": args,
        "inputs": [tensor_json(t, requires_grad=t.requires_grad) for t in tensors],
        "outputs": [tensor_json(o) for o in outs],
        "gradOutputs": grad_outs,
        "grads": grads,
    }


def main() -> None:
    covered = {c[1] for c in CASES}
    missing = set(OPS) - covered
    assert not missing, f"ops without a case: {sorted(missing)}"
    path = write_json("sequence-ops.json",
                      {"torch": torch.__version__, "cases": [run_case(*c) for c in CASES]})
    print(f"{path.name}: {path.stat().st_size} bytes, {len(CASES)} cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
