"""Answer recall of the search on a question set: the numbers behind ``rag eval``.

Two kinds of question files are read. Key-phrase questions (``{"id", "lang", "question",
"answers", "footnotes", "type"}``, the project's own gold set) count a hit as relevant when
one of the key phrases occurs in what the user sees of it; gold-id questions (``{"qid",
"question", "gold"}``, the XQuAD / iApp benchmarks) count it when its ``doc_id`` is a gold id.
The judging rules are those of the reference scorer (``../shared/tools/score_search.py``), so
``rag eval`` reports the same figures as the script that judges the project; the tests check
that equality on a copy of the scorer.

Judging a hit is ours (key phrases, footnotes); the ranking metrics over those judgments
(R@k as hit rate, MRR, nDCG) come from ``ranx``, so they are the standard definitions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.thai.chars import is_thai

if TYPE_CHECKING:
    from rag.search.searcher import Searcher

KS = (1, 3, 5, 10)          # the cut-offs the scorer reports
MRR_K = 10
NDCG_K = 10
FN_K = 5                    # footnote recall looks at the first 5 hits, like the scorer
MAX_CHARS = 1500            # a hit's text counts up to here, so returning whole sections earns nothing
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
    gold: tuple[str, ...] | None = None   # set for gold-id questions: gold ids win over answers
    footnotes: tuple[int, ...] = ()
    type: str | None = None

    @property
    def expected(self) -> tuple[str, ...]:
        return self.gold if self.gold is not None else self.answers


@dataclass
class Outcome:
    """One question answered in one mode: the hits (JSON shape) and which of them match."""

    question: Question
    hits: list[dict[str, Any]]
    found: list[bool]
    error: str | None = None

    @property
    def first(self) -> int | None:
        return next((i for i, f in enumerate(self.found) if f), None)


@dataclass
class Evaluation:
    """Every mode's hits and per-question scores, kept whole so the report can show failures."""

    qa_path: Path
    index_dir: Path
    k: int
    modes: list[str]
    questions: list[Question]
    outcomes: dict[str, list[Outcome]]
    per_question: dict[str, dict[str, dict[str, float]]]   # mode -> qid -> metric -> value
    seconds: float = 0.0
    model: str = ""
    warnings: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, dict[str, dict[str, float | int]]]:
        """The ``--json`` object: mode -> "all" / language -> the scorer's names."""
        return {m: {g: summarise(self.per_question[m], ks(self.k), qs)
                    for g, qs in groups(self.questions, language_of).items()} for m in self.modes}

    def by_type(self) -> dict[str, dict[str, dict[str, float | int]]]:
        if not any(q.type for q in self.questions):
            return {}
        return {m: {g: summarise(self.per_question[m], ks(self.k), qs)
                    for g, qs in groups(self.questions, type_of, with_all=False).items()} for m in self.modes}

    def recall_curve(self) -> dict[str, dict[str, list[float]]]:
        """R@1..R@k per mode and language: the data of the plot."""
        out: dict[str, dict[str, list[float]]] = {}
        for m in self.modes:
            pq = self.per_question[m]
            out[m] = {g: [_mean([pq[q.qid][f"R@{i}"] for q in qs]) for i in range(1, self.k + 1)]
                      for g, qs in groups(self.questions, language_of).items()}
        return out

    def failed(self, mode: str) -> list[Outcome]:
        return [o for o in self.outcomes[mode] if o.first is None]


# --------------------------------------------------------------------------- question files


def language_of(q: Question) -> str:
    return q.lang


def type_of(q: Question) -> str:
    return q.type or "(none)"


def load_questions(path: Path) -> list[Question]:
    """Read and check a whole question file first, so a typo on line 90 fails in a second."""
    from rag.document.reading import iter_jsonl

    out: list[Question] = []
    seen: dict[str, int] = {}
    for where, lineno, rec in iter_jsonl(path):
        q = _question(rec, where, lineno)
        if q.qid in seen:
            raise RagError(f"{where}: duplicate id {q.qid!r} (first on line {seen[q.qid]})")
        seen[q.qid] = lineno
        out.append(q)
    if not out:
        raise RagError(f"{path}: no questions")
    return out


def _question(rec: Any, where: str, lineno: int) -> Question:
    if not isinstance(rec, dict):
        raise RagError(f"{where}: expected a JSON object")
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
    answers = tuple(_strings(rec.get("answers") or [], "answers", where)) if gold is None else ()
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


# --------------------------------------------------------------------------- judging (ours)


def seen_text(hit: dict[str, Any], max_chars: int = MAX_CHARS) -> str:
    """What a reader sees of a hit: the start of its text and the references it cites."""
    refs = [f.get("text", "") for f in hit.get("footnotes") or [] if isinstance(f, dict)]
    return canon(hit.get("text", "")[:max_chars] + " " + " ".join(refs))


def footnote_numbers(hit: dict[str, Any]) -> set[int]:
    return {int(f["n"] if isinstance(f, dict) else f) for f in hit.get("footnotes") or []}


def judge(q: Question, hits: list[dict[str, Any]], max_chars: int = MAX_CHARS) -> list[bool]:
    """Which hits answer ``q``: a gold doc id, else a key phrase in what the reader sees."""
    if q.gold is not None:
        gold = set(q.gold)
        return [h.get("doc_id") in gold for h in hits]
    keys = [canon(a) for a in q.answers]
    return [any(key in seen_text(h, max_chars) for key in keys) for h in hits]


def footnote_recall(q: Question, hits: list[dict[str, Any]]) -> float | None:
    """1 when every footnote of the answering passage is cited by one of the first 5 hits (ours)."""
    if not q.footnotes:
        return None
    got: set[int] = set().union(*(footnote_numbers(h) for h in hits[:FN_K])) if hits else set()
    return float(set(q.footnotes) <= got)


# --------------------------------------------------------------------------- metrics (ranx)


def ks(k: int) -> tuple[int, ...]:
    """The scorer's cut-offs that a run of ``k`` hits can fill."""
    return tuple(c for c in KS if c <= k)


def score_outcomes(outcomes: list[Outcome], k: int) -> dict[str, dict[str, float]]:
    """Per question: R@1..R@k, MRR@10, nDCG@10 (gold-id questions) and FnR@5 (with footnotes).

    Relevance is decided per returned hit (by what it shows), so ranx gets one judgment per rank
    position: a document that comes back as two chunks then counts at its first matching rank, as
    in the scorer, and ranx's hit rate is the scorer's R@k (any answering hit in the top k). nDCG
    is over distinct documents, ranked by their best chunk, against the gold ids.
    """
    hit_rates = [f"hit_rate@{i}" for i in range(1, k + 1)]
    ranked = _ranx_scores({o.question.qid: _position_judgments(o) for o in outcomes},
                          {o.question.qid: _position_run(o) for o in outcomes}, [*hit_rates, f"mrr@{MRR_K}"])
    gold = [o for o in outcomes if o.question.gold is not None]
    ndcg = _ranx_scores({o.question.qid: dict.fromkeys(o.question.gold or (), 1) for o in gold},
                        {o.question.qid: _document_run(o) for o in gold}, [f"ndcg@{NDCG_K}"])
    out: dict[str, dict[str, float]] = {}
    for o in outcomes:
        qid = o.question.qid
        row = {f"R@{i}": ranked[qid].get(f"hit_rate@{i}", 0.0) for i in range(1, k + 1)}
        row[f"MRR@{MRR_K}"] = ranked[qid].get(f"mrr@{MRR_K}", 0.0)
        if o.question.gold is not None:
            row[f"nDCG@{NDCG_K}"] = ndcg[qid].get(f"ndcg@{NDCG_K}", 0.0)
        fn = footnote_recall(o.question, o.hits)
        if fn is not None:
            row[f"FnR@{FN_K}"] = fn
        out[qid] = row
    return out


def _position_judgments(o: Outcome) -> dict[str, int]:
    return {_pos(i): 1 for i, f in enumerate(o.found) if f}


def _position_run(o: Outcome) -> dict[str, float]:
    # scores fall with the rank, so ranx keeps the search's order
    return {_pos(i): float(len(o.hits) - i) for i in range(len(o.hits))}


def _document_run(o: Outcome) -> dict[str, float]:
    run: dict[str, float] = {}
    for i, h in enumerate(o.hits):
        run.setdefault(str(h.get("doc_id")), float(len(o.hits) - i))
    return run


def _pos(i: int) -> str:
    return f"hit{i:05d}"


def _ranx_scores(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]],
                 metrics: list[str]) -> dict[str, dict[str, float]]:
    """ranx per-question scores; a question with no relevant hit or no hit at all scores 0 on
    every metric, and ranx refuses empty judgments, so those are left out of its input."""
    from ranx import Qrels, Run, evaluate

    keep = [q for q in qrels if qrels[q] and run.get(q)]
    out: dict[str, dict[str, float]] = {q: {} for q in qrels}
    if not keep:
        return out
    ranx_run = Run({q: run[q] for q in keep})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety notes from ranx's compiled metrics
        evaluate(Qrels({q: qrels[q] for q in keep}), ranx_run, metrics, return_mean=False)
    for metric in metrics:
        for q, v in ranx_run.scores[metric].items():
            out[q][metric] = float(v)
    return out


def groups(questions: Sequence[Question], key: Callable[[Question], str],
           with_all: bool = True) -> dict[str, list[Question]]:
    """"all" first, then Thai, English and any other value in a stable order."""
    out: dict[str, list[Question]] = {"all": list(questions)} if with_all else {}
    by: dict[str, list[Question]] = {}
    for q in questions:
        by.setdefault(key(q), []).append(q)
    order = {"th": 0, "en": 1}
    for g in sorted(by, key=lambda g: (order.get(g, 2), g)):
        out[g] = by[g]
    return out


def summarise(per_question: dict[str, dict[str, float]], cutoffs: tuple[int, ...],
              subset: Sequence[Question]) -> dict[str, float | int]:
    """Means over ``subset`` in the scorer's names, rounded like the scorer (4 places).

    Summed in file order, as the scorer does, so the rounding agrees to the last digit.
    """
    rows = [per_question[q.qid] for q in subset]
    out: dict[str, float | int] = {f"R@{c}": _mean([r[f"R@{c}"] for r in rows]) for c in cutoffs}
    out[f"MRR@{MRR_K}"] = _mean([r[f"MRR@{MRR_K}"] for r in rows])
    for name in (f"nDCG@{NDCG_K}", f"FnR@{FN_K}"):
        vals = [r[name] for r in rows if name in r]
        if vals:
            out[name] = _mean(vals)
    out["n"] = len(rows)
    return out


def _mean(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return round(total / len(values), 4) if values else 0.0


# --------------------------------------------------------------------------- running


def parse_modes(text: str) -> list[str]:
    from rag.search import check_mode

    modes = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    if not modes:
        raise RagError("--modes is empty: give e.g. hybrid,dense,bm25")
    return [check_mode(m) for m in modes]


def default_questions() -> Path:
    """The project's gold set for the shipped article: beside the source in a checkout, else ./eval."""
    for base in (Path(__file__).resolve().parents[3], Path.cwd()):
        if (base / DEFAULT_QA).is_file():
            return base / DEFAULT_QA
    raise RagError(f"no question file given and no {DEFAULT_QA} here: pass --qa FILE.jsonl")


def answer_all(searcher: Searcher, questions: Sequence[Question], mode: str, k: int,
               tick: Callable[[], None] = lambda: None) -> list[Outcome]:
    """Ask every question one at a time, as a user would, and judge what came back."""
    out = []
    for q in questions:
        error = None
        try:
            hits = [h.to_dict() for h in searcher.search(q.question, k=k, mode=mode).hits]
        except RagError as e:  # one odd question must not sink the whole run
            hits, error = [], str(e)
        out.append(Outcome(question=q, hits=hits, found=judge(q, hits), error=error))
        tick()
    return out


def evaluate(searcher: Searcher, questions: list[Question], *, modes: Sequence[str], k: int = 10,
             qa_path: Path = Path("-"), progress: bool = False) -> Evaluation:
    """All modes on one opened index, so the model is loaded once and the modes compare fairly."""
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    outcomes: dict[str, list[Outcome]] = {}
    with tqdm(total=len(questions) * len(modes), desc="eval", unit="q", file=sys.stderr,
              disable=not progress) as bar:
        for mode in modes:
            bar.set_postfix_str(mode)
            outcomes[mode] = answer_all(searcher, questions, mode, k, tick=lambda: bar.update(1))
    per_question = {m: score_outcomes(outcomes[m], k) for m in modes}
    ev = Evaluation(qa_path=qa_path, index_dir=searcher.index_dir, k=k, modes=list(modes), questions=questions,
                    outcomes=outcomes, per_question=per_question, seconds=time.perf_counter() - t0,
                    model=str(searcher.manifest.get("model", {}).get("id", "")))
    errors = [f"{o.question.qid} ({m}): {o.error}" for m in modes for o in outcomes[m] if o.error]
    ev.warnings.extend(errors)
    return ev


def run_cli(args: argparse.Namespace) -> int:
    from rag.api import open_index, resolve_index
    from rag.evaluation.report import print_table, write_report

    modes = parse_modes(args.modes)
    qa_path = Path(args.qa) if args.qa else default_questions()
    questions = load_questions(qa_path)
    searcher = open_index(resolve_index(args.index)).searcher
    if not args.qa and DEFAULT_DOC not in searcher.documents:
        print(f"rag eval: warning: the default questions are about {DEFAULT_DOC}, which is not in "
              f"{searcher.index_dir}; pass --qa FILE.jsonl for your own documents", file=sys.stderr)
    ev = evaluate(searcher, questions, modes=modes, k=args.k, qa_path=qa_path, progress=True)
    for w in ev.warnings:
        print(f"rag eval: warning: {w}", file=sys.stderr)
    if args.out:
        written = write_report(ev, Path(args.out))
        print(f"rag eval: wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    if args.json:
        print(json.dumps(ev.metrics(), ensure_ascii=False))
    else:
        print_table(ev)
    return 0
