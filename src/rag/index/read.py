"""Reading an index: the one reader of the format (rag.index.format), for search and ingest.

``read_manifest`` checks the manifest (version, fields), ``verify_files`` the files against
the manifest, and ``open_index_files`` reads the files into a ``StoredIndex`` and checks that
they line up with each other. A damaged index is reported in one line that names the file
and ends with the rebuild hint, never as a crash inside numpy, FAISS or BM25.

Two depths of checking. Opening an index for search checks the manifest against its own hash,
each file's size and a hash of samples of it, and hashes whole only the files up to
``HASH_ON_OPEN_BYTES`` (at most 4 MiB read a file, whatever the index's size). Ingest, which
reads every file anyway, ``check_index`` (``rag check``), and any open after a killed ingest
hash every file whole. What each catches: docs/index-format.md. Search takes the chunks as a
``ChunkFile`` (rag.index.chunkfile): each line parsed when a query reads it, not at open.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag._util import file_sha256, read_jsonl, sample_sha256
from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.embed.latent import Codes
from rag.errors import RagError
from rag.index.ann import APPROXIMATE_KINDS, open_dense
from rag.index.chunkfile import ChunkFile
from rag.index.format import (
    BM25_DIR,
    CHUNKS,
    DENSE,
    FILE_CHECKS,
    LATENT_FILES,
    LATENT_INDICES,
    LATENT_INDPTR,
    LATENT_VALUES,
    MANIFEST,
    MANIFEST_SHA256,
    READ_ERRORS,
    READABLE_VERSIONS,
    REFERENCES,
    TOKENS,
    TRIGRAM_DF,
    TRIGRAM_FILES,
    TRIGRAM_KEYS,
    UNIT_OFFSETS,
    UNIT_WINDOWS,
    UNITS,
    VECTORS,
    DocumentInfo,
    IndexData,
    chunk_from_dict,
    interrupted_write,
    latent_head,
    manifest_digest,
    manifest_problem,
    rebuild_hint,
    unreadable,
    windows_fit,
)
from rag.lexical.trigrams import TrigramTable

# Above this many bytes of unit vectors, the units, latent terms, trigram table and BM25 arrays
# stay memory-mapped: search gathers them for its candidates (and its words) only, and an open
# no longer reads them whole (docs/performance.md: at 1M chunks the open read ~4 GB). The chunk
# vectors too where an approximate (FAISS) index answers the dense side, which then reads only
# its candidates' rows; otherwise they are read into memory, as exact search scans them all and
# a scan of a memory-mapped matrix ran 10x slower (2.3 vs 0.23 ms for 2,449 x 384), even with
# every page cached.
UNITS_IN_MEMORY = 1 << 30
# Files up to this size are hashed whole at every open (the whole check costs at most this per
# file); larger ones are checked there by size and samples, and hashed whole by ingest and
# `rag check`.
HASH_ON_OPEN_BYTES = 4 << 20
def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The index's manifest, checked: of this format version and with every field readers use."""
    path = index_dir / MANIFEST
    if not index_dir.exists() or not path.exists():
        raise RagError(f"no index at {index_dir}: run `rag ingest` first (or pass --index DIR)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise RagError(f"index manifest {path} is unreadable; {rebuild_hint(index_dir)}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") not in READABLE_VERSIONS:
        raise RagError(
            f"index at {index_dir} has format version {manifest.get('format_version') if isinstance(manifest, dict) else '?'}"
            f", this version reads {' and '.join(map(str, READABLE_VERSIONS))}; {rebuild_hint(index_dir)}"
        )
    problem = manifest_problem(manifest)
    if problem:
        raise RagError(f"index manifest {path} is damaged ({problem}); {rebuild_hint(index_dir)}")
    verify_manifest_digest(index_dir, manifest)
    return manifest


def verify_files(index_dir: Path, manifest: dict[str, Any], *, full: bool = False,
                 hash_whole_up_to: int = HASH_ON_OPEN_BYTES) -> int:
    """Check the files against the manifest so damage is reported, not crashed on; returns the
    bytes hashed.

    Always: every file the readers open is listed, and every listed file exists. Then, with
    ``full`` (or for an index written before the manifest kept sizes): every file's sha256.
    ``full`` is also taken when a build directory lies beside the index (``interrupted_write``:
    an ingest was killed, or is under way). Without: each file's size and the hash of its samples (``rag._util.sample_sha256``), and
    the sha256 of the files up to ``hash_whole_up_to`` bytes; what that leaves unseen (a byte
    changed inside a large file, its size kept) is for ``rag check``.
    """
    expected: dict[str, str] = manifest.get("files") or {}
    if not expected:
        raise RagError(f"index manifest at {index_dir} lists no files; {rebuild_hint(index_dir)}")
    # a file the readers open but the manifest doesn't list would go unchecked
    needed = [CHUNKS, REFERENCES, TOKENS, VECTORS, UNITS, UNIT_OFFSETS, UNIT_WINDOWS, *LATENT_FILES,
              *TRIGRAM_FILES] + ([DENSE] if manifest.get("dense", {}).get("kind") in APPROXIMATE_KINDS else [])
    unlisted = [rel for rel in needed if rel not in expected]
    if not any(rel.startswith(f"{BM25_DIR}/") for rel in expected):
        unlisted.append(f"{BM25_DIR}/")
    if unlisted:
        raise RagError(f"index manifest at {index_dir} has no checksum for {', '.join(unlisted)}; "
                       f"{rebuild_hint(index_dir)}")
    if not full and interrupted_write(index_dir):
        full = True  # a build directory beside the index: an ingest was killed (or is running)
    checks: dict[str, list] = {} if full else manifest.get(FILE_CHECKS) or {}
    hashed = 0
    for rel, digest in expected.items():
        path = index_dir / rel
        if not path.is_file():
            raise RagError(f"index file {rel} is missing from {index_dir}; {rebuild_hint(index_dir)}")
        check = checks.get(rel)
        size = path.stat().st_size
        if check is not None and size != check[0]:
            raise RagError(f"index file {rel} in {index_dir} is damaged ({size:,} bytes, not {check[0]:,}); "
                           f"{rebuild_hint(index_dir)}")
        if check is not None and size > hash_whole_up_to:
            same = sample_sha256(path) == check[1]
        else:
            same = file_sha256(path) == digest
            hashed += size
        if not same:
            raise RagError(f"index file {rel} in {index_dir} is damaged (checksum mismatch); {rebuild_hint(index_dir)}")
    return hashed


def verify_manifest_digest(index_dir: Path, manifest: dict[str, Any]) -> None:
    """The manifest against the hash it keeps of itself (an index written before it kept one
    passes): an edit that leaves it well-formed, a document's title or checksum, shows here."""
    digest = manifest.get(MANIFEST_SHA256)
    if digest is not None and digest != manifest_digest(manifest):
        raise RagError(f"index manifest {index_dir / MANIFEST} is damaged (it does not match its own hash); "
                       f"{rebuild_hint(index_dir)}")


@dataclass
class StoredIndex:
    """An index's files as read and checked to line up: row i of every per-chunk array is
    chunk i. ``tokens`` is read only for ingest (which writes them again), ``trigrams``, ``ann``
    and ``bm25`` only for search (ingest builds them afresh)."""

    index_dir: Path
    manifest: dict[str, Any]
    chunks: Sequence[Chunk]  # a list, or a ChunkFile (``lazy_chunks``: each parsed when read)
    references: dict[str, dict[int, Reference]]
    vectors: np.ndarray
    units: np.ndarray
    unit_offsets: np.ndarray
    unit_windows: np.ndarray
    latent: Codes
    tokens: list[list[str]] | None = None
    trigrams: TrigramTable | None = None
    ann: Any | None = None  # the FAISS index; None: exact search
    bm25: Any | None = None  # the bm25s.BM25 index

    @property
    def latent_head(self) -> str | None:
        """The head that made the chunks' latent terms (None: they have none)."""
        return latent_head(self.manifest)


def open_index_files(index_dir: Path, *, verify: bool = True, manifest: dict[str, Any] | None = None,
                     search: bool = True, tokens: bool = False, full: bool = False,
                     mmap_units_over: int | None = UNITS_IN_MEMORY, lazy_chunks: bool = False) -> StoredIndex:
    """Read an index: the manifest (checked, against its own hash too), the files against it
    (``verify``: sizes and samples, every sha256 with ``full``; ``verify_files``), then the files.

    ``manifest``: one the caller has already read and verified (``read_manifest``,
    ``verify_files``): only the files are read then.
    ``search``: also the structures only search reads (trigram table, FAISS index, BM25);
    ``tokens``: also the BM25 tokens, which only an update of the index needs.
    ``mmap_units_over``: above this many bytes of unit vectors they stay memory-mapped, and so
    do the latent terms, the trigram table, the BM25 arrays and, with a FAISS index, the chunk
    vectors (None: everything in memory; ``UNITS_IN_MEMORY``).
    ``lazy_chunks``: the chunks as a ``ChunkFile`` (each parsed when read, a damaged line
    reported then: what search takes), not a list of every chunk parsed now.
    A file that cannot be read is named in the error; files that do not line up with each
    other make the index "inconsistent". Both end with the rebuild hint.
    """
    if manifest is None:
        manifest = read_manifest(index_dir)
        if verify:
            verify_files(index_dir, manifest, full=full)
    reading = CHUNKS  # named in the error: which file to blame
    stored_tokens: list[list[str]] | None = None
    trigrams, ann, bm25 = None, None, None
    try:
        chunks: Sequence[Chunk] = ChunkFile(index_dir) if lazy_chunks else \
            [chunk_from_dict(d) for d in read_jsonl(index_dir / CHUNKS)]
        if tokens:
            reading = TOKENS
            stored_tokens = [d["tokens"] for d in read_jsonl(index_dir / TOKENS)]
            if not all(isinstance(t, list) for t in stored_tokens):
                raise ValueError("a token row is malformed")
        reading = REFERENCES
        references = load_references(index_dir)
        reading = UNITS
        units_path = index_dir / UNITS
        mapped = mmap_units_over is not None and units_path.stat().st_size > mmap_units_over
        reading = VECTORS
        scanned = not (search and mapped and manifest["dense"]["kind"] in APPROXIMATE_KINDS)
        vectors = np.asarray(np.load(index_dir / VECTORS, allow_pickle=False, mmap_mode=None if scanned else "r"))
        reading = UNITS
        units = np.asarray(np.load(units_path, allow_pickle=False, mmap_mode="r" if mapped else None))
        reading = UNIT_OFFSETS
        unit_offsets = np.load(index_dir / UNIT_OFFSETS, allow_pickle=False)
        reading = UNIT_WINDOWS
        unit_windows = np.load(index_dir / UNIT_WINDOWS, allow_pickle=False)
        reading = "latent_*.npy"
        latent = load_latent(index_dir, mmap=mapped)
        if search:
            reading = TRIGRAM_KEYS
            trigrams = load_trigrams(index_dir, manifest, mmap=mapped)
            reading = DENSE
            ann = open_dense(index_dir / DENSE, manifest["dense"])
            import bm25s

            reading = BM25_DIR + "/"
            bm25 = bm25s.BM25.load(str(index_dir / BM25_DIR), show_progress=False, mmap=mapped)
    except READ_ERRORS as e:
        raise unreadable(index_dir, reading, e) from None
    if len(chunks) != len(vectors) or len(chunks) != manifest["n_chunks"] \
            or (stored_tokens is not None and len(stored_tokens) != len(chunks)) \
            or len(unit_offsets) != len(chunks) + 1 or int(unit_offsets[-1]) != len(units) \
            or (len(units) and units.shape[1] != vectors.shape[1]) \
            or len(latent) != len(chunks) or not windows_fit(unit_windows, unit_offsets):
        raise RagError(f"index at {index_dir} is inconsistent; {rebuild_hint(index_dir)}")
    return StoredIndex(index_dir=index_dir, manifest=manifest, chunks=chunks, references=references, vectors=vectors,
                       units=units, unit_offsets=unit_offsets, unit_windows=unit_windows, latent=latent,
                       tokens=stored_tokens, trigrams=trigrams, ann=ann, bm25=bm25)


def load_index_data(index_dir: Path, *, verify: bool = True, manifest: dict[str, Any] | None = None) -> IndexData:
    """Everything, in memory, for ingest to update: chunks, tokens, vectors and references. It
    reads every file whole anyway, so ``verify`` hashes every file whole (as ``rag check`` does):
    an update, the usual next step after a crash, never builds on a damaged index."""
    if manifest is not None and verify:
        verify_files(index_dir, manifest, full=True)
    stored = open_index_files(index_dir, verify=verify, full=True, search=False, tokens=True, mmap_units_over=None,
                              manifest=manifest)
    manifest = stored.manifest
    assert stored.tokens is not None
    try:
        documents = {k: DocumentInfo(**v) for k, v in manifest["documents"].items()}
        return IndexData(
            model=manifest["model"], chunking=manifest["chunking"], lexical=manifest["lexical"],
            documents=documents, chunks=stored.chunks, tokens=stored.tokens, vectors=stored.vectors,
            references=stored.references, units=stored.units, unit_offsets=stored.unit_offsets,
            unit_windows=stored.unit_windows, latent=stored.latent, latent_head=stored.latent_head,
        )
    except (TypeError, ValueError):
        raise RagError(f"index at {index_dir} is inconsistent; {rebuild_hint(index_dir)}") from None


def check_index(index_dir: Path, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """``rag check``: the whole index checked, every file's sha256 and the manifest's own hash,
    and every file read and lined up with the others (what search and ingest read). Returns what
    was checked; a damaged index raises the one-line error with the rebuild hint.

    The chunks and tokens are parsed a line at a time and let go (a 1M-chunk index holds ~7 GB
    of them as JSON, several times that as Python objects): every line is read, none is kept."""
    t0 = time.perf_counter()
    manifest = manifest or read_manifest(index_dir)
    hashed = verify_files(index_dir, manifest, full=True)
    stored = open_index_files(index_dir, manifest=manifest, search=True, lazy_chunks=True)
    n_chunks = sum(1 for _ in stored.chunks)  # each line parsed: a damaged one raises here
    n_tokens = 0
    try:
        with (index_dir / TOKENS).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    if not isinstance(json.loads(line)["tokens"], list):
                        raise ValueError("a token row is malformed")
                    n_tokens += 1
    except READ_ERRORS as e:
        raise unreadable(index_dir, TOKENS, e) from None
    if n_tokens != n_chunks:
        raise RagError(f"index at {index_dir} is inconsistent; {rebuild_hint(index_dir)}")
    return {"index": str(index_dir), "ok": True, "documents": len(manifest["documents"]),
            "chunks": n_chunks, "files": len(manifest["files"]), "bytes": hashed,
            "seconds": round(time.perf_counter() - t0, 2)}


def load_latent(index_dir: Path, *, mmap: bool = False) -> Codes:
    """The chunks' latent terms; ``mmap`` leaves the feature arrays on disk (large indexes)."""
    mode = "r" if mmap else None
    indptr = np.load(index_dir / LATENT_INDPTR, allow_pickle=False)
    indices = np.load(index_dir / LATENT_INDICES, allow_pickle=False, mmap_mode=mode)
    values = np.load(index_dir / LATENT_VALUES, allow_pickle=False, mmap_mode=mode)
    if indptr.ndim != 1 or indices.shape != values.shape or int(indptr[-1]) != len(indices):
        raise ValueError("latent arrays do not line up")
    return Codes(indptr.astype(np.int64), indices, values)


def load_trigrams(index_dir: Path, manifest: dict[str, Any], *, mmap: bool = False) -> TrigramTable:
    """The trigram document frequencies (rag.lexical.trigrams); ``mmap`` leaves them on disk."""
    meta = manifest["trigrams"]
    mode = "r" if mmap else None
    keys = np.load(index_dir / TRIGRAM_KEYS, allow_pickle=False, mmap_mode=mode)
    df = np.load(index_dir / TRIGRAM_DF, allow_pickle=False, mmap_mode=mode)
    if keys.ndim != 1 or keys.shape != df.shape or keys.dtype != np.int64 or int(meta["n_docs"]) != manifest["n_chunks"]:
        raise ValueError("trigram arrays do not line up")
    return TrigramTable(keys=keys, df=df, n_docs=int(meta["n_docs"]), avgdl=float(meta["avgdl"]),
                        k1=float(meta["k1"]), b=float(meta["b"]))


def load_references(index_dir: Path) -> dict[str, dict[int, Reference]]:
    """The documents' footnoted references: doc_id -> footnote number -> reference."""
    refs: dict[str, dict[int, Reference]] = {}
    for d in read_jsonl(index_dir / REFERENCES):
        if not isinstance(d, dict):
            raise ValueError("a reference row is not a JSON object")
        refs.setdefault(d["doc_id"], {})[int(d["n"])] = Reference(n=int(d["n"]), text=d["text"], page=d.get("page"))
    return refs
