"""The dense side of search: each candidate's dense score from three views of the passage
(its chunk vector, its best sentence or cited reference, its best pair of consecutive
sentences).

Vectors are unit length, so an inner product is a cosine. The candidates come from the store
(rag.index.store: the chunk vectors' nearest, and BM25's best), with the rows that hold their
vectors.
"""

from __future__ import annotations

import numpy as np


def rescore(cand: list[int], qvec: np.ndarray, vectors: np.ndarray, units: np.ndarray, unit_offsets: np.ndarray,
            unit_windows: np.ndarray, chunk_share: float, window_share: float) -> dict[int, float]:
    """Dense score of each candidate: its chunk vector's cosine mixed with its best unit's
    (sentence or cited reference) and its best sentence pair's (``chunk_share``,
    ``window_share``; a chunk without pairs has its best unit count for them, one without
    units its chunk vector). Chunk i's units are rows ``unit_offsets[i]:unit_offsets[i + 1]``
    of ``units``, its last ``unit_windows[i]`` being the pairs. Only candidates are rescored,
    so the unit vectors stay on disk (memory-mapped) but for the rows a query touches,
    whatever the corpus size."""
    if not cand:
        return {}
    idx = np.asarray(cand, dtype=np.int64)
    chunk = np.asarray(vectors[idx] @ qvec, dtype=np.float32)
    starts, ends = unit_offsets[idx], unit_offsets[idx + 1]
    lens = (ends - starts).astype(np.int64)
    pairs = unit_windows[idx]
    best, best_pair = chunk.copy(), chunk.copy()
    total = int(lens.sum())
    if total:
        # the rows of every candidate's units, in order, without a Python loop
        first = np.cumsum(lens) - lens  # where each candidate's units begin in ``rows``
        rows = np.arange(total) + np.repeat(starts - first, lens)
        sims = np.asarray(units[rows] @ qvec, dtype=np.float32)
        owner = np.repeat(np.arange(len(idx)), lens)
        # a unit's place within its chunk: the last ``pairs`` of them are sentence pairs
        place = np.arange(total) - np.repeat(first, lens)
        is_pair = place >= np.repeat(lens - pairs, lens)
        top_unit = np.full(len(idx), -np.inf, dtype=np.float32)
        np.maximum.at(top_unit, owner[~is_pair], sims[~is_pair])
        top_pair = np.full(len(idx), -np.inf, dtype=np.float32)
        np.maximum.at(top_pair, owner[is_pair], sims[is_pair])
        best = np.where(lens - pairs > 0, top_unit, chunk)
        best_pair = np.where(pairs > 0, top_pair, best)
    a, c = chunk_share, window_share
    mixed = a * chunk + (1 - a - c) * best + c * best_pair
    return {int(i): float(v) for i, v in zip(idx, mixed, strict=True)}
