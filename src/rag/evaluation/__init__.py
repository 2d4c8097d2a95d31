"""Evaluation: takes an index (through rag.api / rag.search) and question files, and gives the
figures: answer recall of the search and what the answers hold (``rag eval``), and the speed
and memory of ingest and search (``rag bench``).

- ``questions``: the one reader of question/query JSONL files, ``Question``, ``load_questions``;
- ``metrics``: judging hits and answers as the reference scorers do, ranx scores, summaries;
- ``evaluate``: the user's API (or a searcher) over the questions in every mode, ``Evaluation``;
- ``report``: its table, report.md, metrics.json and plot;
- ``bench`` / ``bench_report``: ``rag bench``'s measurements and their output;
  ``serve_process``: starting and stopping ``rag serve`` for the benches and tests;
- ``cli``: the ``rag eval`` and ``rag bench`` commands.
"""

from rag.evaluation.evaluate import Evaluation, answer_all, evaluate, parse_modes
from rag.evaluation.metrics import Outcome, footnote_recall, judge, judge_answer, score_outcomes, summarise
from rag.evaluation.questions import (
    Question,
    canon,
    default_questions,
    load_offtopic,
    load_questions,
    question_texts,
    read_queries,
    read_records,
)
from rag.evaluation.report import print_table, write_report

__all__ = [
    "Question", "canon", "default_questions", "load_offtopic", "load_questions", "question_texts", "read_queries",
    "read_records",
    "Outcome", "footnote_recall", "judge", "judge_answer", "score_outcomes", "summarise",
    "Evaluation", "answer_all", "evaluate", "parse_modes",
    "print_table", "write_report",
]
