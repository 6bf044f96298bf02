#!/usr/bin/env python3
"""PyTorch reference values for the recurrent layers: RNN (tanh, relu), LSTM (with projections),
GRU, and the RNNCell / LSTMCell / GRUCell cells. Several layers, bidirectional, batch_first,
given initial states, unbatched input, dropout in eval mode.

    /usr/bin/python3 tooling/torch-reference/recurrent.py

Writes out/recurrent.json: {"torch", "cases": [...]}. Each case:

    name, ctor {type, args: [inputSize, hiddenSize, {camelCase options}]}, mode ('train'|'eval'),
    state        the module's state dict under PyTorch's keys (weight_ih_l0, ..._reverse, weight_ih)
    input, hx    hx is null, a tensor (RNN, GRU, cells) or [h0, c0] (LSTM, LSTMCell)
    outputs      the forward's results flattened: [output, hN] (RNN, GRU), [output, hN, cN] (LSTM),
                 [h'] (RNNCell, GRUCell), [h', c'] (LSTMCell)
    gradOutputs  one standard-normal tensor per output; the loss is sum(output_k * gradOutput_k)
    inputGrad    d loss / d input
    hxGrads      d loss / d (each initial state), null when hx is null
    paramGrads   d loss / d parameter, by state-dict key
"""

from __future__ import annotations

import torch
import torch.nn as nn

from generate import tensor_json, write_json
from layers import randn

torch.set_num_threads(1)


def set_params(m: nn.Module, key: str) -> None:
    """Deterministic parameters (independent of torch's RNG), about the size of PyTorch's init."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(randn(f"{key}/{name}", *p.shape, scale=0.4))


def flat(out) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    res: list[torch.Tensor] = []
    for o in out:
        res.extend(flat(o))
    return res


def recurrent_case(name: str, module: nn.Module, ctor: dict, x: torch.Tensor, hx=None, mode: str = "train") -> dict:
    set_params(module, name)
    module.train(mode == "train")
    state = {k: tensor_json(v) for k, v in module.state_dict().items()}
    x = x.clone().requires_grad_(True)
    hxs = [h.clone().requires_grad_(True) for h in flat(hx)] if hx is not None else []
    if hx is None:
        out = module(x)
    elif isinstance(hx, tuple):
        out = module(x, tuple(hxs))
    else:
        out = module(x, hxs[0])
    outs = flat(out)
    gs = [randn(f"{name}/g{i}", *o.shape) for i, o in enumerate(outs)]
    sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    hx_json = None if hx is None else ([tensor_json(h) for h in hxs] if isinstance(hx, tuple) else tensor_json(hxs[0]))
    return {
        "name": name,
        "ctor": ctor,
        "mode": mode,
        "state": state,
        "input": tensor_json(x),
        "hx": hx_json,
        "outputs": [tensor_json(o) for o in outs],
        "gradOutputs": [tensor_json(g) for g in gs],
        "inputGrad": tensor_json(x.grad),
        "hxGrads": None if hx is None else [tensor_json(h.grad) for h in hxs],
        "paramGrads": {k: tensor_json(p.grad) for k, p in module.named_parameters()},
    }


def cases() -> list[dict]:
    out = []
    x = randn

    def add(name: str, cls, args: list, opts: dict, torch_opts: dict, inp, hx=None, mode="train"):
        ctor = {"type": cls.__name__, "args": [*args, opts] if opts else list(args)}
        out.append(recurrent_case(name, cls(*args, **torch_opts), ctor, inp, hx, mode))

    # RNN
    add("rnn_tanh_2layers", nn.RNN, [3, 4], {"numLayers": 2}, {"num_layers": 2}, x("rnn1/x", 5, 2, 3))
    add("rnn_relu_bidirectional_batchfirst_h0", nn.RNN, [3, 4],
        {"nonlinearity": "relu", "bidirectional": True, "batchFirst": True},
        {"nonlinearity": "relu", "bidirectional": True, "batch_first": True},
        x("rnn2/x", 2, 6, 3), x("rnn2/h0", 2, 2, 4))
    add("rnn_nobias_3layers_h0", nn.RNN, [2, 3], {"numLayers": 3, "bias": False}, {"num_layers": 3, "bias": False},
        x("rnn3/x", 4, 3, 2), x("rnn3/h0", 3, 3, 3))
    add("rnn_unbatched", nn.RNN, [3, 4], {"bidirectional": True}, {"bidirectional": True}, x("rnn4/x", 5, 3), x("rnn4/h0", 2, 4))
    add("rnn_seq1_batch1", nn.RNN, [2, 3], {}, {}, x("rnn5/x", 1, 1, 2))

    # LSTM
    add("lstm_1layer", nn.LSTM, [3, 4], {}, {}, x("lstm1/x", 5, 2, 3))
    add("lstm_2layers_bidirectional_h0c0", nn.LSTM, [3, 5], {"numLayers": 2, "bidirectional": True},
        {"num_layers": 2, "bidirectional": True}, x("lstm2/x", 4, 3, 3), (x("lstm2/h0", 4, 3, 5), x("lstm2/c0", 4, 3, 5)))
    add("lstm_batchfirst_nobias_h0c0", nn.LSTM, [4, 3], {"batchFirst": True, "bias": False}, {"batch_first": True, "bias": False},
        x("lstm3/x", 2, 5, 4), (x("lstm3/h0", 1, 2, 3), x("lstm3/c0", 1, 2, 3)))
    add("lstm_unbatched_h0c0", nn.LSTM, [3, 4], {"numLayers": 2}, {"num_layers": 2}, x("lstm4/x", 6, 3),
        (x("lstm4/h0", 2, 4), x("lstm4/c0", 2, 4)))
    add("lstm_proj_2layers_bidirectional_h0c0", nn.LSTM, [3, 5], {"numLayers": 2, "projSize": 2, "bidirectional": True},
        {"num_layers": 2, "proj_size": 2, "bidirectional": True}, x("lstm5/x", 4, 2, 3),
        (x("lstm5/h0", 4, 2, 2), x("lstm5/c0", 4, 2, 5)))
    add("lstm_proj_batchfirst", nn.LSTM, [3, 4], {"projSize": 3, "batchFirst": True}, {"proj_size": 3, "batch_first": True},
        x("lstm6/x", 2, 4, 3))
    add("lstm_dropout_eval", nn.LSTM, [3, 4], {"numLayers": 3, "dropout": 0.5}, {"num_layers": 3, "dropout": 0.5},
        x("lstm7/x", 4, 2, 3), mode="eval")

    # GRU
    add("gru_1layer", nn.GRU, [3, 4], {}, {}, x("gru1/x", 5, 2, 3))
    add("gru_2layers_bidirectional_h0", nn.GRU, [3, 4], {"numLayers": 2, "bidirectional": True},
        {"num_layers": 2, "bidirectional": True}, x("gru2/x", 4, 3, 3), x("gru2/h0", 4, 3, 4))
    add("gru_batchfirst_nobias", nn.GRU, [4, 3], {"batchFirst": True, "bias": False}, {"batch_first": True, "bias": False},
        x("gru3/x", 3, 5, 4))
    add("gru_unbatched_h0", nn.GRU, [2, 5], {}, {}, x("gru4/x", 6, 2), x("gru4/h0", 1, 5))
    add("gru_dropout_eval_h0", nn.GRU, [3, 4], {"numLayers": 2, "dropout": 0.3}, {"num_layers": 2, "dropout": 0.3},
        x("gru5/x", 4, 2, 3), x("gru5/h0", 2, 2, 4), mode="eval")

    # Cells
    add("rnncell_tanh_h", nn.RNNCell, [3, 4], {}, {}, x("cell1/x", 2, 3), x("cell1/h", 2, 4))
    add("rnncell_relu_nobias", nn.RNNCell, [3, 4], {"nonlinearity": "relu", "bias": False}, {"nonlinearity": "relu", "bias": False},
        x("cell2/x", 3, 3))
    add("rnncell_unbatched_h", nn.RNNCell, [3, 2], {}, {}, x("cell3/x", 3), x("cell3/h", 2))
    add("lstmcell_hc", nn.LSTMCell, [3, 4], {}, {}, x("cell4/x", 2, 3), (x("cell4/h", 2, 4), x("cell4/c", 2, 4)))
    add("lstmcell_nobias", nn.LSTMCell, [3, 4], {"bias": False}, {"bias": False}, x("cell5/x", 3, 3))
    add("lstmcell_unbatched_hc", nn.LSTMCell, [2, 3], {}, {}, x("cell6/x", 2), (x("cell6/h", 3), x("cell6/c", 3)))
    add("grucell_h", nn.GRUCell, [3, 4], {}, {}, x("cell7/x", 2, 3), x("cell7/h", 2, 4))
    add("grucell_nobias", nn.GRUCell, [3, 4], {"bias": False}, {"bias": False}, x("cell8/x", 3, 3))
    add("grucell_unbatched", nn.GRUCell, [4, 3], {}, {}, x("cell9/x", 4))
    return out


def main() -> None:
    write_json("recurrent.json", {"torch": torch.__version__, "cases": cases()})


if __name__ == "__main__":
    main()
