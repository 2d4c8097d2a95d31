"""Bilingual (Thai/English) retrieval Q&A over Thai policy papers: cited answers quoted
from your documents, offline.

The public API, importable from ``rag`` itself::

    import rag
    rag.ingest(["report.pdf"], index="index")
    assistant = rag.open_index("index")
    answer = assistant.ask("How does China use STAs?")
    print(rag.render_markdown(answer))

Names are loaded on first use, so ``import rag`` stays cheap (no numpy, no models) and sets
nothing in the host program's environment. The stages live in subpackages, in the order data
flows: thai, repair, document, lexical, embed, index, search, answer; then ingest and api,
evaluation, app (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC: dict[str, str] = {
    "open_index": "rag.api",
    "ingest": "rag.api",
    "Assistant": "rag.api",
    "Answer": "rag.answer",
    "render_markdown": "rag.answer",
    "Hit": "rag.search",
    "SearchResult": "rag.search",
    "IngestReport": "rag.ingest",
    "RagError": "rag.errors",
}
__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
