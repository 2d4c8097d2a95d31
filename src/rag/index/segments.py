"""Per-document updates of the embedded index: segments beside the files last written whole.

Rewriting a 100k-chunk index to add one paper writes gigabytes. So an update that adds or
replaces a few documents of a large index writes them as a segment (``segments/NAME/``: the
same files as an index, of those documents only, with their own manifest and checksums), and
then a new top manifest that lists the segments, where each document's chunks lie, and the
rows of replaced or removed documents, which search no longer reads. That manifest is the
commit: written beside and renamed over the old one, so an update is all or nothing and a
reader sees the old index or the new one. Search reads the parts as one index with global BM25
statistics (rag.index.segmented). Once the segments and the hidden rows pass a share of the
index (``UpdatePolicy``), or on ``rag compact``, the live rows are written as one index again
(the whole-index write of rag.index.write).
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.index.chunkfile import ChunkFile, line_spans
from rag.index.combine import from_documents, new_documents, select
from rag.index.format import (
    DOC_ROWS,
    MANIFEST_SHA256,
    READ_ERRORS,
    SEGMENTED_VERSION,
    SEGMENTS,
    TOKENS,
    WORDS,
    DocumentInfo,
    IndexData,
    rebuild_hint,
    unreadable,
)
from rag.index.read import check_index as check_one
from rag.index.read import load_index_data as load_one
from rag.index.read import read_manifest, verify_files
from rag.index.store import NewDocument, Settings
from rag.index.write import build_files, inject_fault, sync_dir, sync_tree, write_manifest

BASE = ""  # the part name of the files at the top of the index folder


@dataclass(frozen=True)
class UpdatePolicy:
    """When an update writes a segment rather than the whole index.

    ``min_chunks``: an index smaller than this is rewritten whole (seconds at most, and its
    answer gate calibrated again on the new corpus); ``share``: the segments' rows plus the
    hidden rows may reach this share of the rows last written whole; ``max_segments``: each
    segment adds a little to every query. Past either limit the update compacts."""

    min_chunks: int = 5_000
    share: float = 0.25
    max_segments: int = 32


@dataclass
class Layout:
    """The parts of an embedded index as its manifest lists them.

    ``parts``: the segments in the order written (name, n_chunks, words, manifest_sha256);
    ``hidden``: per part (``BASE`` for the top files), the rows that replaced or removed
    documents left there; ``placement``: each live document's part, first row and chunk count."""

    base_chunks: int
    base_words: int | None
    parts: list[dict[str, Any]] = field(default_factory=list)
    hidden: dict[str, list[int]] = field(default_factory=dict)
    placement: dict[str, list[Any]] | None = None

    @property
    def segmented(self) -> bool:
        return bool(self.parts or any(self.hidden.values()))

    def names(self) -> list[str]:
        return [BASE, *(p["name"] for p in self.parts)]

    def chunks_of(self, name: str) -> int:
        return self.base_chunks if name == BASE else next(int(p["n_chunks"]) for p in self.parts if p["name"] == name)

    def extra_rows(self) -> int:
        """Rows beyond the live rows of the base: what a compaction would fold back in."""
        return sum(int(p["n_chunks"]) for p in self.parts) + sum(len(v) for v in self.hidden.values())

    def to_dict(self) -> dict[str, Any]:
        return {"base_chunks": self.base_chunks, "base_words": self.base_words, "parts": self.parts,
                "hidden": {k: v for k, v in self.hidden.items() if v}, "placement": self.placement}


def layout_of(manifest: dict[str, Any], index_dir: Path | None = None) -> Layout:
    """The manifest's parts: an index written whole is one part, the base (``index_dir``: named
    in the error, should the entry be damaged)."""
    seg = manifest.get(SEGMENTS)
    if seg is None:
        rows = manifest.get(DOC_ROWS)
        placement = None if rows is None else {d: [BASE, int(a), int(n)] for d, (a, n) in rows.items()}
        words = manifest.get(WORDS)
        return Layout(int(manifest["n_chunks"]), None if words is None else int(words), placement=placement)
    try:
        return Layout(int(seg["base_chunks"]), int(seg["base_words"]), [dict(p) for p in seg["parts"]],
                      {str(k): [int(r) for r in v] for k, v in seg["hidden"].items()},
                      {str(d): [str(p), int(a), int(n)] for d, (p, a, n) in seg["placement"].items()})
    except (KeyError, TypeError, ValueError):
        where = index_dir if index_dir is not None else Path("DIR")
        raise RagError(f"index manifest {where / 'manifest.json'} is damaged (its {SEGMENTS!r} entry); "
                       f"{rebuild_hint(where)}") from None


def part_dir(index_dir: Path, name: str) -> Path:
    return index_dir if name == BASE else index_dir / SEGMENTS / name


def base_manifest(manifest: dict[str, Any], layout: Layout) -> dict[str, Any]:
    """The top manifest as the base's files alone see it (its own chunk count)."""
    return {**manifest, "n_chunks": layout.base_chunks}


def verify_parts(index_dir: Path, manifest: dict[str, Any], layout: Layout, *, full: bool = False) -> int:
    """Every segment's manifest (its own hash, and the one the top manifest holds of it) and
    files, as ``verify_files`` checks the base's; returns the bytes hashed."""
    hashed = 0
    for p in layout.parts:
        where = part_dir(index_dir, p["name"])
        with as_index_error(index_dir, where):
            seg_manifest = read_manifest(where)
            if seg_manifest.get(MANIFEST_SHA256) != p["manifest_sha256"]:
                raise RagError(f"index segment {p['name']} in {index_dir} is not the one the manifest lists; "
                               f"{rebuild_hint(index_dir)}")
            hashed += verify_files(where, seg_manifest, full=full)
    return hashed


def verify_index(index_dir: Path, manifest: dict[str, Any], layout: Layout) -> None:
    """The checks of an open (sizes, samples, small files whole: ``verify_files``) over the
    base's files and every segment's."""
    verify_files(index_dir, base_manifest(manifest, layout))
    verify_parts(index_dir, manifest, layout)


@contextmanager
def as_index_error(index_dir: Path, where: Path) -> Iterator[None]:
    """A segment's errors told of the whole index: its rebuild hint is the index's, not the
    segment folder's (which no one should rebuild alone)."""
    try:
        yield
    except RagError as e:
        raise RagError(str(e).replace(rebuild_hint(where), rebuild_hint(index_dir))) from None


def check_index(index_dir: Path) -> dict[str, Any]:
    """``rag check`` of every part: each one's every checksum, every line parsed."""
    manifest = read_manifest(index_dir)
    layout = layout_of(manifest, index_dir)
    if not layout.segmented:
        return check_one(index_dir)
    out = check_one(index_dir, manifest=base_manifest(manifest, layout))
    verify_parts(index_dir, manifest, layout, full=True)
    for p in layout.parts:
        with as_index_error(index_dir, part_dir(index_dir, p["name"])):
            seg = check_one(part_dir(index_dir, p["name"]))
        out["files"] += seg["files"]
        out["bytes"] += seg["bytes"]
        out["seconds"] = round(out["seconds"] + seg["seconds"], 2)
    out["documents"] = len(manifest["documents"])
    out["chunks"] = int(manifest["n_chunks"])
    out["segments"] = len(layout.parts)
    out["hidden_rows"] = sum(len(v) for v in layout.hidden.values())
    return out


def load_index_data(index_dir: Path, *, verify: bool = True) -> IndexData:
    """The live documents of every part, in memory, as one index (what a whole rewrite
    writes: compaction, or an update past the policy's limits; what a copy reads)."""
    manifest = read_manifest(index_dir)
    layout = layout_of(manifest, index_dir)
    if not layout.segmented:
        return load_one(index_dir, verify=verify, manifest=manifest)
    if verify:
        verify_parts(index_dir, manifest, layout, full=True)
    base = load_one(index_dir, verify=verify, manifest=base_manifest(manifest, layout))
    settings = Settings(base.model, base.chunking, base.lexical, base.latent_head)
    documents = {k: DocumentInfo(**v) for k, v in manifest["documents"].items()}
    placement = layout.placement or {}
    new: list[NewDocument] = []
    for name in layout.names():
        with as_index_error(index_dir, part_dir(index_dir, name)):
            data = base if name == BASE else load_one(part_dir(index_dir, name), verify=False)
        docs = sorted((a, doc) for doc, (part, a, _) in placement.items() if part == name)
        keep = [r for a, doc in docs for r in range(a, a + placement[doc][2])]
        new += new_documents(select(data, keep, {doc: documents[doc] for _, doc in docs}, settings))
    return from_documents(settings, new)


def document_placement(index_dir: Path, manifest: dict[str, Any], layout: Layout) -> dict[str, list[Any]]:
    """Where each document's chunks lie: from the manifest, or (an index written before it kept
    them) read once from the base's chunks."""
    if layout.placement is not None:
        return layout.placement
    placement: dict[str, list[Any]] = {}
    for i, c in enumerate(ChunkFile(index_dir)):
        span = placement.setdefault(c.doc_id, [BASE, i, 0])
        span[2] += 1
    return placement


def base_words(index_dir: Path, layout: Layout) -> int:
    """The words BM25 counted over the base (an empty chunk counts one, its placeholder): from
    the manifest, or (an index written before it kept them) counted once from its tokens."""
    if layout.base_words is not None:
        return layout.base_words
    total = 0
    try:
        with (index_dir / TOKENS).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    total += len(json.loads(line)["tokens"]) or 1
    except READ_ERRORS as e:
        raise unreadable(index_dir, TOKENS, e) from None
    return total


def read_rows(path: Path, rows: list[int]) -> list[dict[str, Any]]:
    """Lines ``rows`` of a JSON-lines file, parsed (the file scanned for its line starts once)."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            if not size:
                return []
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                starts, ends = line_spans(buf, size)
                return [json.loads(buf[starts[r]:ends[r]]) for r in rows]
    except (*READ_ERRORS, IndexError) as e:
        raise unreadable(path.parent, path.name, e) from None


def write_segment(index_dir: Path, data: IndexData) -> dict[str, Any]:
    """Write ``data`` (the new documents) as a new segment folder, complete and flushed, and
    return its entry for the top manifest. Nothing reads it until that manifest is committed."""
    root = index_dir / SEGMENTS
    root.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        seg_manifest = build_files(data, tmp)
        sync_tree(tmp)
        name = _next_name(root)
        os.rename(tmp, root / name)
        sync_dir(root)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {"name": name, "n_chunks": len(data.chunks), "words": int(seg_manifest[WORDS]),
            "manifest_sha256": seg_manifest[MANIFEST_SHA256]}


def _next_name(root: Path) -> str:
    taken = [int(p.name[1:]) for p in root.iterdir() if p.name.startswith("s") and p.name[1:].isdigit()]
    return f"s{max(taken, default=0) + 1:05d}"


def commit(index_dir: Path, manifest: dict[str, Any], layout: Layout,
           documents: dict[str, DocumentInfo]) -> dict[str, Any]:
    """Make the new state the index: the top manifest with ``layout`` and ``documents``
    written at once, then the segment folders no manifest lists let go; returns that manifest."""
    manifest = {k: v for k, v in manifest.items() if k not in (DOC_ROWS, MANIFEST_SHA256)}
    manifest["format_version"] = SEGMENTED_VERSION
    manifest[SEGMENTS] = layout.to_dict()
    manifest["documents"] = {k: asdict(v) for k, v in sorted(documents.items())}
    manifest["n_chunks"] = sum(n for _, _, n in (layout.placement or {}).values())
    inject_fault("commit")
    write_manifest(index_dir, manifest)
    clean_segments(index_dir, layout)
    return manifest


def clean_segments(index_dir: Path, layout: Layout | None) -> None:
    """Remove segment folders that no manifest lists (an update killed before its commit)."""
    root = index_dir / SEGMENTS
    if not root.is_dir():
        return
    keep = {p["name"] for p in layout.parts} if layout is not None else set()
    for p in root.iterdir():
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
