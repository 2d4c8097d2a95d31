"""``rag bench --update N[,N...]``: the time to add one document to an index of N chunks.

An update should cost what the document costs, whatever the index's size (issue 29; the
embedded store writes a large index's new documents as a segment: rag.index.segments). To
measure that at library scale without encoding a library, the bench's own fresh index is tiled
to N chunks (its rows repeated, vectors and all, as documents of ``TILE_DOC`` chunks: nothing
is encoded) and written whole; then the bench's corpus is added to it twice under two names, in
``rag ingest`` processes of their own. The first add of an index is what a user's first update
costs; the second is what every later one costs. Reported per size: the process's wall time,
its encoding (the report's embedding stage) and the rest, which is the update's own cost.
eval/bench_update.py measures the same on eval/bench_scale.py's synthetic indexes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.evaluation import serve_process

TILE_DOC = 1_000  # chunks per document of a tiled index


def tile_index(source: Path, target: Path, n: int) -> None:
    """Write an index of ``n`` chunks at ``target``: the rows of the index at ``source``
    repeated, in documents of ``TILE_DOC`` chunks (``tile-0000``...), vectors, units and latent
    terms copied (nothing encoded)."""
    from dataclasses import replace

    from rag.embed.latent import Codes
    from rag.index import load_index_data, write_index
    from rag.index.combine import from_documents
    from rag.index.format import DocumentInfo
    from rag.index.store import NewDocument, Settings

    data = load_index_data(source)
    if not data.chunks:
        raise RagError(f"the index at {source} has no chunks to tile")
    settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
    assert data.latent is not None
    docs = []
    for d, start in enumerate(range(0, n, TILE_DOC)):
        doc_id = f"tile-{d:04d}"
        rows = [(start + i) % len(data.chunks) for i in range(min(TILE_DOC, n - start))]
        units, counts = data.unit_slices(rows)
        chunks = [replace(data.chunks[r], doc_id=doc_id, chunk_id=f"{doc_id}#{i:04d}", title=doc_id)
                  for i, r in enumerate(rows)]
        info = DocumentInfo(doc_id=doc_id, title=doc_id, source=doc_id, sha256=f"tile-{d}", kind="text",
                            n_chunks=len(rows))
        dim = data.vectors.shape[1]
        docs.append(NewDocument(info=info, chunks=chunks, references={}, tokens=[data.tokens[r] for r in rows],
                                vectors=data.vectors[rows],
                                units=np.concatenate([np.zeros((0, dim), np.float32), *units]), unit_counts=counts,
                                window_counts=data.window_counts(rows), latent=Codes.from_rows(data.latent.rows(rows))))
    write_index(from_documents(settings, docs), target)


def _ingest(doc: Path, index_dir: Path) -> dict[str, Any]:
    """One ``rag ingest`` process: its wall time, encoding and the rest."""
    cmd = [sys.executable, "-m", "rag", "ingest", str(doc), "--index", str(index_dir), "--json", "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=serve_process.child_env())
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RagError(f"rag ingest failed while benchmarking an update: {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    encoding = float(report["seconds"]["embedding"])
    return {"wall_s": round(wall, 2), "encoding_s": round(encoding, 2), "excluding_encoding_s": round(wall - encoding, 2),
            "chunks": int(report["documents"][0]["chunks"]) if report["documents"] else 0}


def bench_updates(source_index: Path, corpus: Path, sizes: list[int], work: Path) -> list[dict[str, Any]]:
    """Per size: the index tiled to it (its build time), then ``corpus`` added twice."""
    out = []
    for n in sizes:
        tiled = work / f"tiled-{n}"
        t0 = time.perf_counter()
        tile_index(source_index, tiled, n)
        built = time.perf_counter() - t0
        first, second = work / f"update-a{corpus.suffix}", work / f"update-b{corpus.suffix}"
        shutil.copyfile(corpus, first)
        shutil.copyfile(corpus, second)
        try:
            runs = [_ingest(first, tiled), _ingest(second, tiled)]
            manifest = json.loads((tiled / "manifest.json").read_text(encoding="utf-8"))
        finally:
            shutil.rmtree(tiled, ignore_errors=True)
        out.append({"chunks": n, "tile_s": round(built, 1), "first": runs[0], "second": runs[1],
                    "segments": len((manifest.get("segments") or {}).get("parts", []))})
    return out
