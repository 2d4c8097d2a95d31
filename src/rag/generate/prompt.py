"""The messages sent to the LLM: the question, the passages numbered [1]..[k] with their
title, section and page, and the references they cite, under instructions to answer in the
question's language, briefly, only from the passages, with [n] after each claim.

The wording lives in one file a user can change (``prompts.txt`` beside this module, or the
file ``RAG_LLM_PROMPTS`` names): sections ``=== <lang> <part> ===`` filled in with
``string.Template`` ($question, $passages, $sources). The section format is read here, in a
few lines: Python 3.10 has no TOML reader, and JSON strings are no place to edit a prompt.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from rag.answer import LABELS, Answer
from rag.answer.labels import where
from rag.config import env_choice
from rag.errors import RagError

DEFAULT_PROMPTS = Path(__file__).with_name("prompts.txt")
PARTS = ("system", "user")
LANGS = ("en", "th")
_HEAD = re.compile(r"^===\s*(\w+)\s+(\w+)\s*===\s*$")
PASSAGE_CHARS = 1500  # of each passage's text: what the search and the scorer read too


def load_templates(path: Path | None = None) -> dict[tuple[str, str], Template]:
    """(lang, part) -> template, from ``path``, ``RAG_LLM_PROMPTS`` or the shipped file."""
    path = path or Path(env_choice("RAG_LLM_PROMPTS") or DEFAULT_PROMPTS)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RagError(f"{path}: cannot read the prompt templates ({e.strerror})") from None
    sections: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = _HEAD.match(line)
        if m:
            current = sections.setdefault((m.group(1), m.group(2)), [])
        elif current is not None and not line.startswith("#"):
            current.append(line)
    missing = [f"{lang} {part}" for lang in LANGS for part in PARTS if (lang, part) not in sections]
    if missing:
        raise RagError(f"{path}: no '=== {missing[0]} ===' section in the prompt templates")
    return {key: Template("\n".join(lines).strip()) for key, lines in sections.items()}


def passages_block(answer: Answer) -> str:
    lab = LABELS[answer.lang]
    out = []
    for p in answer.passages:
        head = " · ".join(where(p.hit, lab))
        text = p.hit.text[:PASSAGE_CHARS]
        notes = "".join(f" ({lab['sources']} {r.n})" for r in p.hit.footnotes)
        out.append(f"[{p.n}] {head}{notes}\n{text}")
    return "\n\n".join(out)


def sources_block(answer: Answer) -> str:
    return "\n".join(f"- {s.n}. {s.text}" for s in answer.sources) or "-"


def build_messages(answer: Answer, templates: dict[tuple[str, str], Template] | None = None) -> list[dict[str, str]]:
    """The chat messages for ``answer``'s question and passages, in the question's language."""
    templates = templates or load_templates()
    values = {"question": answer.question, "passages": passages_block(answer), "sources": sources_block(answer)}
    try:
        return [{"role": part, "content": templates[(answer.lang, part)].substitute(values)} for part in PARTS]
    except (KeyError, ValueError) as e:
        raise RagError(f"the prompt templates use an unknown or malformed placeholder ({e})") from None
