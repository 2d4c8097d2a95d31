"""Hybrid search over an index: dense (FAISS / inner product) + BM25, fused, with filters.

Dense retrieval carries meaning across languages (an English question over Thai text); BM25
carries exact Thai words, names and acronyms. The fusion below is a weighted sum of the two
scores after per-query normalisation, with a lexical weight that depends on the query's
script: a question with no Thai in it matches Thai passages only through shared Latin names,
so BM25 must not be able to push a good dense hit down (see ``FusionWeights``). Weights were
chosen on the dev sets only (eval/bench_retrieval.py).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag import index as ix
from rag.chunking import Chunk
from rag.embedding import Embedder, load_embedder
from rag.errors import RagError
from rag.lexical import MAX_QUERY_CHARS, tokenize_query
from rag.structure import Reference

MODES = ("hybrid", "dense", "bm25")
CONTEXT_WEIGHT = 0.6
_THAI = re.compile(r"[\u0e01-\u0e5b]")
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def is_thai(text: str) -> bool:
    """The script of a message decides the language of the answer and the fusion weights."""
    return bool(_THAI.search(text))


@dataclass(frozen=True)
class FusionWeights:
    """Share of BM25 in the fused score, by query script, and the candidate depth."""

    bm25_thai: float = 0.35
    bm25_other: float = 0.10
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
    from rag.repair import repair_query

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
    return repair_query(text), warnings


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
        self.embedder = embedder or load_embedder(stored.get("source") or stored["id"])
        _check_embedder(self.embedder, stored, self.index_dir)
        self.weights = weights or FusionWeights()
        self.engine = self.manifest["lexical"].get("engine")
        try:
            self.chunks: list[Chunk] = [ix.chunk_from_dict(d) for d in ix._read_jsonl(self.index_dir / ix.CHUNKS)]
            self.references = ix.load_references(self.index_dir)
            self.vectors = np.load(self.index_dir / ix.VECTORS, allow_pickle=False, mmap_mode="r")
            self._ann = None
            if self.manifest["dense"]["kind"] == "hnsw":
                import faiss

                self._ann = faiss.read_index(str(self.index_dir / ix.DENSE))
                self._ann.hnsw.efSearch = int(self.manifest["dense"].get("ef_search", ix.HNSW_EF_SEARCH))
            import bm25s

            self.bm25 = bm25s.BM25.load(str(self.index_dir / ix.BM25_DIR), show_progress=False)
        except (OSError, ValueError, KeyError, RuntimeError, json.JSONDecodeError) as e:
            raise RagError(f"index at {self.index_dir} could not be read ({type(e).__name__}); "
                           f"{ix.rebuild_hint(self.index_dir)}") from None
        if len(self.chunks) != len(self.vectors) or len(self.chunks) != self.manifest["n_chunks"]:
            raise RagError(f"index at {self.index_dir} is inconsistent; {ix.rebuild_hint(self.index_dir)}")
        self._doc_of = np.array([c.doc_id for c in self.chunks], dtype=object)

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

    # ----------------------------------------------------------------- search
    def _allowed(self, doc: str | None, section: str | None) -> np.ndarray | None:
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

    def _dense(self, qvec: np.ndarray, depth: int, allowed: np.ndarray | None) -> dict[int, float]:
        if self._ann is not None and allowed is None:
            scores, ids = self._ann.search(qvec.reshape(1, -1).astype(np.float32), depth)
            return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
        if allowed is None:
            cand = np.arange(len(self.chunks))
            scores = np.asarray(self.vectors @ qvec, dtype=np.float32)
        else:
            cand = np.flatnonzero(allowed)
            scores = np.asarray(self.vectors[cand] @ qvec, dtype=np.float32)
        return _top(cand, scores, depth)

    def _bm25(self, tokens: list[str], depth: int, allowed: np.ndarray | None) -> dict[int, float]:
        if not tokens or not self.bm25.get_tokens_ids(tokens):
            return {}
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        cand = np.flatnonzero(scores > 0)
        return _top(cand, scores[cand], depth)

    def search(self, query: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
               section: str | None = None, context: str | None = None) -> SearchResult:
        """Top ``k`` chunks for ``query``; ``context`` (a previous question) steers a follow-up."""
        check_mode(mode)
        check_k(k)
        text, warnings = clean_query(query)
        ctx = clean_query(context)[0] if context and context.strip() else None
        t0 = time.perf_counter()
        allowed = self._allowed(doc, section)
        depth = max(k, self.weights.depth)
        embed_ms = 0.0
        qvec = None
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            t1 = time.perf_counter()
            qvec = self.embedder.encode_queries([text])[0]
            if ctx:
                # a follow-up keeps its own subject first and borrows the topic of the question
                # before it: the sum of both vectors, the follow-up weighted higher
                qvec = qvec + CONTEXT_WEIGHT * self.embedder.encode_queries([ctx])[0]
                qvec = (qvec / np.linalg.norm(qvec)).astype(np.float32)
            embed_ms = (time.perf_counter() - t1) * 1000
            dense = self._dense(qvec, depth, allowed)
        if mode in ("hybrid", "bm25"):
            tokens = tokenize_query(text, self.engine)
            if ctx:
                tokens = tokens * 2 + tokenize_query(ctx, self.engine)
            lexical = self._bm25(tokens, depth, allowed)
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        else:
            w = self.weights.bm25_thai if is_thai(text) else self.weights.bm25_other
            fused = fuse(dense, lexical, w)
        order = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        hits = [self._hit(rank, i, score, qvec) for rank, (i, score) in enumerate(order, 1)]
        took_ms = (time.perf_counter() - t0) * 1000
        return SearchResult(query=text, mode=mode, hits=hits, took_ms=took_ms, embed_ms=embed_ms,
                            warnings=warnings, qvec=qvec)

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
    return {int(i): float(s) for i, s in zip(cand, scores)}


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
    if stored.get("weights_hash") and stored["weights_hash"] != embedder.weights_hash:
        raise RagError(f"index {index_dir} was built with different weights of {stored.get('id')} "
                       f"({stored.get('backend')}); {ix.rebuild_hint(index_dir)}")
