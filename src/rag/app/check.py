"""``rag check``: every byte of an embedded index checked, where opening it for search checks
only sizes, samples and small files whole (docs/index-format.md, "Checks")."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.config import resolve_store
from rag.errors import RagError


def cmd_check(args: argparse.Namespace) -> int:
    """One line ``ok`` and what was checked (``--json``: as data), exit 0; a damaged index raises
    the one-line error with the rebuild command (exit 2 from ``rag.app.cli.main``)."""
    from rag.index import check_index

    where = resolve_store(getattr(args, "store", None), getattr(args, "index", None))
    if not isinstance(where, Path):
        raise RagError(f"rag check reads the files of an embedded index; {where} is a Milvus store")
    r = check_index(where)
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
    else:
        print(f"{where}: ok; {r['documents']} documents, {r['chunks']} chunks, {r['files']} files "
              f"({r['bytes'] / 2**20:,.1f} MiB){_parts(r)} checked in {r['seconds']:.1f} s", file=sys.stderr, flush=True)
    return 0


def _parts(r: dict) -> str:
    """What a segmented index adds to the line (rag.index.segments)."""
    if not r.get("segments"):
        return ""
    return f", {r['segments']} segments, {r['hidden_rows']} rows of replaced or removed documents"
