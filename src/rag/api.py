"""The Python API: open an index, ingest, search, ask. The CLI and the chat are built on it.

Example::

    from rag.api import ingest, open_index
    ingest(["corpus/tech-diplomacy-th.txt"], index="index")
    rag = open_index("index")
    for hit in rag.search("How does China use STAs?", k=3).hits:
        print(hit.rank, hit.section, hit.page, [r.n for r in hit.footnotes])
    answer = rag.ask("จีนใช้ STAs อย่างไร")
    print(render_markdown(answer))
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from pathlib import Path

from rag.answer import Answer, SentenceCache, about_document, compose, render_markdown
from rag.answer.calibrate import gate_for
from rag.config import resolve_index, resolve_store
from rag.generate import LLMClient, LLMSettings, generate
from rag.ingest import IngestReport
from rag.ingest import ingest as _ingest
from rag.search import Searcher, SearchResult

__all__ = ["Assistant", "open_index", "ingest", "resolve_index", "resolve_store", "render_markdown",
           "followup_context"]

# A short message that opens with "and"/"what about" (or Thai แล้ว/ส่วน, or ends in ล่ะ) leans
# on the question before it: "แล้วญี่ปุ่นล่ะ", "and Japan?".
_FOLLOWUP_EN = re.compile(r"^\s*(and|what about|how about|also|same for|what of)\b", re.IGNORECASE)
_FOLLOWUP_TH = re.compile(r"^\s*(แล้ว|ส่วน|และ)|(ล่ะ|หล่ะ|ละ|เล่า)\s*[?？]*\s*$")
FOLLOWUP_MAX_CHARS = 40


def is_followup(message: str) -> bool:
    text = message.strip()
    if not text or len(text) > FOLLOWUP_MAX_CHARS:
        return False
    return bool(_FOLLOWUP_EN.search(text) or _FOLLOWUP_TH.search(text))


def followup_context(message: str, history: Sequence[str]) -> str | None:
    """The question a follow-up refers to: the latest earlier message that was not one itself."""
    if not is_followup(message):
        return None
    for prev in reversed(history):
        if prev.strip() and not is_followup(prev):
            return prev
    return None


class Assistant:
    """An opened index with its embedder: cheap to query many times."""

    def __init__(self, index: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 store: str | os.PathLike[str] | None = None, llm: LLMSettings | None = None) -> None:
        self.searcher = Searcher(resolve_store(store, index), model=model)
        self.index_dir = self.searcher.index_dir  # the folder, or the Milvus URI
        # generated answers only when an LLM is configured: otherwise no request leaves the machine
        self.llm = LLMClient(llm) if llm is not None else None
        self.sentences = SentenceCache(self.searcher.embedder)  # vectors of text the index did not embed
        self.gate = gate_for(self.searcher)  # the answer's relevance gate, as calibrated on this index

    def search(self, query: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
               section: str | None = None, context: str | None = None,
               within: Collection[int] | None = None) -> SearchResult:
        return self.searcher.search(query, k=k, mode=mode, doc=doc, section=section, context=context,
                                    within=within)

    def ask(self, question: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
            section: str | None = None, history: Sequence[str] = (), generated: bool = True) -> Answer:
        """The quoted answer; with an LLM configured (and ``generated``) also the checked
        generated one (``answer.generated``; the chat streams it itself: rag.generate)."""
        context = followup_context(question, history)
        scope = None
        within = None
        if context is None and section is None and about_document(question):
            scope, within = self._ends(question, mode, doc)
        result = self.search(question, k=k, mode=mode, doc=doc, section=section, context=context, within=within)
        answer = compose(question, result, qvec=result.qvec, embedder=self.sentences, context=context,
                         scope=scope, gate=self.gate)
        if generated and self.llm is not None:
            generate(answer, self.llm, self.sentences)
        return answer

    def _ends(self, question: str, mode: str, doc: str | None) -> tuple[str, list[int]]:
        """Title and chunk keys of the opening and closing sections of the document a
        whole-document question is about: the filtered one, the only one, or else the one
        whose passage the question finds first."""
        if doc is None:
            docs = list(self.searcher.documents)
            if len(docs) == 1:
                doc = docs[0]
            else:
                hits = self.search(question, k=1, mode=mode).hits
                if not hits:
                    return "", []
                doc = hits[0].doc_id
        rows = self.searcher.document_ends(doc)
        return self.searcher.title(doc), rows


def open_index(index: str | os.PathLike[str] | None = None, *, model: str | None = None,
               store: str | os.PathLike[str] | None = None, llm: LLMSettings | None = None) -> Assistant:
    """The index at ``index`` (a folder or a store URI: ``milvus:///file.db``,
    ``milvus://host:19530/collection``; ``store`` is the same, by its other name); ``llm``: where
    generated answers come from (rag.generate; none: quoted answers only)."""
    return Assistant(index, model=model, store=store, llm=llm)


def ingest(paths: Sequence[str | os.PathLike[str]], *, index: str | os.PathLike[str] | None = None,
           model: str | None = None, title: str | None = None, rebuild: bool = False,
           progress: bool = False, store: str | os.PathLike[str] | None = None) -> IngestReport:
    return _ingest([Path(p) for p in paths], resolve_store(store, index), model=model, title=title,
                   rebuild=rebuild, progress=progress)
