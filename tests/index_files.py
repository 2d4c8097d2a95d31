"""What the crash and refusal tests compare an index by: every file's hash, and what an ingest
left beside it (shared by the CLI, library and crash tests)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def snapshot(directory: Path) -> dict[str, str]:
    """sha256 of every file under ``directory`` (hidden ones included), by relative path."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def beside(index_dir: Path) -> list[str]:
    """Names next to the index that an ingest made (temporary builds, old copies)."""
    return sorted(p.name for p in index_dir.parent.iterdir()
                  if p.name.startswith((f".{index_dir.name}.tmp-", f".{index_dir.name}.old-")))
