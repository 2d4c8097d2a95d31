"""The index on disk: chunks, references, vectors, FAISS and BM25, with a checked manifest.

Layout of an index directory::

    manifest.json     format version, model, chunking, BM25 settings, documents, file checksums
    chunks.jsonl      one chunk per line (text, section, page, footnotes, marker offsets)
    references.jsonl  the documents' footnoted references
    tokens.jsonl      BM25 tokens per chunk (so adding a document re-tokenizes nothing else)
    vectors.npy       float32 passage vectors (kept so updates never re-embed old chunks)
    dense.faiss       approximate FAISS index, only above ANN_THRESHOLD chunks
    bm25/             the bm25s index (numpy arrays + JSON)

Nothing here is pickled: JSON, ``.npy`` loaded with ``allow_pickle=False``, FAISS's own
format, and bm25s' numpy/JSON files. Every file's sha256 is in the manifest and is checked at
load, so a truncated or edited file is reported with a rebuild hint instead of crashing deep
inside FAISS or BM25.

Writes never touch a live index: a new one is built in a temporary directory beside it (same
filesystem) and exchanged with the old one in a single ``renameat2(RENAME_EXCHANGE)`` where
the kernel has it (two renames otherwise). A lock file beside the index directory keeps two
ingests from interleaving.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import Chunk
from rag.errors import IndexBusy, RagError
from rag.structure import Reference

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
REFERENCES = "references.jsonl"
TOKENS = "tokens.jsonl"
VECTORS = "vectors.npy"
DENSE = "dense.faiss"
BM25_DIR = "bm25"
# Above this many chunks the dense side switches from exact inner product to HNSW; chosen from
# the scale curve in eval/scale_results.json (see README, "Performance").
ANN_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


@dataclass
class DocumentInfo:
    """One document as the index knows it; ``sha256`` is what makes re-ingest a no-op."""

    doc_id: str
    title: str
    source: str
    sha256: str
    kind: str
    n_chunks: int
    n_references: int = 0


@dataclass
class IndexData:
    """Everything an index holds, in memory: what ingest builds and ``write_index`` stores."""

    model: dict[str, Any]
    chunking: dict[str, Any]
    lexical: dict[str, Any]
    documents: dict[str, DocumentInfo]
    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray
    references: dict[str, dict[int, Reference]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.chunks) != len(self.tokens) or len(self.chunks) != len(self.vectors):
            raise ValueError("chunks, tokens and vectors must line up")


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with: rag ingest --rebuild --index {index_dir}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            yield p


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def chunk_from_dict(d: dict[str, Any]) -> Chunk:
    names = {f.name for f in fields(Chunk)}
    d = {k: v for k, v in d.items() if k in names}
    d["markers"] = [tuple(m) for m in d.get("markers", [])]
    return Chunk(**d)


# --------------------------------------------------------------------------- writing


def _build_dense(vectors: np.ndarray, path: Path) -> str:
    """Write an HNSW index when the corpus is large; exact search needs no file."""
    if len(vectors) < ANN_THRESHOLD:
        return "flat"
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))
    return "hnsw"


def _build_bm25(tokens: list[list[str]], directory: Path, params: dict[str, Any]) -> None:
    import bm25s

    bm25 = bm25s.BM25(k1=params["k1"], b=params["b"])
    # bm25s needs at least one token per document; an empty chunk gets a placeholder that no
    # query produces.
    bm25.index([t or ["\u2205"] for t in tokens], show_progress=False)
    bm25.save(str(directory), show_progress=False)


def _fault(stage: str) -> None:
    """Fault injection for the reliability tests: ``RAG_FAULT=<stage>`` kills the process."""
    if os.environ.get("RAG_FAULT") == stage:
        os._exit(70)


def write_index(data: IndexData, index_dir: Path) -> None:
    """Build the whole index beside ``index_dir`` and swap it in; the old one stays intact."""
    index_dir = index_dir.absolute()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        rows = [asdict(c) for c in data.chunks]
        _write_jsonl(tmp / CHUNKS, rows)
        _write_jsonl(tmp / TOKENS, [{"chunk_id": c.chunk_id, "tokens": t} for c, t in zip(data.chunks, data.tokens)])
        refs = [
            {"doc_id": doc_id, "n": r.n, "text": r.text, "page": r.page}
            for doc_id, by_n in sorted(data.references.items())
            for _, r in sorted(by_n.items())
        ]
        _write_jsonl(tmp / REFERENCES, refs)
        vectors = np.ascontiguousarray(data.vectors, dtype=np.float32).reshape(len(data.chunks), -1)
        np.save(tmp / VECTORS, vectors, allow_pickle=False)
        _fault("write")
        dense_kind = _build_dense(vectors, tmp / DENSE)
        _build_bm25(data.tokens, tmp / BM25_DIR, data.lexical)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "model": data.model,
            "chunking": data.chunking,
            "lexical": data.lexical,
            "dense": {"kind": dense_kind, "dim": int(vectors.shape[1]) if len(vectors) else data.model.get("dim"),
                      "hnsw_m": HNSW_M, "ef_search": HNSW_EF_SEARCH},
            "n_chunks": len(data.chunks),
            "documents": {k: asdict(v) for k, v in sorted(data.documents.items())},
            "files": {str(p.relative_to(tmp)): _sha256(p) for p in _files(tmp)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for p in list(_files(tmp)) + [tmp / MANIFEST]:
            with p.open("rb") as f:
                os.fsync(f.fileno())
        _fault("swap")
        _swap_in(tmp, index_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two directories (Linux >= 3.15); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def _swap_in(new: Path, index_dir: Path) -> None:
    if not index_dir.exists():
        os.rename(new, index_dir)
        return
    if _renameat2_exchange(new, index_dir):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old index
        return
    old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
    os.rename(index_dir, old)
    os.rename(new, index_dir)
    shutil.rmtree(old, ignore_errors=True)


def clean_stale_temp(index_dir: Path) -> None:
    """Remove temporary build directories left by an ingest that was killed."""
    parent = index_dir.absolute().parent
    if not parent.is_dir():
        return
    for p in parent.glob(f".{index_dir.name}.tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in parent.glob(f".{index_dir.name}.old-*"):
        shutil.rmtree(p, ignore_errors=True)


@contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """Hold the lock beside the index (never inside it) for the duration of an ingest."""
    from filelock import FileLock, Timeout

    index_dir = index_dir.absolute()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise IndexBusy(
            f"index busy: another ingest is writing {index_dir}; try again when it has finished"
        ) from None
    try:
        clean_stale_temp(index_dir)
        yield
    finally:
        lock.release()


# --------------------------------------------------------------------------- reading


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not index_dir.exists() or not path.exists():
        raise RagError(f"no index at {index_dir}: run `rag ingest` first (or pass --index DIR)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise RagError(f"index manifest {path} is unreadable; {rebuild_hint(index_dir)}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise RagError(
            f"index at {index_dir} has format version {manifest.get('format_version') if isinstance(manifest, dict) else '?'}"
            f", this version reads {FORMAT_VERSION}; {rebuild_hint(index_dir)}"
        )
    return manifest


def verify_files(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Compare every file with its checksum so damage is reported, not crashed on."""
    expected: dict[str, str] = manifest.get("files") or {}
    if not expected:
        raise RagError(f"index manifest at {index_dir} lists no files; {rebuild_hint(index_dir)}")
    for rel, digest in expected.items():
        path = index_dir / rel
        if not path.is_file():
            raise RagError(f"index file {rel} is missing from {index_dir}; {rebuild_hint(index_dir)}")
        if _sha256(path) != digest:
            raise RagError(f"index file {rel} in {index_dir} is damaged (checksum mismatch); {rebuild_hint(index_dir)}")


def load_index_data(index_dir: Path, *, verify: bool = True) -> IndexData:
    """Everything, for ingest to update: chunks, tokens, vectors and references."""
    manifest = read_manifest(index_dir)
    if verify:
        verify_files(index_dir, manifest)
    try:
        chunks = [chunk_from_dict(d) for d in _read_jsonl(index_dir / CHUNKS)]
        tokens = [d["tokens"] for d in _read_jsonl(index_dir / TOKENS)]
        vectors = np.load(index_dir / VECTORS, allow_pickle=False)
        references = load_references(index_dir)
        documents = {k: DocumentInfo(**v) for k, v in manifest["documents"].items()}
        return IndexData(
            model=manifest["model"], chunking=manifest["chunking"], lexical=manifest["lexical"],
            documents=documents, chunks=chunks, tokens=tokens, vectors=vectors, references=references,
        )
    except (KeyError, TypeError, ValueError, OSError, json.JSONDecodeError) as e:
        raise RagError(f"index at {index_dir} is inconsistent ({type(e).__name__}); {rebuild_hint(index_dir)}") from None


def load_references(index_dir: Path) -> dict[str, dict[int, Reference]]:
    refs: dict[str, dict[int, Reference]] = {}
    for d in _read_jsonl(index_dir / REFERENCES):
        refs.setdefault(d["doc_id"], {})[int(d["n"])] = Reference(n=int(d["n"]), text=d["text"], page=d.get("page"))
    return refs
