"""The index in Milvus: the same search as the embedded files, on a server that grows past one
machine (docs/milvus.md). Takes what ingest built, one document at a time; gives search the
candidates of a query (Milvus' dense and sparse search, filters as expressions) with their
rows, scored as the embedded index scores them.

- ``rag.index.milvus.connect``: the ``milvus://`` URI, the client, the collections;
- ``rag.index.milvus.codec``: rows and statistics in and out, BM25 from the stored counts;
- ``rag.index.milvus.write``: versioned per-document writes, marks, repair (``MilvusUpdate``);
- ``rag.index.milvus.read``: ``MilvusReader``, the candidates and their rows.

Needs the optional extra: ``pip install 'thai-rag[milvus]'`` (pymilvus, and milvus-lite for
``milvus:///file.db``); without it a milvus:// store is refused in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rag.errors import RagError
from rag.index.milvus.connect import Location, connect, exists, parse_uri, read_manifest, release
from rag.index.store import Reader, Store, Update


class MilvusStore(Store):
    """A Milvus store named by a ``milvus://`` URI (rag.index.milvus.connect)."""

    def __init__(self, uri: str) -> None:
        self.loc: Location = parse_uri(uri)
        self.location = uri

    @property
    def client(self) -> Any:
        return connect(self.loc)

    def exists(self) -> bool:
        return exists(self.client, self.loc) and read_manifest(self.client, self.loc) is not None

    def manifest(self) -> dict[str, Any]:
        from rag.index.milvus.write import MilvusUpdate

        if not self.exists():
            raise RagError(f"no index at {self.location}: run `rag ingest --store {self.location}` first")
        up = MilvusUpdate(self.client, self.loc, rebuild=False, repair=False)
        assert up.manifest is not None
        docs = {k: v.__dict__ for k, v in up.documents.items()}
        return {**up.manifest, "documents": docs, "n_chunks": sum(d["n_chunks"] for d in docs.values()),
                "store": self.location}

    @contextmanager
    def update(self, rebuild: bool = False) -> Iterator[Update]:
        from rag.index.milvus.write import MilvusUpdate

        up = MilvusUpdate(self.client, self.loc, rebuild)
        yield up
        up.measure()

    def open_reader(self, *, verify: bool = True) -> Reader:
        from rag.index.milvus.read import MilvusReader

        return MilvusReader(self.client, self.loc)

    def close(self) -> None:
        """Close this process's connection (frees a Milvus Lite file for another process)."""
        release(self.loc)
