"""Picking and joining the rows of in-memory indexes (``IndexData``): an update's new state
(old rows kept, new documents added after them), the documents of an index as ingest hands
them to a store, and the live rows of a segmented index written whole again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.embed.latent import Codes
from rag.index.format import DocumentInfo, IndexData, offsets_from_counts
from rag.index.store import NewDocument, Settings


def from_documents(settings: Settings, docs: Sequence[NewDocument]) -> IndexData:
    """The documents ``docs`` alone, as one index (a first ingest, a segment, a whole rewrite
    of the live documents)."""
    empty = IndexData(model=settings.model, chunking=settings.chunking, lexical=settings.lexical, documents={},
                      chunks=[], tokens=[], vectors=np.zeros((0, int(settings.model["dim"])), np.float32),
                      latent_head=settings.latent_head)
    return select(empty, [], {d.info.doc_id: d.info for d in docs}, settings, docs)


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
