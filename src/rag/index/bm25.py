"""Word BM25 candidates, summed from bm25s's stored matrix, with exact pruning for large indexes.

The scores are bm25s's own, bitwise: each query token's postings are added in query order
(``np.add.at`` over the CSC matrix, as ``bm25s.BM25.get_scores`` does). Around that sum, the
candidates come from the postings' union where they touch few chunks, and an index of
``PRUNE_MIN_CHUNKS`` chunks or more first tries ``top_pruned`` (MaxScore), which skips the
postings of words found in most chunks when they cannot change the top candidates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from rag.index.store import top

# bm25s needs a token in every chunk; an empty one is indexed with this one, which no query holds
# (rag.index.write; the Milvus store and a segment's word counts count it alike).
PLACEHOLDER = "\u2205"

# The pruned search (``top_pruned``) first sums only the words found in at most this share of
# the chunks; the more common ones (idf < log(1 + 1/share): ที่, การ, ของ... in a large Thai
# corpus) are summed only if the bound proof needs them. A proof leaving more than
# PRUNE_KEEP_MAX chunks in reach also takes the next word in (bisection lookups for that many
# would cost about what summing it does).
COMMON_SHARE = 0.125
PRUNE_KEEP_MAX = 20_000
# Below this many chunks the plain sum is a millisecond or two and pruning saves nothing.
PRUNE_MIN_CHUNKS = 100_000


def idf(df: int, n: int) -> np.float32:
    """bm25s's "lucene" idf of a word in ``df`` of ``n`` chunks, as it stores it (float32 of the
    double): the global statistics of a Milvus store and of an index with segments use it."""
    return np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))


def saturated(tf: np.ndarray, dl: float | np.ndarray, avgdl: float, k1: float, b: float) -> np.ndarray:
    """BM25's term-frequency part, as bm25s computes it (float64)."""
    tf = np.asarray(tf, dtype=np.float64)
    return tf / (k1 * ((1 - b) + b * dl / avgdl) + tf)


def bm25_candidates(bm25: Any, bound: WordBounds | None, tokens: list[str], depth: int,
                    allowed: np.ndarray | None, n_docs: int,
                    scale: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[int, float]:
    """The ``depth`` best BM25 chunks for ``tokens`` (repeats count again) among the ``n_docs``
    of the bm25s index ``bm25``, within the mask ``allowed`` (None: all).

    ``scale``: each word's factor (given the words' ids), by which the stored scores are
    multiplied: the global idf over the index's own where segments were added to it
    (rag.index.segmented); None: the stored scores, bitwise.

    ``bound``: each word's highest score (``WordBounds``) where the index is large enough to
    prune (``prune_bounds``), else None: the plain sum. The sum runs over bm25s's CSC matrix
    (eval/results/scale.md times both paths up to 1M chunks).
    """
    ids = bm25.get_tokens_ids(tokens) if tokens else []
    if not ids:
        return {}
    csc = bm25.scores
    if bm25.nonoccurrence_array is not None:  # BM25L/BM25+ (never built here): the slow path
        scores = np.asarray(bm25.get_scores(tokens), dtype=np.float32)
        mask = scores > 0 if allowed is None else (scores > 0) & allowed
        cand = np.flatnonzero(mask)
        return top(cand, scores[cand], depth)
    data, indices, indptr = csc["data"], csc["indices"], csc["indptr"]
    factor = None if scale is None else np.asarray(scale(np.asarray(ids, np.int64)), np.float32)
    if bound is not None and bound.prunable(ids):
        return top_pruned(data, indices, indptr, bound, ids, depth, allowed, n_docs, factor)[0]
    spans = [(int(indptr[t]), int(indptr[t + 1])) for t in ids]
    scores = np.zeros(n_docs, dtype=np.float32)
    for j, (start, end) in enumerate(spans):  # query order, repeated tokens included: bm25s's sums exactly
        np.add.at(scores, indices[start:end], data[start:end] if factor is None else data[start:end] * factor[j])
    posted = sum(end - start for start, end in spans)
    if posted * 8 < n_docs:
        cand = np.unique(np.concatenate([indices[start:end] for start, end in spans]))
        keep = scores[cand] > 0
        if allowed is not None:
            keep &= allowed[cand]
        cand = cand[keep]
    else:
        mask = scores > 0
        if allowed is not None:
            mask &= allowed
        cand = np.flatnonzero(mask)
    return top(cand, scores[cand], depth)


def prune_bounds(bm25: Any, n_chunks: int) -> WordBounds | None:
    """The bounds the pruned search needs for an index of ``n_chunks`` (None: below
    ``PRUNE_MIN_CHUNKS``)."""
    return WordBounds(bm25.scores) if n_chunks >= PRUNE_MIN_CHUNKS else None


class WordBounds:
    """Each word's highest BM25 score over the chunks (its MaxScore bound), worked out from its
    postings the first time a query holds the word, then kept.

    Worked out for every word at once, the bounds read the whole matrix when the index is
    opened (at 1M chunks 1.2 GB, 1.5-4 s of a `rag search` process; docs/performance.md); per
    word, a query reads the postings of its own words, which its sum reads anyway. The pruned
    search also needs each word's postings sorted by chunk (it looks chunks up by bisection, as
    bm25s writes them): a query with a word whose postings are not takes the plain sum."""

    def __init__(self, csc: dict[str, Any]) -> None:
        self.data, self.indices, self.indptr = csc["data"], csc["indices"], np.asarray(csc["indptr"])
        n = len(self.indptr) - 1
        self._bound = np.zeros(n, np.float32)
        self._known = np.zeros(n, bool)
        self._sorted = np.ones(n, bool)

    def __len__(self) -> int:
        return len(self._bound)

    def __getitem__(self, terms: np.ndarray) -> np.ndarray:
        self._learn(np.atleast_1d(np.asarray(terms, dtype=np.int64)))
        return self._bound[terms]

    def prunable(self, terms: np.ndarray | list[int]) -> bool:
        """Whether every one of these words' postings is sorted by chunk."""
        t = np.asarray(terms, dtype=np.int64)
        self._learn(t)
        return bool(self._sorted[t].all())

    def _learn(self, terms: np.ndarray) -> None:
        for t in np.unique(terms[~self._known[terms]]):
            start, end = int(self.indptr[t]), int(self.indptr[t + 1])
            if end > start:
                self._bound[t] = np.max(self.data[start:end])
                self._sorted[t] = bool((np.diff(self.indices[start:end]) >= 0).all())
            self._known[t] = True


def _lookup(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, term: int, docs: np.ndarray) -> np.ndarray:
    """Scores of word ``term`` in the sorted chunks ``docs`` (0 where absent), by bisection."""
    start, end = int(indptr[term]), int(indptr[term + 1])
    out = np.zeros(len(docs), np.float32)
    if start == end or len(docs) == 0:
        return out
    col = indices[start:end]
    # same dtype as the column, or searchsorted would convert (copy) the whole column first
    pos = np.minimum(np.searchsorted(col, docs.astype(col.dtype, copy=False)), end - start - 1)
    hit = col[pos] == docs
    out[hit] = data[start + pos[hit]]
    return out


def top_pruned(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, bound: WordBounds,
               ids: list[int], depth: int, allowed: np.ndarray | None,
               n_docs: int, factor: np.ndarray | None = None) -> tuple[dict[int, float], int]:
    """The exact top ``depth`` BM25 chunks, without summing the postings of common words
    (``factor``: each query token's multiplier of the stored scores, as ``bm25_candidates``).

    Returns them and how many distinct query words were left out of the sum (0: the plain sum).

    In a large corpus a few words of almost every query (ที่, การ, ของ...) occur in most chunks:
    their postings are most of the work (several million for a p95 query at 1M chunks) and
    their idf is near zero. MaxScore, term at a time: the words are summed over their postings
    rarest first, leaving out the common ones. Once the ``depth``-th best partial score exceeds
    what the words left out can add at most (the sum of their per-word maximum, ``bound``), no
    chunk outside the partial candidates can reach the top ``depth``, and only the candidates
    within that margin of it are still in play; the words left out are looked up for those
    few chunks by bisection. Until the proof holds, the next word is summed in (at worst every
    word: the plain sum). The final ``depth`` are summed again word by word in query order, as
    the plain path (and bm25s) sums them, so their scores are bitwise the same.
    """
    ids_a = np.asarray(ids, dtype=np.int64)
    factor = np.ones(len(ids_a), np.float32) if factor is None else factor
    terms, first, counts = np.unique(ids_a, return_index=True, return_counts=True)
    # each distinct word's multiplier of its stored scores: how often the query holds it, times its factor
    weight = (factor[first] * counts.astype(np.float32)).astype(np.float32)
    df = indptr[terms + 1] - indptr[terms]
    order = np.argsort(df, kind="stable")  # rarest first
    terms, weight, df = terms[order], weight[order], df[order]
    ub = bound[terms].astype(np.float64) * weight
    summed = int(np.searchsorted(df, COMMON_SHARE * n_docs, side="right"))
    partial = np.zeros(n_docs, np.float32)
    for t, w in zip(terms[:summed], weight[:summed], strict=True):
        start, end = int(indptr[t]), int(indptr[t + 1])
        np.add.at(partial, indices[start:end], data[start:end] * w)
    while True:
        rest = float(ub[summed:].sum())
        cand = np.flatnonzero(partial > 0)
        if allowed is not None:
            cand = cand[allowed[cand]]
        if len(cand) == 0 and summed == len(terms):
            return {}, 0
        if len(cand) >= depth or summed == len(terms):
            part = partial[cand]
            theta = float(np.partition(part, len(part) - depth)[len(part) - depth]) if len(part) >= depth else 0.0
            margin = 1e-4 * theta + 1e-6  # float32 rounding of the partial sums
            if rest + margin < theta or summed == len(terms):
                reach = part + rest + margin >= theta
                if reach.sum() <= PRUNE_KEEP_MAX or summed == len(terms):
                    break
        t, w = int(terms[summed]), weight[summed]  # no proof yet: sum the next word in
        start, end = int(indptr[t]), int(indptr[t + 1])
        np.add.at(partial, indices[start:end], data[start:end] * w)
        summed += 1
    keep = cand[reach]
    # full scores of the chunks in reach (the words left out looked up), then the depth best
    full = part[reach]
    for t, w in zip(terms[summed:], weight[summed:], strict=True):
        full = full + _lookup(data, indices, indptr, int(t), keep) * w
    if len(keep) > depth:
        theta2 = float(np.partition(full, len(full) - depth)[len(full) - depth])
        keep = keep[full >= theta2 - (1e-4 * theta2 + 1e-6)]
    exact = np.zeros(len(keep), np.float32)
    for tid, f in zip(ids, factor, strict=True):  # query order, repeats included: the plain path's float32 sums
        exact += _lookup(data, indices, indptr, int(tid), keep) * f  # times 1.0 where unscaled: exact
    return top(keep, exact, depth), len(terms) - summed
