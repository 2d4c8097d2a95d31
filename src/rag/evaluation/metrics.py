"""Judging hits and scoring a run: the figures of ``rag eval``.

A hit answers a key-phrase question when one of the key phrases occurs (in ``canon`` form) in
what the user sees of it: the first ``MAX_CHARS`` of its text and the references it cites; it
answers a gold-id question when its ``doc_id`` is a gold id. These judging rules are those of
the reference scorer (``../shared/tools/score_search.py``), so ``rag eval`` reports the same
figures as the script that judges the project; the tests check that equality on a copy of the
scorer. Footnote recall (FnR@5) is ours.

The answer a user reads (``rag.Assistant.ask``) is judged as ``../shared/tools/score_answers.py``
judges it: ``AnsR``, a key phrase inside the extract; ``Shown``, inside anything the answer
shows (extract, passages, sources, as the answer's JSON); ``Refused``, the answer said nothing
relevant was found. Every question of the set counts in ``Refused`` (the set is taken as
answerable, as the scorer takes it); only those with key phrases count in ``AnsR`` and ``Shown``
(a gold-id question without any has nothing to look for). Off-topic questions (``--offtopic``)
count only in ``OffRefused``, the share of them refused.

The ranking metrics over those judgments (R@k as hit rate, MRR, nDCG) come from ``ranx``, so
they are the standard definitions; the summaries round like the scorer.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rag.evaluation.questions import Question, canon

KS = (1, 3, 5, 10)          # the cut-offs the scorer reports
MRR_K = 10
NDCG_K = 10
FN_K = 5                    # footnote recall looks at the first 5 hits, like the scorer
MAX_CHARS = 1500            # a hit's text counts up to here, so returning whole sections earns nothing
ANSWER_METRICS = ("AnsR", "Shown", "Refused")
OFF_REFUSED = "OffRefused"

T = TypeVar("T")


@dataclass
class Outcome:
    """One question answered in one mode: the hits (JSON shape) and which of them match."""

    question: Question
    hits: list[dict[str, Any]]
    found: list[bool]
    error: str | None = None
    answer: dict[str, float] | None = None   # judge_answer's figures, where the answer was asked

    @property
    def first(self) -> int | None:
        return next((i for i, f in enumerate(self.found) if f), None)


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


def judge_answer(q: Question, answer: dict[str, Any]) -> dict[str, float]:
    """``AnsR``, ``Shown`` (when ``q`` has key phrases) and ``Refused`` of one answer, given as
    its JSON (``Answer.to_dict``): the scorer's rules, to the character."""
    row = {"Refused": float(not answer.get("found", True))}
    if q.answers:
        keys = [canon(a) for a in q.answers]
        extract = canon(" ".join(s["text"] for s in answer.get("extract") or []))
        shown = canon(json.dumps([answer.get("extract"), answer.get("passages"), answer.get("sources")],
                                 ensure_ascii=False))
        row["AnsR"] = float(any(key in extract for key in keys))
        row["Shown"] = float(any(key in shown for key in keys))
    return {name: row[name] for name in ANSWER_METRICS if name in row}


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
        row.update(o.answer or {})
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


# --------------------------------------------------------------------------- summaries


def groups(questions: Sequence[T], key: Callable[[T], str], with_all: bool = True) -> dict[str, list[T]]:
    """"all" first, then Thai, English and any other value in a stable order."""
    out: dict[str, list[T]] = {"all": list(questions)} if with_all else {}
    by: dict[str, list[T]] = {}
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
    out: dict[str, float | int] = {f"R@{c}": rounded_mean([r[f"R@{c}"] for r in rows]) for c in cutoffs}
    out[f"MRR@{MRR_K}"] = rounded_mean([r[f"MRR@{MRR_K}"] for r in rows])
    for name in (f"nDCG@{NDCG_K}", f"FnR@{FN_K}", *ANSWER_METRICS):
        vals = [r[name] for r in rows if name in r]
        if vals:
            out[name] = rounded_mean(vals)
    out["n"] = len(rows)
    return out


def summarise_offtopic(refused: Sequence[bool]) -> dict[str, float | int]:
    """The share of off-topic questions refused, and how many there were."""
    return {OFF_REFUSED: rounded_mean([float(r) for r in refused]), "n_off": len(refused)}


def rounded_mean(values: list[float]) -> float:
    """The mean summed in the given order and rounded to 4 places, as the scorer does; 0 for none."""
    total = 0.0
    for v in values:
        total += v
    return round(total / len(values), 4) if values else 0.0
