"""What `rag inspect FILE` shows: a document's outline, paragraphs and chunks, for checking an
ingest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.document.chunking import Chunk
from rag.document.structure import Document


def inspect_dict(doc: Document, chunks: Sequence[Chunk]) -> dict[str, Any]:
    """What `rag inspect FILE --json` prints: the outline a user checks an ingest against, the
    structured document before chunking (paragraphs with their footnote markers at their
    offsets in the paragraph text), and the chunks."""
    return {
        "sections": [{"title": s.title, "page": s.page} for s in doc.sections],
        "footnotes": [{"n": r.n, "text": r.text, "page": r.page} for r in doc.references.values()],
        "paragraphs": [{"section": p.section, "page": p.page, "text": p.text,
                        "markers": [{"n": m.n, "pos": m.pos} for m in p.markers]} for p in doc.paragraphs],
        "chunks": [{"chunk_id": c.chunk_id, "section": c.section, "page": c.page, "text": c.text,
                    "footnotes": list(c.footnotes)} for c in chunks],
    }
