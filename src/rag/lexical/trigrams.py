"""Character-trigram BM25 for Thai questions: a lexical signal that needs no word segmentation.

Word BM25 (rag.lexical) matches only where newmm cuts the question and the passage into the
same words; a name or a compound it cuts differently on the two sides (a transliterated name,
a word glued to its neighbour) shares no word but still shares most of its character trigrams.
Mixed into the hybrid for Thai questions it found the right paragraph first for more dev
questions on both Thai sets (eval/results/retrieval.md).

Only the head of the fused list (``FusionWeights.trigram_depth`` chunks) is
scored, from their own text at query time, so the index keeps just each trigram's document
frequency: a sorted table of a few MB, where an inverted index of the trigrams would hold
~800 postings a chunk (several GB at a million chunks) and bm25s would score every chunk.
That is why the scoring is written here rather than left to bm25s; the formula is bm25s's
default (Lucene idf, Robertson term frequency, the same k1 and b as the word index), and the
tests check that the scores equal bm25s's over the same trigrams.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

N = 3
# A code point fits in 21 bits, so three of them pack exactly (no hashing) into an int64.
_BITS = 21
_SEP = "\x00"  # joins several texts into one string; no trigram holding it is counted
_SPACE = 0x20
# Every code point str.split() (and re's \s) takes for whitespace: folded to one space.
_WHITESPACE = np.array([i for i in range(0x3001) if chr(i).isspace()], dtype=np.int64)
_THAI_ZERO, _THAI_NINE = 0x0E50, 0x0E59
_FILTER_BITS = 16
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NIKHAHIT, _SARA_AA, _SARA_AM = 0x0E4D, 0x0E32, 0x0E33


def _codes(text: str) -> np.ndarray:
    """Code points of ``text`` folded as the word tokenizer folds them (lower case, Arabic
    digits, NIKHAHIT + SARA AA as SARA AM) with each whitespace run made one space and no
    space at either end of a text. Done on the code points in numpy: str.translate with a
    table runs ~20x slower on Thai text, and this runs on the candidates of every Thai query."""
    c = np.frombuffer(text.lower().encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if not len(c):
        return c
    digit = (c >= _THAI_ZERO) & (c <= _THAI_NINE)
    c[digit] -= _THAI_ZERO - ord("0")
    am = np.flatnonzero((c[:-1] == _NIKHAHIT) & (c[1:] == _SARA_AA))
    c[am] = _SARA_AM
    keep = np.ones(len(c), dtype=bool)
    keep[am + 1] = False
    ws = (c == _SPACE) | ((c >= 0x09) & (c <= 0x0D)) | ((c >= 0x1C) & (c <= 0x1F))
    rare = np.flatnonzero((c >= 0x85) & (c <= 0x3000) & ((c < 0x0E00) | (c > 0x0E7F)))  # not Thai
    ws[rare[np.isin(c[rare], _WHITESPACE)]] = True
    c[ws] = _SPACE
    c = c[keep]
    # a space after a space, a separator or the start goes; then one before a separator or the end
    space = c == _SPACE
    c = c[~(space & np.concatenate([[True], space[:-1] | (c[:-1] == 0)]))]
    space = c == _SPACE
    return c[~(space & np.concatenate([c[1:] == 0, [True]]))]


def _slot(keys: np.ndarray) -> np.ndarray:
    """A multiplicative hash of packed trigrams into _FILTER_BITS bits."""
    return ((keys.view(np.uint64) * _GOLDEN) >> np.uint64(64 - _FILTER_BITS)).astype(np.intp)


def _keys(c: np.ndarray) -> np.ndarray:
    """Packed trigrams of folded code points, in order (repeats kept: they are term counts)."""
    if len(c) < N:
        return np.zeros(0, np.int64)
    return (c[:-2] << (2 * _BITS)) | (c[1:-1] << _BITS) | c[2:]


def trigram_keys(text: str) -> np.ndarray:
    """Packed trigrams of one text, folded as :func:`_codes` folds it."""
    return _keys(_codes(text.replace(_SEP, " ")))


def _cut(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The trigrams of several texts cut in one pass over one string, and the text each
    belongs to (in order, repeats kept)."""
    c = _codes(_SEP.join(t.replace(_SEP, " ") for t in texts))
    keys = _keys(c)
    # each trigram's text: how many separators lie before it; one holding a separator is no
    # text's
    owner = np.cumsum(c == 0)[: len(keys)]
    inside = (c[:-2] != 0) & (c[1:-1] != 0) & (c[2:] != 0) if len(keys) else np.zeros(0, bool)
    return keys[inside], owner[inside]


@dataclass(frozen=True)
class TrigramTable:
    """Each trigram's document frequency over the indexed chunks, and what BM25 needs besides.

    ``keys`` is sorted (looked up by bisection); ``df[i]`` counts the chunks holding ``keys[i]``.
    """

    keys: np.ndarray  # int64, sorted, unique
    df: np.ndarray  # int32
    n_docs: int
    avgdl: float
    k1: float
    b: float

    @staticmethod
    def build(texts: Iterable[str], k1: float, b: float, batch: int = 20_000) -> TrigramTable:
        """Count document frequencies over ``texts`` (streamed: a million chunks never sit in
        memory at once; each batch's distinct trigrams are merged into the running table)."""
        keys = np.zeros(0, np.int64)
        df = np.zeros(0, np.int64)
        pending: list[np.ndarray] = []
        n_docs = 0
        total = 0

        def merge() -> None:
            nonlocal keys, df
            if not pending:
                return
            k, c = np.unique(np.concatenate(pending), return_counts=True)
            pending.clear()
            allk = np.concatenate([keys, k])
            allc = np.concatenate([df, c])
            keys, inv = np.unique(allk, return_inverse=True)
            df = np.bincount(inv, weights=allc, minlength=len(keys)).astype(np.int64)

        for text in texts:
            k = trigram_keys(text)
            total += len(k)
            n_docs += 1
            pending.append(np.unique(k))
            if len(pending) >= batch:
                merge()
        merge()
        avgdl = total / n_docs if n_docs else 0.0
        return TrigramTable(keys=keys, df=df.astype(np.int32), n_docs=n_docs, avgdl=float(avgdl), k1=k1, b=b)

    def query_terms(self, texts: Iterable[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The known trigrams of a query and each one's weight: its idf times how often it
        occurs (each text's trigrams counted ``repeat`` times: a follow-up counts its own
        words twice and the previous question's once, as the word BM25 does)."""
        parts = [np.repeat(trigram_keys(t), r) for t, r in texts if t]
        if not parts or not len(self.keys):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q, counts = np.unique(np.concatenate(parts), return_counts=True)
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        known = self.keys[pos] == q
        return q[known], (self._idf(pos[known]) * counts[known]).astype(np.float32)

    def _idf(self, rows: np.ndarray) -> np.ndarray:
        """bm25s's "lucene" idf of the table's trigrams at ``rows``."""
        df = self.df[rows].astype(np.float64)
        return np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def query_terms_each(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`query_terms` of each text on its own, all of them folded and cut in one pass:
        an English question's Thai words (rag.bilingual) are a few dozen short queries, and one
        numpy pass each cost ~0.15 ms."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
        if not texts or not len(self.keys):
            return [empty] * len(texts)
        keys, owner = _cut(texts)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        known = self.keys[pos] == keys
        keys, owner, pos = keys[known], owner[known], pos[known]
        # distinct (text, trigram) pairs and how often each occurs
        order = np.lexsort((keys, owner))
        keys, owner, pos = keys[order], owner[order], pos[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(keys)))
        keys, owner = keys[starts], owner[starts]
        weight = (self._idf(pos[starts]) * counts).astype(np.float32)
        bounds = np.searchsorted(owner, np.arange(len(texts) + 1))
        return [(keys[a:b], weight[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def scores(self, terms: tuple[np.ndarray, np.ndarray], texts: list[str]) -> np.ndarray:
        """BM25 of each text for the query ``terms`` (from :meth:`query_terms`), computed from
        the texts themselves: all of them are cut into trigrams in one pass over one string."""
        q, weight = terms
        if not len(q) or not texts:
            return np.zeros(len(texts), np.float32)
        return (self._saturated(q, texts) @ weight.astype(np.float64)).astype(np.float32)

    def scores_each(self, queries: list[tuple[np.ndarray, np.ndarray]], texts: list[str]) -> np.ndarray:
        """:meth:`scores` of several queries over the same texts (texts x queries), the texts cut
        into trigrams once for all of them: a dictionary's alternative Thai words for one
        English word (rag.bilingual) are each a query."""
        known = [q for q, _ in queries if len(q)]
        if not known or not texts:
            return np.zeros((len(texts), len(queries)), np.float32)
        keys = np.unique(np.concatenate(known))
        weights = np.zeros((len(keys), len(queries)))
        for j, (q, w) in enumerate(queries):
            weights[np.searchsorted(keys, q), j] = w
        return (self._saturated(keys, texts) @ weights).astype(np.float32)

    def _saturated(self, q: np.ndarray, texts: list[str]) -> np.ndarray:
        """BM25's saturated term frequency of each of the sorted trigrams ``q`` in each text
        (texts x trigrams): what a query's idf weights are summed over."""
        keys, owner = _cut(texts)
        dl = np.bincount(owner, minlength=len(texts))
        # most trigrams are not the query's: a 64K-slot hash filter drops them before bisection
        table = np.zeros(1 << _FILTER_BITS, dtype=bool)
        table[_slot(q)] = True
        maybe = np.flatnonzero(table[_slot(keys)])
        pos = np.minimum(np.searchsorted(q, keys[maybe]), len(q) - 1)
        hit = q[pos] == keys[maybe]
        tf = np.bincount(owner[maybe[hit]] * len(q) + pos[hit], minlength=len(texts) * len(q))
        tf = tf.reshape(len(texts), len(q)).astype(np.float64)
        norm = self.k1 * (1 - self.b + self.b * dl / self.avgdl) if self.avgdl else np.full(len(texts), self.k1)
        return tf / (tf + norm[:, None])
