"""The embedded index's reader: one folder's files opened for search.

Reading opens every file once (``rag.index.read``) and keeps it in memory (the unit vectors
memory-mapped past a size; the chunks parsed from their mapped lines when read,
``rag.index.chunkfile``): candidates are the chunk vectors' nearest (one exact product, or
the FAISS index of a large corpus: ``rag.index.ann``) and word BM25's best (bm25s's postings:
``rag.index.bm25``), and the rows a query reads are the whole index. An index with segments
(rag.index.segments) is read as one by ``rag.index.segmented``, a part at a time through this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.errors import RagError
from rag.index import bm25 as bm25_side
from rag.index.chunkfile import ChunkFile
from rag.index.format import BM25_DIR
from rag.index.read import READ_ERRORS, open_index_files, read_manifest, unreadable, verify_files
from rag.index.store import Candidates, Reader, Rows, StoredChunk, spread_rows, top


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


class EmbeddedReader(Reader):
    """An index folder opened for search: every file read once and checked.

    ``ann``: the FAISS index of a large corpus (None: exact dense search); ``bm25_bound``: the
    words' highest BM25 scores where the index is large enough for pruned BM25 (else None). A
    benchmark may set either to None to time the exact paths. ``whole``: every chunk, the rows
    every query reads."""

    def __init__(self, index_dir: Path, *, verify: bool = True, manifest: dict[str, Any] | None = None) -> None:
        self.index_dir = index_dir
        self.location = str(index_dir)
        self.manifest = manifest or read_manifest(index_dir)
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

    def chunk_at(self, key: int) -> Chunk:
        """The chunk at a key ``document_rows`` gave (here, its row)."""
        return self.whole.chunks[key]

    def references_of(self, doc_id: str) -> Mapping[int, Reference]:
        """A document's footnoted references."""
        return self.whole.references.get(doc_id, {})

    def chunk_row(self, chunk_id: str) -> int | None:
        """The row of ``chunk_id`` (None: not here)."""
        return self._chunks.row_of(chunk_id)

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
