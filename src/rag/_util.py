"""Small helpers every stage may use: file hashes (whole or sampled), JSON lines, the cores this process has."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks (index checksums, model fingerprints)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sample_sha256(path: Path, block: int = 1 << 16) -> str:
    """sha256 of a file's size and five ``block``-byte samples (its head, its tail and three
    between): what an index checks of a large file each time it is opened, a few hundred KiB
    read whatever its size. It sees a truncated, extended or overwritten-at-the-ends file, not a
    byte changed elsewhere (``file_sha256`` does)."""
    size = path.stat().st_size
    digest = hashlib.sha256(f"{size}\0".encode())
    with open(path, "rb") as f:
        for offset in sorted({0, size // 4, size // 2, 3 * size // 4, max(0, size - block)}):
            f.seek(offset)
            digest.update(f.read(block))
    return digest.hexdigest()


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """One JSON object a line, UTF-8, non-ASCII kept as is (Thai stays readable)."""
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows `write_jsonl` wrote (files of our own: a bad line is a damaged index, which
    the caller reports)."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cpu_count() -> int:
    """Cores this process may run on (the cgroup's share, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
