"""The index's on-disk format: its file names, its version, what a manifest must hold, and the
in-memory records the writer and the reader share.

Layout of an index directory::

    manifest.json     format version, model, chunking, BM25 settings, documents, file checksums
    chunks.jsonl      one chunk per line (text, section, page, footnotes, marker offsets)
    references.jsonl  the documents' footnoted references
    tokens.jsonl      BM25 tokens per chunk (so adding a document re-tokenizes nothing else)
    vectors.npy       float32 passage vectors (kept so updates never re-embed old chunks)
    units.npy         float32 vectors of each chunk's sentences and cited references
    unit_offsets.npy  int64, chunk i's units are rows unit_offsets[i]:unit_offsets[i+1]
    unit_windows.npy  int32, how many of chunk i's units (its last ones) are sentence pairs
    latent_*.npy      each chunk's latent terms (rag.embed.latent), CSR: indptr (int64), feature
                      ids (uint16), weights (float16); every row empty when the model has none
    trigram_*.npy     character-trigram document frequencies (rag.lexical.trigrams)
    dense.faiss       approximate FAISS index, only above rag.index.ann.ANN_THRESHOLD chunks
    bm25/             the bm25s index (numpy arrays + JSON)
    segments/NAME/    documents added (or replaced) since the files above were written, each
                      segment a folder of the same files with its own manifest; the top
                      manifest lists them and the rows they hide (rag.index.segments)

Nothing here is pickled: JSON, ``.npy`` loaded with ``allow_pickle=False``, FAISS's own
format, and bm25s' numpy/JSON files. Every file's sha256 is in the manifest (``files``), with its
size and a hash of samples of it (``file_checks``), and the manifest holds a hash of itself
(``manifest_sha256``): opening an index checks the sizes, the samples and the small files'
sha256 (rag.index.read), ``rag check`` and ingest every sha256, so a truncated or edited file is
reported with a rebuild hint instead of crashing deep inside FAISS or BM25 (docs/index-format.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.embed.latent import Codes
from rag.errors import RagError
from rag.lexical.trigrams import TrigramTable

# Raised whenever a reader of the previous layout would misread the new one: an index of another
# version is refused with a rebuild hint.
FORMAT_VERSION = 5
# An index of version 5 with segments added by later updates (rag.index.segments): a reader of
# version 5 alone would miss them, so such an index says so.
SEGMENTED_VERSION = 6
READABLE_VERSIONS = (FORMAT_VERSION, SEGMENTED_VERSION)
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
REFERENCES = "references.jsonl"
TOKENS = "tokens.jsonl"
VECTORS = "vectors.npy"
UNITS = "units.npy"
UNIT_OFFSETS = "unit_offsets.npy"
UNIT_WINDOWS = "unit_windows.npy"
LATENT_INDPTR = "latent_indptr.npy"
LATENT_INDICES = "latent_indices.npy"
LATENT_VALUES = "latent_values.npy"
LATENT_FILES = (LATENT_INDPTR, LATENT_INDICES, LATENT_VALUES)
TRIGRAM_KEYS = "trigram_keys.npy"
TRIGRAM_DF = "trigram_df.npy"
TRIGRAM_FILES = (TRIGRAM_KEYS, TRIGRAM_DF)
DENSE = "dense.faiss"
# Manifest keys of the checks: each file's [size in bytes, rag._util.sample_sha256], and the
# manifest's own hash (``manifest_digest``).
FILE_CHECKS = "file_checks"
MANIFEST_SHA256 = "manifest_sha256"
BM25_DIR = "bm25"
SEGMENTS = "segments"  # the folder of the segments, and the manifest key that lists them
# Manifest keys written with every index: each document's [first row, chunk count], and the
# words BM25 counted over all chunks (its average chunk length times the chunks).
DOC_ROWS = "doc_rows"
WORDS = "words"
# Every name an index directory may hold at its top level (the writer refuses to replace a
# directory holding anything else).
INDEX_NAMES = frozenset({MANIFEST, CHUNKS, REFERENCES, TOKENS, VECTORS, UNITS, UNIT_OFFSETS, UNIT_WINDOWS,
                         *LATENT_FILES, *TRIGRAM_FILES, DENSE, BM25_DIR, SEGMENTS})


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
    # Added later, so an index written before them reads them as None (shown blank): pages the
    # text falls on (None for clean text), titled sections, when this version was ingested.
    n_pages: int | None = None
    n_sections: int | None = None
    added: str | None = None


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
    # Sentence-level vectors for max-sim scoring (rag.search.dense): chunk i owns rows
    # units[unit_offsets[i]:unit_offsets[i + 1]] (its sentences, then its cited references,
    # then its sentence pairs: the last unit_windows[i] of them; rag.document.chunking.Chunk.window_texts).
    units: np.ndarray | None = None
    unit_offsets: np.ndarray | None = None
    unit_windows: np.ndarray | None = None
    # Latent terms of each chunk (row i: chunk i) and the head that made them; None: no head.
    latent: Codes | None = None
    latent_head: str | None = None

    def __post_init__(self) -> None:
        if len(self.chunks) != len(self.tokens) or len(self.chunks) != len(self.vectors):
            raise ValueError("chunks, tokens and vectors must line up")
        if self.units is None or self.unit_offsets is None:
            self.units = np.zeros((0, self.vectors.shape[1] if self.vectors.ndim == 2 else 0), np.float32)
            self.unit_offsets = np.zeros(len(self.chunks) + 1, np.int64)
        if len(self.unit_offsets) != len(self.chunks) + 1 or int(self.unit_offsets[-1]) != len(self.units):
            raise ValueError("unit offsets must line up with chunks and units")
        if self.unit_windows is None:
            self.unit_windows = np.zeros(len(self.chunks), np.int32)
        if not windows_fit(self.unit_windows, self.unit_offsets):
            raise ValueError("sentence-pair counts must line up with chunks and units")
        if self.latent is None:
            self.latent = Codes.blank(len(self.chunks))
        if len(self.latent) != len(self.chunks) or int(self.latent.indptr[-1]) != len(self.latent.indices):
            raise ValueError("latent terms must line up with chunks")

    def unit_slices(self, keep: list[int]) -> tuple[list[np.ndarray], list[int]]:
        """The units of the chunks ``keep`` (in that order) and how many each has."""
        assert self.units is not None and self.unit_offsets is not None
        parts = [self.units[self.unit_offsets[i]:self.unit_offsets[i + 1]] for i in keep]
        return parts, [len(x) for x in parts]

    def window_counts(self, keep: list[int]) -> list[int]:
        """How many of each kept chunk's units are sentence pairs (they travel with the units)."""
        assert self.unit_windows is not None
        return [int(self.unit_windows[i]) for i in keep]


def windows_fit(windows: np.ndarray, offsets: np.ndarray) -> bool:
    """Whether each chunk's sentence-pair count is one of its own units (0 to all of them):
    checked by ``IndexData`` (what ingest builds) and by the reader (what is stored)."""
    windows, counts = np.asarray(windows), np.diff(offsets)
    return len(windows) == len(counts) and not bool((windows < 0).any() or (windows > counts).any())


def offsets_from_counts(counts: list[int]) -> np.ndarray:
    """Row offsets of consecutive groups of ``counts`` rows: group i is ``[out[i], out[i + 1])``."""
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


def rebuild_hint(index_dir: Path) -> str:
    """The end of every message about a damaged or outdated index: how to build it afresh."""
    return f"rebuild it with: rag ingest --rebuild --index {index_dir}"


# What a damaged file raises in numpy, json, FAISS or bm25s while it is read.
READ_ERRORS = (OSError, ValueError, KeyError, RuntimeError, AttributeError, TypeError, json.JSONDecodeError)


def unreadable(index_dir: Path, name: str, error: Exception) -> RagError:
    """The one-line error for index file ``name`` that raised ``error`` when read."""
    return RagError(f"index file {name} in {index_dir} could not be read ({type(error).__name__}); "
                    f"{rebuild_hint(index_dir)}")


_CHUNK_TYPES: dict[str, type | tuple[type, ...]] = {"chunk_id": str, "doc_id": str, "title": str, "section": str,
                                                    "page": (int, type(None)), "text": str, "footnotes": list,
                                                    "markers": list}


def chunk_from_dict(d: dict[str, Any]) -> Chunk:
    """A stored chunk row; a malformed one (edited by hand) raises ValueError, which the
    reader reports with the rebuild hint."""
    if not isinstance(d, dict):
        raise ValueError("a chunk row is not a JSON object")
    names = {f.name for f in fields(Chunk)}
    d = {k: v for k, v in d.items() if k in names}
    d.setdefault("markers", [])
    bad = [k for k, t in _CHUNK_TYPES.items() if not isinstance(d.get(k), t)]
    if bad or not all(isinstance(m, list) and len(m) == 2 for m in d["markers"]):
        raise ValueError(f"chunk row {d.get('chunk_id')!r} has malformed fields {bad or ['markers']}")
    d["markers"] = [tuple(m) for m in d["markers"]]
    return Chunk(**d)


# What every reader relies on, so an edited manifest is reported when it is read rather than as
# a KeyError deep inside search or `rag list`.
_MANIFEST_FIELDS: dict[str, type] = {"model": dict, "chunking": dict, "lexical": dict, "dense": dict, "trigrams": dict,
                                     "documents": dict, "files": dict, "n_chunks": int}
_DOCUMENT_FIELDS: dict[str, type] = {"doc_id": str, "title": str, "source": str, "sha256": str, "kind": str,
                                     "n_chunks": int}


def manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What is wrong with a manifest of the current version (None: nothing)."""
    for key, kind in _MANIFEST_FIELDS.items():
        value = manifest.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"no valid {key!r}"
    if not isinstance(manifest["model"].get("id"), str) or not isinstance(manifest["dense"].get("kind"), str):
        return "no valid model id or dense kind"
    for doc_id, doc in manifest["documents"].items():
        if not isinstance(doc, dict) or any(not isinstance(doc.get(k), t) for k, t in _DOCUMENT_FIELDS.items()) \
                or doc["doc_id"] != doc_id:
            return f"document entry {doc_id!r} is malformed"
    for rel, digest in manifest["files"].items():
        parts = Path(rel).parts
        if not isinstance(digest, str) or not parts or Path(rel).is_absolute() or ".." in parts:
            return f"file entry {rel!r} is malformed"
    checks = manifest.get(FILE_CHECKS, {})
    if not isinstance(checks, dict):
        return f"no valid {FILE_CHECKS!r}"
    for rel, check in checks.items():
        if rel not in manifest["files"] or not isinstance(check, list) or len(check) != 2 \
                or not isinstance(check[0], int) or isinstance(check[0], bool) or not isinstance(check[1], str):
            return f"file check {rel!r} is malformed"
    return None


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The hash a manifest keeps of itself: sha256 of its content without that hash, in a fixed
    form (sorted keys), so that re-reading and re-writing it the same way gives the same hash."""
    body = {k: v for k, v in manifest.items() if k != MANIFEST_SHA256}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def build_dirs(index_dir: Path) -> list[Path]:
    """The directories an ingest builds beside ``index_dir`` (the new index, the old one being
    swapped out): left there only while an ingest runs or after one was killed."""
    parent = index_dir.absolute().parent
    if not parent.is_dir():
        return []
    return [*parent.glob(f".{index_dir.name}.tmp-*"), *parent.glob(f".{index_dir.name}.old-*")]


def interrupted_write(index_dir: Path) -> bool:
    """Whether an ingest was killed beside this index (or one is under way): a reader then checks
    every file whole, not the samples of the usual open."""
    return bool(build_dirs(index_dir))


def latent_head(manifest: dict[str, Any]) -> str | None:
    """The head that made the index's latent terms (None: the index has none)."""
    latent = manifest.get("latent")
    return str(latent["head"]) if isinstance(latent, dict) and latent.get("head") else None


def trigram_meta(table: TrigramTable) -> dict[str, Any]:
    """What the manifest keeps of a trigram table besides its two arrays."""
    return {"n": 3, "n_docs": table.n_docs, "avgdl": table.avgdl, "k1": table.k1, "b": table.b}
