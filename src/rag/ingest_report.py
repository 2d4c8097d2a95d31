"""What an ingest reports: the documents it added, updated or left, what each holds (pages,
sections, footnotes, chunks, repairs), the time of each stage, and the warnings that deserve
a look. Kept apart from the pipeline (rag.ingest) so that a reader of the report (the CLI's
``--json``, the chat's library) finds its fields in one place."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from rag import index as ix
from rag.document.reading import KIND_PDF_TEXT, InputDocument
from rag.document.structure import Document

# the stages whose seconds a report gives
STAGES = ("repair", "structure", "chunking", "embedding", "indexing")


@dataclass
class IngestReport:
    index_dir: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    n_documents: int = 0
    n_chunks: int = 0
    chunks_embedded: int = 0
    # texts (chunks, sentences, pairs, references) an update took from the index, not encoded again
    texts_reused: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    # one entry per document of this run: doc_id, title, kind, status (added, updated,
    # unchanged), pages, sections, footnotes, chunks, repairs (None where not known)
    documents: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # one line each: what deserves a look

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def page_count(doc: Document) -> int | None:
    """Pages the document's text falls on (None: its source has no pages, e.g. markdown)."""
    pages = {p.page for p in doc.paragraphs} | {page for p in doc.paragraphs for _, page in p.page_starts}
    pages |= {s.page for s in doc.sections} | {r.page for r in doc.references.values()}
    pages.discard(None)
    return len(pages) or None


def blank_pages(src: InputDocument) -> tuple[int, int]:
    """(pages without text, pages) of PDF-extracted text whose pages are set off by form
    feeds: a page with nothing but its number is a scanned image, whose words are not in the
    text layer. (0, 0) when the text has no page breaks."""
    text = getattr(src, "text", "") or ""
    if src.kind != KIND_PDF_TEXT or "\f" not in text:
        return 0, 0
    pages = text.split("\f")
    empty = sum(1 for page in pages if not "".join(page.split()).strip("0123456789-–—"))
    return empty, len(pages)


def document_entry(info: ix.DocumentInfo, status: str, repairs: int | None = None) -> dict[str, Any]:
    """What the report says of one document (from its manifest record)."""
    return {"doc_id": info.doc_id, "title": info.title, "kind": info.kind, "status": status,
            "pages": info.n_pages, "sections": info.n_sections, "footnotes": info.n_references,
            "chunks": info.n_chunks, "repairs": repairs}


@contextmanager
def collect_warnings(report: IngestReport) -> Iterator[None]:
    """The ``rag`` loggers' warnings that this thread raises meanwhile go into the report too."""
    handler, thread, lines = logging.Handler(logging.WARNING), threading.get_ident(), []
    handler.emit = lambda r: lines.append(r.getMessage().split("\n")[0]) if r.thread == thread else None  # type: ignore[method-assign]
    logging.getLogger("rag").addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger("rag").removeHandler(handler)
        report.warnings[:0] = [line for line in dict.fromkeys(lines) if line]
