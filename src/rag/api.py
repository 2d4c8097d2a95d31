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
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.answer import Answer, SentenceCache, about_document, compose, render_markdown
from rag.answer.calibrate import gate_for
from rag.answer.gate import Gate
from rag.config import resolve_index, resolve_store
from rag.generate import LLMClient, LLMSettings, generate
from rag.index import MANIFEST
from rag.ingest import IngestReport, OnProgress
from rag.ingest import ingest as _ingest
from rag.search import Searcher, SearchResult, has_words

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
        # (a message without words, `???`, was refused: it asked nothing to go on from)
        if has_words(prev) and not is_followup(prev):
            return prev
    return None


def _manifest_stamp(index_dir: str | Path) -> tuple[int, int, int] | None:
    """What tells one written index from the next: every write swaps in a new manifest file
    (None for a Milvus store, which has no such file)."""
    if not isinstance(index_dir, Path):
        return None
    try:
        st = (index_dir / MANIFEST).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


@dataclass(frozen=True)
class _Opened:
    """One opening of the index: what a question uses from start to end."""

    searcher: Searcher
    sentences: SentenceCache  # the extract's sentence vectors
    gate: Gate  # the answer's relevance gate, as calibrated on this index
    stamp: tuple[int, int, int] | None


class Assistant:
    """An opened index with its embedder: cheap to query many times.

    ``reload`` opens the index afresh after it was written (an ingest, a removal) and swaps it
    in at once: a question already running finishes on the index it started with, the next
    one sees the new one. ``refresh`` does so only when the index on disk has changed.
    """

    def __init__(self, index: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 store: str | os.PathLike[str] | None = None, llm: LLMSettings | None = None) -> None:
        self.index_dir = resolve_store(store, index)  # the folder, or the Milvus URI
        self.model = model
        # generated answers only when an LLM is configured: otherwise no request leaves the machine
        self.llm = LLMClient(llm) if llm is not None else None
        self._reloading = threading.Lock()
        self._opened = self._open()

    def _open(self) -> _Opened:
        stamp = _manifest_stamp(self.index_dir)  # before reading: a write meanwhile shows as a change
        # a fresh embedder too: the old one may be encoding a running question meanwhile
        searcher = Searcher(self.index_dir, model=self.model)
        return _Opened(searcher, SentenceCache(searcher.embedder), gate_for(searcher), stamp)

    @property
    def searcher(self) -> Searcher:
        return self._opened.searcher

    @property
    def sentences(self) -> SentenceCache:
        return self._opened.sentences

    @property
    def gate(self) -> Gate:
        return self._opened.gate
    def reload(self) -> None:
        """Open the index afresh and swap it in (a damaged one raises RagError and the open
        one stays)."""
        with self._reloading:
            self._opened = self._open()

    def refresh(self) -> bool:
        """Reload if the embedded index on disk is not the one open (another process wrote it);
        True if it did. A Milvus store's reader follows other writers itself."""
        if _manifest_stamp(self.index_dir) == self._opened.stamp:
            return False
        with self._reloading:
            if _manifest_stamp(self.index_dir) == self._opened.stamp:
                return False
            self._opened = self._open()
        return True

    def search(self, query: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
               section: str | None = None, context: str | None = None,
               within: Collection[int] | None = None) -> SearchResult:
        return self.searcher.search(query, k=k, mode=mode, doc=doc, section=section, context=context,
                                    within=within)

    def ask(self, question: str, *, k: int = 5, mode: str = "hybrid", doc: str | None = None,
            section: str | None = None, history: Sequence[str] = (), generated: bool = True) -> Answer:
        """The quoted answer; with an LLM configured (and ``generated``) also the checked
        generated one (``answer.generated``; the chat streams it itself: rag.generate)."""
        return self.ask_ranked(question, k=k, mode=mode, doc=doc, section=section, history=history,
                               generated=generated)[0]

    def ask_ranked(self, question: str, *, k: int = 5, ranked: int = 0, mode: str = "hybrid",
                   doc: str | None = None, section: str | None = None, history: Sequence[str] = (),
                   generated: bool = True) -> tuple[Answer, SearchResult]:
        """``ask``'s answer, and the search it was composed from with its first ``max(k, ranked)``
        hits: for a caller that also needs the ranking deeper than the answer shows (``rag
        eval``'s R@10 beside the answer of 5 passages), in one search. The answer is the same as
        ``ask``'s: the search ranks ``weights.depth`` candidates whatever k, so its first k hits
        are those of a search for k; past that depth the answer gets its own search."""
        opened = self._opened  # one index for the whole question, whatever is swapped in meanwhile
        searcher = opened.searcher
        context = followup_context(question, history)
        scope = None
        within = None
        if context is None and section is None and about_document(question):
            scope, within = self._ends(searcher, question, mode, doc)
        deep = max(k, ranked)
        ranking = searcher.search(question, k=deep, mode=mode, doc=doc, section=section, context=context,
                                  within=within)
        if deep == k:
            result = ranking
        elif deep <= searcher.weights.depth:
            result = replace(ranking, hits=ranking.hits[:k])
        else:
            result = searcher.search(question, k=k, mode=mode, doc=doc, section=section, context=context,
                                     within=within)
        answer = compose(question, result, qvec=result.qvec, embedder=opened.sentences, context=context,
                         scope=scope, gate=opened.gate)
        if generated and self.llm is not None:
            generate(answer, self.llm, opened.sentences, opened.gate.view)
        return answer, ranking

    @staticmethod
    def _ends(searcher: Searcher, question: str, mode: str, doc: str | None) -> tuple[str, list[int]]:
        """Title and chunk keys of the opening and closing sections of the document a
        whole-document question is about: the filtered one, the only one, or else the one
        whose passage the question finds first."""
        if doc is None:
            docs = list(searcher.documents)
            if len(docs) == 1:
                doc = docs[0]
            else:
                hits = searcher.search(question, k=1, mode=mode).hits
                if not hits:
                    return "", []
                doc = hits[0].doc_id
        rows = searcher.document_ends(doc)
        return searcher.title(doc), rows


def open_index(index: str | os.PathLike[str] | None = None, *, model: str | None = None,
               store: str | os.PathLike[str] | None = None, llm: LLMSettings | None = None) -> Assistant:
    """The index at ``index`` (a folder or a store URI: ``milvus:///file.db``,
    ``milvus://host:19530/collection``; ``store`` is the same, by its other name); ``llm``: where
    generated answers come from (rag.generate; none: quoted answers only)."""
    return Assistant(index, model=model, store=store, llm=llm)


def ingest(paths: Sequence[str | os.PathLike[str]], *, index: str | os.PathLike[str] | None = None,
           model: str | None = None, title: str | None = None, rebuild: bool = False,
           progress: bool = False, on_progress: OnProgress | None = None,
           store: str | os.PathLike[str] | None = None) -> IngestReport:
    """Add or update documents; ``on_progress(stage, done, total)`` follows the stages
    (reading, repair, structure, embedding, indexing)."""
    return _ingest([Path(p) for p in paths], resolve_store(store, index), model=model, title=title,
                   rebuild=rebuild, progress=progress, on_progress=on_progress)
