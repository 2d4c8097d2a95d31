"""The index: takes what ingest built (chunks, tokens, vectors, unit vectors, latent terms,
references) and gives it back, checked, to search and to the next ingest, from a store.

- ``rag.index.store``: the interface (``Store``, ``Reader``, ``Update``, ``Rows``,
  ``Candidates``, ``NewDocument``); ``rag.index.stores.open_store``: the store a folder or a
  ``milvus://`` URI names;
- ``rag.index.embedded``: ``EmbeddedStore``, the files under ``index/`` (the default), read
  by ``rag.index.reader`` (one folder) and ``rag.index.segmented`` (an index with segments:
  ``rag.index.segments``, the documents an update added since the index was written whole);
  ``rag.index.combine`` picks and joins in-memory rows;
- ``rag.index.milvus``: ``MilvusStore``, the same index in Milvus (Lite, standalone or a
  cluster; the optional ``milvus`` extra);
- ``rag.index.bm25``: word BM25 candidates from bm25s's postings (embedded), and the BM25
  statistics both stores share;

- ``rag.index.format``: the file names and ``FORMAT_VERSION``, the manifest's checks, the
  records ``IndexData`` (what ingest builds) and ``DocumentInfo``;
- ``rag.index.write``: ``write_index`` (built beside the live index, swapped in at once),
  ``ingest_lock``, ``check_target``, ``clean_stale_temp``, ``inject_fault``;
- ``rag.index.read``: the one reader, ``open_index_files`` -> ``StoredIndex``, with
  ``read_manifest``, ``verify_files``; ``load_index_data`` (for ingest) and ``check_index``
  (``rag check``: every checksum) come from ``rag.index.segments`` (every part); ``rag.index.chunkfile``: ``ChunkFile``, the chunks as search
  reads them (each line parsed when read, not at open);
- ``rag.index.ann``: the FAISS index of a large corpus and its settings.
"""

from rag.index.ann import ANN_THRESHOLD, build_dense, open_dense
from rag.index.format import (
    FORMAT_VERSION,
    MANIFEST,
    DocumentInfo,
    IndexData,
    chunk_from_dict,
    latent_head,
    offsets_from_counts,
    rebuild_hint,
    windows_fit,
)
from rag.index.read import (
    StoredIndex,
    load_latent,
    load_references,
    load_trigrams,
    open_index_files,
    read_manifest,
    verify_files,
)
from rag.index.segments import UpdatePolicy, check_index, load_index_data
from rag.index.store import (
    Candidates,
    Known,
    NewDocument,
    Reader,
    Rows,
    Settings,
    Store,
    Update,
)
from rag.index.stores import is_milvus, open_store
from rag.index.write import check_target, clean_stale_temp, ingest_lock, inject_fault, write_index

__all__ = [
    "UpdatePolicy", "Candidates", "Known", "NewDocument", "Reader", "Rows", "Settings", "Store", "Update", "is_milvus", "open_store",
    "ANN_THRESHOLD", "FORMAT_VERSION", "MANIFEST", "DocumentInfo", "IndexData", "StoredIndex", "build_dense",
    "check_index", "check_target", "chunk_from_dict", "clean_stale_temp", "ingest_lock", "inject_fault", "latent_head",
    "load_index_data", "load_latent", "load_references", "load_trigrams", "offsets_from_counts", "open_dense",
    "open_index_files", "read_manifest", "rebuild_hint", "verify_files", "windows_fit", "write_index",
]
