"""Versions for a Milvus store's document rows: each write of a document puts its rows under a
fresh version, and every row of a version is deleted together (units carry no document), so
two documents written at once must never share one: a writer that lost its switch to another
writer of the same document deleted its version, and with it the rows of a third writer's
document that had drawn the same number."""

from __future__ import annotations

import secrets
import threading
import time


def new_version() -> int:
    """A fresh version: milliseconds since 1970 and 3 random bits (chunk keys are version << 14 | i
    and unit keys chunk key << 4 | part, `codec`: 63 bits hold them until the year 2109, and
    hold no more random bits). Two processes that write in the same millisecond share one once
    in 8 such times."""
    return int(time.time() * 1000) * 8 + secrets.randbelow(8)


class Versions:
    """Versions drawn by writers on several threads: never one drawn before, whatever thread
    asks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drawn: set[int] = set()

    def fresh(self) -> int:
        with self._lock:
            v = new_version()
            while v in self._drawn:
                v = new_version()
            self._drawn.add(v)
            return v


# One source for the process: its writers reach a store through store objects of their own
# (every `rag.ingest` call opens one; the chat writes from threads), and none may draw a version
# another drew, as the process's one client per address (`connect`) serves them all.
_PROCESS = Versions()


def fresh_version() -> int:
    """A version no writer of this process drew before (`Versions.fresh`)."""
    return _PROCESS.fresh()
