"""Which store a URI names: ``milvus://...`` a Milvus store (rag.index.milvus), anything else
an index folder (rag.index.embedded). The one place that knows every backend."""

from __future__ import annotations

import os
from pathlib import Path

from rag.index.store import Store

MILVUS_SCHEME = "milvus://"


def is_milvus(where: str | os.PathLike[str]) -> bool:
    return isinstance(where, str) and where.startswith(MILVUS_SCHEME)


def open_store(where: str | os.PathLike[str] | Store) -> Store:
    """The store a URI names: ``milvus://...`` a Milvus store, anything else an index folder."""
    if isinstance(where, Store):
        return where
    if is_milvus(where):
        from rag.index.milvus import MilvusStore

        return MilvusStore(str(where))
    from rag.index.embedded import EmbeddedStore

    return EmbeddedStore(Path(where))

