"""Vectors of the text the extract quotes: what the answer needs of an embedder (``Encoder``)
and ``SentenceCache``, which keeps the vectors of text the index did not embed across
questions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """What the answer needs of an embedder: query and passage vectors (unit length, so their
    dot product is the cosine). A model's embedder and ``SentenceCache`` both are one."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceCache:
    """Vectors of text the index did not embed (a stretch of a long piece, a passage from
    another source), kept across questions. Bounded LRU, one per opened index; the lock lets
    the chat's worker threads share it."""

    def __init__(self, embedder: Encoder, maxsize: int = 8192) -> None:
        self.embedder = embedder
        self.maxsize = maxsize
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            fresh = self.embedder.encode_passages(missing)
            with self._lock:
                for t, v in zip(missing, fresh, strict=True):
                    self._vectors[t] = v
                while len(self._vectors) > self.maxsize:
                    self._vectors.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                v = self._vectors.get(t)
                if v is None:  # evicted by another thread meanwhile
                    v = self.embedder.encode_passages([t])[0]
                else:
                    self._vectors.move_to_end(t)
                out.append(v)
        return np.stack(out).astype(np.float32) if out else np.zeros((0, 0), dtype=np.float32)


__all__ = ["Encoder", "SentenceCache"]
