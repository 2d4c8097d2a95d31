"""The embedded store: the index as files in one folder (docs/index-format.md), the default.

Reading opens every file once (``rag.index.read``) and keeps it in memory (the unit vectors
memory-mapped past a size; the chunks parsed from their mapped lines when read,
``rag.index.chunkfile``): candidates are the chunk vectors' nearest (one exact product, or
the FAISS index of a large corpus: ``rag.index.ann``) and word BM25's best (bm25s's postings:
``rag.index.bm25``), and the rows a query reads are the whole index. Writing rebuilds the
folder beside the old one and swaps it in (``rag.index.write``), under a lock, so an ingest
is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.latent import Codes
from rag.errors import RagError
from rag.index import bm25 as bm25_side
from rag.index.chunkfile import ChunkFile
from rag.index.format import BM25_DIR, MANIFEST, DocumentInfo, IndexData, offsets_from_counts, rebuild_hint
from rag.index.read import (
    READ_ERRORS,
    load_index_data,
    open_index_files,
    read_manifest,
    unreadable,
    verify_files,
)
from rag.index.store import (
    Candidates,
    Known,
    NewDocument,
    Reader,
    Rows,
    Settings,
    Store,
    StoredChunk,
    Update,
    spread_rows,
    top,
)
from rag.index.write import ingest_lock, inject_fault, write_index


def dense_candidates(vectors: np.ndarray, ann: Any | None, qvec: np.ndarray, depth: int,
                     allowed: np.ndarray | None) -> dict[int, float]:
    """The ``depth`` chunks whose vectors are closest to ``qvec``, with their cosines; a filter
    (``allowed``, a mask over the chunks) scores the allowed chunks exactly."""
    if ann is not None and allowed is None:
        scores, ids = ann.search(qvec.reshape(1, -1).astype(np.float32), depth)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}
    if allowed is None:
        cand = np.arange(len(vectors))
        scores = np.asarray(vectors @ qvec, dtype=np.float32)
    else:
        cand = np.flatnonzero(allowed)
        scores = np.asarray(vectors[cand] @ qvec, dtype=np.float32)
    return top(cand, scores, depth)


class EmbeddedStore(Store):
    """The index folder ``index_dir`` (created by the first ingest)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.location = str(self.index_dir)

    def exists(self) -> bool:
        return (self.index_dir / MANIFEST).exists()

    def manifest(self) -> dict[str, Any]:
        return read_manifest(self.index_dir)

    def rebuild_hint(self) -> str:
        return rebuild_hint(self.index_dir)

    @contextmanager
    def update(self, rebuild: bool = False) -> Iterator[Update]:
        with ingest_lock(self.index_dir):
            yield EmbeddedUpdate(self.index_dir, rebuild)

    def open_reader(self, *, verify: bool = True) -> EmbeddedReader:
        return EmbeddedReader(self.index_dir, verify=verify)


class EmbeddedUpdate(Update):
    """The whole index read into memory, merged with the new documents, written anew.
    ``finish``: measurements of the written index that its manifest records (``write_index``),
    such as the answer gate's calibration, which ingest sets."""

    def __init__(self, index_dir: Path, rebuild: bool) -> None:
        self.index_dir = index_dir
        self.finish: Callable[[Path], dict[str, Any] | None] | None = None
        self.data: IndexData | None = None
        if not rebuild and (index_dir / MANIFEST).exists():
            self.data = load_index_data(index_dir)
        d = self.data
        self.settings = None if d is None else Settings(d.model, d.chunking, d.lexical, d.latent_head)
        self.documents = {} if d is None else dict(d.documents)

    def stored_vectors(self, doc_ids: set[str]) -> Known:
        """Re-ingesting a document with one page changed encodes only the texts that changed: its
        other chunks, sentences and pairs keep the vectors (and latent terms) the index holds, the
        very bytes, not re-encoded ones. Only the replaced documents' rows are read; a chunk whose
        units do not line up with its stored rows (other chunking) gives its chunk vector only."""
        known = Known()
        data = self.data
        if not doc_ids or data is None or data.units is None or data.unit_offsets is None or data.latent is None:
            return known
        rows = [i for i, c in enumerate(data.chunks) if c.doc_id in doc_ids]
        for i, terms in zip(rows, data.latent.rows(rows), strict=True):
            chunk = data.chunks[i]
            known.chunks[chunk.embed_text()] = (data.vectors[i], terms)
            texts = chunk.unit_texts(data.references.get(chunk.doc_id, {})) + chunk.window_texts()
            stored = data.units[data.unit_offsets[i]:data.unit_offsets[i + 1]]
            if len(texts) == len(stored):
                known.units.update(zip(texts, stored, strict=True))
        return known

    def put(self, settings: Settings, docs: list[NewDocument]) -> tuple[int, int]:
        data = self.data or IndexData(model=settings.model, chunking=settings.chunking, lexical=settings.lexical,
                                      documents={}, chunks=[], tokens=[],
                                      vectors=np.zeros((0, int(settings.model["dim"])), np.float32),
                                      latent_head=settings.latent_head)
        merged = merge(data, docs, settings)
        inject_fault("embedded")
        write_index(merged, self.index_dir, finish=self.finish)
        self.data = merged
        return len(merged.documents), len(merged.chunks)

    def remove(self, doc_id: str) -> int:
        data = self.data if self.data is not None else load_index_data(self.index_dir)
        if doc_id not in data.documents:
            raise RagError(f"no document {doc_id!r} in {self.index_dir} (see `rag list`)")
        keep = [i for i, c in enumerate(data.chunks) if c.doc_id != doc_id]
        removed = len(data.chunks) - len(keep)
        settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
        self.data = select(data, keep, {k: v for k, v in data.documents.items() if k != doc_id}, settings)
        write_index(self.data, self.index_dir, finish=self.finish)
        return removed


def select(data: IndexData, keep: list[int], documents: dict[str, DocumentInfo], settings: Settings,
           new: Sequence[NewDocument] = ()) -> IndexData:
    """The chunks ``keep`` of ``data`` (in order), then the chunks of ``new``, as one index."""
    dim = data.vectors.shape[1]
    unit_parts, counts = data.unit_slices(keep)
    references = {k: v for k, v in data.references.items() if k in documents}
    chunks = [data.chunks[i] for i in keep]
    tokens = [data.tokens[i] for i in keep]
    windows = data.window_counts(keep)
    assert data.latent is not None
    latent_rows = data.latent.rows(keep)
    vectors = [data.vectors[keep]] if keep else []
    for doc in new:
        chunks += doc.chunks
        tokens += doc.tokens
        vectors.append(np.asarray(doc.vectors, np.float32).reshape(-1, dim))
        unit_parts.append(np.asarray(doc.units, np.float32).reshape(-1, dim))
        counts += doc.unit_counts
        windows += doc.window_counts
        latent_rows += doc.latent.rows(range(len(doc.latent)))
        if doc.references:
            references[doc.info.doc_id] = dict(doc.references)
    return IndexData(
        model=settings.model, chunking=data.chunking, lexical=settings.lexical, documents=documents,
        chunks=chunks, tokens=tokens,
        vectors=np.concatenate([np.zeros((0, dim), np.float32), *vectors]),
        references=references, units=np.concatenate([np.zeros((0, dim), np.float32), *unit_parts]),
        unit_offsets=offsets_from_counts(counts), unit_windows=np.asarray(windows, np.int32),
        latent=Codes.from_rows(latent_rows) if latent_rows else Codes.blank(0), latent_head=data.latent_head)


def merge(data: IndexData, docs: list[NewDocument], settings: Settings) -> IndexData:
    """``data`` with ``docs`` added, or replacing the documents of the same id (which move to
    the end, as new ones are added there)."""
    replaced = {d.info.doc_id for d in docs}
    keep = [i for i, c in enumerate(data.chunks) if c.doc_id not in replaced]
    documents = {k: v for k, v in data.documents.items() if k not in replaced}
    documents.update({d.info.doc_id: d.info for d in docs})
    return select(data, keep, documents, settings, docs)


def new_documents(data: IndexData) -> list[NewDocument]:
    """The documents of ``data`` as ingest hands them to a store, vectors and all (copying an
    embedded index into another store embeds nothing)."""
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(data.chunks):
        rows.setdefault(c.doc_id, []).append(i)
    assert data.latent is not None
    out = []
    for doc_id, info in data.documents.items():
        keep = rows.get(doc_id, [])
        unit_parts, counts = data.unit_slices(keep)
        dim = data.vectors.shape[1]
        out.append(NewDocument(
            info=info, chunks=[data.chunks[i] for i in keep], references=dict(data.references.get(doc_id, {})),
            tokens=[data.tokens[i] for i in keep], vectors=data.vectors[keep],
            units=np.concatenate([np.zeros((0, dim), np.float32), *unit_parts]), unit_counts=counts,
            window_counts=data.window_counts(keep), latent=Codes.from_rows(data.latent.rows(keep))))
    return out


class EmbeddedReader(Reader):
    """An index folder opened for search: every file read once and checked.

    ``ann``: the FAISS index of a large corpus (None: exact dense search); ``bm25_bound``: the
    words' highest BM25 scores where the index is large enough for pruned BM25 (else None). A
    benchmark may set either to None to time the exact paths. ``whole``: every chunk, the rows
    every query reads."""

    def __init__(self, index_dir: Path, *, verify: bool = True) -> None:
        self.index_dir = index_dir
        self.location = str(index_dir)
        self.manifest = read_manifest(index_dir)
        if verify:
            verify_files(index_dir, self.manifest)
        index = open_index_files(index_dir, manifest=self.manifest, lazy_chunks=True)
        assert index.trigrams is not None and index.bm25 is not None  # read for search
        assert isinstance(index.chunks, ChunkFile)
        self._chunks = index.chunks
        self.whole = Rows(chunks=index.chunks, references=index.references, vectors=index.vectors,
                          units=index.units, unit_offsets=index.unit_offsets,
                          unit_windows=index.unit_windows.astype(np.int64), latent=index.latent)
        self.trigrams = index.trigrams
        self.ann = index.ann
        self.bm25 = index.bm25
        try:
            self.bm25_bound = bm25_side.prune_bounds(self.bm25, int(self.manifest["n_chunks"]))
        except READ_ERRORS as e:
            raise unreadable(index_dir, BM25_DIR + "/", e) from None

    @cached_property
    def _doc_of(self) -> np.ndarray:
        """Each row's document id: read (every chunk) the first time a filter or an outline
        needs it, not at open."""
        return np.array([c.doc_id for c in self.whole.chunks], dtype=object)

    def spread_sample(self) -> np.ndarray:
        return np.asarray(self.whole.vectors[spread_rows(len(self.whole.chunks))], dtype=np.float32)

    def stored_chunk(self, chunk_id: str) -> StoredChunk | None:
        row = self._chunks.row_of(chunk_id)  # a search's hit is found without reading the rest
        if row is None:
            return None
        w = self.whole
        chunk = w.chunks[row]
        a, b = int(w.unit_offsets[row]), int(w.unit_offsets[row + 1])
        return StoredChunk(chunk=chunk, references=w.references.get(chunk.doc_id, {}),
                           units=np.asarray(w.units[a:b], dtype=np.float32), windows=int(w.unit_windows[row]),
                           vector=np.asarray(w.vectors[row], dtype=np.float32))

    def scope(self, doc: str | None, section: str | None, within: Sequence[int] | None = None) -> np.ndarray | None:
        chunks = self.whole.chunks
        if within is not None:
            mask = np.zeros(len(chunks), dtype=bool)
            mask[np.fromiter(within, dtype=np.int64)] = True
            rest = self.scope(doc, section)
            return mask if rest is None else mask & rest
        if not doc and not section:
            return None
        if doc and doc not in self.documents:
            raise RagError(f"no document {doc!r} in the index (see `rag list`)")
        mask = np.ones(len(chunks), dtype=bool)
        if doc:
            mask &= self._doc_of == doc
        if section:
            needle = section.casefold()
            mask &= np.array([needle in c.section.casefold() for c in chunks], dtype=bool)
        return mask

    def candidates(self, qvec: np.ndarray | None, tokens: list[str] | None, depth: int,
                   scope: np.ndarray | None) -> Candidates:
        out = Candidates(rows=self.whole)
        if qvec is not None:
            out.chunk = self.dense_candidates(qvec, depth, scope)
        if tokens is not None:
            out.bm25 = self.bm25_candidates(tokens, depth, scope)
        return out

    def dense_candidates(self, qvec: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> dict[int, float]:
        """The ``depth`` chunks closest to ``qvec`` (cosines), through ``ann`` when it is set and
        nothing filters (``allowed``: a mask over the chunks)."""
        return dense_candidates(self.whole.vectors, self.ann, qvec, depth, allowed)

    def bm25_candidates(self, tokens: list[str], depth: int, allowed: np.ndarray | None = None) -> dict[int, float]:
        """The ``depth`` best word-BM25 chunks for query ``tokens`` (bm25s's scores, bitwise),
        pruned where ``bm25_bound`` is set (rag.index.bm25)."""
        return bm25_side.bm25_candidates(self.bm25, self.bm25_bound, tokens, depth, allowed, len(self.whole.vectors))

    def sample_token(self) -> str | None:
        return next(iter(self.bm25.vocab_dict), None)

    def sections(self, doc_id: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.whole.chunks:
            if c.section and (doc_id is None or c.doc_id == doc_id):
                seen.setdefault(c.section, None)
        return list(seen)

    def document_rows(self, doc_id: str) -> list[tuple[int, str]]:
        return [(int(i), self.whole.chunks[i].section) for i in np.flatnonzero(self._doc_of == doc_id)]
