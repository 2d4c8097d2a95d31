"""Answer recall of the search, and what the answers hold, on a question set.

Every question is asked one at a time in every mode, as a user would ask it, on one opened
index (the model is loaded once, so the modes compare fairly); the hits are judged and scored
by rag.evaluation.metrics, and kept whole in an ``Evaluation`` so the report can show what came
back for the questions that failed. Given an ``Assistant`` (the user's API), each question is
asked through it (``ask_ranked``: the answer of ``ANSWER_K`` passages and the ranking of k hits
from one search) and the answer is judged too (AnsR, Shown, Refused); off-topic questions are
asked the same way and only their refusal counts.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.evaluation.metrics import (
    Outcome,
    groups,
    judge,
    judge_answer,
    ks,
    rounded_mean,
    score_outcomes,
    summarise,
    summarise_offtopic,
)
from rag.evaluation.questions import Question, language_of, type_of

if TYPE_CHECKING:
    from rag.api import Assistant
    from rag.search import Searcher

ANSWER_K = 5  # passages an answer is composed from: `rag ask`'s and Assistant.ask's default


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
    offtopic: list[Question] = field(default_factory=list)
    offtopic_path: Path = Path("-")
    offtopic_refused: dict[str, list[bool]] = field(default_factory=dict)  # mode -> per off-topic question

    def metrics(self) -> dict[str, dict[str, dict[str, float | int]]]:
        """The ``--json`` object: mode -> "all" / language -> the scorer's names, and the share of
        off-topic questions refused (``OffRefused``, ``n_off``) where there are any."""
        by_lang = groups(self.questions, language_of)
        off = groups(range(len(self.offtopic)), lambda i: self.offtopic[i].lang) if self.offtopic else {}
        out: dict[str, dict[str, dict[str, float | int]]] = {}
        for m in self.modes:
            out[m] = {}
            for g in [*by_lang, *(g for g in off if g not in by_lang)]:
                row = summarise(self.per_question[m], ks(self.k), by_lang[g]) if g in by_lang else {"n": 0}
                if g in off:
                    row.update(summarise_offtopic([self.offtopic_refused[m][i] for i in off[g]]))
                out[m][g] = row
        return out

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
            out[m] = {g: [rounded_mean([pq[q.qid][f"R@{i}"] for q in qs]) for i in range(1, self.k + 1)]
                      for g, qs in groups(self.questions, language_of).items()}
        return out

    def failed(self, mode: str) -> list[Outcome]:
        return [o for o in self.outcomes[mode] if o.first is None]


def parse_modes(text: str) -> list[str]:
    from rag.search import check_mode

    modes = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    if not modes:
        raise RagError("--modes is empty: give e.g. hybrid,dense,bm25")
    return [check_mode(m) for m in modes]


def answer_all(searcher: Searcher, questions: Sequence[Question], mode: str, k: int,
               tick: Callable[[], None] = lambda: None, assistant: Assistant | None = None) -> list[Outcome]:
    """Ask every question one at a time, as a user would, and judge what came back: the hits,
    and with ``assistant`` the answer too (its search gives the hits, unless the answer was
    searched within the document's ends, a whole-document question, when the hits are searched
    for plainly, as `rag search` would)."""
    out = []
    for q in questions:
        error = None
        judged = None
        try:
            if assistant is not None:
                answer, ranking = assistant.ask_ranked(q.question, k=ANSWER_K, ranked=k, mode=mode, generated=False)
                judged = judge_answer(q, answer.to_dict())
                result = ranking if answer.scope is None else searcher.search(q.question, k=k, mode=mode)
            else:
                result = searcher.search(q.question, k=k, mode=mode)
            hits = [h.to_dict() for h in result.hits[:k]]
        except RagError as e:  # one odd question must not sink the whole run
            hits, error = [], str(e)
        out.append(Outcome(question=q, hits=hits, found=judge(q, hits), error=error, answer=judged))
        tick()
    return out


def refused_all(assistant: Assistant, questions: Sequence[Question], mode: str,
                tick: Callable[[], None] = lambda: None) -> list[bool]:
    """Whether each off-topic question's answer said nothing relevant was found."""
    out = []
    for q in questions:
        out.append(not assistant.ask(q.question, k=ANSWER_K, mode=mode, generated=False).found)
        tick()
    return out


def evaluate(target: Searcher | Assistant, questions: list[Question], *, modes: Sequence[str], k: int = 10,
             qa_path: Path = Path("-"), progress: bool = False,
             offtopic: Sequence[Question] = (), offtopic_path: Path = Path("-")) -> Evaluation:
    """All modes on one opened index, so the model is loaded once and the modes compare fairly.

    ``target``: a ``Searcher`` scores the hits only; an ``Assistant`` (rag.api) scores the
    answers too, and asks ``offtopic`` questions, expected refused."""
    from tqdm.auto import tqdm

    from rag.api import Assistant

    assistant = target if isinstance(target, Assistant) else None
    searcher = target.searcher if isinstance(target, Assistant) else target
    off = list(offtopic) if assistant is not None else []
    t0 = time.perf_counter()
    outcomes: dict[str, list[Outcome]] = {}
    refused: dict[str, list[bool]] = {}
    with tqdm(total=(len(questions) + len(off)) * len(modes), desc="eval", unit="q", file=sys.stderr,
              disable=not progress) as bar:
        for mode in modes:
            bar.set_postfix_str(mode)
            outcomes[mode] = answer_all(searcher, questions, mode, k, tick=lambda: bar.update(1), assistant=assistant)
            if assistant is not None and off:
                refused[mode] = refused_all(assistant, off, mode, tick=lambda: bar.update(1))
    per_question = {m: score_outcomes(outcomes[m], k) for m in modes}
    ev = Evaluation(qa_path=qa_path, index_dir=searcher.index_dir, k=k, modes=list(modes), questions=questions,
                    outcomes=outcomes, per_question=per_question, seconds=time.perf_counter() - t0,
                    model=str(searcher.manifest.get("model", {}).get("id", "")), offtopic=off,
                    offtopic_refused=refused, offtopic_path=offtopic_path)
    errors = [f"{o.question.qid} ({m}): {o.error}" for m in modes for o in outcomes[m] if o.error]
    ev.warnings.extend(errors)
    return ev
