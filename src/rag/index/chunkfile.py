"""The chunks of an index opened for search, read from ``chunks.jsonl`` when asked for.

Search reads few chunks a query (its candidates' texts, its hits), but parsing every line of
``chunks.jsonl`` into ``Chunk`` objects at open took most of the open of a large index (1M
chunks: 3 GB of JSON, ~30 s and several GB of Python objects; docs/performance.md). So the
file is memory-mapped, its line starts found by one numpy scan for the newline byte (a second
or so at 1M: no line offsets are stored, the format is unchanged), and a chunk is parsed from
its line each time it is asked for (~20 us). A damaged line is found when it is read, at query
time, and reported in the one-line error with the rebuild hint (``format.unreadable``); the
full check (``rag check``) and ingest still parse every line.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from rag.document.chunking import Chunk
from rag.index.format import CHUNKS, READ_ERRORS, chunk_from_dict, unreadable

SCAN_BLOCK = 64 << 20  # bytes scanned for newlines at a time (bounds the scan's temporary arrays)


def line_spans(buf: bytes | mmap.mmap, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, without the newline) of each non-empty line of ``buf``'s first
    ``size`` bytes: the lines ``rag._util.read_jsonl`` reads (it skips blank ones)."""
    found = [np.zeros(0, np.int64)]
    for at in range(0, size, SCAN_BLOCK):
        count = min(SCAN_BLOCK, size - at)
        block = np.frombuffer(buf, dtype=np.uint8, count=count, offset=at)
        found.append(np.flatnonzero(block == 10).astype(np.int64) + at)
        del block
        if isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED") and at % mmap.PAGESIZE == 0:
            # let the scanned pages go from this process (they stay in the page cache): its
            # memory then holds the lines read later, not the whole file
            buf.madvise(mmap.MADV_DONTNEED, at, count)
    newlines = np.concatenate(found)
    ends = newlines if size == 0 or (len(newlines) and newlines[-1] == size - 1) else np.append(newlines, size)
    starts = np.concatenate([np.zeros(1, np.int64), newlines + 1])[: len(ends)]
    keep = ends > starts
    return starts[keep], ends[keep]


class ChunkFile(Sequence[Chunk]):
    """``chunks.jsonl`` of ``index_dir`` as a read-only sequence of ``Chunk``, each parsed from its
    line on access (nothing is cached but where each chunk id parsed so far lies, for
    ``row_of``). The file stays mapped while this object lives: an ingest that swaps a new index
    in meanwhile leaves this one reading the files it opened."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        with open(index_dir / CHUNKS, "rb") as f:
            size = f.seek(0, 2)
            self._buf: bytes | mmap.mmap = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._starts, self._ends = line_spans(self._buf, size)
        self._rows: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self._parse(j) for j in range(*i.indices(len(self)))]
        n = len(self)
        row = int(i) + n if int(i) < 0 else int(i)
        if not 0 <= row < n:
            raise IndexError(f"chunk row {i} out of range ({n} chunks)")
        chunk = self._parse(row)
        self._rows[chunk.chunk_id] = row
        return chunk

    def __iter__(self) -> Iterator[Chunk]:
        for row in range(len(self)):
            yield self._parse(row)

    def row_of(self, chunk_id: str) -> int | None:
        """The row of ``chunk_id`` (None: no such chunk). A chunk read before (a search's hit) is
        found at once; any other reads the whole file once, as ids are not indexed on disk."""
        row = self._rows.get(chunk_id)
        if row is None and len(self._rows) < len(self):
            self._rows.update({c.chunk_id: r for r, c in enumerate(self)})
            row = self._rows.get(chunk_id)
        return row

    def _parse(self, row: int) -> Chunk:
        try:
            return chunk_from_dict(json.loads(self._buf[self._starts[row]:self._ends[row]]))
        except READ_ERRORS as e:
            raise unreadable(self.index_dir, CHUNKS, e) from None
