"""``rag eval --llm``: how generated answers fare on a question set, wherever a real model is
reachable (not part of ``make test``). Per language and overall: the share of questions whose
shown generated answer holds a gold key phrase (matched as the scorer matches: case,
whitespace, SARA AM splits and tone/vowel order ignored), the share of generated sentences the
citation check supported, and the share of questions where no generated answer was shown
(refused: nothing found, withheld by the check, or the LLM failed). With off-topic questions
(``rag eval --offtopic FILE``), the share of them that got no generated answer, and how many
requests reached the model for them (none should: the relevance gate stops them first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.api import Assistant
from rag.evaluation.questions import Question, canon


def evaluate_generated(assistant: Assistant, questions: Sequence[Question], k: int = 5,
                       offtopic: Sequence[Question] = ()) -> dict[str, Any]:
    rows = []
    for q in questions:
        answer = assistant.ask(q.question, k=k)
        gen = answer.generated
        shown = gen is not None and gen.shown
        text = canon(" ".join(s.text for s in gen.kept)) if shown and gen is not None else ""
        rows.append({"lang": q.lang, "holds": shown and any(canon(a) in text for a in q.answers),
                     "refused": not shown,
                     "supported": sum(s.supported for s in gen.sentences) if gen else 0,
                     "sentences": len(gen.sentences) if gen else 0,
                     "failed": bool(gen and gen.error)})
    out: dict[str, Any] = {}
    for part in ("all", "th", "en"):
        sel = [r for r in rows if part == "all" or r["lang"] == part]
        if not sel:
            continue
        n_sent = sum(r["sentences"] for r in sel)
        out[part] = {"n": len(sel), "holds_key_phrase": round(sum(r["holds"] for r in sel) / len(sel), 3),
                     "sentences_supported": round(sum(r["supported"] for r in sel) / n_sent, 3) if n_sent else None,
                     "refused": round(sum(r["refused"] for r in sel) / len(sel), 3),
                     "llm_failed": sum(r["failed"] for r in sel)}
    if offtopic:
        answers = [assistant.ask(q.question, k=k) for q in offtopic]
        out["offtopic"] = {"n": len(answers),
                           "refused": round(sum(not (a.generated and a.generated.shown) for a in answers) / len(answers), 3),
                           "asked_the_model": sum(a.generated is not None for a in answers)}
    return out
