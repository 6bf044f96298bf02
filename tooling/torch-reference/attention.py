#!/usr/bin/env python3
"""PyTorch reference values for attention and the Transformer layers: scaled dot-product attention,
nn.MultiheadAttention (self and cross attention, kdim/vdim, batch_first, bool and additive masks,
key padding masks, per-head or averaged weights, causal), nn.TransformerEncoderLayer (post- and
pre-norm, relu and gelu, with masks), nn.TransformerEncoder (2 layers and a final norm) and
nn.TransformerDecoderLayer.

    /usr/bin/python3 tooling/torch-reference/attention.py

Writes out/attention.json: {"torch", "cases": [...]}. Each case:

    name
    ctor         {type, args} of the library's module (null for a function); an argument that is
                 itself a module is {"module": {type, args}} (TransformerEncoder's layer and norm)
    fn           the library function a function case calls ("scaledDotProductAttention"), else null
    mode         'train' | 'eval' (every dropout is 0, or the mode is eval)
                 (a float mask's -inf entries are listed by flat index in `negInf`, data 0 there)
    state        the module's state dict under PyTorch's keys
    tensors      named inputs: float inputs require grad, masks (bool or float) do not
    call         the library call's arguments: {"$": name} is a tensor of `tensors`, an object is an
                 options object whose values may be {"$": name} too
    outputs      the call's tensor results in order (MultiheadAttention: [output, weights], or
                 [output] when needWeights is false)
    gradOutputs  one standard-normal tensor per output; the loss is sum_k sum(outputs[k] * gradOutputs[k])
    grads        d loss / d tensor, for every tensor that requires grad
    paramGrads   d loss / d parameter, by state-dict key

torch 1.13 has no F.scaled_dot_product_attention: its cases use PyTorch 2's documented formula,
softmax(q k^T * scale + bias) v, where a bool mask is True where a position takes part, written
with torch ops (autograd gives the gradients). torch 1.13's MultiheadAttention has no is_causal:
its causal cases pass the causal mask explicitly, and the library call says isCausal instead.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from generate import rng_for, tensor_json, write_json
from layers import randn

torch.set_num_threads(1)


def set_params(m: nn.Module, key: str) -> None:
    """Deterministic parameters (independent of torch's RNG), about the size of PyTorch's init."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(randn(f"{key}/{name}", *p.shape, scale=0.4))


def bool_mask(key: str, *shape: int, p: float = 0.3) -> torch.Tensor:
    """True with probability p (PyTorch's 'masked out' for MultiheadAttention), never a whole row."""
    m = torch.from_numpy(rng_for(key).uniform(size=shape) < p)
    m[..., 0] = False  # every query keeps at least one key
    return m


def float_mask(key: str, *shape: int) -> torch.Tensor:
    """An additive mask: small values, and -inf (never in column 0) where a bool mask would be."""
    m = randn(key, *shape, scale=0.5)
    return m.masked_fill(bool_mask(key + "/inf", *shape, p=0.2), float("-inf"))


def causal_bool(L: int, S: int | None = None) -> torch.Tensor:
    """PyTorch's causal mask for MultiheadAttention: True above the diagonal (masked out)."""
    return torch.ones(L, S or L, dtype=torch.bool).triu(1)


def sdpa_ref(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """PyTorch 2's F.scaled_dot_product_attention, by its documented formula (dropout 0)."""
    L, S = q.size(-2), k.size(-2)
    s = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    w = q @ k.transpose(-2, -1) * s
    if is_causal:
        w = w.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
    if attn_mask is not None:
        w = w.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else w + attn_mask
    return torch.softmax(w, dim=-1) @ v


def input_json(t: torch.Tensor) -> dict:
    """tensor_json, with the -inf entries of an additive mask (JSON has no -Infinity) listed in
    `negInf` (flat indices; their `data` entries are 0)."""
    if t.dtype != torch.float32 or not torch.isinf(t).any():
        return tensor_json(t)
    flat = t.detach().reshape(-1)
    neg = torch.nonzero(torch.isneginf(flat)).reshape(-1).tolist()
    return {**tensor_json(torch.where(torch.isneginf(t), torch.zeros_like(t), t)), "negInf": neg}


def T(name: str) -> dict:
    return {"$": name}


def make_case(name: str, ctor, fn, module, tensors: dict, run, call: list, mode: str = "train") -> dict:
    """Runs `run(module, tensors)` (torch), backpropagates sum(out * gradOut) and records it all."""
    if module is not None:
        set_params(module, name)
        module.train(mode == "train")
    state = {} if module is None else {k: tensor_json(v) for k, v in module.state_dict().items()}
    ts = {}
    for k, v in tensors.items():
        ts[k] = v.clone().requires_grad_(v.dtype == torch.float32 and not k.startswith("mask"))
    outs = [o for o in run(module, ts) if o is not None]
    gs = [randn(f"{name}/g{i}", *o.shape) for i, o in enumerate(outs)]
    sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    return {
        "name": name,
        "ctor": ctor,
        "fn": fn,
        "mode": mode,
        "state": state,
        "tensors": {k: input_json(v) for k, v in ts.items()},
        "call": call,
        "outputs": [tensor_json(o) for o in outs],
        "gradOutputs": [tensor_json(g) for g in gs],
        "grads": {k: tensor_json(v.grad) for k, v in ts.items() if v.requires_grad},
        "paramGrads": {} if module is None else {k: tensor_json(p.grad) for k, p in module.named_parameters()},
    }


def cases() -> list[dict]:
    out = []
    x = randn

    # --- scaled dot-product attention (the library's function; PyTorch 2's formula) ---------------
    def sdpa(name, tensors, opts: dict, torch_kw: dict):
        def run(_m, t):
            kw = dict(torch_kw)
            if "mask" in t:
                kw["attn_mask"] = t["mask"]
            return [sdpa_ref(t["q"], t["k"], t["v"], **kw)]

        call_opts = {**opts, **({"attnMask": T("mask")} if "mask" in tensors else {})}
        out.append(make_case(name, None, "scaledDotProductAttention", None, tensors, run,
                             [T("q"), T("k"), T("v"), call_opts] if call_opts else [T("q"), T("k"), T("v")]))

    sdpa("sdpa_4d", {"q": x("s1/q", 2, 3, 4, 5), "k": x("s1/k", 2, 3, 6, 5), "v": x("s1/v", 2, 3, 6, 5)}, {}, {})
    sdpa("sdpa_3d_value_dim", {"q": x("s2/q", 2, 4, 3), "k": x("s2/k", 2, 5, 3), "v": x("s2/v", 2, 5, 7)}, {}, {})
    sdpa("sdpa_bool_mask_broadcast", {"q": x("s3/q", 2, 2, 4, 4), "k": x("s3/k", 2, 2, 5, 4), "v": x("s3/v", 2, 2, 5, 4),
                                      "mask": ~bool_mask("s3/m", 4, 5)}, {}, {})
    sdpa("sdpa_float_mask_per_batch", {"q": x("s4/q", 2, 2, 3, 4), "k": x("s4/k", 2, 2, 3, 4), "v": x("s4/v", 2, 2, 3, 4),
                                       "mask": float_mask("s4/m", 2, 1, 3, 3)}, {}, {})
    sdpa("sdpa_causal", {"q": x("s5/q", 1, 2, 5, 4), "k": x("s5/k", 1, 2, 5, 4), "v": x("s5/v", 1, 2, 5, 4)},
         {"isCausal": True}, {"is_causal": True})
    sdpa("sdpa_causal_rectangular_scale", {"q": x("s6/q", 2, 3, 4), "k": x("s6/k", 2, 6, 4), "v": x("s6/v", 2, 6, 4)},
         {"isCausal": True, "scale": 0.3}, {"is_causal": True, "scale": 0.3})

    # --- MultiheadAttention ----------------------------------------------------------------------
    def mha(name, args, opts, torch_kw, tensors, torch_call, call_opts, mode="train", qkv=("x", "x", "x")):
        module = nn.MultiheadAttention(*args, **torch_kw)
        ctor = {"type": "MultiheadAttention", "args": [*args, opts] if opts else list(args)}

        def run(m, t):
            return list(torch_call(m, t))

        call = [T(qkv[0]), T(qkv[1]), T(qkv[2])] + ([call_opts] if call_opts else [])
        out.append(make_case(name, ctor, None, module, tensors, run, call, mode))

    mha("mha_self_seqfirst", [8, 2], {}, {}, {"x": x("m1/x", 5, 3, 8)},
        lambda m, t: m(t["x"], t["x"], t["x"]), {})
    mha("mha_cross_kdim_vdim_per_head_weights", [8, 2], {"kdim": 6, "vdim": 4}, {"kdim": 6, "vdim": 4},
        {"q": x("m2/q", 4, 2, 8), "k": x("m2/k", 6, 2, 6), "v": x("m2/v", 6, 2, 4)},
        lambda m, t: m(t["q"], t["k"], t["v"], average_attn_weights=False), {"averageAttnWeights": False},
        qkv=("q", "k", "v"))
    mha("mha_cross_batchfirst_bool_mask", [6, 3], {"batchFirst": True}, {"batch_first": True},
        {"q": x("m3/q", 2, 4, 6), "kv": x("m3/kv", 2, 5, 6), "mask_attn": bool_mask("m3/mask", 4, 5)},
        lambda m, t: m(t["q"], t["kv"], t["kv"], attn_mask=t["mask_attn"]), {"attnMask": T("mask_attn")},
        qkv=("q", "kv", "kv"))
    mha("mha_additive_3d_mask", [8, 4], {}, {}, {"x": x("m4/x", 4, 2, 8), "mask_attn": float_mask("m4/mask", 8, 4, 4)},
        lambda m, t: m(t["x"], t["x"], t["x"], attn_mask=t["mask_attn"]), {"attnMask": T("mask_attn")})
    kpm = torch.tensor([[False, False, False, False, False], [False, False, False, True, True], [False, True, False, False, True]])
    mha("mha_key_padding_no_weights", [8, 2], {}, {}, {"x": x("m5/x", 5, 3, 8), "mask_kpm": kpm},
        lambda m, t: m(t["x"], t["x"], t["x"], key_padding_mask=t["mask_kpm"], need_weights=False),
        {"keyPaddingMask": T("mask_kpm"), "needWeights": False})
    mha("mha_causal_batchfirst", [8, 2], {"batchFirst": True}, {"batch_first": True}, {"x": x("m6/x", 2, 6, 8)},
        lambda m, t: m(t["x"], t["x"], t["x"], attn_mask=causal_bool(6)), {"isCausal": True})
    mha("mha_bool_mask_and_key_padding", [8, 2], {}, {}, {"x": x("m7/x", 5, 3, 8), "mask_attn": causal_bool(5), "mask_kpm": kpm},
        lambda m, t: m(t["x"], t["x"], t["x"], attn_mask=t["mask_attn"], key_padding_mask=t["mask_kpm"]),
        {"attnMask": T("mask_attn"), "keyPaddingMask": T("mask_kpm")})
    mha("mha_float_mask_and_key_padding", [4, 2], {}, {}, {"x": x("m8/x", 5, 3, 4), "mask_attn": float_mask("m8/mask", 5, 5), "mask_kpm": kpm},
        lambda m, t: m(t["x"], t["x"], t["x"], attn_mask=t["mask_attn"], key_padding_mask=t["mask_kpm"]),
        {"attnMask": T("mask_attn"), "keyPaddingMask": T("mask_kpm")})
    mha("mha_float_key_padding", [4, 1], {}, {}, {"x": x("m9/x", 3, 2, 4), "mask_kpm": float_mask("m9/kpm", 2, 3)},
        lambda m, t: m(t["x"], t["x"], t["x"], key_padding_mask=t["mask_kpm"]), {"keyPaddingMask": T("mask_kpm")})
    mha("mha_unbatched_nobias", [6, 2], {"bias": False}, {"bias": False},
        {"q": x("m10/q", 3, 6), "kv": x("m10/kv", 4, 6), "mask_kpm": torch.tensor([False, False, True, False])},
        lambda m, t: m(t["q"], t["kv"], t["kv"], key_padding_mask=t["mask_kpm"], average_attn_weights=False),
        {"keyPaddingMask": T("mask_kpm"), "averageAttnWeights": False}, qkv=("q", "kv", "kv"))
    mha("mha_dropout_eval", [8, 2], {"dropout": 0.5}, {"dropout": 0.5}, {"x": x("m11/x", 4, 2, 8)},
        lambda m, t: m(t["x"], t["x"], t["x"]), {}, mode="eval")

    # --- Transformer layers ------------------------------------------------------------------------
    def layer(name, cls, args, opts, torch_kw, tensors, torch_call, call, mode="train", ctor=None, module=None):
        module = module if module is not None else cls(*args, **torch_kw)
        ctor = ctor or {"type": cls.__name__, "args": [*args, opts] if opts else list(args)}
        out.append(make_case(name, ctor, None, module, tensors, lambda m, t: [torch_call(m, t)], call, mode))

    enc = nn.TransformerEncoderLayer
    layer("encoder_postnorm_relu_masks", enc, [8, 2], {"dimFeedforward": 16, "dropout": 0},
          {"dim_feedforward": 16, "dropout": 0.0},
          {"x": x("e1/x", 5, 3, 8), "mask_src": float_mask("e1/mask", 5, 5), "mask_kpm": kpm},
          lambda m, t: m(t["x"], src_mask=t["mask_src"], src_key_padding_mask=t["mask_kpm"]),
          [T("x"), {"srcMask": T("mask_src"), "srcKeyPaddingMask": T("mask_kpm")}])
    layer("encoder_prenorm_gelu_batchfirst_causal", enc, [8, 4],
          {"dimFeedforward": 12, "dropout": 0, "activation": "gelu", "normFirst": True, "batchFirst": True, "layerNormEps": 1e-6},
          {"dim_feedforward": 12, "dropout": 0.0, "activation": "gelu", "norm_first": True, "batch_first": True, "layer_norm_eps": 1e-6},
          {"x": x("e2/x", 2, 6, 8)},
          lambda m, t: m(t["x"], src_mask=causal_bool(6)), [T("x"), {"isCausal": True}])
    layer("encoder_default_dropout_eval_bool_mask", enc, [6, 3], {"dimFeedforward": 10}, {"dim_feedforward": 10},
          {"x": x("e3/x", 4, 2, 6), "mask_src": bool_mask("e3/mask", 4, 4)},
          lambda m, t: m(t["x"], src_mask=t["mask_src"]), [T("x"), {"srcMask": T("mask_src")}], mode="eval")

    proto = enc(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu")
    stack = nn.TransformerEncoder(proto, 2, norm=nn.LayerNorm(8))
    layer("encoder_2_layers_final_norm_causal_padding", None, None, None, None,
          {"x": x("e4/x", 5, 2, 8), "mask_causal": causal_bool(5), "mask_kpm": torch.tensor([[False] * 5, [False, False, False, True, True]])},
          lambda m, t: m(t["x"], mask=t["mask_causal"], src_key_padding_mask=t["mask_kpm"]),
          [T("x"), {"mask": T("mask_causal"), "srcKeyPaddingMask": T("mask_kpm")}],
          ctor={"type": "TransformerEncoder", "args": [
              {"module": {"type": "TransformerEncoderLayer", "args": [8, 2, {"dimFeedforward": 16, "dropout": 0, "activation": "gelu"}]}},
              2, {"norm": {"module": {"type": "LayerNorm", "args": [8]}}}]},
          module=stack)

    dec = nn.TransformerDecoderLayer
    layer("decoder_postnorm_causal_memory_padding", dec, [8, 2], {"dimFeedforward": 16, "dropout": 0},
          {"dim_feedforward": 16, "dropout": 0.0},
          {"tgt": x("d1/tgt", 4, 3, 8), "memory": x("d1/mem", 5, 3, 8), "mask_kpm": kpm},
          lambda m, t: m(t["tgt"], t["memory"], tgt_mask=causal_bool(4), memory_key_padding_mask=t["mask_kpm"]),
          [T("tgt"), T("memory"), {"tgtIsCausal": True, "memoryKeyPaddingMask": T("mask_kpm")}])
    layer("decoder_prenorm_gelu_batchfirst_masks", dec, [8, 4],
          {"dimFeedforward": 12, "dropout": 0, "activation": "gelu", "normFirst": True, "batchFirst": True},
          {"dim_feedforward": 12, "dropout": 0.0, "activation": "gelu", "norm_first": True, "batch_first": True},
          {"tgt": x("d2/tgt", 2, 3, 8), "memory": x("d2/mem", 2, 4, 8), "mask_tgt": float_mask("d2/tm", 3, 3),
           "mask_mem": bool_mask("d2/mm", 3, 4), "mask_tkpm": torch.tensor([[False, False, False], [False, False, True]])},
          lambda m, t: m(t["tgt"], t["memory"], tgt_mask=t["mask_tgt"], memory_mask=t["mask_mem"], tgt_key_padding_mask=t["mask_tkpm"]),
          [T("tgt"), T("memory"), {"tgtMask": T("mask_tgt"), "memoryMask": T("mask_mem"), "tgtKeyPaddingMask": T("mask_tkpm")}])
    return out


def main() -> None:
    write_json("attention.json", {"torch": torch.__version__, "cases": cases()})


if __name__ == "__main__":
    main()
