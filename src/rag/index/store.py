"""Where an index lives: one small interface, one class per backend, chosen by a URI.

A ``Store`` is written by ingest (``Store.update`` gives an ``Update``: the documents it holds,
its settings, ``put`` and ``remove``) and read by search (``Store.open_reader`` gives a
``Reader``: the global statistics, the candidates of a query with the rows the views need).
Two backends:

- ``rag.index.embedded.EmbeddedStore``: the files under ``index/`` (docs/index-format.md),
  the default: a directory path, ``--index DIR`` or a ``--store`` that is not a URI;
- ``rag.index.milvus.MilvusStore``: a Milvus collection (``milvus:///path/file.db`` for
  Milvus Lite, ``milvus://host:19530[/collection]`` for a server; docs/milvus.md), an
  optional extra (``pip install thai-rag[milvus]``).

``rag.index.stores.open_store`` picks the backend a URI names. Both give the same candidates (the chunk vectors' nearest and word BM25's best, with the same
scores) and the same rows, so the search above ranks alike whichever holds the index.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.embed.latent import Codes
from rag.index.format import DocumentInfo

SPREAD_SAMPLE = 2048  # chunks whose cosines stand for the corpus's in the answer's gate (all when fewer)


def spread_rows(n: int) -> np.ndarray:
    """Which of ``n`` chunks (in the store's order) make the corpus sample: all of them up to
    ``SPREAD_SAMPLE``, else that many drawn with a fixed seed (the same on every opening)."""
    if n <= SPREAD_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, SPREAD_SAMPLE, replace=False))


def top(cand: np.ndarray, scores: np.ndarray, depth: int) -> dict[int, float]:
    """The ``depth`` best of the candidates ``cand`` scored ``scores`` (any order among them)."""
    if len(cand) == 0:
        return {}
    if len(cand) > depth:
        part = np.argpartition(-scores, depth - 1)[:depth]
        cand, scores = cand[part], scores[part]
    return {int(i): float(s) for i, s in zip(cand, scores, strict=True)}


@dataclass
class Rows:
    """The chunk rows a query reads, by position: the embedded store's whole index (a
    position is a row of its files), or the candidates a Milvus search fetched. Chunk i's
    units are ``units[unit_offsets[i]:unit_offsets[i + 1]]``, its last ``unit_windows[i]`` the
    sentence pairs; ``references`` holds (at least) the references the rows cite.

    ``keys``: the store's key of each row, where it is not the position itself: what
    ``Reader.document_rows`` returns and ``Reader.scope(within=...)`` takes."""

    chunks: Sequence[Chunk]
    references: Mapping[str, Mapping[int, Reference]]
    vectors: np.ndarray
    units: np.ndarray
    unit_offsets: np.ndarray
    unit_windows: np.ndarray
    latent: Codes
    keys: np.ndarray | None = None

    def key(self, i: int) -> int:
        return i if self.keys is None else int(self.keys[i])


@dataclass
class Candidates:
    """One query's candidates: ``chunk`` (the closest chunk vectors, position -> cosine) and
    ``bm25`` (word BM25's best, position -> bm25s's score), positions into ``rows``."""

    rows: Rows
    chunk: dict[int, float] = field(default_factory=dict)
    bm25: dict[int, float] = field(default_factory=dict)


@dataclass
class StoredChunk:
    """One chunk as a store holds it, for the answer to read its vectors instead of encoding
    them: its unit vectors (its sentences, then the references it cites, then ``windows``
    sentence pairs, as ingest made them) and the references of its document it cites."""

    chunk: Chunk
    references: Mapping[int, Reference]
    units: np.ndarray
    windows: int
    vector: np.ndarray | None = None  # the chunk's own vector (a bm25 search measures no cosine)


@dataclass
class NewDocument:
    """One document read, chunked and embedded by ingest, as a store takes it: row i of
    ``vectors``, ``tokens`` and ``latent`` is chunk i; chunk i owns the next ``unit_counts[i]``
    rows of ``units``, its last ``window_counts[i]`` the sentence pairs."""

    info: DocumentInfo
    chunks: list[Chunk]
    references: dict[int, Reference]
    tokens: list[list[str]]
    vectors: np.ndarray
    units: np.ndarray
    unit_counts: list[int]
    window_counts: list[int]
    latent: Codes


@dataclass
class Settings:
    """What every document of a store shares: the model record, the chunking and BM25
    settings, and the latent-terms head (None: the model has none)."""

    model: dict[str, Any]
    chunking: dict[str, Any]
    lexical: dict[str, Any]
    latent_head: str | None


class Reader(ABC):
    """A store opened for search. ``manifest``: the embedded manifest's fields (model,
    lexical, documents, n_chunks...); ``trigrams``: the character trigrams' global statistics
    (rag.lexical.trigrams)."""

    location: str
    manifest: dict[str, Any]
    trigrams: Any

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.manifest["documents"]

    @abstractmethod
    def scope(self, doc: str | None, section: str | None, within: Sequence[int] | None = None) -> Any | None:
        """What the filters leave (None: everything); an unknown document is a RagError."""

    @abstractmethod
    def candidates(self, qvec: np.ndarray | None, tokens: list[str] | None, depth: int,
                   scope: Any | None) -> Candidates:
        """The ``depth`` closest chunk vectors to ``qvec`` and the ``depth`` best BM25 chunks
        for ``tokens`` (either side skipped when None), within ``scope``."""

    @abstractmethod
    def sections(self, doc_id: str | None = None) -> list[str]:
        """The section headings, in order of first appearance (one document's, or all)."""

    @abstractmethod
    def document_rows(self, doc_id: str) -> list[tuple[int, str]]:
        """A document's chunks in order: (key, section)."""

    @abstractmethod
    def spread_sample(self) -> np.ndarray:
        """The chunk vectors of the corpus sample (``spread_rows``) that the answer's gate
        compares a question's best passage with (empty: the store has none)."""

    @abstractmethod
    def stored_chunk(self, chunk_id: str) -> StoredChunk | None:
        """A chunk with its stored unit vectors (None: not held, or not at hand without a
        search: a Milvus store has the rows its recent searches fetched)."""

    def sample_token(self) -> str | None:
        """A word the index holds, for a warm-up query."""
        return "การ"

    def close(self) -> None:  # noqa: B027 (a store with nothing to let go of keeps this one)
        """Let go of connections and caches."""


@dataclass
class Known:
    """Vectors an index already holds, by text: chunks (with their latent terms) and units
    (``Update.stored_vectors``)."""

    chunks: dict[str, tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    units: dict[str, np.ndarray] = field(default_factory=dict)


class Update(ABC):
    """One ingest or removal, under whatever the store uses to keep writers apart.
    ``settings`` and ``documents`` are the store's before it (None and {} when empty or
    rebuilt); ``documents`` is looked up by id (a Milvus store reads only the rows asked for).
    ``finish``: measurements of the index once written, called with its location (the
    embedded folder, or the store's URI) and kept with it: the answer gate's calibration,
    which ingest sets."""

    settings: Settings | None
    documents: Mapping[str, DocumentInfo]
    finish: Callable[[Any], dict[str, Any] | None] | None = None

    def totals(self) -> tuple[int, int]:
        """How many documents and chunks the store holds."""
        return len(self.documents), sum(d.n_chunks for d in self.documents.values())

    def stored_vectors(self, doc_ids: set[str]) -> Known:
        """The stored vectors of the documents ``doc_ids`` by text, for their update to re-use
        (an unchanged text is not encoded again); a store that cannot read them back cheaply
        gives none."""
        return Known()

    @abstractmethod
    def put(self, settings: Settings, docs: list[NewDocument]) -> tuple[int, int]:
        """Add or replace these documents; returns the store's documents and chunks after."""

    @abstractmethod
    def remove(self, doc_id: str) -> int:
        """Take one document out; returns how many chunks went with it."""


class Store(ABC):
    """An index's home: ``location`` names it in messages (a folder, or a Milvus URI)."""

    location: str

    @abstractmethod
    def exists(self) -> bool:
        """Whether an index is there (a manifest was written)."""

    @abstractmethod
    def manifest(self) -> dict[str, Any]:
        """The checked manifest (model, settings, documents); a RagError when there is none."""

    @abstractmethod
    def update(self, rebuild: bool = False) -> AbstractContextManager[Update]:
        """An ``Update`` for one ingest or removal (``rebuild``: start from an empty index)."""

    @abstractmethod
    def open_reader(self, *, verify: bool = True) -> Reader:
        """The store opened for search (``verify``: check files against their checksums)."""

    def rebuild_hint(self) -> str:
        return f"rebuild it with: rag ingest --rebuild --store {self.location}"

    def close(self) -> None:  # noqa: B027 (a folder holds no connection)
        """Let go of the store's connection (a Milvus Lite file is then free for another process)."""
