"""The index on disk: chunks, references, vectors, FAISS and BM25, with a checked manifest.

Layout of an index directory::

    manifest.json     format version, model, chunking, BM25 settings, documents, file checksums
    chunks.jsonl      one chunk per line (text, section, page, footnotes, marker offsets)
    references.jsonl  the documents' footnoted references
    tokens.jsonl      BM25 tokens per chunk (so adding a document re-tokenizes nothing else)
    vectors.npy       float32 passage vectors (kept so updates never re-embed old chunks)
    units.npy         float32 vectors of each chunk's sentences and cited references
    unit_offsets.npy  int64, chunk i's units are rows unit_offsets[i]:unit_offsets[i+1]
    unit_windows.npy  int32, how many of chunk i's units (its last ones) are sentence pairs
    latent_*.npy      each chunk's latent terms (rag.latent), CSR: indptr (int64), feature
                      ids (uint16), weights (float16); every row empty when the model has none
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

from rag.document.chunking import Chunk
from rag._util import file_sha256, read_jsonl, write_jsonl
from rag.errors import IndexBusy, RagError
from rag.embed.latent import Codes
from rag.document.structure import Reference
from rag.lexical.trigrams import TrigramTable

FORMAT_VERSION = 5  # 3: latent terms; 4: trigram document frequencies; 5: sentence-pair units
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
BM25_DIR = "bm25"
# From this many chunks on, the dense side uses an approximate FAISS index instead of one exact
# inner product over every vector. Chosen from the scale curve (eval/results/scale.md, 2 cores):
# the exact pass costs ~0.1 us a chunk (p50 1.1 ms at 10k, 2.7 ms at 30k, 9.8 ms at 100k, 129 ms
# at 1M; 2-3x that on a busy machine), and with it a hybrid query's retrieval part reaches the
# 5 ms median budget at ~30k chunks (4.8 ms measured; 3.0 ms with IVF, recall@10 0.97). 20k
# leaves room for a busy machine; below it exact search is both exact and cheap.
ANN_THRESHOLD = 20_000
ANN_KIND = "ivf"  # "hnsw": ~10x faster queries, but 25-50 s per 100k chunks to build on 2 cores
# IVF: ~2 sqrt(n) k-means cells, IVF_NPROBE of them scanned per query. nprobe 64 keeps
# recall@10 >= 0.96 from 10k to 1M chunks (0.99 at 1M, 11 ms); 32 drops to 0.93 at 30k.
IVF_LISTS_PER_SQRT = 2.0
IVF_NPROBE = 64
IVF_TRAIN_PER_LIST = 64  # k-means sample per cell: 47 s to train and fill 1M on 2 cores
IVF_TRAIN_ITERATIONS = 10
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
    # Sentence-level vectors for max-sim scoring (rag.search): chunk i owns rows
    # units[unit_offsets[i]:unit_offsets[i + 1]] (its sentences, then its cited references,
    # then its sentence pairs: the last unit_windows[i] of them; rag.chunking.Chunk.window_texts).
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
    """Whether each chunk's sentence-pair count is one of its own units (0 to all of them).

    One check for both readers: ``IndexData`` (ingest, remove) and ``rag.search.Searcher``,
    which maps the files itself instead of building an IndexData."""
    windows, counts = np.asarray(windows), np.diff(offsets)
    return len(windows) == len(counts) and not bool((windows < 0).any() or (windows > counts).any())


def offsets_from_counts(counts: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with: rag ingest --rebuild --index {index_dir}"


def _files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            yield p


_CHUNK_TYPES: dict[str, type | tuple[type, ...]] = {"chunk_id": str, "doc_id": str, "title": str, "section": str,
                                                    "page": (int, type(None)), "text": str, "footnotes": list,
                                                    "markers": list}


def chunk_from_dict(d: dict[str, Any]) -> Chunk:
    """A stored chunk row; a malformed one (edited by hand) raises ValueError, which the
    readers report with the rebuild hint."""
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


# --------------------------------------------------------------------------- writing


def _build_dense(vectors: np.ndarray, path: Path) -> str:
    """Write the approximate index when the corpus is large (``ANN_THRESHOLD``); exact search
    needs no file. Returns the kind the manifest records: "flat", "ivf" or "hnsw".

    IVF (inverted lists over k-means cells, vectors kept exact inside a cell) is the default:
    on 2 cores it trains and fills 1M vectors in 40 s to 4 min (quiet or busy machine) where
    HNSW took 25-50 s per 100k, and scanning ``IVF_NPROBE`` cells keeps recall@10 >= 0.96 at
    1-11 ms (eval/results/scale.md). The search settings (nprobe, efSearch) are stored inside
    the FAISS file, so an index is searched with the settings it was built with.
    """
    if len(vectors) < ANN_THRESHOLD:
        return "flat"
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = x.shape
    if ANN_KIND == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        index.add(x)
        faiss.write_index(index, str(path))
        return "hnsw"
    # about 2 sqrt(n) cells: a query scans nprobe cells of ~sqrt(n)/2 vectors, so its cost grows
    # with sqrt(n) while k-means on n_lists * IVF_TRAIN_PER_LIST samples stays under a minute
    n_lists = max(1, min(n // IVF_TRAIN_PER_LIST, int(round(IVF_LISTS_PER_SQRT * np.sqrt(n)))))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.spherical = True  # unit-length centroids: cells by angle, as the vectors are compared
    index.cp.niter = IVF_TRAIN_ITERATIONS
    index.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST  # faiss samples (seeded) down to this
    index.train(x)
    index.add(x)
    index.nprobe = min(IVF_NPROBE, n_lists)
    faiss.write_index(index, str(path))
    return "ivf"


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
    check_target(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    # mkdtemp makes the folder 0700; once swapped in it is the index, so give it the mode a
    # plain mkdir would (others sharing the index must be able to read it)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        rows = [asdict(c) for c in data.chunks]
        write_jsonl(tmp / CHUNKS, rows)
        write_jsonl(tmp / TOKENS, [{"chunk_id": c.chunk_id, "tokens": t} for c, t in zip(data.chunks, data.tokens, strict=True)])
        refs = [
            {"doc_id": doc_id, "n": r.n, "text": r.text, "page": r.page}
            for doc_id, by_n in sorted(data.references.items())
            for _, r in sorted(by_n.items())
        ]
        write_jsonl(tmp / REFERENCES, refs)
        vectors = np.ascontiguousarray(data.vectors, dtype=np.float32).reshape(len(data.chunks), -1)
        np.save(tmp / VECTORS, vectors, allow_pickle=False)
        np.save(tmp / UNITS, np.ascontiguousarray(data.units, dtype=np.float32).reshape(-1, vectors.shape[1]),
                allow_pickle=False)
        np.save(tmp / UNIT_OFFSETS, np.asarray(data.unit_offsets, dtype=np.int64), allow_pickle=False)
        np.save(tmp / UNIT_WINDOWS, np.asarray(data.unit_windows, dtype=np.int32), allow_pickle=False)
        latent = data.latent
        assert latent is not None  # __post_init__ fills it
        np.save(tmp / LATENT_INDPTR, np.asarray(latent.indptr, dtype=np.int64), allow_pickle=False)
        np.save(tmp / LATENT_INDICES, np.asarray(latent.indices, dtype=np.uint16), allow_pickle=False)
        np.save(tmp / LATENT_VALUES, np.asarray(latent.values, dtype=np.float16), allow_pickle=False)
        _fault("write")
        dense_kind = _build_dense(vectors, tmp / DENSE)
        _build_bm25(data.tokens, tmp / BM25_DIR, data.lexical)
        # the same text the word BM25 indexes (rag.chunking.Chunk.lexical_text)
        trigrams = TrigramTable.build((c.lexical_text(data.references.get(c.doc_id, {})) for c in data.chunks),
                                      k1=data.lexical["k1"], b=data.lexical["b"])
        np.save(tmp / TRIGRAM_KEYS, trigrams.keys, allow_pickle=False)
        np.save(tmp / TRIGRAM_DF, trigrams.df, allow_pickle=False)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "model": data.model,
            "chunking": data.chunking,
            "lexical": data.lexical,
            "latent": {"head": data.latent_head} if data.latent_head else None,
            "trigrams": trigram_meta(trigrams),
            "dense": {"kind": dense_kind, "dim": int(vectors.shape[1]) if len(vectors) else data.model.get("dim"),
                      "hnsw_m": HNSW_M, "ef_search": HNSW_EF_SEARCH},
            "n_chunks": len(data.chunks),
            "documents": {k: asdict(v) for k, v in sorted(data.documents.items())},
            "files": {str(p.relative_to(tmp)): file_sha256(p) for p in _files(tmp)},
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


def check_target(index_dir: Path) -> None:
    """Refuse to build over a path that is not an index: the swap would delete what is there
    (``rag ingest --index ~/Documents`` must not take the user's files with it)."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise RagError(f"{index_dir} exists and is not an index directory; give another path with --index")
    names = {MANIFEST, CHUNKS, REFERENCES, TOKENS, VECTORS, UNITS, UNIT_OFFSETS, UNIT_WINDOWS, *LATENT_FILES,
             *TRIGRAM_FILES, DENSE, BM25_DIR}
    try:  # a newer layout's own files are the manifest's to vouch for
        listed = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8")).get("files") or {}
        names |= {Path(rel).parts[0] for rel in listed if isinstance(rel, str) and Path(rel).parts}
    except (OSError, ValueError, AttributeError):
        pass
    foreign = sorted(p.name for p in index_dir.iterdir() if p.name not in names)
    if foreign:
        raise RagError(f"{index_dir} is not an index: it holds {foreign[0]!r}"
                       f"{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''}, which an ingest would delete; "
                       f"give an empty or new directory with --index")


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
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    try:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a"):  # a place we cannot write is not "busy"
            pass
    except OSError as e:
        raise RagError(f"cannot write beside the index at {index_dir} ({e.strerror or e}); "
                       f"choose another place with --index") from None
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise IndexBusy(
            f"index busy: another ingest is writing {index_dir}; try again when it has finished"
        ) from None
    try:
        check_target(index_dir)
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
    problem = _manifest_problem(manifest)
    if problem:
        raise RagError(f"index manifest {path} is damaged ({problem}); {rebuild_hint(index_dir)}")
    return manifest


# What every reader relies on, so an edited manifest is reported here rather than as a
# KeyError deep inside search or `rag list`.
_MANIFEST_FIELDS: dict[str, type] = {"model": dict, "chunking": dict, "lexical": dict, "dense": dict, "trigrams": dict,
                                     "documents": dict, "files": dict, "n_chunks": int}
_DOCUMENT_FIELDS: dict[str, type] = {"doc_id": str, "title": str, "source": str, "sha256": str, "kind": str,
                                     "n_chunks": int}


def _manifest_problem(manifest: dict[str, Any]) -> str | None:
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
    return None


def verify_files(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Compare every file with its checksum so damage is reported, not crashed on."""
    expected: dict[str, str] = manifest.get("files") or {}
    if not expected:
        raise RagError(f"index manifest at {index_dir} lists no files; {rebuild_hint(index_dir)}")
    # a file the readers open but the manifest doesn't list would go unchecked
    needed = [CHUNKS, REFERENCES, TOKENS, VECTORS, UNITS, UNIT_OFFSETS, UNIT_WINDOWS, *LATENT_FILES,
              *TRIGRAM_FILES] + ([DENSE] if manifest.get("dense", {}).get("kind") in ("hnsw", "ivf") else [])
    unlisted = [rel for rel in needed if rel not in expected]
    if not any(rel.startswith(f"{BM25_DIR}/") for rel in expected):
        unlisted.append(f"{BM25_DIR}/")
    if unlisted:
        raise RagError(f"index manifest at {index_dir} has no checksum for {', '.join(unlisted)}; "
                       f"{rebuild_hint(index_dir)}")
    for rel, digest in expected.items():
        path = index_dir / rel
        if not path.is_file():
            raise RagError(f"index file {rel} is missing from {index_dir}; {rebuild_hint(index_dir)}")
        if file_sha256(path) != digest:
            raise RagError(f"index file {rel} in {index_dir} is damaged (checksum mismatch); {rebuild_hint(index_dir)}")


def load_index_data(index_dir: Path, *, verify: bool = True) -> IndexData:
    """Everything, for ingest to update: chunks, tokens, vectors and references."""
    manifest = read_manifest(index_dir)
    if verify:
        verify_files(index_dir, manifest)
    try:
        chunks = [chunk_from_dict(d) for d in read_jsonl(index_dir / CHUNKS)]
        tokens = [d["tokens"] for d in read_jsonl(index_dir / TOKENS)]
        if not all(isinstance(t, list) for t in tokens):
            raise ValueError("a token row is malformed")
        vectors = np.load(index_dir / VECTORS, allow_pickle=False)
        units = np.load(index_dir / UNITS, allow_pickle=False)
        unit_offsets = np.load(index_dir / UNIT_OFFSETS, allow_pickle=False)
        unit_windows = np.load(index_dir / UNIT_WINDOWS, allow_pickle=False)
        latent = load_latent(index_dir)
        references = load_references(index_dir)
        documents = {k: DocumentInfo(**v) for k, v in manifest["documents"].items()}
        return IndexData(
            model=manifest["model"], chunking=manifest["chunking"], lexical=manifest["lexical"],
            documents=documents, chunks=chunks, tokens=tokens, vectors=vectors, references=references,
            units=units, unit_offsets=unit_offsets, unit_windows=unit_windows, latent=latent,
            latent_head=latent_head(manifest),
        )
    except (KeyError, TypeError, ValueError, OSError, json.JSONDecodeError) as e:
        raise RagError(f"index at {index_dir} is inconsistent ({type(e).__name__}); {rebuild_hint(index_dir)}") from None


def latent_head(manifest: dict[str, Any]) -> str | None:
    """The head that made the index's latent terms (None: the index has none)."""
    latent = manifest.get("latent")
    return str(latent["head"]) if isinstance(latent, dict) and latent.get("head") else None


def load_latent(index_dir: Path, *, mmap: bool = False) -> Codes:
    """The chunks' latent terms; ``mmap`` leaves the feature arrays on disk (large indexes)."""
    mode = "r" if mmap else None
    indptr = np.load(index_dir / LATENT_INDPTR, allow_pickle=False)
    indices = np.load(index_dir / LATENT_INDICES, allow_pickle=False, mmap_mode=mode)
    values = np.load(index_dir / LATENT_VALUES, allow_pickle=False, mmap_mode=mode)
    if indptr.ndim != 1 or indices.shape != values.shape or int(indptr[-1]) != len(indices):
        raise ValueError("latent arrays do not line up")
    return Codes(indptr.astype(np.int64), indices, values)


def trigram_meta(table: TrigramTable) -> dict[str, Any]:
    """What the manifest keeps of a trigram table besides its two arrays."""
    return {"n": 3, "n_docs": table.n_docs, "avgdl": table.avgdl, "k1": table.k1, "b": table.b}


def load_trigrams(index_dir: Path, manifest: dict[str, Any], *, mmap: bool = False) -> TrigramTable:
    """The trigram document frequencies (rag.trigrams); ``mmap`` leaves them on disk."""
    meta = manifest["trigrams"]
    mode = "r" if mmap else None
    keys = np.load(index_dir / TRIGRAM_KEYS, allow_pickle=False, mmap_mode=mode)
    df = np.load(index_dir / TRIGRAM_DF, allow_pickle=False, mmap_mode=mode)
    if keys.ndim != 1 or keys.shape != df.shape or keys.dtype != np.int64 or int(meta["n_docs"]) != manifest["n_chunks"]:
        raise ValueError("trigram arrays do not line up")
    return TrigramTable(keys=keys, df=df, n_docs=int(meta["n_docs"]), avgdl=float(meta["avgdl"]),
                        k1=float(meta["k1"]), b=float(meta["b"]))


def load_references(index_dir: Path) -> dict[str, dict[int, Reference]]:
    refs: dict[str, dict[int, Reference]] = {}
    for d in read_jsonl(index_dir / REFERENCES):
        if not isinstance(d, dict):
            raise ValueError("a reference row is not a JSON object")
        refs.setdefault(d["doc_id"], {})[int(d["n"])] = Reference(n=int(d["n"]), text=d["text"], page=d.get("page"))
    return refs
