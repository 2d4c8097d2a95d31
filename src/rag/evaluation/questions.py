"""Question files: the one reader for the JSONL files of questions and queries.

Every line is a JSON object (``read_records``; a line that is not one stops with one error
naming it). Four views of such a file:

- ``load_questions``: the sets ``rag eval`` scores, checked whole before any search. Key-phrase
  questions (``{"id", "lang", "question", "answers", "footnotes", "type"}``, the project's own
  gold set) and gold-id questions (``{"qid", "question", "gold"}``, the XQuAD / iApp benchmarks,
  whose ``answers``, when given, judge the answer);
- ``load_offtopic``: questions the index cannot answer, which ``rag eval --offtopic`` expects refused;
- ``read_queries``: ``(qid, question)`` for ``rag search --queries``;
- ``question_texts``: the questions alone, for ``rag bench`` to time.

Key phrases are compared in ``canon`` form, the reference scorer's (``../shared/tools/
score_search.py``); the metrics judge hits with it and a key phrase blank in it is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.document.reading import iter_jsonl
from rag.errors import RagError
from rag.thai.chars import is_thai

DEFAULT_QA = Path("eval") / "qa_dev.jsonl"
DEFAULT_DOC = "tech-diplomacy-th"  # the document the default question set is about

# canon() is a copy of the scorer's rules, kept byte for byte so the figures agree: no
# whitespace, SARA AM (U+0E33) and its split form NIKHAHIT + SARA AA read as SARA AA, a tone
# mark typed before an upper vowel moved after it, then lower case.
_TONE_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37])")


def canon(s: str) -> str:
    s = "".join(s.split()).replace("\u0e33", "\u0e32").replace("\u0e4d", "")
    return _TONE_VOWEL.sub(r"\2\1", s).lower()


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    lang: str
    line: int
    answers: tuple[str, ...] = ()
    gold: tuple[str, ...] | None = None   # set for gold-id questions: gold ids judge the hits
    footnotes: tuple[int, ...] = ()
    type: str | None = None

    @property
    def expected(self) -> tuple[str, ...]:
        return self.gold if self.gold is not None else self.answers


def language_of(q: Question) -> str:
    return q.lang


def type_of(q: Question) -> str:
    return q.type or "(none)"


def read_records(path: Path) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """``(where, line number, record)`` for each line of a question or query file, every record
    a JSON object (rag.document.reading.iter_jsonl reads the lines)."""
    for where, lineno, rec in iter_jsonl(path):
        if not isinstance(rec, dict):
            raise RagError(f"{where}: expected a JSON object")
        yield where, lineno, rec


def load_questions(path: Path) -> list[Question]:
    """Read and check a whole question file first, so a typo on line 90 fails in a second."""
    out: list[Question] = []
    seen: dict[str, int] = {}
    for where, lineno, rec in read_records(path):
        q = _question(rec, where, lineno)
        if q.qid in seen:
            raise RagError(f"{where}: duplicate id {q.qid!r} (first on line {seen[q.qid]})")
        seen[q.qid] = lineno
        out.append(q)
    if not out:
        raise RagError(f"{path}: no questions")
    return out


def load_offtopic(path: Path) -> list[Question]:
    """Questions the index cannot answer (``rag eval --offtopic``): each line a JSON object with
    a ``question``, and optionally an ``id``/``qid`` and a ``lang`` (else read from its script)."""
    out = []
    for where, lineno, rec in read_records(path):
        question = rec.get("question")
        if not isinstance(question, str) or not question.strip():
            raise RagError(f"{where}: missing \"question\" (a non-empty string)")
        lang = rec.get("lang")
        if not isinstance(lang, str) or not lang:
            lang = "th" if is_thai(question) else "en"
        out.append(Question(qid=str(rec.get("qid", rec.get("id", f"line{lineno}"))), question=question,
                            lang=lang, line=lineno))
    if not out:
        raise RagError(f"{path}: no questions")
    return out


def read_queries(path: Path) -> list[tuple[str, str]]:
    """``(qid, question)`` of each line: the whole file, checked before any search."""
    out = []
    for where, _, rec in read_records(path):
        qid = rec.get("qid", rec.get("id"))
        question = rec.get("question")
        if qid is None or not isinstance(question, str):
            raise RagError(f"{where}: each line needs \"qid\" (or \"id\") and a \"question\" string")
        out.append((str(qid), question))
    return out


def question_texts(path: Path, limit: int | None = None) -> list[str]:
    """The ``question`` field of each line that has one (eval/qa_dev.jsonl and the benchmark
    sets alike: no ids or answers needed), the first ``limit`` of them."""
    out = []
    for _, _, rec in read_records(path):
        q = rec.get("question")
        if isinstance(q, str) and q.strip():
            out.append(q)
    if not out:
        raise RagError(f"{path} holds no \"question\" lines")
    return out[:limit] if limit else out


def default_questions() -> Path:
    """The project's gold set for the shipped article: beside the source in a checkout, else ./eval."""
    for base in (Path(__file__).resolve().parents[3], Path.cwd()):
        if (base / DEFAULT_QA).is_file():
            return base / DEFAULT_QA
    raise RagError(f"no question file given and no {DEFAULT_QA} here: pass --qa FILE.jsonl")


def _question(rec: dict[str, Any], where: str, lineno: int) -> Question:
    qid = rec.get("qid", rec.get("id"))
    if qid is None or qid == "":
        raise RagError(f"{where}: missing \"id\" (or \"qid\")")
    question = rec.get("question")
    if not isinstance(question, str) or not question.strip():
        raise RagError(f"{where}: missing \"question\" (a non-empty string)")
    if "gold" not in rec and "answers" not in rec:
        raise RagError(f"{where}: needs \"answers\" (key phrases) or \"gold\" (document ids)")
    gold = None
    if "gold" in rec:
        gold = tuple(_strings(rec["gold"], "gold", where))
    # a gold-id question's key phrases, when it has them, judge its answer (not its hits)
    raw_answers = rec.get("answers")
    answers = tuple(_strings(raw_answers or [], "answers", where)) if gold is None or raw_answers else ()
    if gold is None and not answers:
        raise RagError(f"{where}: \"answers\" is empty")
    if any(not canon(a) for a in answers):
        raise RagError(f"{where}: \"answers\" holds a blank key phrase, which would match every hit")
    footnotes = rec.get("footnotes") or []
    if not isinstance(footnotes, list) or not all(_is_int(n) for n in footnotes):
        raise RagError(f"{where}: \"footnotes\" must be a list of footnote numbers")
    lang = rec.get("lang")
    if not isinstance(lang, str) or not lang:
        lang = "th" if is_thai(question) else "en"
    qtype = rec.get("type")
    return Question(qid=str(qid), question=question, lang=lang, line=lineno, answers=answers, gold=gold,
                    footnotes=tuple(int(n) for n in footnotes), type=str(qtype) if qtype else None)


def _strings(value: Any, name: str, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) and s.strip() for s in value):
        raise RagError(f"{where}: \"{name}\" must be a non-empty list of non-empty strings")
    return value


def _is_int(n: Any) -> bool:
    return (isinstance(n, int) and not isinstance(n, bool)) or (isinstance(n, str) and n.strip().isdigit())
