"""Hybrid search over an index: dense (chunk and sentence vectors) + BM25, fused, with filters.

Dense retrieval carries meaning across languages (an English question over Thai text); BM25
carries exact Thai words, names and acronyms. Candidates come from both sides, from the store
that holds the index (rag.index.store: the embedded files, or Milvus), with the rows they
read; each
candidate's dense score is then a weighted mean of its chunk vector's cosine, its best
sentence's (or cited reference's) cosine ("max-sim") and its best pair of consecutive
sentences' cosine, and the fused score is a weighted sum of the two sides after per-query
min-max scaling (rag.search.fusion), with a lexical weight that depends on the query's
script: a question with no Thai in it matches Thai passages only through shared Latin names,
so BM25 gets a tie-breaking vote at most. Such a question gets the latent terms
(rag.embed.latent) instead, mixed in the same way over the same candidates, and then its
words put into Thai by a dictionary (rag.lexical.bilingual), matched as character trigrams in
the best candidates' text; a Thai question gets BM25 over character trigrams
(rag.lexical.trigrams), which match where the word segmenter cuts the question and the
passage differently (rag.search.views). The weights are the index's model's
(rag.embed.profiles), chosen on the dev sets only (eval/tune_fusion.py).

``Searcher.search`` ranks; ``Searcher.explain`` shows every view's scores behind a ranking,
and ``dense_candidates``, ``bm25_candidates``, ``rescore``, ``trigram_scores`` and
``dictionary_scores`` run one view alone (benchmarks, tests; by default over the whole
embedded index).
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

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
from rag.embed.latent import MAX_FEATURES, Codes, dense_query
from rag.errors import RagError
from rag.index.embedded import EmbeddedReader
from rag.index.format import latent_head as latent_head_of
from rag.index.store import Reader, Rows, Store
from rag.index.stores import open_store
from rag.lexical.bilingual import Dictionary
from rag.lexical.tokenize import tokenize_query
from rag.lexical.trigrams import TrigramTable
from rag.search import dense as dense_side
from rag.search import views
from rag.search.fusion import FusionWeights, best, fuse
from rag.search.query import check_k, check_mode, clean_query
from rag.search.results import Explanation, Hit, SearchResult
from rag.thai.chars import is_thai

# Headings of what follows a paper's last section proper: its reference list, notes,
# acknowledgements (the whole heading, numbered or not) and appendices ("Appendix A: ...").
BACK_MATTER = re.compile(
    r"\s*(?:\d+[.)]?\s*)?(?:(?:references|bibliography|works cited|sources|notes|endnotes|acknowledge?ments?"
    r"|บรรณานุกรม|เอกสารอ้างอิง|รายการอ้างอิง|อ้างอิง|เชิงอรรถ|กิตติกรรมประกาศ)\W*$"
    r"|(?:appendix|appendices|annex|annexes)\b|ภาคผนวก)", re.IGNORECASE)
# Share of the previous question in a follow-up's query vector. Measured on the article with
# four follow-up pairs (th/en): at 0.2 the follow-up's own subject fills the top hits; from 0.3
# the previous subject takes rank 1 ("and Japan?" after China returns China first).
CONTEXT_WEIGHT = 0.2


class Searcher:
    """An opened index: loads once, answers many queries (the chat keeps one alive).

    ``index``: an index folder, a store URI (``milvus://...``) or a ``Store``; ``self.index``
    is it opened for search (rag.index.store.Reader). ``weights``: how the views are mixed; by
    default the index's model's (rag.embed.profiles).
    """

    def __init__(self, index: str | Path | Store, *, model: str | None = None, embedder: Embedder | None = None,
                 weights: FusionWeights | None = None, verify: bool = True) -> None:
        self.store = open_store(index)
        self.index: Reader = self.store.open_reader(verify=verify)
        self.location = self.store.location
        self.index_dir = Path(self.location) if isinstance(self.index, EmbeddedReader) else self.location
        self.manifest = self.index.manifest
        stored = self.manifest["model"]
        if model and model not in (stored.get("id"), stored.get("source")):
            raise RagError(
                f"index {self.location} was built with model {stored.get('id')!r}, not {model!r}; "
                f"search without --model or re-ingest with --rebuild --model {model}"
            )
        if not stored.get("vector_space"):
            raise RagError(f"index {self.location} comes from an older version; {self.store.rebuild_hint()}")
        if embedder is None:
            # a chat or a --queries run repeats questions (examples, follow-ups): keep their vectors
            embedder = CachedEmbedder(load_embedder_for(stored["id"], stored["vector_space"]))
        self.embedder = embedder
        _check_embedder(self.embedder, stored, self.location, self.store.rebuild_hint())
        self.weights = weights or FusionWeights.for_model(stored["id"])
        self.engine = self.manifest["lexical"].get("engine")
        self.latent_head = latent_head_of(self.manifest)
        # the terms mean something only if the query side has the head the index was built with
        self.latent_on = self.latent_head is not None and latent_id(self.embedder) == self.latent_head
        self._warm_up()

    # ----------------------------------------------------------------- info
    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.index.documents

    @property
    def trigrams(self) -> TrigramTable:
        return self.index.trigrams

    def sections(self, doc_id: str | None = None) -> list[str]:
        return self.index.sections(doc_id)

    def document_ends(self, doc_id: str) -> list[int]:
        """Keys of the chunks in a document's opening and closing sections, where a paper says
        what it is about and what it concludes: a question about the document as a whole
        (rag.answer.about_document) is answered from them. Trailing back matter (references,
        appendices: ``BACK_MATTER``) is not the closing section."""
        body = self.index.document_rows(doc_id)
        if not body:
            raise RagError(f"no document {doc_id!r} in the index (see `rag list`)")
        while BACK_MATTER.match(last := body[-1][1]):
            before = [row for row in body if row[1] != last]
            if not before:  # nothing but back matter: it is all there is to read
                break
            body = before
        first, last = body[0][1], body[-1][1]
        return [key for key, section in body if section in (first, last)]

    def title(self, doc_id: str) -> str:
        """A document's title (an unknown one is a RagError)."""
        if doc_id not in self.documents:
            raise RagError(f"no document {doc_id!r} in the index (see `rag list`)")
        return str(self.documents[doc_id]["title"])

    @cached_property
    def dictionary(self) -> Dictionary:
        """The English -> Thai dictionary (~0.14 s to read, 29 MiB): read by the warm-up's
        English question when the index is opened, so no user's first question waits for it."""
        return Dictionary.load()

    # ----------------------------------------------------------------- the whole embedded index
    @property
    def rows(self) -> Rows:
        """Every chunk of an embedded index, by row (the rows the single views below take by
        default); a Milvus store fetches only each query's candidates."""
        return self._embedded().whole

    def _embedded(self) -> EmbeddedReader:
        if not isinstance(self.index, EmbeddedReader):
            raise RagError(f"{self.location} is not an embedded index: its chunks are read per query")
        return self.index

    def chunk_at(self, key: int) -> Chunk:
        """The chunk at a key ``Reader.document_rows`` gave (an embedded index's)."""
        return self._embedded().chunk_at(key)

    def document_references(self, doc_id: str) -> Mapping[int, Reference]:
        """A document's footnoted references (an embedded index's)."""
        return self._embedded().references_of(doc_id)

    @property
    def chunks(self) -> Sequence[Chunk]:
        return self.rows.chunks

    @property
    def references(self) -> Mapping[str, Mapping[int, Reference]]:
        return self.rows.references

    @property
    def vectors(self) -> np.ndarray:
        return self.rows.vectors

    @property
    def units(self) -> np.ndarray:
        return self.rows.units

    @property
    def unit_offsets(self) -> np.ndarray:
        return self.rows.unit_offsets

    @property
    def unit_windows(self) -> np.ndarray:
        return self.rows.unit_windows

    @property
    def latent(self) -> Codes:
        return self.rows.latent

    # ----------------------------------------------------------------- search
    def search(self, query: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
               section: str | None = None, context: str | None = None,
               within: Collection[int] | None = None) -> SearchResult:
        """Top ``k`` chunks for ``query``; ``context`` (a previous question) steers a follow-up;
        ``within`` (chunk keys, e.g. ``document_ends``) narrows the search like the filters."""
        text, warnings, ctx = _prepare(query, context, mode, k)
        t0 = time.perf_counter()
        found = self._rank(text, ctx, mode, self._scope(doc, section, within), max(k, self.weights.depth))
        hits = [self._hit(found.rows, rank, i, score, found.qvec) for rank, (i, score) in enumerate(found.top(k), 1)]
        took_ms = (time.perf_counter() - t0) * 1000
        return SearchResult(query=text, mode=mode, hits=hits, took_ms=took_ms, embed_ms=found.embed_ms,
                            warnings=warnings, qvec=found.qvec)

    def explain(self, query: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
                section: str | None = None, context: str | None = None,
                within: Collection[int] | None = None) -> Explanation:
        """What ``search`` computes for the same arguments, view by view: every candidate's
        score in each view (keyed by position in ``rows``: the row of an embedded index), the
        shares they were mixed with, and the fused scores (``Explanation.top(k)`` is the
        ranking ``search`` returns)."""
        text, warnings, ctx = _prepare(query, context, mode, k)
        found = self._rank(text, ctx, mode, self._scope(doc, section, within), max(k, self.weights.depth))
        found.warnings = warnings
        return found

    def _rank(self, text: str, ctx: str | None, mode: str, scope: Any | None, depth: int) -> Explanation:
        """Every view's scores for a cleaned query (``ctx``: the previous question, cleaned),
        mixed by ``self.weights`` in this order: dense and word BM25, then character trigrams
        over the best candidates, latent terms, and the dictionary's Thai words."""
        w = self.weights
        thai = is_thai(text)
        w_latent = w.latent_thai if thai else w.latent_other
        w_trigram = w.trigram_thai if thai else w.trigram_other
        w_lexical = w.bm25_thai if thai else w.bm25_other
        out = Explanation(query=text, context=ctx, mode=mode, thai=thai, shares={
            "chunk": w.chunk_share, "window": w.window_share, "bm25": w_lexical, "trigram": w_trigram,
            "latent": w_latent if self.latent_on else 0.0, "dictionary": 0.0 if thai else w.dictionary_other})
        qvec = None
        qlatent = None
        tokens = None
        if mode in ("hybrid", "dense"):
            t1 = time.perf_counter()
            if mode == "hybrid" and self.latent_on and w_latent > 0:
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
            out.embed_ms = (time.perf_counter() - t1) * 1000
        if mode in ("hybrid", "bm25"):
            tokens = tokenize_query(text, self.engine)
            if ctx:
                tokens = tokens * 2 + tokenize_query(ctx, self.engine)
        found = self.index.candidates(qvec, tokens, depth, scope)
        rows = out.rows = found.rows
        out.chunk, out.bm25 = found.chunk, found.bm25
        if qvec is not None:
            # the chunk-vector candidates (and BM25's, in hybrid) scored again with their sentences
            out.dense = self.rescore(sorted(set(out.chunk) | set(out.bm25)), qvec, rows)
        if mode == "dense":
            fused = out.dense
        elif mode == "bm25":
            fused = out.bm25
        else:
            fused = fuse(out.dense, out.bm25, w_lexical)
            if w_trigram > 0 and fused:
                out.trigram = self.trigram_scores(best(fused, w.trigram_depth), text, ctx, rows)
                fused = fuse(fused, out.trigram, w_trigram)
            if qlatent is not None and fused:
                out.latent = views.latent_scores(rows.latent, qlatent, fused)
                fused = fuse(fused, out.latent, w_latent)
            if not thai and w.dictionary_other > 0 and fused:
                out.dictionary = self.dictionary_scores(best(fused, w.dictionary_depth), text, ctx, rows)
                fused = fuse(fused, out.dictionary, w.dictionary_other)
        out.fused = fused
        out.qvec = qvec
        return out

    # ----------------------------------------------------------------- the views, one at a time
    def dense_candidates(self, qvec: np.ndarray, depth: int, allowed: Any | None = None) -> dict[int, float]:
        """The ``depth`` chunks whose vectors are closest to the query vector ``qvec`` (cosines),
        within ``allowed`` (``scope``'s answer), by position in the rows they come with."""
        return self.index.candidates(qvec, None, depth, allowed).chunk

    def bm25_candidates(self, tokens: list[str], depth: int, allowed: Any | None = None) -> dict[int, float]:
        """The ``depth`` best word-BM25 chunks for query ``tokens`` (bm25s's scores), within
        ``allowed``, by position in the rows they come with."""
        return self.index.candidates(None, tokens, depth, allowed).bm25

    def rescore(self, cand: list[int], qvec: np.ndarray, rows: Rows | None = None) -> dict[int, float]:
        """The dense score of each candidate row for ``qvec``: chunk, best sentence and best
        sentence pair mixed by ``weights.chunk_share`` and ``window_share`` (rag.search.dense).
        ``rows``: where the candidates are (default: the whole embedded index)."""
        r = rows or self.rows
        return dense_side.rescore(cand, qvec, r.vectors, r.units, r.unit_offsets, r.unit_windows,
                                  self.weights.chunk_share, self.weights.window_share)

    def trigram_scores(self, cand: list[int], text: str, context: str | None = None,
                       rows: Rows | None = None) -> dict[int, float]:
        """Character-trigram BM25 of the candidate rows for a cleaned question (and the previous
        one, ``context``); rows scoring 0 are left out (rag.search.views)."""
        r = rows or self.rows
        return views.trigram_scores(self.trigrams, self.engine, r.chunks, r.references, cand, text, context)

    def dictionary_scores(self, cand: list[int], text: str, context: str | None = None,
                          rows: Rows | None = None) -> dict[int, float]:
        """Trigram BM25 of the candidate rows for the question's words put into Thai by the
        dictionary; rows scoring 0 are left out (rag.search.views)."""
        r = rows or self.rows
        return views.dictionary_scores(self.dictionary, self.trigrams, r.chunks, r.references, cand, text, context)

    # ----------------------------------------------------------------- helpers
    def _scope(self, doc: str | None, section: str | None, within: Collection[int] | None = None) -> Any | None:
        return self.index.scope(doc, section, None if within is None else list(within))

    def _warm_up(self) -> None:
        """Pay the one-time costs of a first query here, at load, not inside a user's query.

        A process's first query otherwise takes ~200 ms more than the others (PyThaiNLP's
        dictionary, the query encoder's weights, first touches of the vectors and BM25 arrays),
        enough alone to break "p95 within 2x the median" in a short ``rag search --queries``
        run; with only those parts warmed, the first hybrid query still took ~12 ms of
        retrieval against ~2 ms for the rest, so a whole search runs too. The encoder is called
        around the query cache, so no fake entry lands in it.
        """
        tokenize_query("ทดสอบการค้นหา warm-up", self.engine)
        inner = self.embedder.inner if isinstance(self.embedder, CachedEmbedder) else self.embedder
        qvec = np.asarray(inner.encode_queries(["warm-up"])[0], dtype=np.float32)
        if not int(self.manifest.get("n_chunks") or 0):
            return
        self.index.candidates(qvec, None, 1, None)
        token = self.index.sample_token()
        if token is not None:
            self.index.candidates(None, [token], 1, None)
        cached, self.embedder = self.embedder, inner
        try:
            self.search(f"ทดสอบการค้นหา warm-up {token or ''}", k=1, mode="hybrid")
            # an English question takes the latent-terms path (a second engine, a worker thread)
            self.search(f"search warm-up {token or ''}", k=1, mode="hybrid")
        finally:
            self.embedder = cached

    def _hit(self, rows: Rows, rank: int, i: int, score: float, qvec: np.ndarray | None = None) -> Hit:
        c = rows.chunks[i]
        refs = rows.references.get(c.doc_id, {})
        footnotes = [refs[n] for n in c.footnotes if n in refs]
        similarity = None if qvec is None else float(np.dot(rows.vectors[i], qvec))
        return Hit(rank=rank, score=score, chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title,
                   section=c.section, page=c.page, text=c.text, footnotes=footnotes, markers=list(c.markers),
                   similarity=similarity)


def _prepare(query: str, context: str | None, mode: str, k: int) -> tuple[str, list[str], str | None]:
    """The checked mode and k, the cleaned query with its warnings, the cleaned context."""
    check_mode(mode)
    check_k(k)
    text, warnings = clean_query(query)
    ctx = clean_query(context)[0] if context and context.strip() else None
    return text, warnings, ctx


def _check_embedder(embedder: Embedder, stored: dict[str, Any], location: str, hint: str) -> None:
    if int(stored.get("dim", embedder.dim)) != embedder.dim:
        raise RagError(f"index {location} holds {stored.get('dim')}-d vectors but model "
                       f"{embedder.model_id} gives {embedder.dim}-d; {hint}")
    try:
        ensure_compatible(stored["id"], stored["vector_space"], embedder)
    except RagError:
        raise RagError(f"index {location} was built with {stored.get('id')} ({stored.get('vector_space')}), "
                       f"not {embedder.model_id} ({embedder.vector_space}); {hint}") from None
