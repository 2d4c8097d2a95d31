"""Composing a cited answer from search hits: extract, passages, sources.

Written by hand because this is the product itself: nothing here generates text. The extract
is made of the passages' own sentences, chosen by similarity to the question and each
followed by the number of the passage it comes from (rag.answer.extract); the passages are
the hits, numbered, shown with title, section and page; the sources are the references those
passages cite, in full. When no passage is close enough to the question (rag.answer.gate),
the answer says that nothing relevant was found instead of dressing weak matches up as an
answer. Only the labels are ours, in the language of the question (rag.answer.labels).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.answer.asks import asks
from rag.answer.extract import ExtractSentence, build_pool, extract
from rag.answer.gate import GATE_PASSAGES, Gate, about_document, evidence, names_only_absent_topic
from rag.answer.generated import GeneratedAnswer
from rag.answer.labels import answer_language
from rag.answer.lexicon import question_lexicon, spoken_names
from rag.answer.vectors import Encoder
from rag.search import Hit, SearchResult

CLOSEST = 3  # passages a refusal still shows, under its "nothing found" line


@dataclass
class Passage:
    n: int
    hit: Hit


@dataclass
class Source:
    doc_id: str
    title: str
    n: int  # the footnote number in its document
    text: str
    cited_by: list[int] = field(default_factory=list)  # passage numbers


@dataclass
class Answer:
    question: str
    lang: str
    found: bool
    extract: list[ExtractSentence]
    passages: list[Passage]
    sources: list[Source]
    search_query: str = ""
    mode: str = "hybrid"
    took_ms: float = 0.0
    context: str | None = None  # the earlier question a follow-up was searched with
    relevance: float | None = None  # the gate's score (None: no gate, e.g. no query vector)
    threshold: float | None = None  # the least score that answers, on this index
    signals: dict[str, float] = field(default_factory=dict)  # what the gate weighed (rag.answer.gate)
    evidence: list[str] = field(default_factory=list)  # the question's words found in the top passages
    about_document: bool = False  # asked of the document as a whole (gate.DOCUMENT_WORDS): no gate
    scope: str | None = None  # title of the document whose opening and closing sections were searched
    warnings: list[str] = field(default_factory=list)
    generated: GeneratedAnswer | None = None  # only when an LLM is configured (rag.generate)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "question": self.question,
            "lang": self.lang,
            "found": self.found,
            "search_query": self.search_query,
            "context": self.context,
            "mode": self.mode,
            "relevance": None if self.relevance is None else round(self.relevance, 4),
            "threshold": None if self.threshold is None else round(self.threshold, 4),
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "evidence": list(self.evidence),
            "about_document": self.about_document,
            "scope": self.scope,
            "took_ms": round(self.took_ms, 2),
            "extract": [{"text": s.text, "cite": s.cite, **({"reference": s.reference} if s.reference else {})}
                        for s in self.extract],
            "passages": [{"n": p.n, **p.hit.to_dict(), "markers": [list(m) for m in p.hit.markers]}
                         for p in self.passages],
            "sources": [{"doc_id": s.doc_id, "title": s.title, "n": s.n, "text": s.text, "cited_by": s.cited_by}
                        for s in self.sources],
            "warnings": list(self.warnings),
        }
        if self.generated is not None:
            out["generated"] = self.generated.to_dict()
        return out


def compose(question: str, result: SearchResult, *, qvec: np.ndarray | None = None, embedder: Encoder | None = None,
            context: str | None = None, lang: str | None = None, scope: str | None = None,
            gate: Gate | None = None) -> Answer:
    """The answer to ``question`` from a search result.

    ``qvec`` is the vector the search used (the follow-up's mixed one included); ``embedder``
    encodes what the index did not embed (and the question, in bm25 mode). ``gate``: the
    index's relevance gate (rag.answer.gate; ``Assistant`` builds it), without which every
    question with hits is answered. ``scope`` names the document whose opening and closing
    sections a whole-document question was searched in (``Assistant.ask``); the answer says so.
    When the gate refuses, the answer says nothing was found and still shows the closest
    passages (``CLOSEST``), with no extract and no sources.
    """
    t0 = time.perf_counter()
    lang = lang or answer_language(question)
    hits = list(result.hits)
    if qvec is None and embedder is not None and hits:
        qvec = embedder.encode_queries([result.query])[0]
        if gate is not None:  # a search without a query vector (bm25) measured no cosines
            hits = [h if h.similarity is not None else replace(h, similarity=gate.view.similarity(h, qvec))
                    for h in hits]
    stored = gate.view.sentence_vectors_of if gate is not None else (lambda hit: None)
    pool = build_pool(hits, qvec, stored, embedder)
    whole = about_document(result.query)
    score = threshold = None
    measured: dict[str, float] = {}
    text = " ".join(filter(None, [result.query, context]))
    if gate is not None and qvec is not None and hits:
        score, threshold, measured = gate.judge(text, hits, qvec, pool.sims)
    found = bool(hits) and (score is None or threshold is None or score >= threshold or whole)
    if found and not whole and names_only_absent_topic(result.query, measured):
        found = False
    answer = Answer(question=question, lang=lang, found=found, extract=[], passages=[], sources=[],
                    search_query=result.query, mode=result.mode, context=context, relevance=score,
                    threshold=threshold, signals=measured, evidence=evidence(text, hits[:GATE_PASSAGES]),
                    about_document=whole, scope=scope,
                    warnings=list(result.warnings))
    passages = [Passage(n=i, hit=h) for i, h in enumerate(hits, 1)]
    if found:
        lexicon = question_lexicon(text, gate.view.weight if gate is not None else None,
                                   gate.view.dictionary.translate if gate is not None else None,
                                   sounds=spoken_names(text, [p.text for ps in pool.passages for p in ps]))
        answer.passages = passages
        answer.extract = extract(pool, lexicon, asks(result.query), whole=whole)
        answer.sources = cited_sources(passages)
    else:
        answer.passages = passages[:CLOSEST]
    answer.took_ms = result.took_ms + (time.perf_counter() - t0) * 1000
    return answer


def cited_sources(passages: list[Passage]) -> list[Source]:
    """The references the passages cite, once each: by document (in order of first citation),
    then by footnote number, as the document numbers them."""
    seen: dict[tuple[str, int], Source] = {}
    for p in passages:
        for ref in sorted(p.hit.footnotes, key=lambda r: r.n):
            key = (p.hit.doc_id, ref.n)
            if key not in seen:
                seen[key] = Source(doc_id=p.hit.doc_id, title=p.hit.title, n=ref.n, text=ref.text)
            if p.n not in seen[key].cited_by:
                seen[key].cited_by.append(p.n)
    docs = list(dict.fromkeys(doc for doc, _ in seen))
    return [seen[key] for key in sorted(seen, key=lambda k: (docs.index(k[0]), k[1]))]
