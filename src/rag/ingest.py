"""Ingest: sources -> repair -> structure -> chunks -> vectors + BM25 tokens -> index.

A PDF skips repair and structure: it is read with its layout into a structured document when
the file is read (`rag.document.pdf`); that reading is timed as its "repair" stage.

Documents are keyed by ``doc_id``. Re-ingesting an unchanged document does no work (content
hash); a changed or new one is processed alone, and the other documents keep their chunks,
tokens and vectors, so adding a document never re-embeds the rest. Every source is read and
validated first; then the store (rag.index.store) takes the new documents: the embedded index
is built beside the old one and swapped in only when complete (all or nothing), a Milvus store
switches each document to its new rows at once (docs/milvus.md).

``on_progress(stage, done, total)`` follows a run through its stages (``PROGRESS_STAGES``:
reading, repair, structure, embedding, indexing; embedding counts texts embedded), for a
caller that shows it (the chat's uploads). The report says what each document holds (pages,
sections, footnotes, chunks, repairs) and what deserves a look (``warnings``).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag import index as ix
from rag.document.chunking import Chunk, chunk_document
from rag.document.reading import KIND_PDF_TEXT, InputDocument, read_sources
from rag.document.structure import Document, Reference, structure_document, structure_plain
from rag.embed import (
    Embedder,
    encode_chunks_and_units,
    ensure_compatible,
    latent_id,
    load_embedder,
    load_embedder_for,
)
from rag.embed.latent import Codes
from rag.errors import RagError
from rag.ingest_report import IngestReport, blank_pages, collect_warnings, document_entry, page_count
from rag.lexical.tokenize import thai_engine, tokenize
from rag.progress import ByLength, Progress
from rag.repair.text import repair_document

# Chunking settings are recorded in the manifest: an index is only updated with the settings
# it was built with (otherwise old and new chunks would not be comparable).
CHUNKING = {"max_chars": 1200, "overlap": 150, "version": 1}
LEXICAL = {"k1": 1.2, "b": 0.75}
# What ``on_progress`` reports, in order (chunking is part of structure there).
PROGRESS_STAGES = ("reading", "repair", "structure", "embedding", "indexing")
OnProgress = Callable[[str, int, int], None]


@dataclass
class Processed:
    """One document through repair, structure and chunking (not yet embedded)."""

    source: InputDocument
    document: Document
    chunks: list[Chunk]
    repairs: int | None = 0  # fixes the repair stage made (0 for clean text, None for a PDF read from its layout)


def process_source(src: InputDocument, seconds: dict[str, float], chunking: dict[str, Any] | None = None,
                   on_stage: Callable[[str], None] | None = None) -> Processed:
    """One source through repair, structure and chunking, adding each stage's time to
    `seconds`; ``on_stage`` hears "repair" and "structure" as each starts. A PDF's document
    was read with the file (its repair and structure with it); its reading time counts as
    repair, and its repairs are not counted (None)."""
    settings = chunking or CHUNKING
    stage = on_stage or (lambda _: None)
    t0 = time.perf_counter()
    repairs: int | None = 0
    if src.document is not None:
        t0 -= src.seconds  # read (its repair and structure) when the file was read
        t1 = time.perf_counter()
        doc = src.document
        repairs = None
    elif src.kind == KIND_PDF_TEXT:
        stage("repair")
        repaired = repair_document(src.text)
        repairs = sum(repaired.fixes.values())
        t1 = time.perf_counter()
        stage("structure")
        doc = structure_document(repaired, doc_id=src.doc_id, title=src.title)
    else:
        t1 = time.perf_counter()
        stage("structure")
        doc = structure_plain(src.text, doc_id=src.doc_id, title=src.title)
    t2 = time.perf_counter()
    chunks = chunk_document(doc, max_chars=settings["max_chars"], overlap=settings["overlap"])
    t3 = time.perf_counter()
    seconds["repair"] += t1 - t0
    seconds["structure"] += t2 - t1
    seconds["chunking"] += t3 - t2
    return Processed(source=src, document=doc, chunks=chunks, repairs=repairs)


class _EmbedProgress:
    """What the embedders advance (a progress bar's ``update``), reported as the embedding
    stage's texts done out of ``total``."""

    def __init__(self, on_progress: OnProgress, total: int) -> None:
        self.on_progress, self.total, self.done = on_progress, total, 0
        self._lock = threading.Lock()  # one job may run on two backends at once
        on_progress("embedding", 0, total)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.done = min(self.total, self.done + int(n))
            done = self.done
        self.on_progress("embedding", done, self.total)


def model_record(embedder: Embedder, requested: str) -> dict[str, Any]:
    """What the manifest says of the model: ``id`` and ``vector_space`` decide compatibility
    (two backends of the default model share a space); ``weights_hash`` records what built it."""
    return {"id": embedder.model_id, "source": requested, "backend": embedder.backend,
            "weights_hash": embedder.weights_hash, "vector_space": embedder.vector_space, "dim": embedder.dim}


def _check_existing(store: ix.Store, old: ix.Settings | None, model: str | None) -> None:
    if old is None:
        return
    if model and model not in (old.model.get("id"), old.model.get("source")):
        raise RagError(f"index {store.location} uses model {old.model.get('id')!r}; to switch to {model!r} "
                       f"re-ingest everything with --rebuild")
    if old.chunking != CHUNKING:
        raise RagError(f"index {store.location} was built with other chunking settings; {store.rebuild_hint()}")


def ingest(paths: list[Path], index: str | Path | ix.Store, *, model: str | None = None, title: str | None = None,
           rebuild: bool = False, progress: bool = True, embedder: Embedder | None = None,
           on_progress: OnProgress | None = None) -> IngestReport:
    """Add or update documents in the index ``index`` (a folder, created if missing, or a store URI)."""
    store = ix.open_store(index)
    report = IngestReport(index_dir=store.location)
    with collect_warnings(report):
        if on_progress:
            on_progress("reading", 0, len(paths))
        sources = read_sources(paths, title)
    return ingest_sources(sources, store, model=model, rebuild=rebuild, progress=progress, embedder=embedder,
                          on_progress=on_progress, report=report)


def ingest_sources(sources: list[InputDocument], index: str | Path | ix.Store, *, model: str | None = None,
                   rebuild: bool = False, progress: bool = True, embedder: Embedder | None = None,
                   on_progress: OnProgress | None = None, report: IngestReport | None = None) -> IngestReport:
    """`ingest` of sources already read (`rag.document.reading.read_sources`)."""
    store = ix.open_store(index)
    report = report or IngestReport(index_dir=store.location)
    with collect_warnings(report), store.update(rebuild) as up:
        calibrate_on_write(up)
        old = up.settings
        _check_existing(store, old, model)
        requested = model or (old.model.get("source") if old else None) or None
        if embedder is None:
            if old is not None and old.model.get("vector_space"):
                # an update must embed into the space the index was built in, even if a better
                # copy of the same model has appeared in the cache since
                embedder = load_embedder_for(old.model["id"], old.model["vector_space"])
            else:
                embedder = load_embedder(requested)
        if old is not None:
            if not old.model.get("vector_space"):
                raise RagError(f"index {store.location} comes from an older version; {store.rebuild_hint()}")
            ensure_compatible(old.model["id"], old.model["vector_space"], embedder)
        head = latent_id(embedder)
        if old is not None and old.latent_head != head:
            raise RagError(f"index {store.location} holds latent terms of another head ({old.latent_head}, not {head}); "
                           f"{store.rebuild_hint()}")
        engine = (old.lexical.get("engine") if old else None) or thai_engine()
        settings = ix.Settings(model=model_record(embedder, requested or embedder.model_id),
                               chunking=dict(old.chunking if old else CHUNKING),
                               lexical={**(old.lexical if old else LEXICAL), "engine": engine}, latent_head=head)

        todo: list[InputDocument] = []
        for src in sources:
            known = up.documents.get(src.doc_id)
            if known is not None and known.sha256 == src.sha256:
                report.unchanged.append(src.doc_id)
                report.documents.append(document_entry(known, "unchanged"))
            else:
                (report.updated if known else report.added).append(src.doc_id)
                todo.append(src)
        if not todo:
            report.n_documents, report.n_chunks = up.totals()
            return report

        processed = []
        with Progress(len(todo), label="reading", unit="documents") if progress and len(todo) > 1 \
                else nullcontext() as bar:
            for i, src in enumerate(todo):
                def on_stage(stage: str, i: int = i) -> None:
                    if on_progress:
                        on_progress(stage, i, len(todo))
                processed.append(process_source(src, report.seconds, on_stage=on_stage))
                if bar is not None:
                    bar.update()
        new_chunks = [c for p in processed for c in p.chunks]
        unit_lists, window_counts = unit_texts(processed)
        t0 = time.perf_counter()
        known = up.stored_vectors({p.source.doc_id for p in processed})
        vectors, units, codes, report.texts_reused = _embed(
            embedder, [c.embed_text() for c in new_chunks], [u for units in unit_lists for u in units], head,
            progress, len(processed), known, on_progress)
        report.seconds["embedding"] = time.perf_counter() - t0
        report.chunks_embedded = len(new_chunks)

        t0 = time.perf_counter()
        if on_progress:
            on_progress("indexing", 0, 1)
        docs = _documents(processed, vectors, units, [len(u) for u in unit_lists], window_counts, codes, engine)
        report.n_documents, report.n_chunks = up.put(settings, docs)
        report.seconds["indexing"] = time.perf_counter() - t0
        if on_progress:
            on_progress("indexing", 1, 1)
        _describe(report, processed, {d.info.doc_id: d.info for d in docs})
    return report


def unit_texts(processed: list[Processed]) -> tuple[list[list[str]], list[int]]:
    """Each chunk's unit texts (its sentences and cited references, then its sentence pairs)
    and how many of them, the last ones, are sentence pairs."""
    pairs = [(c, p.document.references, c.window_texts()) for p in processed for c in p.chunks]
    return [c.unit_texts(refs) + w for c, refs, w in pairs], [len(w) for _, _, w in pairs]


def _describe(report: IngestReport, processed: list[Processed], infos: dict[str, ix.DocumentInfo]) -> None:
    """The report's entries and warnings for the documents this run processed."""
    for p in processed:
        doc_id = p.source.doc_id
        status = "updated" if doc_id in report.updated else "added"
        report.documents.append(document_entry(infos[doc_id], status, p.repairs))
        empty, pages = blank_pages(p.source)
        if empty:
            report.warnings.append(f"{doc_id}: {empty} of {pages} pages have no text layer (scanned images?); "
                                   f"run OCR on them to make their text searchable")
        if not p.chunks:
            report.warnings.append(f"{doc_id}: no text to search was found in it")


def calibrate_on_write(up: ix.Update) -> None:
    """Have the index record, when it is written, the answer gate's calibration on its own
    corpus (``measure_index``): in the manifest of an embedded index, in the gate row of a
    Milvus store (with the corpus sample the gate reads: rag.index.milvus.write)."""
    up.finish = measure_index


def measure_index(built: Path | str) -> dict[str, Any] | None:
    """What the index records of itself once built, beyond its rows: the answer gate's
    calibration on this corpus (rag.answer.calibrate; a few seconds of probe questions).
    ``built``: the embedded index's folder, or a store's URI. An index it could not be
    measured on still works, with the model's default thresholds."""
    from rag.answer.calibrate import calibrate, open_for_calibration

    if isinstance(built, Path) and not (built / ix.MANIFEST).is_file():
        return None
    try:
        return {"calibration": calibrate(open_for_calibration(built)).to_dict()}
    except RagError as e:
        print(f"rag ingest: warning: the answer gate was not calibrated on this index ({e})", file=sys.stderr)
        return None


def _embed(embedder: Embedder, chunk_texts: list[str], unit_texts: list[str], head: str | None,
           progress: bool, n_documents: int, known: ix.Known | None = None,
           on_progress: OnProgress | None = None) -> tuple[np.ndarray, np.ndarray, Codes, int]:
    """Chunk vectors (with their latent terms when the embedder has a head), unit vectors, and
    how many texts were taken from ``known`` rather than encoded.

    Chunk overlaps and references cited twice repeat a unit: each text is embedded once. A unit
    whose text is a chunk's takes the chunk's vector.
    """
    known = known or ix.Known()
    chunk_all = list(dict.fromkeys(chunk_texts))
    in_chunks = set(chunk_all)
    chunk_unique = [t for t in chunk_all if t not in known.chunks]
    unit_all = [t for t in dict.fromkeys(unit_texts) if t not in in_chunks]
    unit_unique = [t for t in unit_all if t not in known.units]
    reused = len(chunk_all) - len(chunk_unique) + len(unit_all) - len(unit_unique)
    if progress and (chunk_unique or unit_unique):
        again = f" ({reused} unchanged texts kept)" if reused else ""
        print(f"embedding {len(chunk_unique)} chunks and {len(unit_unique)} sentences and sentence pairs{again} "
              f"with {embedder.model_id} ({embedder.backend})", file=sys.stderr)
    n_texts = len(chunk_unique) + len(unit_unique)
    if on_progress is not None:  # a caller following the stages gets the count instead of a bar
        bar_context: Any = nullcontext(_EmbedProgress(on_progress, n_texts))
    elif progress and n_texts:  # one bar for both passes: the characters encoded, shown as chunks
        bar_context = Progress(len(chunk_unique), label=f"embedding {n_documents} document{'s' * (n_documents != 1)}",
                               unit="chunks")
        bar_context = ByLength(bar_context, chunk_unique, unit_unique)
    else:
        bar_context = nullcontext(False)
    with bar_context as bar:
        chunk_done, chunk_codes, unit_done = encode_chunks_and_units(embedder, chunk_unique, unit_unique,
                                                                     latent=head is not None, progress=bar)
    empty = np.zeros((0, embedder.dim), np.float32)
    vector_of: dict[str, np.ndarray] = {**known.units, **{t: v for t, (v, _) in known.chunks.items()}}
    vector_of.update(zip(chunk_unique, np.asarray(chunk_done, np.float32).reshape(-1, embedder.dim), strict=True))
    vector_of.update(zip(unit_unique, np.asarray(unit_done, np.float32).reshape(-1, embedder.dim), strict=True))
    vectors = np.stack([vector_of[t] for t in chunk_texts]).astype(np.float32, copy=False) if chunk_texts else empty
    units = np.stack([vector_of[t] for t in unit_texts]).astype(np.float32, copy=False) if unit_texts else empty
    if head is not None:
        terms_of = {t: terms for t, (_, terms) in known.chunks.items()}
        if chunk_codes is not None:
            terms_of.update(zip(chunk_unique, chunk_codes.rows(range(len(chunk_unique))), strict=True))
        codes = Codes.from_rows([terms_of[t] for t in chunk_texts])
    else:
        codes = Codes.blank(len(chunk_texts))
    return vectors, units, codes, reused


def _documents(processed: list[Processed], vectors: np.ndarray, units: np.ndarray, unit_counts: list[int],
               window_counts: list[int], codes: Codes, engine: str) -> list[ix.NewDocument]:
    """The processed documents with their slices of the vectors, units and latent terms, and
    their chunks' BM25 tokens, as a store takes them."""
    out = []
    row = unit_row = 0
    for p in processed:
        n = len(p.chunks)
        counts = unit_counts[row:row + n]
        refs: dict[int, Reference] = dict(p.document.references)
        info = ix.DocumentInfo(doc_id=p.source.doc_id, title=p.source.title, source=p.source.origin,
                               sha256=p.source.sha256, kind=p.source.kind, n_chunks=n, n_references=len(refs),
                               n_pages=page_count(p.document), n_sections=sum(1 for s in p.document.sections if s.title),
                               added=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        out.append(ix.NewDocument(
            info=info, chunks=p.chunks, references=refs,
            tokens=[tokenize(c.lexical_text(refs), engine) for c in p.chunks],
            vectors=vectors[row:row + n], units=units[unit_row:unit_row + sum(counts)], unit_counts=counts,
            window_counts=window_counts[row:row + n], latent=Codes.from_rows(codes.rows(range(row, row + n)))))
        row += n
        unit_row += sum(counts)
    return out


def remove(doc_id: str, index: str | Path | ix.Store) -> int:
    """Take one document out of the index; returns how many chunks went with it."""
    store = ix.open_store(index)
    if not store.exists():
        store.manifest()  # the store's own "no index here" message
    with store.update() as up:
        calibrate_on_write(up)
        return up.remove(doc_id)


def compact(index: str | Path | ix.Store) -> tuple[int, int]:
    """Write an embedded index's segments and its live rows as one index again (``rag
    compact``), its answer gate calibrated anew; returns its documents and chunks."""
    from rag.index.embedded import EmbeddedStore

    store = ix.open_store(index)
    if not isinstance(store, EmbeddedStore):
        raise RagError(f"rag compact rewrites an embedded index; {store.location} is a Milvus store "
                       f"(Milvus compacts its own segments)")
    store.manifest()  # the store's own "no index here" message
    with store.update() as up:
        calibrate_on_write(up)
        return up.compact()


def copy_index(source: Path, index: str | Path | ix.Store, *, rebuild: bool = False) -> IngestReport:
    """Copy the documents of the embedded index ``source`` into the store ``index``, vectors
    and all (nothing is embedded again): how an embedded index moves to Milvus. Documents the
    target holds unchanged (same content hash) are skipped, as an ingest skips them."""
    from rag.index.combine import new_documents

    store = ix.open_store(index)
    report = IngestReport(index_dir=store.location)
    t0 = time.perf_counter()
    data = ix.load_index_data(Path(source))
    settings = ix.Settings(data.model, data.chunking, data.lexical, data.latent_head)
    with store.update(rebuild) as up:
        calibrate_on_write(up)
        old = up.settings
        if old is not None and (old.model.get("id"), old.model.get("vector_space"), old.chunking, old.latent_head) != \
                (data.model.get("id"), data.model.get("vector_space"), data.chunking, data.latent_head):
            raise RagError(f"index {store.location} was built with another model or other settings than {source}; "
                           f"copy into an empty store or add --rebuild")
        docs = []
        for doc in new_documents(data):
            known = up.documents.get(doc.info.doc_id)
            if known is not None and known.sha256 == doc.info.sha256:
                report.unchanged.append(doc.info.doc_id)
                continue
            (report.updated if known else report.added).append(doc.info.doc_id)
            docs.append(doc)
        if docs:
            report.n_documents, report.n_chunks = up.put(settings, docs)
        else:
            report.n_documents, report.n_chunks = up.totals()
    report.seconds["indexing"] = time.perf_counter() - t0
    return report
