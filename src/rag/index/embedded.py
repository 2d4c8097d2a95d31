"""The embedded store: the index as files in one folder (docs/index-format.md), the default.

Search opens it through ``rag.index.reader.EmbeddedReader`` (one folder's files), or, once
updates have added segments to it, ``rag.index.segmented.SegmentedReader`` (the folder and its
segments read as one index). Writing, under a lock so that an ingest is all or nothing: a
small index, a first ingest or a rebuild is written whole beside the old one and swapped in
(``rag.index.write``); a large index takes new and replaced documents as a segment and a new
manifest (``rag.index.segments``), and is written whole again past the policy's share or on
``rag compact``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.index.chunkfile import ChunkFile
from rag.index.combine import from_documents, merge, new_documents, select
from rag.index.format import (
    MANIFEST,
    READ_ERRORS,
    UNIT_OFFSETS,
    UNITS,
    VECTORS,
    DocumentInfo,
    IndexData,
    rebuild_hint,
    unreadable,
)
from rag.index.read import load_latent, load_references, read_manifest
from rag.index.reader import EmbeddedReader, dense_candidates
from rag.index.segmented import SegmentedReader
from rag.index.segments import (
    Layout,
    UpdatePolicy,
    base_words,
    clean_segments,
    commit,
    document_placement,
    layout_of,
    load_index_data,
    part_dir,
    verify_index,
    write_segment,
)
from rag.index.store import Known, NewDocument, Settings, Store, Update
from rag.index.write import ingest_lock, inject_fault, write_index

__all__ = ["EmbeddedReader", "EmbeddedStore", "EmbeddedUpdate", "SegmentedReader", "dense_candidates",
           "new_documents", "select"]


class EmbeddedStore(Store):
    """The index folder ``index_dir`` (created by the first ingest). ``policy``: when an update
    writes a segment rather than the whole index (rag.index.segments)."""

    def __init__(self, index_dir: Path, policy: UpdatePolicy | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.location = str(self.index_dir)
        self.policy = policy or UpdatePolicy()

    def exists(self) -> bool:
        return (self.index_dir / MANIFEST).exists()

    def manifest(self) -> dict[str, Any]:
        return read_manifest(self.index_dir)

    def rebuild_hint(self) -> str:
        return rebuild_hint(self.index_dir)

    @contextmanager
    def update(self, rebuild: bool = False) -> Iterator[EmbeddedUpdate]:
        with ingest_lock(self.index_dir):
            yield EmbeddedUpdate(self.index_dir, rebuild, self.policy)

    def open_reader(self, *, verify: bool = True) -> EmbeddedReader:
        manifest = read_manifest(self.index_dir)
        if layout_of(manifest, self.index_dir).segmented:
            return SegmentedReader(self.index_dir, verify=verify, manifest=manifest)
        return EmbeddedReader(self.index_dir, verify=verify, manifest=manifest)

    def compact(self) -> tuple[int, int]:
        """Write the live rows of every part as one index (``rag compact``); returns its
        documents and chunks. The answer gate is calibrated again by whoever sets ``finish``."""
        with self.update() as up:
            return up.compact()


class EmbeddedUpdate(Update):
    """One ingest or removal on an index folder.

    A large index takes a few documents as a segment (rag.index.segments): only the manifest
    and those documents' rows are read, only their files and a new manifest written. Otherwise
    (a small index, a first ingest, a rebuild, or the segments past the policy's share) the
    index is read whole, merged with the new documents and written anew. ``finish``:
    measurements of the index written whole that its manifest records (``write_index``), such
    as the answer gate's calibration, which ingest sets; a segment keeps the ones recorded."""

    def __init__(self, index_dir: Path, rebuild: bool, policy: UpdatePolicy | None = None) -> None:
        self.index_dir = index_dir
        self.policy = policy or UpdatePolicy()
        self.finish: Callable[[Path], dict[str, Any] | None] | None = None
        self.data: IndexData | None = None  # the whole index, once read
        self.manifest: dict[str, Any] | None = None
        self.layout: Layout | None = None
        if not rebuild and (index_dir / MANIFEST).exists():
            self.manifest = read_manifest(index_dir)
            self.layout = layout_of(self.manifest, index_dir)
            clean_segments(index_dir, self.layout)  # an update killed before its commit
            verify_index(index_dir, self.manifest, self.layout)
        m = self.manifest
        self.settings = None if m is None else Settings(m["model"], m["chunking"], m["lexical"],
                                                        (m.get("latent") or {}).get("head"))
        self.documents = {} if m is None else {k: DocumentInfo(**v) for k, v in m["documents"].items()}

    # ------------------------------------------------------------------ reading
    def _whole(self) -> IndexData:
        if self.data is None:
            self.data = load_index_data(self.index_dir)
        return self.data

    def _placement(self) -> dict[str, list[Any]]:
        """Where each document lies (and the base's word count, which a segmented index's
        statistics need): from the manifest, or worked out once for an index written before it
        kept them."""
        assert self.manifest is not None and self.layout is not None
        if self.layout.placement is None:
            self.layout.placement = document_placement(self.index_dir, self.manifest, self.layout)
        if self.layout.base_words is None:
            self.layout.base_words = base_words(self.index_dir, self.layout)
        return self.layout.placement

    def stored_vectors(self, doc_ids: set[str]) -> Known:
        """Re-ingesting a document with one page changed encodes only the texts that changed: its
        other chunks, sentences and pairs keep the vectors (and latent terms) the index holds, the
        very bytes, not re-encoded ones. Only the replaced documents' rows are read; a chunk whose
        units do not line up with its stored rows (other chunking) gives its chunk vector only."""
        known = Known()
        doc_ids = {d for d in doc_ids if d in self.documents}
        if not doc_ids or self.manifest is None or self.layout is None:
            return known
        placement = self._placement()
        for name in self.layout.names():
            spans = [placement[d] for d in doc_ids if placement[d][0] == name]
            if not spans:
                continue
            where = part_dir(self.index_dir, name)
            rows = [r for _, a, n in spans for r in range(a, a + n)]
            try:  # only these rows are read: the arrays stay on disk, mapped
                vectors = np.load(where / VECTORS, allow_pickle=False, mmap_mode="r")
                units = np.load(where / UNITS, allow_pickle=False, mmap_mode="r")
                offsets = np.load(where / UNIT_OFFSETS, allow_pickle=False)
                latent = load_latent(where, mmap=True)
                references = load_references(where)
                chunks = ChunkFile(where)
                for i, terms in zip(rows, latent.rows(rows), strict=True):
                    chunk = chunks[i]
                    known.chunks[chunk.embed_text()] = (np.array(vectors[i]), (np.array(terms[0]), np.array(terms[1])))
                    texts = chunk.unit_texts(references.get(chunk.doc_id, {})) + chunk.window_texts()
                    stored = np.array(units[offsets[i]:offsets[i + 1]])
                    if len(texts) == len(stored):
                        known.units.update(zip(texts, stored, strict=True))
            except READ_ERRORS as e:
                raise unreadable(self.index_dir, str(where.relative_to(self.index_dir) / VECTORS), e) from None
        return known

    # ------------------------------------------------------------------ writing
    def _segment_fits(self, adding: int, hiding: int) -> bool:
        """Whether this change goes into a segment (else the index is written whole)."""
        layout, p = self.layout, self.policy
        if layout is None or self.data is not None:
            return False
        live = sum(d.n_chunks for d in self.documents.values())
        return live >= p.min_chunks and len(layout.parts) < p.max_segments \
            and layout.extra_rows() + adding + hiding <= p.share * layout.base_chunks

    def put(self, settings: Settings, docs: list[NewDocument]) -> tuple[int, int]:
        replaced = [d.info.doc_id for d in docs if d.info.doc_id in self.documents]
        adding = sum(len(d.chunks) for d in docs)
        hiding = sum(self.documents[d].n_chunks for d in replaced)
        if self._segment_fits(adding, hiding):
            return self._put_segment(settings, docs, replaced)
        merged = merge(self._whole(), docs, settings) if self.manifest is not None else from_documents(settings, docs)
        inject_fault("embedded")
        write_index(merged, self.index_dir, finish=self.finish)
        self._written(merged)
        return len(merged.documents), len(merged.chunks)

    def _put_segment(self, settings: Settings, docs: list[NewDocument], replaced: list[str]) -> tuple[int, int]:
        assert self.manifest is not None and self.layout is not None
        placement = self._placement()
        layout = self.layout
        for doc_id in replaced:
            self._hide(doc_id)
        inject_fault("embedded")
        entry = write_segment(self.index_dir, from_documents(settings, docs))
        layout.parts.append(entry)
        row = 0
        for d in docs:
            placement[d.info.doc_id] = [entry["name"], row, len(d.chunks)]
            self.documents[d.info.doc_id] = d.info
            row += len(d.chunks)
        self._commit()
        return len(self.documents), sum(d.n_chunks for d in self.documents.values())

    def _hide(self, doc_id: str) -> None:
        assert self.layout is not None and self.layout.placement is not None
        name, a, n = self.layout.placement.pop(doc_id)
        self.layout.hidden.setdefault(name, []).extend(range(a, a + n))
        self.documents.pop(doc_id, None)

    def _commit(self) -> None:
        assert self.manifest is not None and self.layout is not None
        self.manifest = commit(self.index_dir, self.manifest, self.layout, self.documents)

    def _written(self, data: IndexData) -> None:
        """After a whole write: what the next change of this update starts from."""
        self.data = data
        self.documents = dict(data.documents)
        self.manifest = read_manifest(self.index_dir)
        self.layout = layout_of(self.manifest, self.index_dir)

    def remove(self, doc_id: str) -> int:
        if doc_id not in self.documents:
            raise RagError(f"no document {doc_id!r} in {self.index_dir} (see `rag list`)")
        removed = self.documents[doc_id].n_chunks
        # the last document is hidden, never written away: an index of no rows cannot be built
        # (bm25s indexes one text at least); the next ingest adds to it as to any index
        if self._segment_fits(0, removed) or (len(self.documents) == 1 and self.data is None):
            self._placement()
            self._hide(doc_id)
            self._commit()
            return removed
        data = self._whole()
        keep = [i for i, c in enumerate(data.chunks) if c.doc_id != doc_id]
        settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
        written = select(data, keep, {k: v for k, v in data.documents.items() if k != doc_id}, settings)
        write_index(written, self.index_dir, finish=self.finish)
        self._written(written)
        return len(data.chunks) - len(keep)

    def compact(self) -> tuple[int, int]:
        """The live rows of every part written as one index."""
        if self.manifest is None:
            raise RagError(f"no index at {self.index_dir}: run `rag ingest` first (or pass --index DIR)")
        if not self.documents:
            raise RagError(f"{self.index_dir} holds no documents (its last one was removed): nothing to "
                           f"compact; `rag ingest` adds to it as to any index")
        data = self._whole()
        write_index(data, self.index_dir, finish=self.finish)
        self._written(data)
        return len(data.documents), len(data.chunks)

