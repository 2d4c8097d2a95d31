"""Writing an index: every file built beside the live one, then swapped in at once.

Writes never touch a live index: a new one is built in a temporary directory beside it (same
filesystem) and exchanged with the old one in a single ``renameat2(RENAME_EXCHANGE)`` where
the kernel has it (two renames otherwise). A lock file beside the index directory keeps two
ingests from interleaving. ``RAG_FAULT=<stage>`` kills the process at a named stage, so the
reliability tests can check that a crash leaves the old index whole.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rag._util import file_sha256, sample_sha256, write_jsonl
from rag.document.chunking import Chunk
from rag.errors import IndexBusy, RagError
from rag.index.ann import build_dense, dense_meta
from rag.index.bm25 import PLACEHOLDER
from rag.index.format import (
    BM25_DIR,
    CHUNKS,
    DENSE,
    DOC_ROWS,
    FILE_CHECKS,
    FORMAT_VERSION,
    INDEX_NAMES,
    LATENT_INDICES,
    LATENT_INDPTR,
    LATENT_VALUES,
    MANIFEST,
    MANIFEST_SHA256,
    REFERENCES,
    TOKENS,
    TRIGRAM_DF,
    TRIGRAM_KEYS,
    UNIT_OFFSETS,
    UNIT_WINDOWS,
    UNITS,
    VECTORS,
    WORDS,
    IndexData,
    build_dirs,
    manifest_digest,
    trigram_meta,
)
from rag.lexical.trigrams import TrigramTable


def _files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            yield p


def _build_bm25(tokens: list[list[str]], directory: Path, params: dict[str, Any]) -> None:
    import bm25s

    bm25 = bm25s.BM25(k1=params["k1"], b=params["b"])
    # bm25s needs at least one token per document: an empty chunk gets PLACEHOLDER
    bm25.index([t or [PLACEHOLDER] for t in tokens], show_progress=False)
    bm25.save(str(directory), show_progress=False)


def inject_fault(stage: str) -> None:
    """Fault injection for the reliability tests: ``RAG_FAULT=<stage>`` kills the process."""
    if os.environ.get("RAG_FAULT") == stage:
        os._exit(70)


def write_index(data: IndexData, index_dir: Path,
                finish: Callable[[Path], dict[str, Any] | None] | None = None) -> None:
    """Build the whole index beside ``index_dir`` and swap it in; the old one stays intact.

    ``finish`` is called with the built index (complete, manifest included) before the swap;
    what it returns is added to the manifest: measurements of the index itself, such as the
    answer gate's calibration (rag.answer.calibrate). A reader of an index without them
    carries on with its defaults."""
    index_dir = index_dir.absolute()
    check_target(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        manifest = build_files(data, tmp)
        extra = finish(tmp) if finish is not None else None
        if extra:
            manifest.update({k: v for k, v in extra.items() if k not in manifest})
            write_manifest(tmp, manifest)  # sealed again with what was added
        sync_tree(tmp)
        inject_fault("swap")
        _swap_in(tmp, index_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def build_files(data: IndexData, directory: Path) -> dict[str, Any]:
    """Write every file of an index holding ``data`` into the new, empty ``directory`` (the
    whole index, or one segment of it: rag.index.segments), manifest last; returns the manifest."""
    # mkdtemp makes the folder 0700; once swapped in it is the index, so give it the mode a
    # plain mkdir would (others sharing the index must be able to read it)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(directory, 0o777 & ~umask)
    tmp = directory
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
    inject_fault("write")
    dense_kind = build_dense(vectors, tmp / DENSE)
    _build_bm25(data.tokens, tmp / BM25_DIR, data.lexical)
    # the same text the word BM25 indexes (rag.document.chunking.Chunk.lexical_text)
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
        "dense": dense_meta(dense_kind, int(vectors.shape[1]) if len(vectors) else data.model.get("dim")),
        "n_chunks": len(data.chunks),
        "documents": {k: asdict(v) for k, v in sorted(data.documents.items())},
        # where each document's chunks lie and how many words BM25 counted: what adding a
        # segment needs of this index without reading its chunks (rag.index.segments)
        DOC_ROWS: document_rows(data.chunks),
        WORDS: sum(len(t) or 1 for t in data.tokens),
        "files": {str(p.relative_to(tmp)): file_sha256(p) for p in _files(tmp)},
        # what opening the index checks (rag.index.read.verify_files): size and samples
        FILE_CHECKS: {str(p.relative_to(tmp)): [p.stat().st_size, sample_sha256(p)] for p in _files(tmp)},
    }
    write_manifest(tmp, manifest)
    return manifest


def document_rows(chunks: list[Chunk]) -> dict[str, list[int]]:
    """Each document's first row and chunk count (its chunks are consecutive rows)."""
    out: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        span = out.setdefault(c.doc_id, [i, 0])
        if span[0] + span[1] != i:
            raise ValueError(f"the chunks of {c.doc_id!r} are not consecutive")
        span[1] += 1
    return out


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Seal ``manifest`` with its own hash and write it into ``directory`` at once: written
    beside, flushed to disk, renamed over the old one (a reader sees the old or the new)."""
    manifest[MANIFEST_SHA256] = manifest_digest(manifest)
    tmp = directory / f".{MANIFEST}.{os.getpid()}"
    with tmp.open("w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, ensure_ascii=False, indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, directory / MANIFEST)
    sync_dir(directory)


def sync_tree(root: Path) -> None:
    """Flush every file under ``root`` to disk (before it is renamed into place)."""
    for p in [*_files(root), root / MANIFEST]:
        with p.open("rb") as f:
            os.fsync(f.fileno())


def sync_dir(directory: Path) -> None:
    """Flush a directory's entries (a rename into it) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_target(index_dir: Path) -> None:
    """Refuse to build over a path that is not an index: the swap would delete what is there
    (``rag ingest --index ~/Documents`` must not take the user's files with it)."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise RagError(f"{index_dir} exists and is not an index directory; give another path with --index")
    names = set(INDEX_NAMES)
    try:  # a newer layout's own files are the manifest's to vouch for
        listed = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8")).get("files") or {}
        names |= {Path(rel).parts[0] for rel in listed if isinstance(rel, str) and Path(rel).parts}
    except (OSError, ValueError, AttributeError):
        pass
    foreign = sorted(p.name for p in index_dir.iterdir() if p.name not in names and not p.name.startswith(f".{MANIFEST}."))
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
    for p in build_dirs(index_dir):
        shutil.rmtree(p, ignore_errors=True)
    if index_dir.is_dir():  # a manifest being written when the process was killed
        for p in index_dir.glob(f".{MANIFEST}.*"):
            p.unlink(missing_ok=True)


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
