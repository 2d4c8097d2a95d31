"""Hybrid search over an index: dense (chunk and sentence vectors) + BM25, fused, with filters.

Dense retrieval carries meaning across languages (an English question over Thai text); BM25
carries exact Thai words, names and acronyms. Candidates come from both sides (the chunk
vectors, exact or through FAISS, and BM25); each candidate's dense score is then a weighted
mean of its chunk vector's cosine, its best sentence's (or cited reference's) cosine
("max-sim") and its best pair of consecutive sentences' cosine, and the fused score is a
weighted sum of the two sides after per-query min-max scaling, with a lexical weight that
depends on the query's script: a question with no Thai in it matches Thai passages only
through shared Latin names, so BM25 gets a tie-breaking vote at most.
Such a question gets the latent terms (rag.latent) instead, mixed in the same way over the
same candidates, and then its words put into Thai by a dictionary (rag.bilingual), matched
as character trigrams in the best candidates' text; a Thai question gets BM25 over
character trigrams (rag.trigrams), which match where the word segmenter cuts the question
and the passage differently. All weights were chosen on the dev sets only
(eval/tune_fusion.py; README, "Retrieval").
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag._util import read_jsonl
from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.embed import (
    CachedEmbedder,
    Embedder,
    encode_query_and_latent,
    ensure_compatible,
    latent_id,
    load_embedder_for,
)
from rag.embed.latent import MAX_FEATURES, dense_query
from rag.errors import RagError
from rag.index import store as ix
from rag.lexical.bilingual import Dictionary
from rag.lexical.tokenize import MAX_QUERY_CHARS, query_pieces, tokenize_query
from rag.thai.chars import is_thai

MODES = ("hybrid", "dense", "bm25")
UNITS_IN_MEMORY = 1 << 30
# Headings of what follows a paper's last section proper: its reference list, notes,
# acknowledgements (the whole heading, numbered or not) and appendices ("Appendix A: ...").
_BACK_MATTER = re.compile(
    r"\s*(?:\d+[.)]?\s*)?(?:(?:references|bibliography|works cited|sources|notes|endnotes|acknowledge?ments?"
    r"|บรรณานุกรม|เอกสารอ้างอิง|รายการอ้างอิง|อ้างอิง|เชิงอรรถ|กิตติกรรมประกาศ)\W*$"
    r"|(?:appendix|appendices|annex|annexes)\b|ภาคผนวก)", re.IGNORECASE)
# Share of the previous question in a follow-up's query vector. Measured on the article with
# four follow-up pairs (th/en): at 0.2 the follow-up's own subject fills the top hits; from 0.3
# the previous subject takes rank 1 ("and Japan?" after China returns China first).
CONTEXT_WEIGHT = 0.2
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


@dataclass(frozen=True)
class FusionWeights:
    """How the scores are mixed (chosen on the dev sets only, eval/tune_fusion.py).

    ``chunk_share``: the chunk vector's share of the dense score, ``window_share`` its best
    sentence pair's (rag.chunking.Chunk.window_texts), the rest going to its best sentence or
    cited reference. Three views of one passage, averaged: with the pairs (chunk 0.3, pair
    0.35, sentence 0.35 against chunk 0.5, sentence 0.5) hybrid dev R@1 went from 0.862 to
    0.871 on XQuAD English, 0.949 to 0.954 on iApp and 0.947 to 0.949 on XQuAD Thai
    (eval/results/retrieval.md); the plateau runs from chunk 0.2 to 0.4 and pair 0.3 to 0.5
    (XQuAD English 0.864-0.874). ``bm25_thai`` / ``bm25_other``: BM25's share of the hybrid
    score for a query with / without Thai script. An English question shares only names and
    acronyms with Thai text, so BM25 mostly adds noise to it. ``depth``: candidates taken
    from each side before fusion. ``latent_thai`` / ``latent_other``: the share of the latent
    terms (rag.latent) in the hybrid score, over the same candidates, where the index and the
    embedder have them. They are the one word-level signal an English question has over Thai
    text (XQuAD dev, English R@1 0.825 -> 0.860 at 0.25); a Thai question has BM25 for that,
    and for it the terms traded iApp (0.942 -> 0.934) against XQuAD Thai (0.934 -> 0.945).
    ``trigram_thai`` / ``trigram_other``: the share of character-trigram BM25 (rag.trigrams)
    over the ``trigram_depth`` best candidates so far, which matches where newmm cuts a name or
    a compound differently in the question and the passage. For a Thai question it takes over
    most of the word BM25's share (dev R@1, words 0.3 alone -> words 0.1 + trigrams 0.3:
    XQuAD Thai 0.932 -> 0.947, iApp 0.942 -> 0.949; the plateau runs from words 0.05 to 0.1 and
    trigrams 0.3 to 0.4). An English question over Thai text shares only Latin names with it,
    and trigrams only push other passages up (XQuAD English 0.862 -> 0.821 at 0.2, 0.750 at
    0.3): none there. Rescoring only the best 20 candidates gave the same R@1 as rescoring all
    ~100 (10 to 50 all within a question of it), at a third of the cost (iApp: ~0.65 instead of
    ~2 ms a query; Thai retrieval p50 1.8 ms instead of 3.3). ``dictionary_other``: for a
    question without Thai script, the share of trigram BM25 for its words put into Thai
    (rag.bilingual) over the ``dictionary_depth`` best candidates, mixed in last. XQuAD English
    dev R@1 0.871 -> 0.898 at 0.2 (0.893-0.906 from 0.15 to 0.3, 0.874 at 0.35, falling
    beyond; depth 20 to 50 within two questions); the seed article's English questions keep
    0.857 up to 0.2 and lose one at 0.25. ~1 ms a question.
    """

    chunk_share: float = 0.3
    window_share: float = 0.35
    bm25_thai: float = 0.1
    bm25_other: float = 0.05
    latent_thai: float = 0.0
    latent_other: float = 0.25
    trigram_thai: float = 0.3
    trigram_other: float = 0.0
    trigram_depth: int = 20
    dictionary_other: float = 0.2
    dictionary_depth: int = 30
    depth: int = 50


@dataclass
class Hit:
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    title: str
    section: str
    page: int | None
    text: str
    footnotes: list[Reference]
    markers: list[tuple[int, int]] = field(default_factory=list)
    # Cosine of the stored passage vector to the query vector (None without one, in bm25 mode):
    # the fused score is rank-normalised, so the answer's "nothing relevant" gate needs this.
    # Not part of to_dict (a JSON contract).
    similarity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit: a contract other tools read (README, "CLI")."""
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "text": self.text,
            "footnotes": [{"n": r.n, "text": r.text} for r in self.footnotes],
        }


@dataclass
class SearchResult:
    query: str
    mode: str
    hits: list[Hit]
    took_ms: float
    embed_ms: float
    warnings: list[str] = field(default_factory=list)
    qvec: np.ndarray | None = None  # the query vector, reused to pick extract sentences


def clean_query(text: str) -> tuple[str, list[str]]:
    """Normalise a user's query: glyph repair, no control characters, bounded length."""
    from rag.repair.text import repair_query

    if not isinstance(text, str):
        raise RagError("the query must be text")
    warnings: list[str] = []
    text = unicodedata.normalize("NFC", text).translate(_CONTROL)
    text = " ".join(text.split())
    if not text:
        raise RagError("empty query: type a question")
    if len(text) > MAX_QUERY_CHARS:
        warnings.append(f"query truncated from {len(text):,} to {MAX_QUERY_CHARS:,} characters")
        text = text[:MAX_QUERY_CHARS]
    text = " ".join(repair_query(text).split())
    if not text:  # only zero-width or other characters the repair drops
        raise RagError("empty query: type a question")
    return text, warnings


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise RagError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    return mode


def check_k(k: int) -> int:
    if not isinstance(k, int) or k < 1:
        raise RagError(f"k must be a positive number of hits, got {k}")
    return k


class Searcher:
    """An opened index: loads once, answers many queries (the chat keeps one alive)."""

    def __init__(self, index_dir: str | Path, *, model: str | None = None, embedder: Embedder | None = None,
                 weights: FusionWeights | None = None, verify: bool = True) -> None:
        self.index_dir = Path(index_dir)
        self.manifest = ix.read_manifest(self.index_dir)
        if verify:
            ix.verify_files(self.index_dir, self.manifest)
        stored = self.manifest["model"]
        if model and model not in (stored.get("id"), stored.get("source")):
            raise RagError(
                f"index {self.index_dir} was built with model {stored.get('id')!r}, not {model!r}; "
                f"search without --model or re-ingest with --rebuild --model {model}"
            )
        if not stored.get("vector_space"):
            raise RagError(f"index {self.index_dir} comes from an older version; {ix.rebuild_hint(self.index_dir)}")
        if embedder is None:
            # a chat or a --queries run repeats questions (examples, follow-ups): keep their vectors
            embedder = CachedEmbedder(load_embedder_for(stored["id"], stored["vector_space"]))
        self.embedder = embedder
        _check_embedder(self.embedder, stored, self.index_dir)
        self.weights = weights or FusionWeights()
        self.engine = self.manifest["lexical"].get("engine")
        reading = ix.CHUNKS  # named in the error: which file to blame
        try:
            self.chunks: list[Chunk] = [ix.chunk_from_dict(d) for d in read_jsonl(self.index_dir / ix.CHUNKS)]
            reading = ix.REFERENCES
            self.references = ix.load_references(self.index_dir)
            # In memory: a scan of a memory-mapped matrix ran 10x slower here (2.3 vs 0.23 ms for
            # 2,449 x 384), even with every page cached. The unit vectors (several per chunk) are
            # only gathered for the candidates, so above UNITS_IN_MEMORY bytes they stay mapped.
            reading = ix.VECTORS
            self.vectors = np.load(self.index_dir / ix.VECTORS, allow_pickle=False)
            reading = ix.UNITS
            units_path = self.index_dir / ix.UNITS
            mapped = units_path.stat().st_size > UNITS_IN_MEMORY
            self.units = np.asarray(np.load(units_path, allow_pickle=False, mmap_mode="r" if mapped else None))
            reading = ix.UNIT_OFFSETS
            self.unit_offsets = np.load(self.index_dir / ix.UNIT_OFFSETS, allow_pickle=False)
            reading = ix.UNIT_WINDOWS
            self.unit_windows = np.load(self.index_dir / ix.UNIT_WINDOWS, allow_pickle=False).astype(np.int64)
            # latent terms too are read for candidates only
            reading = "latent_*.npy"
            self.latent = ix.load_latent(self.index_dir, mmap=mapped)
            self.latent_head = ix.latent_head(self.manifest)
            reading = ix.TRIGRAM_KEYS
            self.trigrams = ix.load_trigrams(self.index_dir, self.manifest, mmap=mapped)
            self._ann = None
            reading = ix.DENSE
            if self.manifest["dense"]["kind"] in ("hnsw", "ivf"):
                import faiss

                # nprobe / efSearch come from the file: an index is searched as it was built
                self._ann = faiss.read_index(str(self.index_dir / ix.DENSE))
                if self.manifest["dense"]["kind"] == "hnsw":
                    self._ann.hnsw.efSearch = int(self.manifest["dense"].get("ef_search", ix.HNSW_EF_SEARCH))
            import bm25s

            reading = ix.BM25_DIR + "/"
            self.bm25 = bm25s.BM25.load(str(self.index_dir / ix.BM25_DIR), show_progress=False)
            # a large index skips the long postings of common words when they cannot change the
            # top candidates (_bm25_top_pruned); that needs each word's highest score
            self._bm25_bound = (_bm25_bounds(self.bm25.scores)
                                if int(self.manifest["n_chunks"]) >= _PRUNE_MIN_CHUNKS else None)
        except (OSError, ValueError, KeyError, RuntimeError, AttributeError, TypeError, json.JSONDecodeError) as e:
            raise RagError(f"index file {reading} in {self.index_dir} could not be read ({type(e).__name__}); "
                           f"{ix.rebuild_hint(self.index_dir)}") from None
        if len(self.chunks) != len(self.vectors) or len(self.chunks) != self.manifest["n_chunks"] \
                or len(self.unit_offsets) != len(self.chunks) + 1 or int(self.unit_offsets[-1]) != len(self.units) \
                or (len(self.units) and self.units.shape[1] != self.vectors.shape[1]) \
                or len(self.latent) != len(self.chunks) or not ix.windows_fit(self.unit_windows, self.unit_offsets):
            raise RagError(f"index at {self.index_dir} is inconsistent; {ix.rebuild_hint(self.index_dir)}")
        self._doc_of = np.array([c.doc_id for c in self.chunks], dtype=object)
        # the terms mean something only if the query side has the head the index was built with
        self._latent_on = self.latent_head is not None and latent_id(self.embedder) == self.latent_head
        self._warm_up()

    # ----------------------------------------------------------------- info
    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.manifest["documents"]

    def sections(self, doc_id: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.chunks:
            if c.section and (doc_id is None or c.doc_id == doc_id):
                seen.setdefault(c.section, None)
        return list(seen)

    def document_ends(self, doc_id: str) -> list[int]:
        """Rows of the chunks in a document's opening and closing sections, where a paper says
        what it is about and what it concludes: a question about the document as a whole
        (rag.answer.about_document) is answered from them. Trailing back matter (references,
        appendices) is not the closing section."""
        body = np.flatnonzero(self._doc_of == doc_id).tolist()
        if not body:
            raise RagError(f"no document {doc_id!r} in the index (see `rag list`)")
        while _BACK_MATTER.match(last := self.chunks[body[-1]].section):
            before = [i for i in body if self.chunks[i].section != last]
            if not before:  # nothing but back matter: it is all there is to read
                break
            body = before
        first, last = self.chunks[body[0]].section, self.chunks[body[-1]].section
        return [i for i in body if self.chunks[i].section in (first, last)]

    # ----------------------------------------------------------------- search
    def _allowed(self, doc: str | None, section: str | None,
                 within: Collection[int] | None = None) -> np.ndarray | None:
        if within is not None:
            mask = np.zeros(len(self.chunks), dtype=bool)
            mask[np.fromiter(within, dtype=np.int64)] = True
            rest = self._allowed(doc, section)
            return mask if rest is None else mask & rest
        if not doc and not section:
            return None
        if doc and doc not in self.documents:
            raise RagError(f"no document {doc!r} in the index (see `rag list`)")
        mask = np.ones(len(self.chunks), dtype=bool)
        if doc:
            mask &= self._doc_of == doc
        if section:
            needle = section.casefold()
            mask &= np.array([needle in c.section.casefold() for c in self.chunks], dtype=bool)
        return mask

    def _warm_up(self) -> None:
        """Pay the one-time costs of a first query here, at load, not inside a user's query.

        Without it the first query of a process took ~200 ms more than the others (PyThaiNLP's
        dictionary, the query encoder's weights, first touches of the vectors and BM25 arrays),
        which alone broke "p95 within 2x the median" in a short ``rag search --queries`` run;
        with only those parts warmed, the first hybrid query still took ~12 ms of retrieval
        against ~2 ms for the rest, so a whole search runs too. The encoder is called around the
        query cache, so no fake entry lands in it.
        """
        tokenize_query("ทดสอบการค้นหา warm-up", self.engine)
        inner = getattr(self.embedder, "inner", self.embedder)
        qvec = np.asarray(inner.encode_queries(["warm-up"])[0], dtype=np.float32)
        if not self.chunks:
            return
        self._dense(qvec, 1, None)
        token = next(iter(self.bm25.vocab_dict), None)
        if token is not None:
            self._bm25([token], 1, None)
        cached, self.embedder = self.embedder, inner
        try:
            self.search(f"ทดสอบการค้นหา warm-up {token or ''}", k=1, mode="hybrid")
            # an English question takes the latent-terms path (a second engine, a worker thread)
            self.search(f"search warm-up {token or ''}", k=1, mode="hybrid")
        finally:
            self.embedder = cached

    def _dense(self, qvec: np.ndarray, depth: int, allowed: np.ndarray | None) -> dict[int, float]:
        if self._ann is not None and allowed is None:
            scores, ids = self._ann.search(qvec.reshape(1, -1).astype(np.float32), depth)
            return {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}
        if allowed is None:
            cand = np.arange(len(self.chunks))
            scores = np.asarray(self.vectors @ qvec, dtype=np.float32)
        else:
            cand = np.flatnonzero(allowed)
            scores = np.asarray(self.vectors[cand] @ qvec, dtype=np.float32)
        return _top(cand, scores, depth)

    def _bm25(self, tokens: list[str], depth: int, allowed: np.ndarray | None) -> dict[int, float]:
        """BM25 scores summed from bm25s's stored CSC matrix, then the top ``depth`` chunks.

        The sum is bm25s's own (``np.add.at`` over each query token's postings, in query order),
        so scores are bitwise bm25s's. What changes is around it: where the postings touch few
        chunks the candidates come from their union rather than a scan of every chunk, and an
        index of _PRUNE_MIN_CHUNKS chunks or more first tries ``_bm25_top_pruned``, which skips the
        postings of words found in most chunks (at 1M chunks they are most of the work; see
        eval/results/scale.md).
        """
        ids = self.bm25.get_tokens_ids(tokens) if tokens else []
        if not ids:
            return {}
        csc = self.bm25.scores
        if self.bm25.nonoccurrence_array is not None:  # BM25L/BM25+ (never built here): the slow path
            scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
            mask = scores > 0 if allowed is None else (scores > 0) & allowed
            cand = np.flatnonzero(mask)
            return _top(cand, scores[cand], depth)
        data, indices, indptr = csc["data"], csc["indices"], csc["indptr"]
        n_docs = len(self.vectors)
        bound = getattr(self, "_bm25_bound", None)
        if bound is not None:
            return _bm25_top_pruned(data, indices, indptr, bound, ids, depth, allowed, n_docs)[0]
        spans = [(int(indptr[t]), int(indptr[t + 1])) for t in ids]
        scores = np.zeros(n_docs, dtype=np.float32)
        for start, end in spans:  # query order, repeated tokens included: bm25s's sums exactly
            np.add.at(scores, indices[start:end], data[start:end])
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
        return _top(cand, scores[cand], depth)

    def search(self, query: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
               section: str | None = None, context: str | None = None,
               within: Collection[int] | None = None) -> SearchResult:
        """Top ``k`` chunks for ``query``; ``context`` (a previous question) steers a follow-up;
        ``within`` (chunk rows, e.g. ``document_ends``) narrows the search like the filters."""
        check_mode(mode)
        check_k(k)
        text, warnings = clean_query(query)
        ctx = clean_query(context)[0] if context and context.strip() else None
        t0 = time.perf_counter()
        allowed = self._allowed(doc, section, within)
        depth = max(k, self.weights.depth)
        embed_ms = 0.0
        qvec = None
        qlatent = None
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        thai = is_thai(text)
        w_latent = self.weights.latent_thai if thai else self.weights.latent_other
        w_trigram = self.weights.trigram_thai if thai else self.weights.trigram_other
        if mode in ("hybrid", "dense"):
            t1 = time.perf_counter()
            if mode == "hybrid" and self._latent_on and w_latent > 0:
                qvec, codes = encode_query_and_latent(self.embedder, text)
                qlatent = dense_query(*codes, MAX_FEATURES)
                if ctx:
                    qlatent += CONTEXT_WEIGHT * dense_query(*self.embedder.encode_query_latent(ctx), MAX_FEATURES)  # type: ignore[attr-defined]
            else:
                qvec = self.embedder.encode_queries([text])[0]
            if ctx:
                # a follow-up keeps its own subject first and borrows the topic of the question
                # before it: the sum of both vectors (and of both latent terms), the follow-up
                # weighted higher
                qvec = qvec + CONTEXT_WEIGHT * self.embedder.encode_queries([ctx])[0]
                qvec = (qvec / np.linalg.norm(qvec)).astype(np.float32)
            embed_ms = (time.perf_counter() - t1) * 1000
            dense = self._dense(qvec, depth, allowed)
        if mode in ("hybrid", "bm25"):
            tokens = tokenize_query(text, self.engine)
            if ctx:
                tokens = tokens * 2 + tokenize_query(ctx, self.engine)
            lexical = self._bm25(tokens, depth, allowed)
        if qvec is not None:
            # the chunk-vector candidates (and BM25's, in hybrid) scored again with their sentences
            dense = self._rescore(sorted(set(dense) | set(lexical)), qvec)
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        else:
            w = self.weights.bm25_thai if thai else self.weights.bm25_other
            fused = fuse(dense, lexical, w)
            if w_trigram > 0 and fused:
                head = sorted(fused, key=lambda i: (-fused[i], i))[: self.weights.trigram_depth]
                fused = fuse(fused, self._trigram_scores(head, text, ctx), w_trigram)
            if qlatent is not None and fused:
                cand = np.fromiter(fused, dtype=np.int64, count=len(fused))
                latent = dict(zip(cand.tolist(), self.latent.scores(qlatent, cand).tolist(), strict=True))
                fused = fuse(fused, latent, w_latent)
            if not thai and self.weights.dictionary_other > 0 and fused:
                head = sorted(fused, key=lambda i: (-fused[i], i))[: self.weights.dictionary_depth]
                fused = fuse(fused, self._dictionary_scores(head, text, ctx), self.weights.dictionary_other)
        order = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        hits = [self._hit(rank, i, score, qvec) for rank, (i, score) in enumerate(order, 1)]
        took_ms = (time.perf_counter() - t0) * 1000
        return SearchResult(query=text, mode=mode, hits=hits, took_ms=took_ms, embed_ms=embed_ms,
                            warnings=warnings, qvec=qvec)

    def _trigram_scores(self, cand: list[int], text: str, ctx: str | None) -> dict[int, float]:
        """Character-trigram BM25 of the candidates (rag.trigrams) for the question without its
        question words; a follow-up counts its own trigrams twice and the previous question's
        once, as its word tokens are counted."""
        pieces = [(piece, 2 if ctx else 1) for piece in query_pieces(text, self.engine)]
        if ctx:
            pieces += [(piece, 1) for piece in query_pieces(ctx, self.engine)]
        terms = self.trigrams.query_terms(pieces)
        texts = self._lexical_texts(cand)
        scores = self.trigrams.scores(terms, texts)
        return {i: float(v) for i, v in zip(cand, scores.tolist(), strict=True) if v > 0}

    def _lexical_texts(self, cand: list[int]) -> list[str]:
        """The candidates' text as the lexical index read it (with the references they cite),
        which the trigram views score from at query time."""
        return [self.chunks[i].lexical_text(self.references.get(self.chunks[i].doc_id, {})) for i in cand]

    @cached_property
    def dictionary(self) -> Dictionary:
        """The English -> Thai dictionary (~0.14 s to read, 29 MiB): read by the warm-up's
        English question when the index is opened, so no user's first question waits for it."""
        return Dictionary.load()

    def _dictionary_scores(self, cand: list[int], text: str, ctx: str | None) -> dict[int, float]:
        """Character-trigram BM25 of the candidates for the question's words put into Thai
        (rag.bilingual): each English word scores a candidate by the best of its Thai words, and
        the words' scores add up, so a word with six Thai synonyms counts once, as a word with
        one does. A follow-up's previous question counts half, as in the other lexical views."""
        groups = [(thai, 1.0) for _, thai in self.dictionary.translate(text)]
        if ctx:
            groups += [(thai, 0.5) for _, thai in self.dictionary.translate(ctx)]
        if not groups:
            return {}
        queries = self.trigrams.query_terms_each([word for thai, _ in groups for word in thai])
        texts = self._lexical_texts(cand)
        each = self.trigrams.scores_each(queries, texts)
        total = np.zeros(len(cand))
        start = 0
        for thai, weight in groups:
            total += weight * each[:, start:start + len(thai)].max(axis=1)
            start += len(thai)
        return {i: float(v) for i, v in zip(cand, total.tolist(), strict=True) if v > 0}

    def _rescore(self, cand: list[int], qvec: np.ndarray) -> dict[int, float]:
        """Dense score of each candidate: its chunk vector's cosine mixed with its best unit's
        (sentence or cited reference) and its best sentence pair's (``FusionWeights.chunk_share``,
        ``window_share``; a chunk without pairs has its best unit count for them, one without
        units its chunk vector). Only candidates are rescored, so the unit vectors stay on disk
        (memory-mapped) but for the rows a query touches, whatever the corpus size."""
        if not cand:
            return {}
        idx = np.asarray(cand, dtype=np.int64)
        chunk = np.asarray(self.vectors[idx] @ qvec, dtype=np.float32)
        starts, ends = self.unit_offsets[idx], self.unit_offsets[idx + 1]
        lens = (ends - starts).astype(np.int64)
        pairs = self.unit_windows[idx]
        best, best_pair = chunk.copy(), chunk.copy()
        total = int(lens.sum())
        if total:
            # the rows of every candidate's units, in order, without a Python loop
            first = np.cumsum(lens) - lens  # where each candidate's units begin in ``rows``
            rows = np.arange(total) + np.repeat(starts - first, lens)
            sims = np.asarray(self.units[rows] @ qvec, dtype=np.float32)
            owner = np.repeat(np.arange(len(idx)), lens)
            # a unit's place within its chunk: the last ``pairs`` of them are sentence pairs
            place = np.arange(total) - np.repeat(first, lens)
            is_pair = place >= np.repeat(lens - pairs, lens)
            top = np.full(len(idx), -np.inf, dtype=np.float32)
            np.maximum.at(top, owner[~is_pair], sims[~is_pair])
            top_pair = np.full(len(idx), -np.inf, dtype=np.float32)
            np.maximum.at(top_pair, owner[is_pair], sims[is_pair])
            best = np.where(lens - pairs > 0, top, chunk)
            best_pair = np.where(pairs > 0, top_pair, best)
        a, c = self.weights.chunk_share, self.weights.window_share
        mixed = a * chunk + (1 - a - c) * best + c * best_pair
        return {int(i): float(v) for i, v in zip(idx, mixed, strict=True)}

    def _hit(self, rank: int, i: int, score: float, qvec: np.ndarray | None = None) -> Hit:
        c = self.chunks[i]
        refs = self.references.get(c.doc_id, {})
        footnotes = [refs[n] for n in c.footnotes if n in refs]
        similarity = None if qvec is None else float(np.dot(self.vectors[i], qvec))
        return Hit(rank=rank, score=score, chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title,
                   section=c.section, page=c.page, text=c.text, footnotes=footnotes, markers=list(c.markers),
                   similarity=similarity)


def _top(cand: np.ndarray, scores: np.ndarray, depth: int) -> dict[int, float]:
    if len(cand) == 0:
        return {}
    if len(cand) > depth:
        part = np.argpartition(-scores, depth - 1)[:depth]
        cand, scores = cand[part], scores[part]
    return {int(i): float(s) for i, s in zip(cand, scores, strict=True)}


def _bm25_bounds(csc: dict[str, Any]) -> np.ndarray | None:
    """Each word's highest BM25 score over the chunks (its MaxScore bound); None if the
    postings are not sorted by chunk (the pruned search looks chunks up by bisection)."""
    data, indices, indptr = csc["data"], csc["indices"], np.asarray(csc["indptr"])
    bound = np.zeros(len(indptr) - 1, np.float32)
    if len(data) == 0:
        return bound
    unsorted = np.flatnonzero(np.diff(indices) < 0) + 1
    if len(unsorted) and not np.isin(unsorted, indptr).all():
        return None
    filled = np.flatnonzero(indptr[1:] > indptr[:-1])
    # empty columns in between add nothing, so each filled column's segment ends at its own end
    bound[filled] = np.maximum.reduceat(data, indptr[filled])
    return bound


# The pruned BM25 search (``_bm25_top_pruned``) first sums only the words found in at most
# this share of the chunks; the more common ones (idf < log(1 + 1/share): ที่, การ, ของ... in
# a large Thai corpus) are summed only if the bound proof needs them. A proof leaving more than
# _PRUNE_KEEP_MAX chunks in reach also takes the next word in (bisection lookups for that many
# would cost about what summing it does).
_COMMON_SHARE = 0.125
_PRUNE_KEEP_MAX = 20_000
# Below this many chunks the plain sum is a millisecond or two and pruning saves nothing.
_PRUNE_MIN_CHUNKS = 100_000


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


def _bm25_top_pruned(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, bound: np.ndarray,
                     ids: list[int], depth: int, allowed: np.ndarray | None,
                     n_docs: int) -> tuple[dict[int, float], int]:
    """The exact top ``depth`` BM25 chunks, without summing the postings of common words.

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
    terms, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
    df = indptr[terms + 1] - indptr[terms]
    order = np.argsort(df, kind="stable")  # rarest first
    terms, counts, df = terms[order], counts[order], df[order]
    ub = bound[terms].astype(np.float64) * counts
    summed = int(np.searchsorted(df, _COMMON_SHARE * n_docs, side="right"))
    partial = np.zeros(n_docs, np.float32)
    for t, c in zip(terms[:summed], counts[:summed], strict=True):
        start, end = int(indptr[t]), int(indptr[t + 1])
        np.add.at(partial, indices[start:end], data[start:end] * np.float32(c))
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
                if reach.sum() <= _PRUNE_KEEP_MAX or summed == len(terms):
                    break
        t, c = int(terms[summed]), counts[summed]  # no proof yet: sum the next word in
        start, end = int(indptr[t]), int(indptr[t + 1])
        np.add.at(partial, indices[start:end], data[start:end] * np.float32(c))
        summed += 1
    keep = cand[reach]
    # full scores of the chunks in reach (the words left out looked up), then the depth best
    full = part[reach]
    for t, c in zip(terms[summed:], counts[summed:], strict=True):
        full = full + _lookup(data, indices, indptr, int(t), keep) * np.float32(c)
    if len(keep) > depth:
        theta2 = float(np.partition(full, len(full) - depth)[len(full) - depth])
        keep = keep[full >= theta2 - (1e-4 * theta2 + 1e-6)]
    exact = np.zeros(len(keep), np.float32)
    for tid in ids:  # query order, repeats included: the plain path's float32 sums
        exact += _lookup(data, indices, indptr, int(tid), keep)
    return _top(keep, exact, depth), len(terms) - summed


def _normalise(scores: dict[int, float]) -> dict[int, float]:
    """Scale to [0, 1] over the candidates, so two scoring scales can be mixed."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    if span <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {i: (s - lo) / span for i, s in scores.items()}


def fuse(dense: dict[int, float], lexical: dict[int, float], w_lexical: float) -> dict[int, float]:
    """Convex mix of normalised dense and BM25 scores over the union of both candidate lists."""
    nd, nl = _normalise(dense), _normalise(lexical)
    ids = set(nd) | set(nl)
    return {i: (1 - w_lexical) * nd.get(i, 0.0) + w_lexical * nl.get(i, 0.0) for i in ids}


def _check_embedder(embedder: Embedder, stored: dict[str, Any], index_dir: Path) -> None:
    if int(stored.get("dim", embedder.dim)) != embedder.dim:
        raise RagError(f"index {index_dir} holds {stored.get('dim')}-d vectors but model "
                       f"{embedder.model_id} gives {embedder.dim}-d; {ix.rebuild_hint(index_dir)}")
    try:
        ensure_compatible(stored["id"], stored["vector_space"], embedder)
    except RagError:
        raise RagError(f"index {index_dir} was built with {stored.get('id')} ({stored.get('vector_space')}), "
                       f"not {embedder.model_id} ({embedder.vector_space}); {ix.rebuild_hint(index_dir)}") from None
