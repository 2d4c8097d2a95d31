"""Answer recall of the search on a question set: running a searcher over the questions.

Every question is asked one at a time in every mode, as a user would ask it, on one opened
index (the model is loaded once, so the modes compare fairly); the hits are judged and scored
by rag.evaluation.metrics, and kept whole in an ``Evaluation`` so the report can show what came
back for the questions that failed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.evaluation.metrics import Outcome, groups, judge, ks, rounded_mean, score_outcomes, summarise
from rag.evaluation.questions import Question, language_of, type_of

if TYPE_CHECKING:
    from rag.search import Searcher


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
