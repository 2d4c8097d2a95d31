"""What `rag inspect FILE` shows: a document's outline and chunks, for checking an ingest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.document.chunking import Chunk
from rag.document.structure import Document


def inspect_dict(doc: Document, chunks: Sequence[Chunk]) -> dict[str, Any]:
    """What `rag inspect FILE --json` prints: the outline a user checks an ingest against."""
    return {
        "sections": [{"title": s.title, "page": s.page} for s in doc.sections],
        "footnotes": [{"n": r.n, "text": r.text, "page": r.page} for r in doc.references.values()],
        "chunks": [{"chunk_id": c.chunk_id, "section": c.section, "page": c.page, "text": c.text,
                    "footnotes": list(c.footnotes)} for c in chunks],
    }
