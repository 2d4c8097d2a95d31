"""The answer's extract: a few of the best passages' own sentences, chosen by closeness to the
question, each followed by the number of the passage it comes from.

The sentences of the best passages (``EXTRACT_PASSAGES``) are pooled once each (overlapping
chunks repeat text); scraps cut by a chunk boundary go when whole sentences are left. Each is
scored by its cosine to the question plus a small share of the question's words it holds, and
the best few within ``EXTRACT_MARGIN`` of the top one are quoted in reading order. A sentence
too long to quote whole shows the stretch of it closest to the question (``focus``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.answer.words import contains
from rag.search import Hit
from rag.thai.sentences import clip, is_fragment_end, is_fragment_start, split_sentences, stretches

EXTRACT_PASSAGES = 3  # the extract quotes only the best passages
EXTRACT_SENTENCES = 3
EXTRACT_MARGIN = 0.05  # a second or third sentence must score within this of the best one
EXTRACT_SENTENCE_CHARS = 280
EXTRACT_CHARS = 650
WHOLE_CHARS = 40  # a shorter piece is a scrap (a list item, a cut-off tail), not a sentence to quote
LEXICAL_WEIGHT = 0.05  # share of the question's words a sentence holds, next to its cosine


class Encoder(Protocol):
    """What the answer needs of an embedder: query and passage vectors (unit length, so their
    dot product is the cosine). A model's embedder and ``SentenceCache`` both are one."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class ExtractSentence:
    text: str
    cite: int  # number of the passage it comes from (1-based)


class SentenceCache:
    """Sentence vectors kept across questions: encoding the extract's candidate sentences is
    most of an answer's cost (~20 ms a sentence on 2 cores, ~25 sentences), and related
    questions bring back the same passages. Bounded LRU, one per opened index; the lock
    lets the chat's worker threads share it."""

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


@dataclass
class Candidate:
    """A sentence the extract may quote."""

    cite: int  # number of its passage (1-based)
    pos: int  # its place in the passage
    text: str
    whole: bool  # not cut by a chunk boundary


def _candidates(hits: Sequence[Hit]) -> list[Candidate]:
    """Sentences of the best passages, each once: overlapping chunks repeat text, and a
    sentence contained in another one (a cut copy of it) goes."""
    cands: list[Candidate] = []
    for n, hit in enumerate(hits[:EXTRACT_PASSAGES], 1):
        sents = split_sentences(hit.text)
        for j, s in enumerate(sents):
            cut = (j == 0 and is_fragment_start(s.text)) or (j == len(sents) - 1 and is_fragment_end(s.text))
            cands.append(Candidate(cite=n, pos=j, text=s.text, whole=not cut and len(s.text) >= WHOLE_CHARS))
    keys = [" ".join(c.text.casefold().split()) for c in cands]
    keep: list[Candidate] = []
    for i, (c, key) in enumerate(zip(cands, keys, strict=True)):
        dup = any(j != i and key in other and (len(other) > len(key) or j < i) for j, other in enumerate(keys))
        if not dup:
            keep.append(c)
    return keep


def sentence_pool(hits: Sequence[Hit]) -> list[Candidate]:
    """The sentences the extract may quote from the hits (passage ``n`` is ``hits[n - 1]``):
    whole ones, unless the passages have none."""
    cands = _candidates(hits)
    return [c for c in cands if c.whole] or cands


def focus(qvec: np.ndarray | None, embedder: Encoder | None) -> Callable[[str], str]:
    """How a sentence too long to quote whole is shown: the stretch of it
    (rag.thai.sentences.stretches) closest to the question, where its head need not be the
    part that answers (extract-held answers on the article's dev questions:
    eval/bench_answer.py); its head without a query vector to measure with."""
    def show(text: str) -> str:
        spans = stretches(text, EXTRACT_SENTENCE_CHARS)
        best = 0
        if len(spans) > 1 and qvec is not None and embedder is not None:
            sims = embedder.encode_passages([text[a:b] for a, b in spans]) @ qvec
            best = int(np.argmax(sims))
        return clip(text, *spans[best])
    return show


def select_sentences(terms: list[str], pool: list[Candidate], sims: np.ndarray | None,
                     show: Callable[[str], str]) -> list[ExtractSentence]:
    """The sentences closest to the question (cosine ``sims`` plus a share of its words
    ``terms``), in reading order, each as ``show`` puts it."""
    if not pool:
        return []
    words = [t for t in terms if t]
    lex = np.array([sum(contains(c.text, t) for t in words) / max(1, len(words)) for c in pool], dtype=np.float32)
    score = LEXICAL_WEIGHT * lex
    if sims is not None:
        score = score + sims
    # a small prior for the best-ranked passage breaks near-ties in favour of the search's order
    score = score + np.array([0.005 * (EXTRACT_PASSAGES - min(c.cite, EXTRACT_PASSAGES)) for c in pool],
                             dtype=np.float32)
    order = np.argsort(-score, kind="stable").tolist()
    best = float(score[order[0]])
    chosen: list[int] = []
    total = 0
    for i in order:
        if len(chosen) == EXTRACT_SENTENCES or (chosen and float(score[i]) < best - EXTRACT_MARGIN):
            break
        length = min(len(pool[i].text), EXTRACT_SENTENCE_CHARS)
        if chosen and total + length > EXTRACT_CHARS:
            continue
        chosen.append(i)
        total += length
    chosen.sort(key=lambda i: (pool[i].cite, pool[i].pos))
    return [ExtractSentence(text=show(pool[i].text), cite=pool[i].cite) for i in chosen]
